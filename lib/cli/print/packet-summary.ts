/**
 * The one-line summary ovs-ofctl prints for a frame in a packet-in or
 * packet-out (`ofp_packet_to_string`):
 *
 *     tcp,vlan_tci=0x0000,dl_src=..,dl_dst=..,nw_src=..,nw_dst=..,nw_tos=0,
 *     nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=40000,tp_dst=80,tcp_flags=syn tcp_csum:abcd
 *
 * It is Open vSwitch's flow key of the frame printed as an exact match: a
 * small flow extraction (Ethernet, up to two VLAN tags, LLC/SNAP, MPLS,
 * ARP, IPv4, IPv6 with extension headers, TCP, UDP, SCTP, ICMP, ICMPv6 and
 * neighbour discovery), then the fields Open vSwitch considers part of
 * such a packet's key ("wildcards for packet"), then `match_format`, then
 * the L4 checksum when the L4 header is complete.
 *
 * Truncated or malformed headers behave as in Open vSwitch: parsing stops
 * at the first header that does not fit, the fields it would have filled
 * stay zero, but which fields are printed still follows the Ethernet type
 * and IP protocol found so far.
 */
import {
  ETH_TYPE_ARP,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  ETH_TYPE_MPLS,
  ETH_TYPE_MPLS_MCAST,
  ETH_TYPE_RARP,
  FLOW_NW_FRAG_ANY,
  FLOW_NW_FRAG_LATER,
  formatOvsMatch,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Masked,
  type OvsMatch,
} from './flow-match.js';
import type { PrintOptions } from './options.js';

const IPPROTO_IGMP = 2;
/** Open vSwitch's dl_type for 802.3 frames that are not LLC/SNAP. */
const FLOW_DL_TYPE_NONE = 0x05ff;
const ETH_TYPE_MIN = 0x0600;
const MAX_VLANS = 2;
const MAX_MPLS = 3;

const exact16 = (v: number): Masked<number> => ({ value: v, mask: 0xffff });
const exact32 = (v: number): Masked<number> => ({ value: v >>> 0, mask: 0xffffffff });
const exactBytes = (b: Uint8Array): Masked<Uint8Array> => ({ value: b, mask: new Uint8Array(b.length).fill(0xff) });

interface Extracted {
  match: OvsMatch;
  /** Offset and length of the L4 header region, when the IP layer parsed. */
  l4?: { off: number; size: number };
  proto: number;
}

/** Everything `flow_extract` finds in the frame, as an exact OVS match. */
function extract(p: Uint8Array): Extracted {
  const m: OvsMatch = {};
  const zeroMac = new Uint8Array(6);
  const r: Extracted = { match: m, proto: 0 };
  m.vlans = [];
  if (p.length < 14) {
    m.dl_dst = exactBytes(zeroMac);
    m.dl_src = exactBytes(zeroMac);
    m.vlans.push({ value: 0, mask: 0xffff });
    m.dl_type = 0;
    return r;
  }
  m.dl_dst = exactBytes(p.subarray(0, 6));
  m.dl_src = exactBytes(p.subarray(6, 12));
  let off = 12;
  const u16 = (o: number): number => (p[o]! << 8) | p[o + 1]!;
  let type = u16(off);
  // VLAN tags: TCI with the "present" bit; the tag after the last is masked too.
  while ((type === 0x8100 || type === 0x88a8) && m.vlans.length < MAX_VLANS && off + 6 <= p.length) {
    m.vlans.push({ value: (u16(off + 2) | 0x1000) & 0xffff, mask: 0xffff });
    off += 4;
    type = u16(off);
  }
  if (m.vlans.length < MAX_VLANS) m.vlans.push({ value: 0, mask: 0xffff });
  off += 2;
  if (type < ETH_TYPE_MIN) {
    const snap = off + 8 <= p.length && p[off] === 0xaa && p[off + 1] === 0xaa && p[off + 2] === 0x03 && !p[off + 3] && !p[off + 4] && !p[off + 5];
    if (snap && u16(off + 6) >= ETH_TYPE_MIN) {
      type = u16(off + 6);
      off += 8;
    } else {
      type = FLOW_DL_TYPE_NONE;
    }
  }
  m.dl_type = type;

  if (type === ETH_TYPE_MPLS || type === ETH_TYPE_MPLS_MCAST) {
    m.mpls_lse = [];
    for (let i = 0; i < MAX_MPLS; i++) {
      const lse = off + 4 <= p.length ? ((u16(off) << 16) | u16(off + 2)) >>> 0 : 0;
      if (off + 4 <= p.length) off += 4;
      m.mpls_lse.push(exact32(lse));
      if (lse & 0x100) break;
    }
    return r;
  }

  if (type === ETH_TYPE_ARP || type === ETH_TYPE_RARP) {
    let spa = 0;
    let tpa = 0;
    let op = 0;
    let sha: Uint8Array = zeroMac;
    let tha: Uint8Array = zeroMac;
    if (off + 28 <= p.length && u16(off) === 1 && u16(off + 2) === ETH_TYPE_IP && p[off + 4] === 6 && p[off + 5] === 4) {
      const o = u16(off + 6);
      if (o <= 0xff) op = o;
      sha = p.subarray(off + 8, off + 14);
      spa = ((u16(off + 14) << 16) | u16(off + 16)) >>> 0;
      tha = p.subarray(off + 18, off + 24);
      tpa = ((u16(off + 24) << 16) | u16(off + 26)) >>> 0;
    }
    m.nw_src = exact32(spa);
    m.nw_dst = exact32(tpa);
    m.nw_proto = op;
    m.arp_sha = exactBytes(sha);
    m.arp_tha = exactBytes(tha);
    return r;
  }

  if (type !== ETH_TYPE_IP && type !== ETH_TYPE_IPV6) return r;

  // IP: the fields are part of the key even when the header is bad.
  const zero16 = new Uint8Array(16);
  let proto = 0;
  let tos = 0;
  let ttl = 0;
  let frag = 0;
  let end = p.length;
  let parsed = false;
  if (type === ETH_TYPE_IP) {
    let src = 0;
    let dst = 0;
    const ihl = off + 20 <= p.length ? (p[off]! & 0x0f) * 4 : 0;
    const tot = off + 20 <= p.length ? u16(off + 2) : 0;
    if (off + 20 <= p.length && ihl >= 20 && off + ihl <= p.length && tot <= p.length - off && ihl <= tot) {
      end = off + tot;
      tos = p[off + 1]!;
      ttl = p[off + 8]!;
      proto = p[off + 9]!;
      const fragOff = u16(off + 6);
      if (fragOff & 0x3fff) frag = FLOW_NW_FRAG_ANY | (fragOff & 0x1fff ? FLOW_NW_FRAG_LATER : 0);
      src = ((u16(off + 12) << 16) | u16(off + 14)) >>> 0;
      dst = ((u16(off + 16) << 16) | u16(off + 18)) >>> 0;
      off += ihl;
      parsed = true;
    }
    m.nw_src = exact32(src);
    m.nw_dst = exact32(dst);
  } else {
    let src: Uint8Array = zero16;
    let dst: Uint8Array = zero16;
    let label = 0;
    if (off + 40 <= p.length && u16(off + 4) <= p.length - off - 40) {
      const flow = ((u16(off) << 16) | u16(off + 2)) >>> 0;
      label = flow & 0xfffff;
      tos = (flow >>> 20) & 0xff;
      end = off + 40 + u16(off + 4);
      proto = p[off + 6]!;
      ttl = p[off + 7]!;
      src = p.subarray(off + 8, off + 24);
      dst = p.subarray(off + 24, off + 40);
      off += 40;
      parsed = true;
      // Extension headers, until the transport header or a later fragment.
      for (;;) {
        if (proto === 0 || proto === 43 || proto === 60) {
          if (off + 8 > end) break;
          const next = p[off]!;
          off += (p[off + 1]! + 1) * 8;
          proto = next;
        } else if (proto === 51) {
          if (off + 8 > end) break;
          const next = p[off]!;
          off += (p[off + 1]! + 2) * 4;
          proto = next;
        } else if (proto === 44) {
          if (off + 8 > end) break;
          const next = p[off]!;
          const offlg = u16(off + 2);
          frag = FLOW_NW_FRAG_ANY | (offlg & 0xfff8 ? FLOW_NW_FRAG_LATER : 0);
          off += 8;
          proto = next;
          if (frag & FLOW_NW_FRAG_LATER) break;
        } else {
          break;
        }
      }
    }
    m.ipv6_src = exactBytes(src);
    m.ipv6_dst = exactBytes(dst);
    m.ipv6_label = exact32(label);
  }
  m.nw_proto = proto;
  m.nw_tos = { value: tos, mask: 0xff };
  m.nw_ttl = ttl;
  m.nw_frag = { value: frag, mask: FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER };
  r.proto = proto;
  if (!parsed) return r;
  const size = Math.max(0, end - off);
  r.l4 = { off, size };
  if (frag & FLOW_NW_FRAG_LATER) return r;

  const l4 = (n: number): boolean => size >= n;
  let src = 0;
  let dst = 0;
  switch (proto) {
    case IPPROTO_TCP: {
      const hl = l4(20) ? (p[off + 12]! >> 4) * 4 : 0;
      let flags = 0;
      if (l4(20) && hl >= 20 && size >= hl) {
        src = u16(off);
        dst = u16(off + 2);
        flags = u16(off + 12) & 0x0fff;
      }
      m.tcp_flags = { value: flags, mask: 0xffff };
      break;
    }
    case IPPROTO_UDP:
      if (l4(8)) [src, dst] = [u16(off), u16(off + 2)];
      break;
    case IPPROTO_SCTP:
      if (l4(12)) [src, dst] = [u16(off), u16(off + 2)];
      break;
    case IPPROTO_ICMP:
    case IPPROTO_IGMP:
      if (l4(8)) [src, dst] = [p[off]!, p[off + 1]!];
      break;
    case IPPROTO_ICMPV6:
      if (l4(4)) [src, dst] = [p[off]!, p[off + 1]!];
      if (type === ETH_TYPE_IPV6 && (src === 135 || src === 136) && dst === 0) neighbourDiscovery(p, off, size, src, m);
      break;
    default:
      return r;
  }
  m.tp_src = exact16(src);
  m.tp_dst = exact16(dst);
  return r;
}

/** ND target and link-layer options; a malformed option list zeroes them all. */
function neighbourDiscovery(p: Uint8Array, off: number, size: number, icmpType: number, m: OvsMatch): void {
  const zero6 = new Uint8Array(6);
  let target: Uint8Array = new Uint8Array(16);
  let sll: Uint8Array = zero6;
  let tll: Uint8Array = zero6;
  if (size >= 24) {
    target = p.subarray(off + 8, off + 24);
    let o = off + 24;
    const end = off + size;
    let ok = true;
    while (o + 8 <= end) {
      const optType = p[o]!;
      const optLen = p[o + 1]! * 8;
      if (!optLen || o + optLen > end) {
        ok = false;
        break;
      }
      if (optType === 1 && icmpType === 135 && optLen === 8) {
        if (sll !== zero6) {
          ok = false;
          break;
        }
        sll = p.subarray(o + 2, o + 8);
      } else if (optType === 2 && icmpType === 136 && optLen === 8) {
        if (tll !== zero6) {
          ok = false;
          break;
        }
        tll = p.subarray(o + 2, o + 8);
      }
      o += optLen;
    }
    if (!ok) {
      target = new Uint8Array(16);
      sll = zero6;
      tll = zero6;
    }
  }
  m.nd_target = exactBytes(target);
  m.arp_sha = exactBytes(sll);
  m.arp_tha = exactBytes(tll);
}

const hex = (n: number): string => (n >>> 0).toString(16);

/** The summary line of a frame, with its trailing newline. */
export function formatPacketSummary(frame: Uint8Array, opts?: PrintOptions): string {
  const { match, l4, proto } = extract(frame);
  let s = formatOvsMatch(match, 0x8000, opts);
  if (l4) {
    const u16 = (o: number): number => (frame[o]! << 8) | frame[o + 1]!;
    const o = l4.off;
    if (proto === IPPROTO_TCP && l4.size >= 20) s += ` tcp_csum:${hex(u16(o + 16))}`;
    else if (proto === IPPROTO_UDP && l4.size >= 8) s += ` udp_csum:${hex(u16(o + 6))}`;
    else if (proto === IPPROTO_SCTP && l4.size >= 12) s += ` sctp_csum:${hex((u16(o + 8) * 0x10000 + u16(o + 10)) >>> 0)}`;
    else if (proto === IPPROTO_ICMP && l4.size >= 8) s += ` icmp_csum:${hex(u16(o + 2))}`;
    else if (proto === IPPROTO_ICMPV6 && l4.size >= 4) s += ` icmp6_csum:${hex(u16(o + 2))}`;
  }
  return s + '\n';
}
