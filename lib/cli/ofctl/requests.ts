/**
 * The ways ofctl talks to a switch, each with ovs-ofctl's way of reporting:
 *
 * - `dumpAndPrint`: a statistics request whose replies are printed as they
 *   come, each as `ovs-ofctl ofp-print` would print it at verbosity 1. A
 *   switch error is printed the same way, on stdout, and is not a failure
 *   of the command (ovs-ofctl's dump_transaction exits 0 after it).
 * - `sendChanges`: requests that change the switch (flow, group, meter and
 *   port mods, packet-outs). ovs-ofctl sends each with a barrier and waits
 *   for it, which costs a round trip per flow; we send them back to back
 *   in windows of WINDOW requests, each followed by one barrier, which is
 *   as certain (a switch handles a connection's messages in order, and its
 *   errors for them precede the barrier's reply) and much faster for long
 *   files. The xids are the ones ovs-ofctl uses (each request followed by
 *   its barrier's), so an error prints the same `(xid=0x8)`. The first
 *   error is printed on stderr at verbosity 2, as ovs-ofctl prints it, and
 *   the command exits 1 without sending another window. One difference
 *   remains: ovs-ofctl stops at the first failing request, while here the
 *   requests after it in its window have gone out too and take effect.
 *   `--bundle` is the way to get all or nothing (bundle.ts).
 * Changes are encoded as they are made (`RequestBatch`), so a file of
 * 100,000 flows is held as bytes, not objects, between parsing and sending.
 */
import { encodeMessage, OFPT, Writer, type OFPMP, type OfpMessage } from '../../openflow/index.js';
import { formatBytes } from '../print/index.js';
import { ErrorReply, type Vconn } from '../vconn.js';
import { sendBundle } from './bundle.js';
import { Progress } from './progress.js';
import { CommandError, type Session } from './session.js';

/** A request without its xid, which the sender assigns (an Omit that keeps the union apart). */
export type Unsent = OfpMessage extends infer M ? (M extends OfpMessage ? Omit<M, 'xid'> : never) : never;

/** A multipart request of type `mp`, with its body (if the type has one). */
export function multipartRequest(mp: OFPMP, body?: unknown): Unsent {
  return { type: OFPT.MULTIPART_REQUEST, flags: 0, mp_type: mp, ...(body === undefined ? {} : { body }) } as Unsent;
}

/** Attaches an xid to a message built without one. */
export function withXid(m: Unsent, xid: number): OfpMessage {
  return { ...m, xid } as OfpMessage;
}

/**
 * Sends a statistics (or other) request and prints every reply as it
 * arrives; returns the exit status (0, even for a switch error, as ovs-ofctl).
 */
export async function dumpAndPrint(s: Session, v: Vconn, request: Unsent, xid = v.allocXid(), names = true): Promise<number> {
  const popts = await s.printOptions(names ? v : undefined);
  const out = s.io.stdout;
  const msg = withXid(request, xid);
  try {
    if (msg.type === OFPT.MULTIPART_REQUEST) {
      await v.dump(msg, (m) => out.write(formatBytes(m.raw, popts)));
    } else {
      const reply = await v.transact(msg);
      out.write(formatBytes(reply.raw, popts));
    }
  } catch (e) {
    if (!(e instanceof ErrorReply)) throw e;
    out.write(formatBytes(e.raw, popts));
  }
  return 0;
}

export interface SendOptions {
  /**
   * xids per request: 2 where ovs-ofctl follows each request with a
   * barrier of its own (add-flow(s), groups, packet-out, mod-port), 1
   * where it allocates all requests' xids first (replace-flows).
   */
  readonly xidStride: 1 | 2;
  /** Whether `--bundle` applies to these requests (flow and group mods). */
  readonly bundlable: boolean;
  /** What to call the requests in the progress line ("flows"). */
  readonly what: string;
}

/**
 * Requests sent before waiting for a barrier: large enough that the round
 * trips do not matter (25 for 100,000 flows), small enough that a failing
 * request stops most of what follows it. A batch cuts its chunks of bytes
 * at this many requests (or CHUNK_BYTES), and a chunk is a window.
 */
const WINDOW = 4096;
const CHUNK_BYTES = 1 << 20;

/**
 * Requests encoded as soon as they are made (parsed from a file, say),
 * with the xids ovs-ofctl would give them, so that a hundred thousand
 * flows are kept as a few megabytes of bytes rather than as objects. Each
 * message's place is kept too, for bundles, which wrap them one by one.
 */
export class RequestBatch {
  /** Whether these requests go in a bundle (decided by --bundle and the kind of request). */
  readonly bundled: boolean;
  private readonly stride: 1 | 2;
  private readonly chunks: Buffer[] = [];
  private w = new Writer(CHUNK_BYTES + 65536);
  /** Per message: its chunk and its offset within it (offsets of the last chunk are into `w`). */
  private readonly chunkOf: number[] = [];
  private readonly offsetOf: number[] = [];

  constructor(
    s: Session,
    private readonly v: Vconn,
    readonly opts: SendOptions,
  ) {
    this.bundled = s.opts.bundle && opts.bundlable;
    // In a bundle, ovs-ofctl numbers the changes first, one after the other.
    this.stride = this.bundled ? 1 : opts.xidStride;
  }

  get count(): number {
    return this.chunkOf.length;
  }

  /** Encodes `m` with the next xid. `m` is ours to keep: the xid is set on it rather than on a copy. */
  add(m: Unsent): void {
    const msg = m as Unsent & { xid: number };
    msg.xid = this.v.allocXid();
    if (this.stride === 2) this.v.skipXids(1);
    this.chunkOf.push(this.chunks.length);
    this.offsetOf.push(this.w.off);
    encodeMessage(msg as OfpMessage, this.w);
    if (this.w.off >= CHUNK_BYTES || (this.count % WINDOW === 0 && this.count > 0)) {
      this.chunks.push(this.w.view());
      this.w = new Writer(CHUNK_BYTES + 65536);
    }
  }

  /** The encoded chunks, for sending back to back. */
  bytes(): Buffer[] {
    return this.w.off ? [...this.chunks, this.w.view()] : this.chunks;
  }

  /** Each message's bytes, in order (views, not copies). */
  *messages(): Generator<Buffer> {
    const chunks = this.bytes();
    for (let i = 0; i < this.count; i++) {
      const chunk = chunks[this.chunkOf[i]!]!;
      const off = this.offsetOf[i]!;
      yield chunk.subarray(off, off + chunk.readUInt16BE(off + 2));
    }
  }
}

/** Prints a switch error for a change, as ovs-ofctl does, and fails the command. */
export function failWithSwitchError(s: Session, raw: Buffer): never {
  s.io.stderr.write(formatBytes(raw, { verbosity: s.opts.verbosity + 2 }));
  throw new CommandError('', 1);
}

/** A batch holding `requests`, for changes built in code rather than parsed. */
export function batchOf(s: Session, v: Vconn, requests: readonly Unsent[], opts: SendOptions): RequestBatch {
  const batch = new RequestBatch(s, v, opts);
  for (const r of requests) batch.add({ ...r } as Unsent);
  return batch;
}

/** Sends a batch and waits for the switch to have applied it; see the essay at the top. */
export async function sendBatch(s: Session, v: Vconn, batch: RequestBatch): Promise<void> {
  if (batch.bundled) {
    await sendBundle(s, v, batch);
    return;
  }
  const progress = new Progress(s.io.stderr, s.io.program, `sending ${batch.opts.what}`, batch.count);
  try {
    let sent = 0;
    for (const chunk of batch.bytes()) {
      v.sendRaw(chunk);
      sent += countMessages(chunk);
      // The barrier's xid is not one ovs-ofctl would have used for a request, so it shows nowhere.
      const errors = await v.barrier();
      if (errors.length) failWithSwitchError(s, errors[0]!.raw);
      progress.update(sent);
    }
  } finally {
    progress.done();
  }
}

/** The messages in a chunk of whole messages. */
function countMessages(chunk: Buffer): number {
  let n = 0;
  for (let off = 0; off + 4 <= chunk.length; off += chunk.readUInt16BE(off + 2)) n++;
  return n;
}

/** Sends changes built in code; see sendBatch. */
export async function sendChanges(s: Session, v: Vconn, requests: readonly Unsent[], opts: SendOptions): Promise<void> {
  await sendBatch(s, v, batchOf(s, v, requests, opts));
}
