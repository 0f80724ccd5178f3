/**
 * Connection targets, in Open vSwitch's syntax.
 *
 * Active targets are where the switch connects to a controller:
 *   tcp:HOST[:PORT]     ssl:HOST[:PORT]          (PORT defaults to 6653)
 * Passive targets are where it listens for controllers and tools:
 *   ptcp:[PORT][:IP]    pssl:[PORT][:IP]         (PORT defaults to 6653, IP to all)
 *   punix:PATH
 * An IPv6 address goes in brackets, as OVS writes it: `tcp:[::1]:6653`,
 * `ptcp:6653:[::1]`. Parsing never throws: a bad target is a value
 * (`{ error }`) so that the config loader can say which key held it.
 */
import { OFP_TCP_PORT } from '../openflow/index.js';

export interface ActiveTarget {
  kind: 'tcp' | 'ssl';
  host: string;
  port: number;
}

export type PassiveTarget =
  | { kind: 'ptcp' | 'pssl'; port: number; host: string | undefined }
  | { kind: 'punix'; path: string };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const ACTIVE_SYNTAX = '"tcp:HOST[:PORT]" or "ssl:HOST[:PORT]"';
export const PASSIVE_SYNTAX = '"ptcp:PORT[:IP]", "pssl:PORT[:IP]" or "punix:PATH"';

function parsePort(text: string, allowZero: boolean): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 && (allowZero || n > 0) ? n : undefined;
}

/** Splits "HOST[:PORT]" where HOST may be "[v6]". */
function splitHostPort(text: string): { host: string; port: string | undefined } | undefined {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    const host = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest === '') return { host, port: undefined };
    if (!rest.startsWith(':')) return undefined;
    return { host, port: rest.slice(1) };
  }
  const colon = text.indexOf(':');
  if (colon < 0) return { host: text, port: undefined };
  if (text.indexOf(':', colon + 1) >= 0) return undefined; // bare IPv6 needs brackets
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

export function parseActiveTarget(text: string): Parsed<ActiveTarget> {
  const bad = { ok: false as const, error: `expected ${ACTIVE_SYNTAX}, got ${JSON.stringify(text)}` };
  const m = /^(tcp|ssl):(.+)$/.exec(text);
  if (!m) return bad;
  const hp = splitHostPort(m[2]!);
  if (!hp || hp.host === '') return bad;
  let port: number | undefined = OFP_TCP_PORT;
  if (hp.port !== undefined) port = parsePort(hp.port, false);
  if (port === undefined) return bad;
  return { ok: true, value: { kind: m[1] as 'tcp' | 'ssl', host: hp.host, port } };
}

export function parsePassiveTarget(text: string): Parsed<PassiveTarget> {
  const bad = { ok: false as const, error: `expected ${PASSIVE_SYNTAX}, got ${JSON.stringify(text)}` };
  if (text.startsWith('punix:')) {
    const path = text.slice('punix:'.length);
    return path === '' ? bad : { ok: true, value: { kind: 'punix', path } };
  }
  const m = /^(ptcp|pssl):(.*)$/.exec(text);
  if (!m) return bad;
  const rest = m[2]!;
  // PORT[:IP], where either part may be empty ("ptcp:", "ptcp::127.0.0.1").
  const colon = rest.indexOf(':');
  const portText = colon < 0 ? rest : rest.slice(0, colon);
  let hostText = colon < 0 ? '' : rest.slice(colon + 1);
  if (hostText.startsWith('[') && hostText.endsWith(']')) hostText = hostText.slice(1, -1);
  else if (hostText.includes(':')) return bad;
  const port = portText === '' ? OFP_TCP_PORT : parsePort(portText, true);
  if (port === undefined) return bad;
  return { ok: true, value: { kind: m[1] as 'ptcp' | 'pssl', port, host: hostText === '' ? undefined : hostText } };
}

function hostText(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The canonical text of a target, as status and logs print it. */
export function formatTarget(t: ActiveTarget | PassiveTarget): string {
  switch (t.kind) {
    case 'tcp':
    case 'ssl':
      return `${t.kind}:${hostText(t.host)}:${t.port}`;
    case 'ptcp':
    case 'pssl':
      return t.host === undefined ? `${t.kind}:${t.port}` : `${t.kind}:${t.port}:${hostText(t.host)}`;
    case 'punix':
      return `punix:${t.path}`;
    default: {
      const never: never = t;
      return String(never);
    }
  }
}

/** Whether a target needs TLS material. */
export function isTls(t: ActiveTarget | PassiveTarget): boolean {
  return t.kind === 'ssl' || t.kind === 'pssl';
}
