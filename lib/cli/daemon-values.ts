/**
 * The daemon's configuration values, each with one parser shared by the
 * command line, the environment and the config file, so that all three
 * accept the same text and explain a refusal the same way. A parser returns
 * the value or throws `ValueError` with what was expected; the caller adds
 * where the text came from (`--dpid`, `OF_DPID`, `config.json:
 * bridges[0].dpid`).
 */
import { macFromName } from '../netdev/dummy.js';
import { ACTIVE_SYNTAX, PASSIVE_SYNTAX, formatTarget, parseActiveTarget, parsePassiveTarget } from '../conn/index.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './log.js';

export class ValueError extends Error {}

/** Port types the syntax knows; `AVAILABLE_PORT_TYPES` are those that exist today. */
export const PORT_TYPES = ['system', 'tap', 'internal', 'patch', 'vxlan', 'dummy'] as const;
export type PortType = (typeof PORT_TYPES)[number];
export const AVAILABLE_PORT_TYPES: readonly PortType[] = ['system', 'tap', 'internal', 'dummy'];

export type FailMode = 'secure' | 'standalone';

export interface PortSpec {
  /** The OpenFlow port number. */
  number: number;
  /** The interface name. */
  iface: string;
  type: PortType;
}

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

/** "N=IFACE[:TYPE]"; TYPE defaults to "system", as Open vSwitch's interface type does. */
export function parsePortSpec(text: string): PortSpec {
  const m = /^(\d+)=([^:=\s]+)(?::([a-z]+))?$/.exec(text);
  const bad = `expected "N=IFACE[:TYPE]" with TYPE one of ${PORT_TYPES.join(', ')}, got ${got(text)}`;
  if (!m) throw new ValueError(bad);
  const type = (m[3] ?? 'system') as PortType;
  if (!PORT_TYPES.includes(type)) throw new ValueError(bad);
  return { number: parsePortNumber(m[1]!, text), iface: parseIfaceName(m[2]!, text), type };
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
