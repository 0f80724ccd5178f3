/**
 * The daemon's configuration values, each with one parser shared by the
 * command line, the environment and the config file, so that all three
 * accept the same text and explain a refusal the same way. A parser returns
 * the value or throws `ValueError` with what was expected; the caller adds
 * where the text came from (`--dpid`, `OF_DPID`, `config.json:
 * bridges[0].dpid`).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { macFromName } from '../netdev/dummy.js';
import { ACTIVE_SYNTAX, PASSIVE_SYNTAX, formatTarget, parseActiveTarget, parsePassiveTarget } from '../conn/index.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './log.js';
import type { QueueConfig } from '../netdev/queues.js';
import { queueOptionTexts, takeQueueOptions } from './daemon-queues.js';

export class ValueError extends Error {}

/** Port types the syntax knows; `AVAILABLE_PORT_TYPES` are those that exist today. */
export const PORT_TYPES = ['system', 'tap', 'internal', 'patch', 'vxlan', 'dummy'] as const;
export type PortType = (typeof PORT_TYPES)[number];
export const AVAILABLE_PORT_TYPES: readonly PortType[] = ['system', 'tap', 'internal', 'patch', 'vxlan', 'dummy'];

export type FailMode = 'secure' | 'standalone';

export interface PortSpec {
  /** The OpenFlow port number. */
  number: number;
  /** The interface name. */
  iface: string;
  type: PortType;
  /**
   * Interface options, as Open vSwitch's `options:KEY=VALUE` (patch: peer;
   * vxlan: remote_ip, local_ip, dst_port, key). Plain strings, so that a
   * spec written back into a config file reads the same.
   */
  options?: Record<string, string>;
  /** The port's queues (daemon-queues.ts): "queueN.min-rate=BPS+queueN.max-rate=BPS" options, "queues" in a config file. */
  queues?: QueueConfig[];
}

/**
 * Separates options in "N=IFACE:TYPE:KEY=V+KEY=V". Not ",", which separates
 * ports in OF_PORTS, nor ";", which a shell would take.
 */
export const OPTION_SEPARATOR = '+';

/** The options each port type takes; a type not listed takes none. */
export const PORT_OPTIONS: Readonly<Partial<Record<PortType, readonly string[]>>> = {
  patch: ['peer'],
  vxlan: ['remote_ip', 'local_ip', 'dst_port', 'key'],
};

/** VXLAN's IANA port (RFC 7348 §5). */
export const VXLAN_PORT = 4789;

const got = (v: unknown): string => JSON.stringify(v);

/**
 * A datapath id: 1 to 16 hex digits, with or without "0x" (Open vSwitch's
 * other-config:datapath-id takes exactly 16; shorter is padded).
 */
export function parseDpid(text: string): bigint {
  if (!/^(0x)?[0-9a-fA-F]{1,16}$/.test(text)) throw new ValueError(`expected a datapath id of 1 to 16 hex digits, got ${got(text)}`);
  return BigInt(text.startsWith('0x') ? text : `0x${text}`);
}

/**
 * The default datapath id of a bridge: its LOCAL port's Ethernet address in
 * the low 48 bits, as Open vSwitch derives a bridge's dpid from the bridge's
 * MAC. Our LOCAL port's address is derived from the bridge name (a locally
 * administered unicast address, 02:00:xx:xx:xx:xx), so the dpid is stable
 * across restarts and differs between bridges.
 */
export function defaultDpid(bridgeName: string): bigint {
  return BigInt(`0x${macFromName(bridgeName).replace(/:/g, '')}`);
}

export function formatDpid(dpid: bigint): string {
  return dpid.toString(16).padStart(16, '0');
}

/** A bridge name: what a Linux interface may be called (1..15 bytes, no '/', ':' or whitespace). */
export function parseBridgeName(text: string): string {
  if (!/^[^\s/:]{1,15}$/.test(text)) throw new ValueError(`expected a bridge name of 1 to 15 characters without "/", ":" or spaces, got ${got(text)}`);
  return text;
}

export function parseController(text: string): string {
  const r = parseActiveTarget(text);
  if (!r.ok) throw new ValueError(`expected ${ACTIVE_SYNTAX}, got ${got(text)}`);
  return formatTarget(r.value);
}

export function parseListen(text: string): string {
  const r = parsePassiveTarget(text);
  if (!r.ok) throw new ValueError(`expected ${PASSIVE_SYNTAX}, got ${got(text)}`);
  return formatTarget(r.value);
}

/**
 * "N=IFACE[:TYPE[:KEY=V[+KEY=V...]]]"; TYPE defaults to "system", as Open
 * vSwitch's interface type does. Options are checked against the type
 * (`checkPortOptions`).
 */
export function parsePortSpec(text: string): PortSpec {
  const m = /^(\d+)=([^:=\s]+)(?::([a-z]+)(?::(.*))?)?$/.exec(text);
  const bad = `expected "N=IFACE[:TYPE[:KEY=V${OPTION_SEPARATOR}...]]" with TYPE one of ${PORT_TYPES.join(', ')}, got ${got(text)}`;
  if (!m) {
    // OF_PORTS="3=vx0:vxlan:remote_ip=192.0.2.2,key=5" splits into a port and "key=5".
    if (/^[a-z_]+=/.test(text)) throw new ValueError(`${bad} (options of one port are separated by "${OPTION_SEPARATOR}", not ",")`);
    throw new ValueError(bad);
  }
  const type = (m[3] ?? 'system') as PortType;
  if (!PORT_TYPES.includes(type)) throw new ValueError(bad);
  const spec: PortSpec = { number: parsePortNumber(m[1]!, text), iface: parseIfaceName(m[2]!, text), type };
  if (m[4] !== undefined) {
    spec.options = parseOptionList(m[4], text);
    // Queue options are any port's, not its type's.
    const queues = takeQueueOptions(spec.options, `port ${spec.number}=${spec.iface}:${spec.type}`);
    if (queues !== undefined) spec.queues = queues;
    if (Object.keys(spec.options).length === 0) delete spec.options;
  }
  checkPortOptions(spec);
  return spec;
}

function parseOptionList(text: string, whole: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(OPTION_SEPARATOR)) {
    // queueN.min-rate / queueN.max-rate (daemon-queues.ts) besides the types' own keys.
    const m = /^([a-z_]+|queue\d+\.[a-z-]+)=(\S+)$/.exec(item);
    if (!m) throw new ValueError(`expected options KEY=VALUE separated by "${OPTION_SEPARATOR}", got ${got(item)} in ${got(whole)}`);
    if (Object.hasOwn(out, m[1]!)) throw new ValueError(`option ${m[1]} is given twice in ${got(whole)}`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** "3=vx0:vxlan:remote_ip=192.0.2.2+key=flow": the text parsePortSpec reads back. */
export function formatPortSpec(spec: PortSpec): string {
  const opts = [...Object.entries(spec.options ?? {}).map(([k, v]) => `${k}=${v}`), ...queueOptionTexts(spec.queues ?? [])];
  const tail = opts.length === 0 ? '' : `:${opts.join(OPTION_SEPARATOR)}`;
  return `${spec.number}=${spec.iface}:${spec.type}${tail}`;
}

/**
 * Checks a spec's options against its type: every required option present,
 * every option known and well formed. The complaint names the port, the
 * option and what was expected.
 */
export function checkPortOptions(spec: PortSpec): void {
  const where = `port ${spec.number}=${spec.iface}:${spec.type}`;
  const opts = spec.options ?? {};
  const known = PORT_OPTIONS[spec.type] ?? [];
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) {
      const takes = known.length === 0 ? `${spec.type} ports take no options` : `${spec.type} ports take ${known.join(', ')}`;
      throw new ValueError(`${where}: unknown option ${got(k)} (${takes})`);
    }
    if (typeof opts[k] !== 'string') throw new ValueError(`${where}: option ${k}: expected a string, got ${got(opts[k])}`);
  }
  const need = (k: string, what: string): string => {
    const v = opts[k];
    if (v === undefined) throw new ValueError(`${where}: missing option ${k} (${what})`);
    return v;
  };
  const expect = (k: string, what: string): never => {
    throw new ValueError(`${where}: option ${k}: expected ${what}, got ${got(opts[k])}`);
  };
  if (spec.type === 'patch') {
    const peer = need('peer', 'the interface name of the patch port at the other end');
    if (!/^[^\s/:=]{1,15}$/.test(peer)) expect('peer', 'an interface name of 1 to 15 characters');
    if (peer === spec.iface) expect('peer', `another patch port's interface, not this one's own name`);
  } else if (spec.type === 'vxlan') {
    const remote = need('remote_ip', "the tunnel's far end, an IPv4 or IPv6 address");
    if (!isIPv4(remote) && !isIPv6(remote)) expect('remote_ip', 'an IPv4 or IPv6 address');
    const local = opts.local_ip;
    if (local !== undefined && !(isIPv4(remote) ? isIPv4(local) : isIPv6(local))) {
      expect('local_ip', `an ${isIPv4(remote) ? 'IPv4' : 'IPv6'} address (the family of remote_ip)`);
    }
    if (opts.dst_port !== undefined && !/^\d{1,5}$/.test(opts.dst_port)) expect('dst_port', 'a UDP port from 1 to 65535');
    if (opts.dst_port !== undefined && (Number(opts.dst_port) < 1 || Number(opts.dst_port) > 65535)) expect('dst_port', 'a UDP port from 1 to 65535');
    if (opts.key !== undefined && opts.key !== 'flow' && parseVni(opts.key) < 0) expect('key', '"flow" or a VNI from 0 to 16777215 (decimal or 0x hex)');
  }
}

/** A VXLAN network identifier (24 bits), decimal or 0x hex; -1 if the text is not one. */
export function parseVni(text: string): number {
  if (!/^(\d{1,8}|0x[0-9a-fA-F]{1,6})$/.test(text)) return -1;
  const n = Number(text);
  return n <= 0xffffff ? n : -1;
}

export function parsePortNumber(text: string, whole: string = text): number {
  const n = Number(text);
  // OFPP_MAX (0xffffff00) is the largest physical port number.
  if (!/^\d+$/.test(text) || n < 1 || n > 0xffffff00) throw new ValueError(`expected a port number from 1 to 4294967040, got ${got(whole)}`);
  return n;
}

export function parseIfaceName(text: string, whole: string = text): string {
  if (!/^[^\s/:=]{1,15}$/.test(text)) throw new ValueError(`expected an interface name of 1 to 15 characters, got ${got(whole)}`);
  return text;
}

export function parseFailMode(text: string): FailMode {
  if (text !== 'secure' && text !== 'standalone') throw new ValueError(`expected "secure" or "standalone", got ${got(text)}`);
  return text;
}

export function parseLogLevel(text: string): LogLevel {
  if (!isLogLevel(text)) throw new ValueError(`expected one of ${LOG_LEVELS.join(', ')}, got ${got(text)}`);
  return text;
}

/** Seconds (decimals allowed) within [min, max]. */
export function parseSeconds(text: string | number, min: number, max: number): number {
  const n = typeof text === 'number' ? text : /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) throw new ValueError(`expected a number of seconds from ${min} to ${max}, got ${got(text)}`);
  return n;
}

/** A whole number within [min, max]. */
export function parseCount(text: string | number, min: number, max: number): number {
  const n = typeof text === 'number' ? text : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ValueError(`expected a whole number from ${min} to ${max}, got ${got(text)}`);
  return n;
}

/** Splits an environment list ("a,b, c") into its items. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
