/**
 * The send side of one connection: batching, backlog accounting, limits.
 *
 * Messages queued while one burst of input is processed leave in one write
 * (`flush`), so a controller that pipelines N requests costs one syscall per
 * burst, not N. Every message stays counted from `push` until the socket has
 * handed its bytes to the kernel (the write callback), which is how the
 * backlog is measured — the same thing Open vSwitch's rconn packet counters
 * measure:
 * - replies (answers to requests, and flow-removed, which Open vSwitch also
 *   accounts as replies): the connection stops reading requests while
 *   `replies` ≥ the reply limit (100, OFCONN_REPLY_MAX), so a controller
 *   that does not read cannot make us queue without bound — it stops being
 *   served until it drains;
 * - packet-ins: refused beyond the packet-in limit (100, like
 *   controller_queue_size) or the byte limit, and counted as dropped;
 * - everything (`bytes`): a connection beyond the byte limit gets no more
 *   packet-ins, and an unsolicited message that must not be dropped
 *   (port-status, flow-removed) closes it instead (see ofconn.ts).
 * Output that had to wait and then drained is activity, as in rconn: a
 * controller that reads slowly but steadily is never taken for dead. (A
 * write that goes straight through, such as our own inactivity probe, is
 * not: it says nothing about the peer.)
 */

export const enum MsgClass {
  /** Counted against the reply limit (replies, errors, flow-removed). */
  REPLY = 0,
  /** Droppable asynchronous message. */
  PACKET_IN = 1,
  /** Counted only in bytes (hello, echo requests we originate, port-status). */
  OTHER = 2,
}

export interface OutboxLimits {
  /** Replies in flight at which the connection stops reading. */
  replyMax: number;
  /** Packet-ins in flight beyond which new ones are dropped. */
  packetInMax: number;
  /** Bytes in flight beyond which packet-ins are dropped. */
  bytesMax: number;
}

/** What the outbox needs of a socket. */
export interface OutboxSink {
  readonly writableLength: number;
  write(data: Buffer, cb: (err?: Error | null) => void): boolean;
}

interface Batch {
  replies: number;
  packetIns: number;
  bytes: number;
  /** Whether it had to wait behind earlier output (its completion is then news). */
  queued: boolean;
}

export class Outbox {
  private pending: Buffer[] = [];
  private cur: Batch = { replies: 0, packetIns: 0, bytes: 0, queued: false };
  private readonly batches: Batch[] = [];
  private batchHead = 0;
  private closed = false;

  /** In flight (queued or written but not yet in the kernel). */
  replies = 0;
  packetIns = 0;
  bytes = 0;
  /** Totals for status. */
  messagesOut = 0;
  packetInDrops = 0;

  constructor(
    private readonly sink: OutboxSink,
    private readonly limits: OutboxLimits,
    /**
     * Called after bytes reached the kernel; `drained` when they had been
     * waiting behind earlier output — rconn's "activity" — rather than
     * written straight through.
     */
    private readonly onProgress: (drained: boolean) => void,
  ) {}

  get replyBacklogFull(): boolean {
    return this.replies >= this.limits.replyMax;
  }

  get overBytes(): boolean {
    return this.bytes > this.limits.bytesMax;
  }

  push(buf: Buffer, cls: MsgClass, count = 1): void {
    if (this.closed) return;
    this.pending.push(buf);
    this.cur.bytes += buf.length;
    this.bytes += buf.length;
    this.messagesOut += count;
    if (cls === MsgClass.REPLY) {
      this.cur.replies += count;
      this.replies += count;
    } else if (cls === MsgClass.PACKET_IN) {
      this.cur.packetIns += count;
      this.packetIns += count;
    }
  }

  /** Queues a packet-in unless a limit is reached; returns false (counted as a drop) if it is. */
  pushPacketIn(buf: Buffer): boolean {
    if (this.closed) return false;
    if (this.packetIns >= this.limits.packetInMax || this.bytes + buf.length > this.limits.bytesMax) {
      this.packetInDrops++;
      return false;
    }
    this.push(buf, MsgClass.PACKET_IN);
    return true;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Writes everything queued as one buffer. */
  flush(): void {
    if (this.closed || this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.cur.bytes);
    this.pending = [];
    this.cur.queued = this.sink.writableLength > 0;
    this.batches.push(this.cur);
    this.cur = { replies: 0, packetIns: 0, bytes: 0, queued: false };
    this.sink.write(data, this.written);
  }

  /** Stops accounting; later pushes are ignored. */
  close(): void {
    this.closed = true;
    this.pending = [];
    this.batches.length = 0;
    this.batchHead = 0;
  }

  private readonly written = (): void => {
    if (this.closed) return;
    const b = this.batches[this.batchHead];
    if (!b) return;
    this.batches[this.batchHead++] = undefined as unknown as Batch;
    if (this.batchHead > 64 && this.batchHead * 2 > this.batches.length) {
      this.batches.splice(0, this.batchHead);
      this.batchHead = 0;
    }
    this.replies -= b.replies;
    this.packetIns -= b.packetIns;
    this.bytes -= b.bytes;
    this.onProgress(b.queued);
  };
}
