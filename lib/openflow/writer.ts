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

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
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
  }

  u8(v: number): void {
    this.grow(1);
    this.buf[this.off++] = v & 0xff;
  }

  u16(v: number): void {
    this.grow(2);
    this.buf.writeUInt16BE(v & 0xffff, this.off);
    this.off += 2;
  }

  u32(v: number): void {
    this.grow(4);
    this.buf.writeUInt32BE(v >>> 0, this.off);
    this.off += 4;
  }

  u64(v: bigint): void {
    this.grow(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.off);
    this.off += 8;
  }

  zeros(n: number): void {
    this.grow(n);
    this.buf.fill(0, this.off, this.off + n);
    this.off += n;
  }

  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
  }

  /** A NUL-padded fixed-width string field; longer strings are cut. */
  str(s: string, n: number): void {
    this.grow(n);
    const w = this.buf.write(s, this.off, n - 1, 'latin1');
    this.buf.fill(0, this.off + w, this.off + n);
    this.off += n;
  }

  /** Pads with zeros from `start` to the next multiple of 8. */
  align8(start: number): void {
    const pad = (8 - ((this.off - start) & 7)) & 7;
    if (pad) this.zeros(pad);
  }

  patchU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v & 0xffff, at);
  }

  patchU32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
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
