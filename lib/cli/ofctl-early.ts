/**
 * The head start for `ofctl dump-flows SWITCH`.
 *
 * Loading ofctl (commander, the codec, the printer) takes tens of
 * milliseconds, and a switch takes a while to gather a large flow table.
 * For the one command line where ofctl knows what it will ask before it
 * has loaded anything — `dump-flows SWITCH`, with at most `-O OpenFlow13`,
 * no filter and no other option — bin/ofctl calls `startEarly()` first:
 * it connects and sends the HELLO (xid 1) and the flow statistics request
 * (xid 2), the very bytes the codec would write (spec/cli/ofctl-unit.spec.ts
 * checks them), and keeps whatever the switch sends. The rest of ofctl
 * loads meanwhile and then adopts the connection (Vconn.adopt), version
 * negotiation, reply printing and all, as if it had done this itself.
 * Unless standard output is a terminal, bin/ofctl first gives the
 * connection to ofctl/lean-dump.ts, which usually prints the whole dump
 * itself, and adopts it only from the first message that path leaves.
 *
 * This module imports nothing but Node built-ins and the SWITCH resolver,
 * so it is ready as soon as node is. For any other command line it does
 * nothing; if anything here fails, the normal path runs and reports it.
 */
import { createConnection, type Socket } from 'node:net';
import type { Endpoint } from './vconn.js';
import { resolveSwitch } from './ofctl/switch-target.js';

/** OFPT_HELLO, xid 1, with a version bitmap offering OpenFlow 1.3 only. */
export const EARLY_HELLO = Buffer.from('04000010000000010001000800000010', 'hex');
/** OFPMP_FLOW request, xid 2: every table, any port and group, any cookie, empty match. */
export const EARLY_FLOW_REQUEST = Buffer.from(
  '04120038000000020001000000000000ff000000ffffffffffffffff00000000000000000000000000000000000000000001000400000000',
  'hex',
);
export const EARLY_REQUEST_XID = 2;

/** A connection opened before ofctl proper was loaded, with what the switch has sent so far. */
export interface EarlyConnection {
  /** The SWITCH argument it was opened for. */
  readonly name: string;
  readonly endpoint: Endpoint;
  readonly socket: Socket;
  /** Resolves once connected (and the requests written); rejects with the socket's error. */
  readonly connected: Promise<void>;
  /** Bytes received so far, in order. */
  readonly chunks: Buffer[];
  /** Whether the switch has closed the connection already. */
  closed(): boolean;
  /** Stops collecting, leaving the socket to its new owner. */
  detach(): void;
}

/** The SWITCH of `[-O OpenFlow13] dump-flows SWITCH`, or undefined for any other command line. */
export function earlyDumpTarget(argv: readonly string[]): string | undefined {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-O' || a === '--protocols') {
      if (argv[i + 1]?.toLowerCase() !== 'openflow13') return undefined;
      i++;
    } else if (/^(-O|--protocols=)openflow13$/i.test(a)) {
      continue;
    } else if (a.startsWith('-')) {
      return undefined;
    } else {
      rest.push(a);
    }
  }
  return rest.length === 2 && rest[0] === 'dump-flows' && rest[1] !== '' ? rest[1] : undefined;
}

/** Starts `dump-flows SWITCH` early when `argv` is that command line; see the essay at the top. */
export async function startEarly(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<EarlyConnection | undefined> {
  const name = earlyDumpTarget(argv);
  if (name === undefined) return undefined;
  let endpoint: Endpoint;
  try {
    endpoint = await resolveSwitch(name, { env, isRoot: process.getuid?.() === 0 });
  } catch {
    return undefined;
  }
  const socket = endpoint.kind === 'tcp' ? createConnection({ host: endpoint.host, port: endpoint.port }) : createConnection(endpoint.path);
  const chunks: Buffer[] = [];
  let ended = false;
  const onData = (c: Buffer): void => void chunks.push(c);
  const onClose = (): void => void (ended = true);
  let onError: (e: Error) => void = () => undefined;
  socket.on('data', onData);
  socket.on('close', onClose);
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      if (endpoint.kind === 'tcp') socket.setNoDelay(true);
      socket.write(Buffer.concat([EARLY_HELLO, EARLY_FLOW_REQUEST]));
      resolve();
    });
    onError = reject;
    socket.on('error', onError);
  });
  // Nobody may be waiting yet; the adopter sees the failure through `connected`.
  connected.catch(() => undefined);
  return {
    name,
    endpoint,
    socket,
    connected,
    chunks,
    closed: () => ended,
    detach: () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
    },
  };
}
