/**
 * Port texts beyond "N=IFACE[:TYPE...]" (daemon-values.ts parses those):
 * `LOCAL=IFACE[:TYPE]` puts a device behind the bridge's own port, OFPP_LOCAL.
 * Open vSwitch's bridge always has an internal port named after it; here the
 * default LOCAL is in memory (so the daemon runs without root), and
 * `LOCAL=br0:internal` asks for the real one, a TAP device named br0 that
 * the host can address. The result is an ordinary PortSpec whose number is
 * OFPP_LOCAL.
 */
import { OFPP } from '../openflow/constants.js';
import { parseIfaceName, parsePortSpec, ValueError, type PortSpec } from './daemon-values.js';

export const LOCAL_PORT: number = OFPP.LOCAL;
/** What can back LOCAL: a TAP device, or the in-memory default. */
export const LOCAL_TYPES = ['internal', 'dummy'] as const;

/** A port text from --port, OF_PORTS, a config file or port/add: "LOCAL=..." or whatever parsePortSpec takes. */
export function parsePortText(text: string): PortSpec {
  const m = /^LOCAL=([^:=\s]+)(?::([a-z]+))?$/.exec(text);
  if (m === null) {
    if (text.startsWith('LOCAL=')) throw new ValueError(localExpected(text));
    return parsePortSpec(text);
  }
  const type = m[2] ?? 'internal';
  if (!(LOCAL_TYPES as readonly string[]).includes(type)) throw new ValueError(localExpected(text));
  return { number: LOCAL_PORT, iface: parseIfaceName(m[1]!, text), type: type as PortSpec['type'] };
}

function localExpected(text: string): string {
  return `expected "LOCAL=BRIDGE[:TYPE]" with TYPE ${LOCAL_TYPES.join(' or ')}, got ${JSON.stringify(text)}`;
}

/** "1=p1:system", "LOCAL=br0:internal": for logs and replies. */
export function portLabel(spec: PortSpec): string {
  return `${spec.number === LOCAL_PORT ? 'LOCAL' : spec.number}=${spec.iface}:${spec.type}`;
}

/** The port number a config file's port entry (a text or an object) gives, or undefined if it gives none. */
export function entryPortNumber(entry: unknown): number | undefined {
  if (typeof entry === 'string') {
    try {
      return parsePortText(entry).number;
    } catch {
      return undefined;
    }
  }
  if (typeof entry === 'object' && entry !== null && 'number' in entry) {
    const n = Number((entry as { number: unknown }).number);
    return Number.isInteger(n) ? n : undefined;
  }
  return undefined;
}
