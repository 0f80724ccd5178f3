/**
 * The Internet checksum (RFC 1071), its incremental update (RFC 1624), the
 * pseudo-headers of RFC 768/793 (IPv4) and RFC 8200 §8.1 (IPv6), completion
 * of a CHECKSUM_PARTIAL frame, and SCTP's CRC32c (RFC 4960 Appendix B).
 *
 * Sums are kept unfolded in a JavaScript number while they are being
 * accumulated: each 16-bit word adds at most 0xffff, so 2^37 words fit
 * below 2^53 before `fold` must run, far beyond any frame; `fold` then
 * brings the sum to 16 bits with end-around carries.
 *
 * Incremental updates use RFC 1624 equation 3, HC' = ~(~HC + ~m + m'). For
 * any header whose words are not all zero it gives exactly the checksum a
 * full recomputation gives: both are the complement of a one's complement
 * sum that folding keeps in [1, 0xffff], and they are congruent modulo
 * 0xffff, so they are equal. (RFC 1141's equation, HC - m' + m in
 * two's complement terms, can give 0xffff where recomputation gives 0x0000:
 * RFC 1624 §4's example, which spec/packet/checksum.spec.ts replays.)
 */
import { get16, put16 } from './wire.js';

/** Adds the 16-bit big-endian words of buf[off, off+len) to `acc` (an odd last byte is padded with zero). */
export function sum16(buf: Uint8Array, off: number, len: number, acc = 0): number {
  const end = off + len;
  let i = off;
  for (; i + 1 < end; i += 2) acc += (buf[i] << 8) | buf[i + 1];
  if (i < end) acc += buf[i] << 8;
  return acc;
}

/** Folds an accumulated sum into 16 bits of one's complement. */
export function fold(acc: number): number {
  // Two rounds of the end-around carry are enough for sums below 2^32;
  // larger accumulators first lose their high part by division.
  while (acc > 0xffffffff) acc = (acc % 0x10000) + Math.floor(acc / 0x10000);
  acc = (acc & 0xffff) + (acc >>> 16);
  acc = (acc & 0xffff) + (acc >>> 16);
  return acc;
}

/** The checksum (complemented, folded) of buf[off, off+len) plus `acc`. */
export function internetChecksum(buf: Uint8Array, off: number, len: number, acc = 0): number {
  return ~fold(sum16(buf, off, len, acc)) & 0xffff;
}

/** RFC 1624 eqn 3 for one 16-bit word changing from `old` to `now`. */
export function csumUpdate16(csum: number, old: number, now: number): number {
  return ~fold((~csum & 0xffff) + (~old & 0xffff) + (now & 0xffff)) & 0xffff;
}

/** RFC 1624 eqn 3 for a 32-bit word (two 16-bit words at once). */
export function csumUpdate32(csum: number, old: number, now: number): number {
  const acc = (~csum & 0xffff) + (~(old >>> 16) & 0xffff) + (~old & 0xffff) + (now >>> 16) + (now & 0xffff);
  return ~fold(acc) & 0xffff;
}

/**
 * The sum to add when `len` bytes at buf[off] are replaced by the `len`
 * bytes at src[srcOff] (`len` even): feed it to `csumApplyDelta`. Lets a
 * 128-bit address or a 6-byte option change go through one fold.
 */
export function csumDelta(buf: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number): number {
  let acc = 0;
  for (let i = 0; i < len; i += 2) {
    acc += (~get16(buf, off + i) & 0xffff) + get16(src, srcOff + i);
  }
  return acc;
}

/** Applies a `csumDelta` to a checksum. */
export function csumApplyDelta(csum: number, delta: number): number {
  return ~fold((~csum & 0xffff) + delta) & 0xffff;
}

/**
 * The IPv4 pseudo-header sum (RFC 793 §3.1: source, destination, zero,
 * protocol, TCP length) for an IPv4 header at `l3`.
 */
export function ipv4PseudoSum(buf: Uint8Array, l3: number, proto: number, l4Len: number): number {
  return sum16(buf, l3 + 12, 8, proto + l4Len);
}

/**
 * The IPv6 pseudo-header sum (RFC 8200 §8.1) for an IPv6 header at `l3`.
 * The destination is the header's: a packet with a Routing header should
 * use the final destination instead, which no caller of ours needs (the
 * datapath only updates checksums incrementally, where the addresses in
 * the sum do not matter).
 */
export function ipv6PseudoSum(buf: Uint8Array, l3: number, proto: number, l4Len: number): number {
  return sum16(buf, l3 + 8, 32, proto + (l4Len >>> 16) + (l4Len & 0xffff));
}

/** Computes and stores the IPv4 header checksum of the header at `l3` (its IHL gives the length). */
export function fillIpv4Checksum(buf: Uint8Array, l3: number): number {
  const hlen = (buf[l3] & 0x0f) * 4;
  put16(buf, l3 + 10, 0);
  const c = internetChecksum(buf, l3, hlen);
  put16(buf, l3 + 10, c);
  return c;
}

/** Where TCP, UDP, ICMP and ICMPv6 keep their checksum, relative to the L4 header; -1 for others. */
export function l4ChecksumOffset(proto: number): number {
  switch (proto) {
    case 6:
      return 16; // TCP
    case 17:
      return 6; // UDP
    case 1:
    case 58:
      return 2; // ICMP, ICMPv6
    default:
      return -1;
  }
}

/**
 * Computes and stores the checksum of the L4 segment at buf[l4, l4+l4Len)
 * whose IP header is at `l3` (`ipv6` tells which). ICMPv4 has no
 * pseudo-header; UDP's computed 0 is sent as 0xffff (RFC 768). SCTP is
 * handled by `fillSctpChecksum`. Returns the checksum, or -1 for a protocol
 * without an Internet checksum.
 */
export function fillL4Checksum(buf: Uint8Array, l3: number, ipv6: boolean, proto: number, l4: number, l4Len: number): number {
  const at = l4ChecksumOffset(proto);
  if (at < 0) return -1;
  put16(buf, l4 + at, 0);
  const pseudo = proto === 1 ? 0 : ipv6 ? ipv6PseudoSum(buf, l3, proto, l4Len) : ipv4PseudoSum(buf, l3, proto, l4Len);
  let c = internetChecksum(buf, l4, l4Len, pseudo);
  if (c === 0 && proto === 17) c = 0xffff;
  put16(buf, l4 + at, c);
  return c;
}

/**
 * Finishes a frame that a kernel or a virtio device handed over with
 * CHECKSUM_PARTIAL (virtio_net_hdr flag VIRTIO_NET_HDR_F_NEEDS_CSUM): the
 * 16-bit field at csumStart + csumOffset already holds the folded
 * pseudo-header sum, not complemented, and what is left is to sum from
 * csumStart to the end of the frame and store the complement there.
 * `csumStart` is relative to the frame start (`off`), `csumOffset` to
 * csumStart, as in struct virtio_net_hdr. A result of 0 is stored as
 * 0xffff, as Linux's skb_checksum_help does (CSUM_MANGLED_0): both mean
 * the same to TCP, and UDP reserves 0 for "no checksum". Returns false,
 * changing nothing, when the field lies outside the frame.
 */
export function completePartialChecksum(buf: Uint8Array, off: number, len: number, csumStart: number, csumOffset: number): boolean {
  if (csumStart < 0 || csumOffset < 0 || csumStart + csumOffset + 2 > len || off + len > buf.length) return false;
  const start = off + csumStart;
  let c = internetChecksum(buf, start, len - csumStart);
  if (c === 0) c = 0xffff;
  put16(buf, start + csumOffset, c);
  return true;
}

/* ------------------------------------------------------------ CRC32c */

/**
 * CRC32c (Castagnoli, reflected polynomial 0x82F63B78), byte at a time.
 * The table is computed once at load and never written again.
 */
const CRC32C_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC32c register before the first byte. */
export const CRC32C_INIT = 0xffffffff;

/** Runs the CRC32c register `crc` over buf[off, off+len); returns the register (not yet complemented). */
export function crc32cUpdate(crc: number, buf: Uint8Array, off: number, len: number): number {
  let c = crc;
  for (let i = off, end = off + len; i < end; i++) c = CRC32C_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

/** Runs the register over `n` zero bytes (a checksum field taken as zero, without writing it). */
export function crc32cZeros(crc: number, n: number): number {
  let c = crc;
  for (let i = 0; i < n; i++) c = CRC32C_TABLE[c & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

/*
 * Rewriting a few bytes of an SCTP packet changes its CRC32c by an amount
 * that depends only on the XOR of the old and new bytes and on how many
 * bytes follow them: the CRC register is linear over GF(2), the initial
 * value and the final complement cancel out between two messages of the
 * same length, and leading zero bytes leave a zero register at zero. So
 * the change is the register run from 0 over the XOR difference, then over
 * as many zero bytes as follow it. Running over n zero bytes is a linear
 * map of the register; ZERO_OPS holds that map for n = 2^k (k = 0..31) as
 * 32 columns each (column i = the image of bit i), so any n costs one map
 * per set bit of n instead of n table steps. Built once at load.
 */
const ZERO_OPS: Uint32Array = (() => {
  const ops = new Uint32Array(32 * 32);
  for (let i = 0; i < 32; i++) ops[i] = crc32cZeros(1 << i, 1);
  for (let k = 1; k < 32; k++) {
    const prev = (k - 1) * 32;
    for (let i = 0; i < 32; i++) ops[k * 32 + i] = applyZeroOp(ops, prev, ops[prev + i]);
  }
  return ops;
})();

/** Applies the 32-column map at ops[base, base+32) to the register value `v`. */
function applyZeroOp(ops: Uint32Array, base: number, v: number): number {
  let r = 0;
  for (let i = base; v !== 0; i++, v >>>= 1) if (v & 1) r ^= ops[i];
  return r >>> 0;
}

/** The register after `n` zero bytes, as crc32cZeros gives, in O(log n). */
export function crc32cZerosFast(crc: number, n: number): number {
  let c = crc >>> 0;
  for (let k = 0; n !== 0 && c !== 0; k++, n >>>= 1) if (n & 1) c = applyZeroOp(ZERO_OPS, k * 32, c);
  return c;
}

/**
 * How the CRC32c of a message changes (the XOR of old and new CRC values)
 * when the 4 bytes at some position change by `diff` (old XOR new, read as
 * a big-endian 32-bit word, as they lie on the wire) and `after` bytes
 * follow them to the end of the message. The position itself does not
 * matter.
 */
export function crc32cDelta32(diff: number, after: number): number {
  let c = 0;
  c = CRC32C_TABLE[(c ^ (diff >>> 24)) & 0xff] ^ (c >>> 8);
  c = CRC32C_TABLE[(c ^ (diff >>> 16)) & 0xff] ^ (c >>> 8);
  c = CRC32C_TABLE[(c ^ (diff >>> 8)) & 0xff] ^ (c >>> 8);
  c = CRC32C_TABLE[(c ^ diff) & 0xff] ^ (c >>> 8);
  return crc32cZerosFast(c >>> 0, after);
}

/** CRC32c of buf[off, off+len), as RFC 4960 Appendix B computes it (final value complemented). */
export function crc32c(buf: Uint8Array, off: number, len: number): number {
  return ~crc32cUpdate(CRC32C_INIT, buf, off, len) >>> 0;
}

/**
 * Computes and stores the checksum of the SCTP packet at buf[off, off+len).
 * RFC 4960 puts the CRC in the header in little-endian byte order (the
 * reflected CRC's natural order), unlike every other field.
 */
export function fillSctpChecksum(buf: Uint8Array, off: number, len: number): number {
  buf[off + 8] = buf[off + 9] = buf[off + 10] = buf[off + 11] = 0;
  const c = crc32c(buf, off, len);
  buf[off + 8] = c;
  buf[off + 9] = c >>> 8;
  buf[off + 10] = c >>> 16;
  buf[off + 11] = c >>> 24;
  return c;
}
