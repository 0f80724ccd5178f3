/**
 * What the switch sends back, as ofctl handles it: raw messages, error
 * replies, and the stream of replies to a multipart request (split out of
 * vconn.ts, which re-exports all of it).
 */
import { decodeMessage, OFP_HEADER_LEN, OFPMPF_REPLY, OFPT, OfpError, type ErrorMsg, type OfpMessage } from '../../openflow/index.js';

/** A message from the switch: its bytes, and the xid and type from its header. */
export interface RawMessage {
  readonly raw: Buffer;
  readonly type: number;
  readonly xid: number;
}

/** An OFPT_ERROR the switch sent in answer to one of our requests. */
export class ErrorReply extends Error {
  override readonly name = 'ErrorReply';

  constructor(
    readonly reply: ErrorMsg,
    /** The error message's bytes, for printing it as ovs-ofctl does. */
    readonly raw: Buffer,
  ) {
    super(`switch replied with an error (xid=0x${reply.xid.toString(16)})`);
  }
}

/** Decodes a received message; a message our codec refuses raises its OfpError. */
export function decodeReply(m: RawMessage): OfpMessage {
  return decodeMessage(m.raw);
}

export function errorReply(m: RawMessage): ErrorReply {
  let msg: OfpMessage | undefined;
  try {
    msg = decodeMessage(m.raw);
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
  }
  if (msg?.type === OFPT.ERROR) return new ErrorReply(msg, m.raw);
  // An error too short to decode: keep what the header says.
  const err_type = m.raw.length >= OFP_HEADER_LEN + 2 ? m.raw.readUInt16BE(OFP_HEADER_LEN) : 0;
  const code = m.raw.length >= OFP_HEADER_LEN + 4 ? m.raw.readUInt16BE(OFP_HEADER_LEN + 2) : 0;
  return new ErrorReply({ type: OFPT.ERROR, version: m.raw[0], xid: m.xid, err_type, code, data: Buffer.alloc(0) }, m.raw);
}

/**
 * The replies to one multipart request, as they arrive: kept until a
 * consumer attaches, then handed over one by one (see Vconn.dumpStream).
 */
export class DumpStream {
  private queue: RawMessage[] = [];
  private onReply: ((m: RawMessage) => void) | undefined;
  private resolve: (() => void) | undefined;
  private reject: ((e: unknown) => void) | undefined;
  private result: Promise<void> | undefined;
  private finished = false;

  /** @internal */
  attach(resolve: () => void, reject: (e: unknown) => void): void {
    this.resolve = resolve;
    this.reject = reject;
  }

  /** @internal */
  settled(p: Promise<void>): void {
    this.result = p;
    // Until someone consumes the stream, a failure must not count as unhandled.
    p.catch(() => undefined);
  }

  /** @internal: one message with the request's xid; true once the dump is over. */
  push(m: RawMessage): boolean {
    if (m.type === OFPT.ERROR) {
      this.queue.push(m);
      this.finished = true;
      this.drain();
      return true;
    }
    if (m.type !== OFPT.MULTIPART_REPLY) return false;
    this.queue.push(m);
    // ofp_multipart_reply.flags, right after the 8-byte header and the 2-byte type.
    const more = m.raw.length >= 12 && (m.raw.readUInt16BE(10) & OFPMPF_REPLY.MORE) !== 0;
    if (!more) this.finished = true;
    this.drain();
    return !more;
  }

  /** Hands every reply to `onReply`, those that came already first; resolves after the last. */
  consume(onReply: (m: RawMessage) => void): Promise<void> {
    this.onReply = onReply;
    this.drain();
    return this.result!;
  }

  private drain(): void {
    if (this.onReply === undefined) return;
    while (this.queue.length) {
      const m = this.queue.shift()!;
      if (m.type === OFPT.ERROR) {
        this.reject?.(errorReply(m));
        return;
      }
      try {
        this.onReply(m);
      } catch (e) {
        this.reject?.(e);
        return;
      }
    }
    if (this.finished) this.resolve?.();
  }
}
