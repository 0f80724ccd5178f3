/**
 * What a SWITCH argument names, as ovs-ofctl reads it, extended to find our
 * own daemon.
 *
 * - `tcp:HOST[:PORT]` (PORT 6653 by default; an IPv6 HOST in brackets) and
 *   `unix:PATH` are endpoints as they are. ovs-ofctl's other kinds (`ssl:`,
 *   the passive ones) are refused with a message that says so.
 * - A name without a colon is a bridge, found in this order:
 *   1. `OFSWITCH_RUNDIR/NAME.mgmt`, a Unix socket an ofswitchd bridge may
 *      listen on (`--listen punix:RUNDIR/NAME.mgmt`), the way Open vSwitch
 *      gives each bridge a management socket;
 *   2. the local ofswitchd's control socket, `OFSWITCH_RUNDIR/ofswitchd.ctl`,
 *      asked `bridge/listeners NAME` (JSON-RPC, as ovs-appctl speaks); the
 *      reply lists the bridge's OpenFlow listeners one a line, in their
 *      passive form (`ptcp:6634:127.0.0.1`, `punix:/path`) or as the
 *      endpoint a client should use (`tcp:127.0.0.1:6634`); the first one
 *      is used, a `ptcp:` listener on all addresses through 127.0.0.1;
 *   3. Open vSwitch's `OVS_RUNDIR/NAME.mgmt` (OVS_RUNDIR defaults to
 *      /var/run/openvswitch), exactly as ovs-ofctl resolves it;
 *   4. NAME itself, when it is the path of a Unix socket.
 *   OFSWITCH_RUNDIR defaults as ofswitchd's does: /var/run/ofswitch for
 *   root, else XDG_RUNTIME_DIR or /tmp.
 * Otherwise the error is ovs-ofctl's: "NAME is not a bridge or a socket".
 */
import { statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { Endpoint } from '../vconn.js';

/**
 * ofswitchd's run directory, decided as the daemon decides it
 * (daemon-config.ts; not imported, since that module brings the whole
 * daemon with it).
 */
function defaultRunDir(env: NodeJS.ProcessEnv, isRoot: boolean): string {
  if (env.OFSWITCH_RUNDIR) return env.OFSWITCH_RUNDIR;
  if (isRoot) return '/var/run/ofswitch';
  return env.XDG_RUNTIME_DIR || '/tmp';
}

export class TargetError extends Error {
  override readonly name = 'TargetError';
}

const DEFAULT_OFP_PORT = 6653;
const CTL_TIMEOUT_MS = 2000;

/** Parses `tcp:` / `unix:` targets; undefined for anything without a colon (a bridge name). */
export function parseEndpoint(text: string): Endpoint | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  switch (kind) {
    case 'unix':
      if (rest === '') throw new TargetError(`${text}: unix: needs a path`);
      return { kind: 'unix', path: rest };
    case 'tcp': {
      const hp = splitHostPort(rest);
      if (hp === undefined || hp.host === '') throw new TargetError(`${text}: expected tcp:HOST[:PORT]`);
      const port = hp.port === undefined ? DEFAULT_OFP_PORT : Number(hp.port);
      if (!/^\d{1,5}$/.test(hp.port ?? '0') || port < 1 || port > 65535) throw new TargetError(`${text}: bad port number`);
      return { kind: 'tcp', host: hp.host, port };
    }
    case 'ssl':
      throw new TargetError(`${text}: ssl: connections are not supported by ofctl yet; use tcp: or unix:`);
    case 'ptcp':
    case 'pssl':
    case 'punix':
      throw new TargetError(`${text}: ofctl connects to a switch; ${kind}: is a listening target`);
    default:
      throw new TargetError(`${text}: unknown connection type ${kind}: (expected tcp:HOST[:PORT] or unix:PATH)`);
  }
}

function splitHostPort(text: string): { host: string; port: string | undefined } | undefined {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    const after = text.slice(end + 1);
    if (after !== '' && !after.startsWith(':')) return undefined;
    return { host: text.slice(1, end), port: after === '' ? undefined : after.slice(1) };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text, port: undefined };
  if (text.indexOf(':') !== colon) return undefined; // a bare IPv6 address needs brackets
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** The active endpoint for one of a daemon's listeners. */
export function endpointForListener(text: string): Endpoint | undefined {
  const t = text.trim();
  if (t.startsWith('tcp:') || t.startsWith('unix:')) {
    try {
      return parseEndpoint(t);
    } catch {
      return undefined;
    }
  }
  if (t.startsWith('punix:')) return { kind: 'unix', path: t.slice('punix:'.length) };
  const m = /^ptcp:(\d*)(?::(.*))?$/.exec(t);
  if (m) {
    let host = m[2] ?? '';
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
    else if (host === '::') host = '::1';
    return { kind: 'tcp', host, port: m[1] ? Number(m[1]) : DEFAULT_OFP_PORT };
  }
  return undefined;
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** Asks a JSON-RPC (ovs-appctl) control socket one command; undefined when there is no answer. */
export async function ctlCall(path: string, method: string, params: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    let buf = '';
    const done = (v: string | undefined): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), CTL_TIMEOUT_MS);
    s.on('error', () => done(undefined));
    s.on('connect', () => s.write(JSON.stringify({ id: 0, method, params })));
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      try {
        const reply = JSON.parse(buf) as { result?: unknown; error?: unknown };
        done(typeof reply.result === 'string' && reply.error == null ? reply.result : undefined);
      } catch {
        // Not complete yet.
      }
    });
    s.on('end', () => done(undefined));
  });
}

export interface ResolveEnv {
  readonly env: NodeJS.ProcessEnv;
  readonly isRoot: boolean;
}

/** Resolves a SWITCH argument to an endpoint; see the essay at the top. */
export async function resolveSwitch(name: string, { env, isRoot }: ResolveEnv): Promise<Endpoint> {
  const direct = parseEndpoint(name);
  if (direct) return direct;
  const ourRunDir = defaultRunDir(env, isRoot);
  const ours = join(ourRunDir, `${name}.mgmt`);
  if (isSocket(ours)) return { kind: 'unix', path: ours };
  const ctl = join(ourRunDir, 'ofswitchd.ctl');
  if (isSocket(ctl)) {
    const listeners = await ctlCall(ctl, 'bridge/listeners', [name]);
    for (const line of listeners?.split('\n') ?? []) {
      const e = endpointForListener(line);
      if (e) return e;
    }
  }
  const ovs = join(env.OVS_RUNDIR || '/var/run/openvswitch', `${name}.mgmt`);
  if (isSocket(ovs)) return { kind: 'unix', path: ovs };
  if (isSocket(name)) return { kind: 'unix', path: name };
  throw new TargetError(`${name} is not a bridge or a socket`);
}
