/**
 * Rewrites that cross layers: an IP address is in the IP header and in the
 * transport checksum's pseudo-header (RFC 793 §3.1, RFC 768, RFC 8200
 * §8.1), so changing it means fixing up to two checksums. Everything that
 * lives in one header is a setter on that header's view (ports, TTL, TOS,
 * ICMP type/code, ND fields, VLAN, MPLS, ...), and each of those keeps its
 * own header's checksum right.
 *
 * All updates are incremental (RFC 1624), as Open vSwitch's
 * packet_set_ipv4_addr and friends do: a checksum that was wrong stays
 * wrong by the same amount, and the cost does not depend on the payload.
 * A UDP checksum of 0 ("none") is left alone, over IPv6 too (as Open
 * vSwitch does, though RFC 8200 forbids 0 there).
 *
 * `l4` is the transport header's offset when the packet carries one whose
 * checksum field is in the frame (Extractor.l4), else -1: later fragments
 * have no transport header, and nothing must be written for them.
 */
import { csumUpdate16, csumUpdate32 } from './checksum.js';
import { IPPROTO } from './ip.js';
import { IPV4 } from './ipv4.js';
import { IPV6 } from './ipv6.js';
import { get16, get32, put16, put32 } from './wire.js';

/** Where each protocol's checksum is, from the start of its header. */
const enum L4CSUM {
  TCP = 16,
  UDP = 6,
  ICMPV6 = 2,
}

/**
 * Sets the IPv4 source (`at` = IPV4.SRC) or destination (IPV4.DST) of the
 * IPv4 header at `l3` to `addr`, fixing the header checksum and, for TCP
 * and UDP, the transport checksum at `l4`.
 */
export function setIpv4Addr(buf: Uint8Array, l3: number, at: IPV4.SRC | IPV4.DST, addr: number, l4: number): void {
  const o = l3 + at;
  const old = get32(buf, o);
  const now = addr >>> 0;
  put32(buf, o, now);
  const c = l3 + IPV4.CHECKSUM;
  put16(buf, c, csumUpdate32(get16(buf, c), old, now));
  if (l4 < 0) return;
  const proto = buf[l3 + IPV4.PROTOCOL];
  if (proto === IPPROTO.TCP) {
    put16(buf, l4 + L4CSUM.TCP, csumUpdate32(get16(buf, l4 + L4CSUM.TCP), old, now));
  } else if (proto === IPPROTO.UDP) {
    const u = get16(buf, l4 + L4CSUM.UDP);
    if (u !== 0) put16(buf, l4 + L4CSUM.UDP, csumUpdate32(u, old, now) || 0xffff);
  }
}

/**
 * Sets the IPv6 source (`at` = IPV6.SRC) or destination (IPV6.DST)
 * of the IPv6 header at `l3` to the address w0..w3 (most significant word
 * first, as the flow key holds it), fixing the checksum of the transport
 * header at `l4`, whose protocol is `proto` (the key's ip_proto: the last
 * Next Header of the extension chain). For the destination of a packet
 * with a Routing header that has segments left (Extractor.routed), pass
 * l4 = -1: its pseudo-header holds the final destination (RFC 8200 §8.1),
 * which this rewrite does not change, as Open vSwitch also reasons.
 */
export function setIpv6Addr(
  buf: Uint8Array,
  l3: number,
  at: IPV6.SRC | IPV6.DST,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
  l4: number,
  proto: number,
): void {
  const o = l3 + at;
  let csumAt = -1;
  if (l4 >= 0) {
    if (proto === IPPROTO.TCP) csumAt = l4 + L4CSUM.TCP;
    else if (proto === IPPROTO.UDP) csumAt = get16(buf, l4 + L4CSUM.UDP) === 0 ? -1 : l4 + L4CSUM.UDP;
    else if (proto === IPPROTO.ICMPV6) csumAt = l4 + L4CSUM.ICMPV6;
  }
  let c = csumAt < 0 ? 0 : get16(buf, csumAt);
  c = replace32(buf, o, w0, c);
  c = replace32(buf, o + 4, w1, c);
  c = replace32(buf, o + 8, w2, c);
  c = replace32(buf, o + 12, w3, c);
  if (csumAt >= 0) put16(buf, csumAt, proto === IPPROTO.UDP ? c || 0xffff : c);
}

/** Stores v at buf[o] and returns checksum c updated for the change. */
function replace32(buf: Uint8Array, o: number, v: number, c: number): number {
  const old = get32(buf, o);
  put32(buf, o, v >>> 0);
  return csumUpdate16(csumUpdate16(c, old >>> 16, v >>> 16), old & 0xffff, v & 0xffff);
}

/**
 * Sets ip_proto of the IP header at `l3` (IPv4 Protocol; for IPv6 the Next
 * Header that names the transport header at `l4`, the last of the
 * extension chain, found at `nhAt`) from `old` to `now`, fixing the IPv4
 * header checksum and the pseudo-header part of the transport checksum at
 * `l4`, which `old` names (TCP, UDP, ICMPv6 carry it; ICMP and SCTP do
 * not). The transport header itself is left as it is: OpenFlow's
 * set_field ip_proto rewrites one field, not the segment.
 */
export function setIpProto(buf: Uint8Array, l3: number, ipv6: boolean, nhAt: number, old: number, now: number, l4: number): void {
  buf[nhAt] = now;
  if (!ipv6) {
    const c = l3 + IPV4.CHECKSUM;
    // Protocol shares a 16-bit word with TTL.
    const ttl = buf[l3 + IPV4.TTL]! << 8;
    put16(buf, c, csumUpdate16(get16(buf, c), ttl | old, ttl | now));
  }
  if (l4 < 0) return;
  if (old === IPPROTO.TCP) {
    put16(buf, l4 + L4CSUM.TCP, csumUpdate16(get16(buf, l4 + L4CSUM.TCP), old, now));
  } else if (old === IPPROTO.UDP) {
    const u = get16(buf, l4 + L4CSUM.UDP);
    if (u !== 0) put16(buf, l4 + L4CSUM.UDP, csumUpdate16(u, old, now) || 0xffff);
  } else if (old === IPPROTO.ICMPV6 && ipv6) {
    put16(buf, l4 + L4CSUM.ICMPV6, csumUpdate16(get16(buf, l4 + L4CSUM.ICMPV6), old, now));
  }
}
