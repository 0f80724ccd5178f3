/**
 * A bounded cursor over untrusted bytes.
 *
 * Every reader covers one frame or one nested structure (a match, an action
 * list, a multipart entry) and knows the OpenFlow error to raise if asked for
 * a byte beyond its end: an action list that runs short is OFPBAC_BAD_LEN, a
 * match OFPBMC_BAD_LEN, a message OFPBRC_BAD_LEN. Child readers are carved out
 * with `sub()` after the caller has checked the length field it was given, so
 * a lying length can never reach past the parent's end.
 *
 * The reader knows nothing about OpenFlow messages; it only reads numbers.
 */
import { OfpError, OFPBRC, OFPET } from './errors.js';

export class Reader {
  /** A view of `buf` for 64-bit loads, made on first use and shared with sub-readers. */
  private dv: DataView | undefined;

  constructor(
    readonly buf: Buffer,
    public off: number,
    readonly end: number,
    /** The error raised on overrun. */
    readonly errType: number = OFPET.BAD_REQUEST,
    readonly errCode: number = OFPBRC.BAD_LEN,
  ) {}

  static of(buf: Buffer): Reader {
    return new Reader(buf, 0, buf.length);
  }

  get remaining(): number {
    return this.end - this.off;
  }

  /** Throws this reader's error unless `n` more bytes are there. */
  need(n: number, what?: string): void {
    if (n < 0 || this.off + n > this.end) throw this.error(what ?? `need ${n} bytes, have ${this.end - this.off}`);
  }

  error(detail?: string): OfpError {
    return new OfpError(this.errType, this.errCode, detail);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.off++]!;
  }

  // Byte loads rather than Buffer#readUInt*BE, for the same reason as Writer.

  u16(): number {
    this.need(2);
    const b = this.buf;
    const o = this.off;
    this.off = o + 2;
    return (b[o]! << 8) | b[o + 1]!;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const o = this.off;
    this.off = o + 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }

  u64(): bigint {
    this.need(8);
    const b = this.buf;
    const o = this.off;
    // Most 64-bit fields (cookies, counters, metadata) fit in 32 bits:
    // those need one small BigInt and no DataView.
    if ((b[o]! | b[o + 1]! | b[o + 2]! | b[o + 3]!) === 0) {
      this.off = o + 8;
      const low = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
      // BigInt(0) allocates each time; a zero cookie is kept by every flow entry that has one.
      return low === 0 ? 0n : BigInt(low);
    }
    const dv = (this.dv ??= new DataView(b.buffer, b.byteOffset, b.byteLength));
    this.off = o + 8;
    return dv.getBigUint64(o);
  }

  skip(n: number): void {
    this.need(n);
    this.off += n;
  }

  /** A copy of the next `n` bytes (decoded values never alias the input). */
  bytes(n: number): Buffer {
    this.need(n);
    const src = this.buf;
    const o = this.off;
    let b: Buffer;
    if (n <= 256) {
      // Most copies are small (an experimenter body, a bundled message):
      // a byte loop beats Buffer.from(subarray)'s generic path several times over.
      b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = src[o + i]!;
    } else {
      b = Buffer.from(src.subarray(o, o + n));
    }
    this.off = o + n;
    return b;
  }

  /** The rest of this reader's bytes, copied. */
  rest(): Buffer {
    return this.bytes(this.end - this.off);
  }

  /** A NUL-padded fixed-width string field (`char name[16]`). */
  str(n: number): string {
    this.need(n);
    let e = this.off;
    const lim = this.off + n;
    while (e < lim && this.buf[e] !== 0) e++;
    const s = this.buf.toString('latin1', this.off, e);
    this.off = lim;
    return s;
  }

  /** Peeks a u16 at `off + at` without moving; the caller has checked room. */
  peekU16(at = 0): number {
    this.need(at + 2);
    return this.buf.readUInt16BE(this.off + at);
  }

  /**
   * A child reader over the next `n` bytes, raising `errType/errCode` on
   * its own overruns. The parent moves past them.
   */
  sub(n: number, errType = this.errType, errCode = this.errCode): Reader {
    this.need(n);
    const r = new Reader(this.buf, this.off, this.off + n, errType, errCode);
    r.dv = this.dv;
    this.off += n;
    return r;
  }
}
