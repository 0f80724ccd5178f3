/**
 * Framer: turns a TCP byte stream into whole OpenFlow messages.
 *
 * Chunks are queued as they arrive and never copied while a message lies
 * inside one chunk (the common case): `next()` then returns a view of that
 * chunk. Only a message split across chunks is assembled into a buffer of
 * its own, allocated once at its announced length, so a peer trickling one
 * byte at a time costs linear, not quadratic, copying. The framer holds at
 * most one incomplete message (≤ 65,535 bytes) plus whatever the socket
 * delivered in its last read.
 *
 * A header whose length is below 8 cannot be skipped (the stream has lost
 * its framing), so `next()` raises OFPBRC_BAD_LEN and the connection must
 * be closed after reporting it.
 */
import { OFP_HEADER_LEN } from './constants.js';
import { badLen } from './errors.js';

export class Framer {
  private chunks: Buffer[] = [];
  /** Read offset into chunks[0]. */
  private head = 0;
  /** Bytes queued and not yet returned. */
  private queued = 0;

  /** Bytes waiting for the rest of their message. */
  get buffered(): number {
    return this.queued;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
  }

  /**
   * The next whole message, or null until more bytes arrive. A returned
   * buffer stays valid: the framer never writes into a chunk it was given.
   */
  next(): Buffer | null {
    if (this.queued < OFP_HEADER_LEN) return null;
    const length = this.byteAt(2) * 256 + this.byteAt(3);
    if (length < OFP_HEADER_LEN) throw badLen(`ofp_header.length ${length} in stream`);
    if (this.queued < length) return null;
    const first = this.chunks[0]!;
    let msg: Buffer;
    if (first.length - this.head >= length) {
      msg = first.subarray(this.head, this.head + length);
      this.consume(length);
    } else {
      msg = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const c = this.chunks[0]!;
        const n = Math.min(c.length - this.head, length - filled);
        c.copy(msg, filled, this.head, this.head + n);
        filled += n;
        this.consume(n);
      }
    }
    return msg;
  }

  /** The i-th queued byte, looking across chunk boundaries (i < 8). */
  private byteAt(i: number): number {
    let off = this.head + i;
    for (const c of this.chunks) {
      if (off < c.length) return c[off]!;
      off -= c.length;
    }
    return 0;
  }

  /** Drops `n` bytes from the front; never more than chunks[0] holds from head. */
  private consume(n: number): void {
    this.head += n;
    this.queued -= n;
    if (this.head === this.chunks[0]!.length) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}
