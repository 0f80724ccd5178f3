/**
 * IPv6 extension headers (RFC 8200 §4; AH: RFC 4302; ESP: RFC 4303) and
 * OpenFlow 1.3's ipv6_exthdr pseudo-field (§7.2.3.8, enum
 * ofp_ipv6exthdr_flags).
 *
 * Walking a chain
 * ---------------
 * Hop-by-Hop (0), Routing (43), Destination Options (60) share a layout:
 * Next Header, Hdr Ext Len in 8-octet units not counting the first 8. AH
 * (51) has the same two leading fields but counts 4-octet units not
 * counting the first 2 (RFC 4302 §2.2). The Fragment header (44) is always
 * 8 bytes. ESP (50) ends what can be read (the rest is encrypted), as does
 * No Next Header (59). Any other value is the upper-layer protocol.
 *
 * The ipv6_exthdr bits
 * --------------------
 * The spec defines them by prose, which this module turns into these
 * rules, applied to each header of the chain in order by `exthdrStep`:
 *
 *  - NONEXT: a Next Header of 59 was reached. ESP: an ESP header is
 *    present. AUTH, FRAG, ROUTER: that header is present. DEST: one or
 *    more Destination Options headers are present.
 *  - HOP: a Hop-by-Hop header is present *as the first extension header*
 *    (the spec's words; RFC 8200 allows it nowhere else). A Hop-by-Hop
 *    header anywhere else sets UNSEQ instead.
 *  - UNREP ("more than one of a given header unexpectedly encountered"):
 *    a second Hop-by-Hop, Routing, Fragment, AH or ESP header, or a third
 *    Destination Options header (two are expected: one before a Routing
 *    header and one before the upper layer).
 *  - UNSEQ ("not in the order preferred by RFC 2460"): each header gets a
 *    rank in RFC 2460/8200 §4.1's order, Hop-by-Hop 1, Destination
 *    Options (first) 2, Routing 3, Fragment 4, AH 5, ESP 6, Destination
 *    Options (final) 7; a header ranked below one seen before it sets
 *    UNSEQ. A Destination Options header takes the "first" rank when it is
 *    the first one and nothing but Hop-by-Hop preceded it, and the "final"
 *    rank otherwise, so that Dest-Routing-Dest and Dest-Fragment (options
 *    for the first destination, no routing) are both in order, while a
 *    Fragment header after a final Destination Options header is not.
 *  - Only what the walk reaches counts: nothing past ESP, No Next Header,
 *    a non-first fragment (its next header describes data that is not
 *    there) or a header that is cut short. A header whose start was
 *    reached counts even if the packet ends inside it: its type is known.
 *
 * Open vSwitch does not implement ipv6_exthdr, so these rules are ours;
 * spec/packet/ipv6-ext.spec.ts holds them to hand-written expectations and
 * to an independent implementation in scripts/record-packet-corpus.
 */
import { IPPROTO } from './ip.js';
import { HeaderView, WireError, get16, get32 } from './wire.js';

/** Generic extension header (Hop-by-Hop, Routing, Destination Options; AH shares the first two fields). */
export const enum IPV6_EXT {
  NEXT_HEADER = 0,
  HDR_EXT_LEN = 1,
  MIN_LEN = 8,
}

/** struct ip6_frag, 8 bytes. */
export const enum IPV6_FRAG {
  NEXT_HEADER = 0,
  RESERVED = 1,
  /** Fragment Offset(13) Res(2) M(1). */
  OFFLG = 2,
  IDENT = 4,
  HEADER_LEN = 8,
  OFFSET_MASK = 0xfff8,
  M = 0x0001,
}

/** Routing header fixed part (RFC 8200 §4.4). */
export const enum IPV6_RT {
  ROUTING_TYPE = 2,
  SEGMENTS_LEFT = 3,
}

/** Authentication Header (RFC 4302 §2). */
export const enum AH {
  NEXT_HEADER = 0,
  PAYLOAD_LEN = 1,
  SPI = 4,
  SEQ = 8,
  ICV = 12,
}

/** enum ofp_ipv6exthdr_flags (OpenFlow 1.3 §7.2.3.8), the values of OFPIEH. */
export const enum IEH {
  NONEXT = 1 << 0,
  ESP = 1 << 1,
  AUTH = 1 << 2,
  DEST = 1 << 3,
  FRAG = 1 << 4,
  ROUTER = 1 << 5,
  HOP = 1 << 6,
  UNREP = 1 << 7,
  UNSEQ = 1 << 8,
  ALL = 0x1ff,
}

/** Whether `nh` is an extension header the walk steps over (ESP and 59 end it). */
export function isIpv6ExtHeader(nh: number): boolean {
  return nh === IPPROTO.HOPOPTS || nh === IPPROTO.ROUTING || nh === IPPROTO.FRAGMENT || nh === IPPROTO.DSTOPTS || nh === IPPROTO.AH;
}

/** The length of extension header `type` at buf[off] (its first two bytes must be there). */
export function ipv6ExtHeaderLen(type: number, buf: Uint8Array, off: number): number {
  if (type === IPPROTO.FRAGMENT) return IPV6_FRAG.HEADER_LEN;
  if (type === IPPROTO.AH) return (buf[off + IPV6_EXT.HDR_EXT_LEN] + 2) * 4;
  return (buf[off + IPV6_EXT.HDR_EXT_LEN] + 1) * 8;
}

/**
 * A view of one extension header; it must be told its type (the previous
 * header's Next Header), since nothing in the header says it.
 */
export class Ipv6ExtView extends HeaderView {
  type = 0;

  resetExt(buf: Uint8Array, off: number, len: number, type: number): this {
    this.type = type;
    return this.reset(buf, off, len);
  }

  check(): WireError {
    if (this.len < IPV6_EXT.MIN_LEN) return WireError.TRUNCATED;
    return this.headerLen() > this.len ? WireError.OVERRUN : WireError.OK;
  }

  headerLen(): number {
    return ipv6ExtHeaderLen(this.type, this.buf, this.off);
  }
  nextHeader(): number {
    return this.buf[this.off + IPV6_EXT.NEXT_HEADER];
  }
  /** Hdr Ext Len as on the wire (AH: Payload Len). */
  hdrExtLen(): number {
    return this.buf[this.off + IPV6_EXT.HDR_EXT_LEN];
  }
  payloadOffset(): number {
    return this.off + this.headerLen();
  }

  /* Fragment header */
  /** In 8-byte units. */
  fragOffset(): number {
    return get16(this.buf, this.off + IPV6_FRAG.OFFLG) >>> 3;
  }
  moreFrags(): boolean {
    return (this.buf[this.off + IPV6_FRAG.OFFLG + 1] & IPV6_FRAG.M) !== 0;
  }
  fragIdent(): number {
    return get32(this.buf, this.off + IPV6_FRAG.IDENT);
  }

  /* Routing header */
  routingType(): number {
    return this.buf[this.off + IPV6_RT.ROUTING_TYPE];
  }
  segmentsLeft(): number {
    return this.buf[this.off + IPV6_RT.SEGMENTS_LEFT];
  }

  /* Authentication header */
  spi(): number {
    return get32(this.buf, this.off + AH.SPI);
  }
  seq(): number {
    return get32(this.buf, this.off + AH.SEQ);
  }
}

/* ------------------------------------------------------------ ipv6_exthdr */

/** Ranks in RFC 8200 §4.1's recommended order (0: nothing seen yet). */
const enum RANK {
  NONE = 0,
  HOP = 1,
  DEST_FIRST = 2,
  ROUTER = 3,
  FRAG = 4,
  AUTH = 5,
  ESP = 6,
  DEST_FINAL = 7,
}

/**
 * The walk's state, packed in a number so that the walk allocates nothing:
 * bits 0..8 the OFPIEH bits so far, 9..11 the highest rank seen, 12..13 the
 * Destination Options headers seen (saturating at 3), 14 a Hop-by-Hop seen.
 */
const enum ST {
  RANK_SHIFT = 9,
  DESTS_SHIFT = 12,
  HOP_SEEN = 1 << 14,
}

/** The state before the first header. */
export const EXTHDR_START = 0;

/** The state after header `nh` is met (see the essay); unchanged for upper-layer protocols. */
export function exthdrStep(state: number, nh: number): number {
  let flags = state & IEH.ALL;
  const last = (state >>> ST.RANK_SHIFT) & 7;
  let dests = (state >>> ST.DESTS_SHIFT) & 3;
  let hopSeen = state & ST.HOP_SEEN;
  let rank: number;
  switch (nh) {
    case IPPROTO.HOPOPTS:
      if (hopSeen !== 0) flags |= IEH.UNREP;
      if (last === RANK.NONE) flags |= IEH.HOP;
      else flags |= IEH.UNSEQ;
      hopSeen = ST.HOP_SEEN;
      rank = RANK.HOP;
      break;
    case IPPROTO.DSTOPTS:
      flags |= IEH.DEST;
      if (dests < 3) dests++;
      if (dests > 2) flags |= IEH.UNREP;
      rank = dests === 1 && last <= RANK.HOP ? RANK.DEST_FIRST : RANK.DEST_FINAL;
      break;
    case IPPROTO.ROUTING:
      flags |= flags & IEH.ROUTER ? IEH.UNREP : IEH.ROUTER;
      rank = RANK.ROUTER;
      break;
    case IPPROTO.FRAGMENT:
      flags |= flags & IEH.FRAG ? IEH.UNREP : IEH.FRAG;
      rank = RANK.FRAG;
      break;
    case IPPROTO.AH:
      flags |= flags & IEH.AUTH ? IEH.UNREP : IEH.AUTH;
      rank = RANK.AUTH;
      break;
    case IPPROTO.ESP:
      flags |= flags & IEH.ESP ? IEH.UNREP : IEH.ESP;
      rank = RANK.ESP;
      break;
    case IPPROTO.NONE:
      return state | IEH.NONEXT;
    default:
      return state;
  }
  if (rank < last) flags |= IEH.UNSEQ;
  const top = rank > last ? rank : last;
  return flags | (top << ST.RANK_SHIFT) | (dests << ST.DESTS_SHIFT) | hopSeen;
}

/** The OFPIEH bits of a walk's state. */
export function exthdrBits(state: number): number {
  return state & IEH.ALL;
}
