/**
 * A growable output cursor with back-patching.
 *
 * OpenFlow puts lengths before the things they measure (ofp_header.length,
 * ofp_match.length, ofp_action_header.len, ...). The encoder writes a zero,
 * remembers the offset, writes the body and patches the length in, so every
 * structure is written once and never measured in advance.
 */
export class Writer {
  buf: Buffer;
  off = 0;
  /** A view of `buf` for 64-bit stores (V8 compiles DataView's BigInt accessors inline). */
  private dv: DataView;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Forgets what was written, keeping the buffer for reuse. */
  reset(): this {
    this.off = 0;
    return this;
  }

  private grow(n: number): void {
    if (this.off + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.off + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.off);
    this.buf = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  // Byte stores rather than Buffer#writeUInt*BE: these run for every field
  // of every message, and the plain stores are what V8 optimizes best.

  u8(v: number): void {
    this.grow(1);
    this.buf[this.off++] = v;
  }

  u16(v: number): void {
    this.grow(2);
    const b = this.buf;
    const o = this.off;
    b[o] = v >>> 8;
    b[o + 1] = v;
    this.off = o + 2;
  }

  u32(v: number): void {
    this.grow(4);
    const b = this.buf;
    const o = this.off;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
    this.off = o + 4;
  }

  u64(v: bigint): void {
    this.grow(8);
    this.dv.setBigUint64(this.off, v); // wraps modulo 2^64, as BigInt.asUintN would
    this.off += 8;
  }

  zeros(n: number): void {
    this.grow(n);
    const b = this.buf;
    let o = this.off;
    const end = o + n;
    if (n > 32) b.fill(0, o, end);
    else while (o < end) b[o++] = 0;
    this.off = end;
  }

  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
  }

  /**
   * A NUL-padded fixed-width string field (`char name[16]`). The spec wants
   * a terminating NUL, so our own strings must be shorter than `n`; a
   * decoded string of exactly `n` characters (a peer that left the NUL out)
   * is written back as it came, so that it round-trips.
   */
  str(s: string, n: number): void {
    this.grow(n);
    const w = this.buf.write(s, this.off, n, 'latin1');
    this.buf.fill(0, this.off + w, this.off + n);
    this.off += n;
  }

  /** Pads with zeros from `start` to the next multiple of 8. */
  align8(start: number): void {
    const pad = (8 - ((this.off - start) & 7)) & 7;
    if (pad) this.zeros(pad);
  }

  patchU16(at: number, v: number): void {
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
  }

  patchU32(at: number, v: number): void {
    const b = this.buf;
    b[at] = v >>> 24;
    b[at + 1] = v >>> 16;
    b[at + 2] = v >>> 8;
    b[at + 3] = v;
  }

  /** The bytes written so far, without copying. */
  view(): Buffer {
    return this.buf.subarray(0, this.off);
  }

  /** The bytes written so far, as a buffer of their own. */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.off));
  }
}
