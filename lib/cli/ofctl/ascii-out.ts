/**
 * AsciiOut: text written as bytes into a large buffer, for output at
 * volume (dump-flows of 100,000 flows is 14 MB). Building that much text as
 * JavaScript strings costs more in allocation and garbage collection than
 * in formatting; here numbers and short words go straight into bytes, and
 * full buffers are handed to a sink whole (never reused unless the sink
 * says it is done with them, so the sink may keep them).
 *
 * A sink that is done with the bytes when it returns (a synchronous write,
 * as to a file, or to a pipe that took everything) says so by returning
 * true, and the buffer is reused: a fresh megabyte-sized buffer costs an
 * mmap and hundreds of page faults, several milliseconds per megabyte on a
 * busy machine.
 *
 * Writes are transactional per record: `mark()` remembers where a record
 * started and `rollback()` forgets what was written since, so a caller can
 * give up half way and write the record another way. The buffer is never
 * handed over in the middle of a record: `commit()` hands it over once it
 * is fuller than the threshold, and a record must fit in what is left
 * (callers check `room()`).
 */

const HEX = new Uint8Array(16).map((_, i) => (i < 10 ? 0x30 + i : 0x57 + i));

export class AsciiOut {
  private buf: Buffer;
  private off = 0;
  private markAt = 0;

  constructor(
    /** Takes the bytes; returns true if it will not look at them again (they may be overwritten). */
    private readonly sink: (bytes: Buffer) => unknown,
    private readonly size = 1 << 20,
    private readonly threshold = size / 2,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Bytes that can still be written before the buffer is full. */
  room(): number {
    return this.size - this.off;
  }

  mark(): void {
    this.markAt = this.off;
  }

  rollback(): void {
    this.off = this.markAt;
  }

  /** Ends a record; hands the buffer over if it is full enough. */
  commit(): void {
    this.markAt = this.off;
    if (this.off >= this.threshold) this.flush();
  }

  /** Hands over whatever is written (at a record boundary). */
  flush(): void {
    if (this.off === 0) return;
    const full = this.buf.subarray(0, this.off);
    this.off = 0;
    this.markAt = 0;
    if (this.sink(full) !== true) this.buf = Buffer.allocUnsafe(this.size);
  }

  /** An ASCII (or Latin-1) string. */
  str(s: string): void {
    const b = this.buf;
    let o = this.off;
    for (let i = 0; i < s.length; i++) b[o++] = s.charCodeAt(i);
    this.off = o;
  }

  bytes(src: Uint8Array): void {
    this.buf.set(src, this.off);
    this.off += src.length;
  }

  byte(c: number): void {
    this.buf[this.off++] = c;
  }

  /** A non-negative integer below 2^53, in decimal. */
  dec(n: number): void {
    const b = this.buf;
    if (n < 10) {
      b[this.off++] = 0x30 + n;
      return;
    }
    if (n > 0x7fffffff) {
      // Beyond small integers: digits by floating-point division (exact below 2^53).
      let digits = 0;
      for (let x = n; x >= 1; x = Math.floor(x / 10)) digits++;
      let o = this.off + digits;
      this.off = o;
      for (let x = n; x >= 1; x = Math.floor(x / 10)) b[--o] = 0x30 + (x % 10);
      return;
    }
    let digits = 1;
    for (let x = (n / 10) | 0; x; x = (x / 10) | 0) digits++;
    let o = this.off + digits;
    this.off = o;
    for (let x = n | 0; x; x = (x / 10) | 0) b[--o] = 0x30 + (x % 10);
  }

  /** A decimal zero-padded to `width` digits. */
  decPadded(n: number, width: number): void {
    const b = this.buf;
    let o = this.off + width;
    this.off = o;
    for (let i = 0; i < width; i++, n = Math.floor(n / 10)) b[--o] = 0x30 + (n % 10);
  }

  /** The digits of `n` zero-padded to `width`, without trailing zeros (a decimal fraction; `n` > 0). */
  decFraction(n: number, width: number): void {
    this.decPadded(n, width);
    while (this.buf[this.off - 1] === 0x30) this.off--;
  }

  /** Where the next byte goes (for `rollbackTo`). */
  position(): number {
    return this.off;
  }

  /** Forgets what was written after `pos`. */
  rollbackTo(pos: number): void {
    this.off = pos;
  }

  /** A non-negative integer below 2^32, in lower-case hex without leading zeros. */
  hex32(n: number): void {
    n >>>= 0;
    let digits = 1;
    for (let x = n >>> 4; x; x >>>= 4) digits++;
    const b = this.buf;
    let o = this.off + digits;
    this.off = o;
    for (let i = 0; i < digits; i++, n >>>= 4) b[--o] = HEX[n & 15]!;
  }

  /** Two hex digits. */
  hex8(n: number): void {
    this.buf[this.off++] = HEX[(n >> 4) & 15]!;
    this.buf[this.off++] = HEX[n & 15]!;
  }

  /** What has been written since the last flush, as text (for tests and fallbacks). */
  text(): string {
    return this.buf.toString('latin1', 0, this.off);
  }
}
