/**
 * Numbers and addresses as ovs-ofctl reads them.
 *
 * ovs-ofctl is written in C and its number syntax is the C library's:
 * `strtoull(s, NULL, 0)` for most values, so `0x10` is hex, `010` is
 * *octal* and `-1` is all ones; `strtoul(s, NULL, 10)` for port and table
 * numbers, where `010` is ten and `0x10` is an error. Scripts rely on both,
 * so both are reproduced here, each by a named function.
 *
 * Where ovs-ofctl would let a C integer silently wrap or truncate
 * (`set_queue:4294967296` becoming queue 0), we refuse the value instead:
 * a script that relies on the wrap is broken, and a switch that receives
 * the wrapped value does something nobody asked for.
 *
 * Messages are ovs-ofctl's own wherever it has one for the case.
 */
import { FlowSyntaxError, type WarningSink } from './errors.js';
import { parseIpv6, readIpv4, readIpv6, readMac } from '../../openflow/addr.js';

const U64_MAX = (1n << 64n) - 1n;

/**
 * `strtoull(text, &end, 0)` over the whole of `text`: an optional sign, then
 * `0x` hex, `0` octal or decimal. A minus sign negates modulo 2^64, as C
 * does. Undefined if anything is left over, if there are no digits, or if
 * the magnitude does not fit in 64 bits.
 */
export function parseCUnsigned(text: string): bigint | undefined {
  const v = parseCInteger(text);
  return v === undefined || v > U64_MAX ? undefined : v;
}

/**
 * As parseCUnsigned, but a positive magnitude may exceed 64 bits, so that
 * a caller can say "too large" rather than "bad syntax" (ovs-ofctl reads
 * field values in hex of any length).
 */
export function parseCInteger(text: string): bigint | undefined {
  let s = text;
  let negative = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  let digits: RegExp;
  let prefix = '';
  if (/^0[xX]/.test(s)) {
    // ovs-ofctl's hex reader takes a bare "0x" as 0.
    s = s.slice(2);
    if (s === '') return 0n;
    digits = /^[0-9a-fA-F]+$/;
    prefix = '0x';
  } else if (s.startsWith('0') && s.length > 1) {
    digits = /^[0-7]+$/;
    prefix = '0o';
  } else {
    digits = /^[0-9]+$/;
  }
  if (!digits.test(s)) return undefined;
  const magnitude = BigInt(prefix + s);
  if (!negative) return magnitude;
  return magnitude > U64_MAX ? undefined : -magnitude & U64_MAX;
}

/** `strtoul(text, &end, 10)` over the whole of `text`, unsigned: "+5" yes, "-5" no. */
export function parseDecimal(text: string): bigint | undefined {
  const m = /^\+?([0-9]+)$/.exec(text);
  return m ? BigInt(m[1]!) : undefined;
}

/**
 * An unsigned integer argument of at most `bits` bits (ovs-ofctl's
 * str_to_u16 family): `invalid <what> "<text>"` otherwise.
 */
export function parseUnsigned(text: string, bits: number, what: string): number {
  const v = parseCUnsigned(text);
  if (v === undefined || v >= 1n << BigInt(bits)) throw new FlowSyntaxError(`invalid ${what} "${text}"`, text);
  return Number(v);
}

/**
 * A 32- or 64-bit number where ovs-ofctl says `invalid numeric format`
 * (queue, group and meter ids, cookies, metadata). `-1` is all ones.
 */
export function parseNumeric(text: string, bits: 32 | 64): bigint {
  if (text === '') throw new FlowSyntaxError('missing required numeric argument', text);
  const v = parseCUnsigned(text);
  if (v === undefined) throw new FlowSyntaxError(`invalid numeric format ${text}`, text);
  if (bits === 32) {
    // C's strtoul on a 64-bit long accepts "-1" as all ones of 64 bits and then
    // truncates to 32; we take -N as 2^32 - N and refuse what would be truncated.
    if (text.startsWith('-')) {
      const low = v & 0xffffffffn;
      if (v >> 32n !== 0xffffffffn || low === 0n) throw new FlowSyntaxError(`invalid numeric format ${text}`, text);
      return low;
    }
    if (v > 0xffffffffn) throw new FlowSyntaxError(`${text}: value out of range (0 to 4294967295)`, text);
  }
  return v;
}

/* ------------------------------------------------------------ addresses */

/** 48-bit Ethernet address from "a:b:c:d:e:f" (1 or 2 hex digits a part). */
export function parseMacBits(text: string): bigint | undefined {
  const parts = text.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(parseInt(p, 16)), 0n);
}

/**
 * Dotted quad. Each part is decimal (leading zeros allowed, as
 * ovs-ofctl reads `010.0.0.1` as 10.0.0.1) and at most 255.
 */
export function parseIpv4Bits(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

/** IPv6 text (anything inet_pton takes) as 128 bits. */
export function parseIpv6Bits(text: string): bigint | undefined {
  const b = Buffer.alloc(16);
  try {
    parseIpv6(text, b, 0);
  } catch {
    return undefined;
  }
  return BigInt('0x' + b.toString('hex'));
}

/** A mask of `prefix` leading one bits out of `width`. */
export function prefixMask(prefix: number, width: number): bigint {
  return ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
}

/** `a.b.c.d`, `a.b.c.d/N` or `a.b.c.d/e.f.g.h` as value and mask. */
export function parseIpv4Masked(text: string): { value: bigint; mask: bigint } {
  const slash = text.indexOf('/');
  const value = parseIpv4Bits(slash < 0 ? text : text.slice(0, slash));
  if (value === undefined) throw new FlowSyntaxError(`${text}: invalid IP address`, text);
  if (slash < 0) return { value, mask: 0xffffffffn };
  const m = text.slice(slash + 1);
  if (/^[0-9]+$/.test(m)) {
    const bits = Number(m);
    if (bits > 32) throw new FlowSyntaxError(`${text}: IPv4 network prefix bits not between 0 and 32, inclusive`, text);
    return { value, mask: prefixMask(bits, 32) };
  }
  const mask = parseIpv4Bits(m);
  if (mask === undefined) throw new FlowSyntaxError(`${text}: invalid IP address`, text);
  return { value, mask };
}

/** `addr`, `addr/N` or `addr/mask` (IPv6) as value and mask. */
export function parseIpv6Masked(text: string): { value: bigint; mask: bigint } {
  const slash = text.indexOf('/');
  const value = parseIpv6Bits(slash < 0 ? text : text.slice(0, slash));
  if (value === undefined) throw new FlowSyntaxError(`${text}: invalid IPv6 address`, text);
  if (slash < 0) return { value, mask: (1n << 128n) - 1n };
  const m = text.slice(slash + 1);
  if (/^[0-9]+$/.test(m)) {
    const bits = Number(m);
    if (bits > 128) throw new FlowSyntaxError(`${text}: IPv6 network prefix bits not between 0 and 128, inclusive`, text);
    return { value, mask: prefixMask(bits, 128) };
  }
  const mask = parseIpv6Bits(m);
  if (mask === undefined) throw new FlowSyntaxError(`${text}: invalid IPv6 address`, text);
  return { value, mask };
}

/** `mac` or `mac/mask`. */
export function parseMacMasked(text: string): { value: bigint; mask: bigint } {
  const slash = text.indexOf('/');
  const value = parseMacBits(slash < 0 ? text : text.slice(0, slash));
  const mask = slash < 0 ? (1n << 48n) - 1n : parseMacBits(text.slice(slash + 1));
  if (value === undefined || mask === undefined) throw new FlowSyntaxError(`${text}: invalid Ethernet address`, text);
  return { value, mask };
}

/** `bytes` bytes of `v`, big-endian. */
export function bitsToBuffer(v: bigint, bytes: number): Buffer {
  return Buffer.from(v.toString(16).padStart(2 * bytes, '0'), 'hex');
}

/** Address bits as the text the codec's OxmBasic values carry. */
export function formatMac(v: bigint): string {
  return readMac(bitsToBuffer(v, 6));
}
export function formatIpv4(v: bigint): string {
  return readIpv4(bitsToBuffer(v, 4));
}
export function formatIpv6(v: bigint): string {
  return readIpv6(bitsToBuffer(v, 16));
}

/**
 * A table number as ovs-ofctl reads one: decimal only, 0 to 255
 * (`table=0x10` is "unknown table"). ovs-ofctl also takes table names from
 * the switch's table features; those come in `names`.
 */
export function parseTableId(text: string, warn: WarningSink, names?: ReadonlyMap<string, number>): number {
  const named = names?.get(text);
  if (named !== undefined) return named;
  if (/^-[0-9]+$/.test(text)) warn(`Negative value ${text} is not a valid table number.`);
  const v = parseDecimal(text);
  if (v !== undefined && v > 255n && v <= 0xffffffffn) warn(`table ${v} is outside the supported range 0 through 255`);
  if (v === undefined || v > 255n) throw new FlowSyntaxError(`unknown table "${text}"`, text);
  return Number(v);
}

/** A group id: a number, or `all` / `any` (OFPG_ALL, OFPG_ANY). */
export function parseGroupId(text: string): number {
  if (text === 'all') return 0xfffffffc;
  if (text === 'any') return 0xffffffff;
  return Number(parseNumeric(text, 32));
}
