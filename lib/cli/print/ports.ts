/**
 * Ports as ovs-ofctl prints them: port numbers (reserved names, `--names`),
 * the multi-line port description of `show`, `dump-ports-desc` and
 * OFPT_PORT_STATUS, port statistics (`dump-ports`) and OFPT_PORT_MOD.
 *
 * Open vSwitch holds OpenFlow ports in 16 bits: OF1.1+ reserved ports
 * 0xfffffff8..0xffffffff become 0xfff8..0xffff and ordinary ports stay as
 * they are. Where its output depends on that (the order of ports in a port
 * description reply, the column padding of port statistics) this module
 * reproduces the 16-bit view.
 */
import { OFPP } from '../../openflow/constants.js';
import type { Port, PortStats } from '../../openflow/types.js';
import type { PrintOptions } from './options.js';
import { bitNames, cString, formatDuration } from './text.js';

/** OFPP_UNSET: Open vSwitch's "no port" for actset_output (0xfff7 in 16 bits). */
const OFPP_UNSET = 0xfffffff7;

const RESERVED_PORT_NAMES: ReadonlyMap<number, string> = new Map([
  [OFPP.IN_PORT, 'IN_PORT'],
  [OFPP.TABLE, 'TABLE'],
  [OFPP.NORMAL, 'NORMAL'],
  [OFPP.FLOOD, 'FLOOD'],
  [OFPP.ALL, 'ALL'],
  [OFPP.CONTROLLER, 'CONTROLLER'],
  [OFPP.LOCAL, 'LOCAL'],
  [OFPP.ANY, 'ANY'],
  [OFPP_UNSET, 'UNSET'],
]);

/** The reserved name of a port number ("LOCAL"), if it has one. */
export const reservedPortName = (port: number): string | undefined => RESERVED_PORT_NAMES.get(port >>> 0);

/** Open vSwitch's 16-bit port number for an OF1.1+ 32-bit one. */
export function ofpPortTo16(port: number): number {
  port >>>= 0;
  return port >= OFPP.MAX ? port - 0xffff0000 : port;
}

/**
 * Whether Open vSwitch can represent an OF1.1+ port number at all: ordinary
 * ports below 0xff00 and the reserved range. Others fail to decode
 * (OFPBMC_BAD_VALUE in a match, OFPBAC_BAD_OUT_PORT in an action).
 */
export const isOvsPortNumber = (port: number): boolean => port >>> 0 < 0xff00 || port >>> 0 >= OFPP.MAX;

/** A name is printed bare when it cannot be read back as something else. */
function needsQuotes(name: string): boolean {
  return !/^[A-Za-z0-9_.:-]+$/.test(name) || /^\d+$/.test(name) || RESERVED_PORT_NAMES.has(Number(name));
}

/**
 * `ofputil_format_port`: a reserved name, else the port's name when
 * `--names` supplied one, else the number.
 */
export function formatPort(port: number, opts?: PrintOptions): string {
  port >>>= 0;
  const reserved = RESERVED_PORT_NAMES.get(port);
  if (reserved !== undefined) return reserved;
  const name = opts?.portNames?.get(port);
  if (name !== undefined) return needsQuotes(name) ? JSON.stringify(name) : name;
  return String(port);
}

/* ------------------------------------------------- port description */

const PORT_CONFIG_NAMES: ReadonlyMap<number, string> = new Map([
  [1 << 0, 'PORT_DOWN'],
  [1 << 2, 'NO_RECV'],
  [1 << 5, 'NO_FWD'],
  [1 << 6, 'NO_PACKET_IN'],
]);
const PORT_STATE_NAMES: ReadonlyMap<number, string> = new Map([
  [1 << 0, 'LINK_DOWN'],
  [1 << 1, 'BLOCKED'],
  [1 << 2, 'LIVE'],
]);
const PORT_FEATURE_NAMES: ReadonlyMap<number, string> = new Map([
  [1 << 0, '10MB-HD'],
  [1 << 1, '10MB-FD'],
  [1 << 2, '100MB-HD'],
  [1 << 3, '100MB-FD'],
  [1 << 4, '1GB-HD'],
  [1 << 5, '1GB-FD'],
  [1 << 6, '10GB-FD'],
  [1 << 7, '40GB-FD'],
  [1 << 8, '100GB-FD'],
  [1 << 9, '1TB-FD'],
  [1 << 10, 'OTHER'],
  [1 << 11, 'COPPER'],
  [1 << 12, 'FIBER'],
  [1 << 13, 'AUTO_NEG'],
  [1 << 14, 'AUTO_PAUSE'],
  [1 << 15, 'AUTO_PAUSE_ASYM'],
]);

// Open vSwitch keeps only the bits OF1.1+ defines when it decodes a port.
const OFPPC11_ALL = 0x65;
const OFPPS11_ALL = 0x07;

export const portConfigNames = (config: number): string => bitNames(config & OFPPC11_ALL, (b) => PORT_CONFIG_NAMES.get(b));
export const portStateNames = (state: number): string => bitNames(state & OFPPS11_ALL, (b) => PORT_STATE_NAMES.get(b));
export const portFeatureNames = (features: number): string => bitNames(features & 0xffff, (b) => PORT_FEATURE_NAMES.get(b));

/** The port name up to its first unprintable character, as `ofp_print_phy_port` cuts it. */
function printableName(name: string): string {
  const s = cString(name);
  let j = 0;
  while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) < 0x7f) j++;
  return s.slice(0, j);
}

/**
 * One port in the layout of `show` and `dump-ports-desc`:
 *
 *      1(p1): addr:aa:bb:cc:dd:ee:ff
 *          config:     0
 *          state:      LIVE
 *          current:    10GB-FD COPPER
 *          speed: 10000 Mbps now, 0 Mbps max
 *
 * The feature lines appear only when their bitmap is not empty.
 */
export function formatPhyPort(p: Port, opts?: PrintOptions): string {
  let s = ` ${formatPort(p.port_no, opts)}(${printableName(p.name)}): addr:${p.hw_addr}\n`;
  s += `     config:     ${portConfigNames(p.config)}\n`;
  s += `     state:      ${portStateNames(p.state)}\n`;
  if (p.curr & 0xffff) s += `     current:    ${portFeatureNames(p.curr)}\n`;
  if (p.advertised & 0xffff) s += `     advertised: ${portFeatureNames(p.advertised)}\n`;
  if (p.supported & 0xffff) s += `     supported:  ${portFeatureNames(p.supported)}\n`;
  if (p.peer & 0xffff) s += `     peer:       ${portFeatureNames(p.peer)}\n`;
  s += `     speed: ${Math.floor((p.curr_speed >>> 0) / 1000)} Mbps now, ${Math.floor((p.max_speed >>> 0) / 1000)} Mbps max\n`;
  return s;
}

/** Several ports, in Open vSwitch's order: by 16-bit port number, so LOCAL comes last. */
export function formatPhyPorts(ports: readonly Port[], opts?: PrintOptions): string {
  const sorted = ports
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (ofpPortTo16(a.p.port_no) & 0xffff) - (ofpPortTo16(b.p.port_no) & 0xffff) || a.i - b.i);
  return sorted.map(({ p }) => formatPhyPort(p, opts)).join('');
}

/* ------------------------------------------------------ port stats */

/**
 * One port's counters as `dump-ports` prints them. A port number below 10
 * gets an extra space so that the colons of single-digit ports line up.
 */
export function formatPortStats(ps: PortStats, opts?: PrintOptions): string {
  const n = (v: bigint): string => (v === 0xffffffffffffffffn ? '?' : v.toString());
  let s = '  port ';
  if ((ofpPortTo16(ps.port_no) & 0xffff) < 10) s += ' ';
  s += formatPort(ps.port_no, opts);
  s += `: rx pkts=${n(ps.rx_packets)}, bytes=${n(ps.rx_bytes)}, drop=${n(ps.rx_dropped)}, errs=${n(ps.rx_errors)}, `;
  s += `frame=${n(ps.rx_frame_err)}, over=${n(ps.rx_over_err)}, crc=${n(ps.rx_crc_err)}\n`;
  s += `           tx pkts=${n(ps.tx_packets)}, bytes=${n(ps.tx_bytes)}, drop=${n(ps.tx_dropped)}, errs=${n(ps.tx_errors)}, `;
  s += `coll=${n(ps.collisions)}\n`;
  if (ps.duration_sec >>> 0 !== 0xffffffff) {
    s += `           duration=${formatDuration(ps.duration_sec, ps.duration_nsec)}\n`;
  }
  return s;
}
