/**
 * What every header view shares: big-endian reads and writes on a
 * `Uint8Array`, the error values a `check()` returns, and the small base
 * class that holds a view's (buffer, offset, length) window.
 *
 * Views follow smoltcp's `src/wire/`: a view is a window on bytes that
 * belong to someone else (a netdev's receive slot, a test's buffer). It is
 * created once, `reset` onto each packet, and never copies. Accessors read
 * the bytes each time they are called; nothing is decoded ahead of use.
 * Reading past the window is the caller's bug: `check()` says whether the
 * window holds the whole header (and whether its length fields tell the
 * truth), and only a checked view's accessors are meaningful. `check()`
 * returns a value rather than throwing, as gopacket's decoders do, because
 * a truncated or lying header is an ordinary input on a network, not an
 * exceptional one.
 *
 * The integers: 8- and 16-bit fields are plain numbers; 32-bit fields are
 * unsigned (`>>> 0`), so that they compare equal to the flow key's words.
 */

/** What `check()` found wrong with a header; `OK` when nothing. */
export const enum WireError {
  OK = 0,
  /** The window ends inside the header's fixed part. */
  TRUNCATED = 1,
  /** A length field is below the minimum the format allows (IPv4 IHL < 5, TCP data offset < 5, ...). */
  BAD_LENGTH = 2,
  /** A length field claims bytes past the end of the window. */
  OVERRUN = 3,
  /** Well formed, but a variant this view does not read (ARP for other than Ethernet/IPv4). */
  UNSUPPORTED = 4,
}

/** A short name for test messages and logs. */
export function wireErrorName(e: WireError): string {
  switch (e) {
    case WireError.OK:
      return 'ok';
    case WireError.TRUNCATED:
      return 'truncated';
    case WireError.BAD_LENGTH:
      return 'bad length';
    case WireError.OVERRUN:
      return 'length overruns buffer';
    case WireError.UNSUPPORTED:
      return 'unsupported';
    default: {
      const never: never = e;
      return `error ${String(never)}`;
    }
  }
}

export function get16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function get32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * The same 32 bits as `get32`, as a signed integer. Storing it into a
 * Uint32Array gives the same word, and a signed 32-bit value is a small
 * integer to V8: when the read is not inlined, returning an unsigned value
 * of 2^31 or more would allocate a heap number. The flow key extractor
 * reads through this, so that it allocates nothing whatever the field.
 */
export function get32i(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/**
 * 48-bit addresses travel as the flow key holds them: the high 16 bits and
 * the low 32 bits, two numbers, so that nothing is allocated to read one.
 */
export function getMacHi(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function getMacLo(b: Uint8Array, o: number): number {
  return get32(b, o + 2);
}

export function putMac(b: Uint8Array, o: number, hi: number, lo: number): void {
  put16(b, o, hi);
  put32(b, o + 2, lo);
}

/** The empty window every view starts on, so that its fields never hold `undefined`. */
export const EMPTY = new Uint8Array(0);

/**
 * The window a view looks through. Subclasses add `check()` and accessors;
 * `reset` is the only way to move a view, and it allocates nothing.
 */
export abstract class HeaderView {
  /** The bytes; shared with the owner of the packet. */
  buf: Uint8Array = EMPTY;
  /** Where the header starts in `buf`. */
  off = 0;
  /** How many bytes from `off` belong to this header and what it carries. */
  len = 0;

  /** Points the view at `len` bytes of `buf` from `off` (clamped to the buffer). */
  reset(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf;
    this.off = off;
    this.len = Math.max(0, Math.min(len, buf.length - off));
    return this;
  }

  /** Whether the window holds a well-formed header (see each view for what it verifies). */
  abstract check(): WireError;
}
