/**
 * Addresses between wire bytes and text: Ethernet, IPv4 and IPv6.
 *
 * The decoded forms in types.ts carry addresses as text, so every OXM
 * address field, port hw_addr and set_field value passes through here in
 * both directions, once per field per message. The functions are therefore
 * written for that path:
 * - reading takes the bytes straight from a buffer at an offset and builds the
 *   string from tables of byte texts made once at load (no toString(16),
 *   no padStart, no intermediate arrays);
 * - parsing walks the text with charCodeAt and writes the bytes straight
 *   into the caller's buffer at an offset (no regex, no split).
 *
 * Text out is canonical: "aa:bb:cc:dd:ee:ff" lower case; dotted quads;
 * IPv6 as RFC 5952 §4 says (lower case, no leading zeros, the longest run of
 * two or more zero groups as "::", the leftmost on a tie, never a lone zero
 * group). That is also what Ryu prints for every IPv6 value in its OF1.3
 * JSON fixtures. RFC 5952 §5's mixed form for IPv4-mapped addresses
 * ("::ffff:192.0.2.1", which glibc's inet_ntop prints) is not produced:
 * no fixture has such an address, and one text per address keeps
 * comparisons simple. The parser accepts it.
 *
 * Three verbs: `readX(buf, off)` bytes → text, `parseX(text, out, off)`
 * text → bytes in a buffer, `writeX(w, text)` text → bytes appended to a
 * Writer.
 *
 * Text in is anything the address family's RFC allows: upper or lower case,
 * 1–2 digit MAC octets, IPv6 with or without "::" and with a trailing
 * dotted quad (RFC 4291 §2.2). Anything else throws a RangeError that quotes
 * the text. A parser that throws may have written part of the destination.
 */

import type { Writer } from './writer.js';

const COLON = 0x3a;
const DOT = 0x2e;
const ZERO = 0x30;

/** Byte → two lower-case hex digits ("0a"). */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));
/** Byte → hex without leading zero ("a"), for the high byte of an IPv6 group. */
const HEX1: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));
/** Byte → decimal ("10"). */
const DEC: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
/** ASCII code → hex digit value, or -1; covers 0..127, anything above is not hex. */
const HEXVAL: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

function hexVal(c: number): number {
  return c < 128 ? HEXVAL[c]! : -1;
}

/* ------------------------------------------------------------- Ethernet */

/** The two lower-case hex digit char codes of each byte value: [2b] high, [2b+1] low. */
const HEX_CODES: Uint8Array = (() => {
  const t = new Uint8Array(512);
  for (let b = 0; b < 256; b++) {
    t[2 * b] = HEX2[b]!.charCodeAt(0);
    t[2 * b + 1] = HEX2[b]!.charCodeAt(1);
  }
  return t;
})();

/**
 * The 6 bytes at `off` as "aa:bb:cc:dd:ee:ff". The caller has checked room.
 * Built in one String.fromCharCode call so the result is a flat string: a
 * concatenation would be a rope that V8 flattens (allocating) the first time
 * it is read, and decoded addresses are read again whenever a message is
 * re-encoded or matched.
 */
export function readMac(buf: Uint8Array, off = 0): string {
  const h = HEX_CODES;
  const a = 2 * buf[off]!;
  const b = 2 * buf[off + 1]!;
  const c = 2 * buf[off + 2]!;
  const d = 2 * buf[off + 3]!;
  const e = 2 * buf[off + 4]!;
  const f = 2 * buf[off + 5]!;
  return String.fromCharCode(
    h[a]!, h[a + 1]!, COLON,
    h[b]!, h[b + 1]!, COLON,
    h[c]!, h[c + 1]!, COLON,
    h[d]!, h[d + 1]!, COLON,
    h[e]!, h[e + 1]!, COLON,
    h[f]!, h[f + 1]!,
  );
}

/**
 * Writes the Ethernet address `text` (six octets of one or two hex digits,
 * separated by ":", any case) as 6 bytes at `out[off]`.
 */
export function parseMac(text: string, out: Uint8Array, off = 0): void {
  const n = text.length;
  // Shortest "0:0:0:0:0:0", longest "00:00:00:00:00:00".
  if (n < 11 || n > 17 || off < 0 || off + 6 > out.length) throw badAddr('Ethernet', text);
  let i = 0;
  for (let k = 0; k < 6; k++) {
    if (k > 0) {
      if (text.charCodeAt(i) !== COLON) throw badAddr('Ethernet', text);
      i++;
    }
    const h = i < n ? hexVal(text.charCodeAt(i)) : -1;
    if (h < 0) throw badAddr('Ethernet', text);
    i++;
    const l = i < n ? hexVal(text.charCodeAt(i)) : -1;
    if (l < 0) {
      out[off + k] = h;
    } else {
      out[off + k] = (h << 4) | l;
      i++;
    }
  }
  if (i !== n) throw badAddr('Ethernet', text);
}

/* ----------------------------------------------------------------- IPv4 */

/** The 4 bytes at `off` as a dotted quad. The caller has checked room. */
export function readIpv4(buf: Uint8Array, off = 0): string {
  return DEC[buf[off]!]! + '.' + DEC[buf[off + 1]!]! + '.' + DEC[buf[off + 2]!]! + '.' + DEC[buf[off + 3]!]!;
}

/**
 * Writes the dotted quad `text` as 4 bytes at `out[off]`. Octets are decimal
 * 0–255 without leading zeros: "010" is octal to inet_aton and decimal to
 * others, so it is refused rather than guessed.
 */
export function parseIpv4(text: string, out: Uint8Array, off = 0): void {
  if (off < 0 || off + 4 > out.length || !ipv4Into(text, 0, text.length, out, off)) throw badAddr('IPv4', text);
}

/** Parses text[start, end) as a dotted quad into out[off..off+4); false if it is not one. */
function ipv4Into(text: string, start: number, end: number, out: Uint8Array, off: number): boolean {
  let i = start;
  for (let k = 0; k < 4; k++) {
    if (k > 0) {
      if (i >= end || text.charCodeAt(i) !== DOT) return false;
      i++;
    }
    const first = i;
    let v = 0;
    while (i < end) {
      const d = text.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
      if (i - first > 3) return false;
    }
    const digits = i - first;
    if (digits === 0 || v > 255 || (digits > 1 && text.charCodeAt(first) === ZERO)) return false;
    out[off + k] = v;
  }
  return i === end;
}

/* ----------------------------------------------------------------- IPv6 */

/** The 16 bytes at `off` in RFC 5952 canonical text. The caller has checked room. */
export function readIpv6(buf: Uint8Array, off = 0): string {
  // Find the longest run of zero groups; `>` keeps the leftmost on a tie.
  let best = -1;
  let bestLen = 0;
  let run = 0;
  for (let g = 0; g < 8; g++) {
    if ((buf[off + 2 * g]! | buf[off + 2 * g + 1]!) === 0) {
      run++;
      if (run > bestLen) {
        bestLen = run;
        best = g - run + 1;
      }
    } else {
      run = 0;
    }
  }
  // RFC 5952 §4.2.2: a single zero group is written "0", not "::".
  if (bestLen < 2) best = -1;

  let s = '';
  let colon = false;
  for (let g = 0; g < 8; g++) {
    if (g === best) {
      s += '::';
      colon = false;
      g += bestLen - 1;
      continue;
    }
    if (colon) s += ':';
    const hi = buf[off + 2 * g]!;
    const lo = buf[off + 2 * g + 1]!;
    s += hi === 0 ? HEX1[lo]! : HEX1[hi]! + HEX2[lo]!;
    colon = true;
  }
  return s;
}

/**
 * Writes the IPv6 address `text` as 16 bytes at `out[off]`. Accepts every
 * RFC 4291 §2.2 form: eight groups of 1–4 hex digits, one "::" standing for
 * one or more zero groups, and a dotted quad in place of the last two
 * groups. Zone ids ("%eth0") and prefix lengths are not addresses.
 */
export function parseIpv6(text: string, out: Uint8Array, off = 0): void {
  const n = text.length;
  // "::" is the shortest; six 4-digit groups and a 15-character quad the
  // longest (45), which bounds the work done on hostile input.
  if (n < 2 || n > 45 || off < 0 || off + 16 > out.length) throw badAddr('IPv6', text);

  let i = 0;
  let groups = 0;
  /** Index of the group where "::" stands, or -1. */
  let gap = -1;
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) throw badAddr('IPv6', text);
    gap = 0;
    i = 2;
  }
  while (i < n) {
    if (groups === 8) throw badAddr('IPv6', text);
    const start = i;
    let v = 0;
    while (i < n) {
      const h = hexVal(text.charCodeAt(i));
      if (h < 0) break;
      v = (v << 4) | h;
      i++;
    }
    if (i < n && text.charCodeAt(i) === DOT) {
      // A trailing dotted quad fills the last two groups.
      if (groups > 6 || !ipv4Into(text, start, n, out, off + 2 * groups)) throw badAddr('IPv6', text);
      groups += 2;
      break;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4) throw badAddr('IPv6', text);
    out[off + 2 * groups] = v >>> 8;
    out[off + 2 * groups + 1] = v & 0xff;
    groups++;
    if (i === n) break;
    if (text.charCodeAt(i) !== COLON) throw badAddr('IPv6', text);
    i++;
    if (i === n) throw badAddr('IPv6', text); // a lone trailing ":"
    if (text.charCodeAt(i) === COLON) {
      if (gap >= 0) throw badAddr('IPv6', text);
      gap = groups;
      i++;
    }
  }

  if (gap < 0) {
    if (groups !== 8) throw badAddr('IPv6', text);
    return;
  }
  // "::" stands for at least one group, so at most 7 were written.
  if (groups > 7) throw badAddr('IPv6', text);
  const tail = 2 * (groups - gap);
  const dst = off + 16 - tail;
  out.copyWithin(dst, off + 2 * gap, off + 2 * groups);
  out.fill(0, off + 2 * gap, dst);
}

/* --------------------------------------------------------------- Writers */

/** Appends the 6 bytes of the Ethernet address `text` to `w`. */
export function writeMac(w: Writer, text: string): void {
  const at = w.off;
  w.zeros(6);
  parseMac(text, w.buf, at);
}

/** Appends the 4 bytes of the dotted quad `text` to `w`. */
export function writeIpv4(w: Writer, text: string): void {
  const at = w.off;
  w.zeros(4);
  parseIpv4(text, w.buf, at);
}

/** Appends the 16 bytes of the IPv6 address `text` to `w`. */
export function writeIpv6(w: Writer, text: string): void {
  const at = w.off;
  w.zeros(16);
  parseIpv6(text, w.buf, at);
}

function badAddr(family: string, text: string): RangeError {
  return new RangeError(`invalid ${family} address: ${JSON.stringify(text)}`);
}
