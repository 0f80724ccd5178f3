/**
 * ICMPv6 (RFC 4443) and the two Neighbor Discovery messages a flow key
 * describes (RFC 4861 §4.3 Neighbor Solicitation, §4.4 Neighbor
 * Advertisement): their target address and link-layer address options.
 *
 * The flow key reads ND only for type 135/136 with code 0, as Open
 * vSwitch and OpenFlow's prerequisites (icmpv6_type=135 for nd_sll, 136
 * for nd_tll) do. Options are walked 8 bytes at a time while a whole
 * option header fits; a zero length or an option running past the
 * message ends the walk (keeping what was found). Only 8-byte link-layer
 * address options (an Ethernet address) count. The same option twice
 * makes the message invalid, and then target, SLL and TLL all read as
 * zero: Open vSwitch's rule, kept so that both switches see the same key.
 *
 * The checksum covers an IPv6 pseudo-header; setters for type, code,
 * target and link-layer addresses update it incrementally, which does not
 * need the pseudo-header.
 */
import { csumApplyDelta, csumDelta, csumUpdate16 } from './checksum.js';
import { HeaderView, WireError, get16, get32, getMacHi, getMacLo, put16, put32, putMac } from './wire.js';

/** struct icmp6_header plus the 4-byte body word, 8 bytes. */
export const enum ICMPV6 {
  TYPE = 0,
  CODE = 1,
  CHECKSUM = 2,
  /** Message body: echo identifier/sequence, ND flags/reserved. */
  BODY = 4,
  HEADER_LEN = 8,
}

/** Neighbor Solicitation / Advertisement layout (RFC 4861 §4.3, §4.4). */
export const enum ND {
  /** NA: R(1) S(1) O(1) reserved(29). */
  FLAGS = 4,
  TARGET = 8,
  OPTIONS = 24,
  TYPE_NS = 135,
  TYPE_NA = 136,
  FLAG_ROUTER = 0x80,
  FLAG_SOLICITED = 0x40,
  FLAG_OVERRIDE = 0x20,
}

/** ND option header (RFC 4861 §4.6): type, length in units of 8 bytes. */
export const enum ND_OPT {
  TYPE = 0,
  LEN = 1,
  /** A link-layer address option's address. */
  LLADDR = 2,
  SOURCE_LINKADDR = 1,
  TARGET_LINKADDR = 2,
  UNIT = 8,
}

/** ICMPv6 types the switch names. */
export const enum ICMPV6_TYPE {
  ECHO_REQUEST = 128,
  ECHO_REPLY = 129,
  ROUTER_SOLICIT = 133,
  ROUTER_ADVERT = 134,
  NEIGHBOR_SOLICIT = 135,
  NEIGHBOR_ADVERT = 136,
}

export class Icmpv6View extends HeaderView {
  check(): WireError {
    return this.len < ICMPV6.HEADER_LEN ? WireError.TRUNCATED : WireError.OK;
  }

  headerLen(): number {
    return ICMPV6.HEADER_LEN;
  }
  type(): number {
    return this.buf[this.off + ICMPV6.TYPE];
  }
  code(): number {
    return this.buf[this.off + ICMPV6.CODE];
  }
  checksum(): number {
    return get16(this.buf, this.off + ICMPV6.CHECKSUM);
  }
  /** The 32-bit word after the checksum (ND: flags and reserved). */
  body(): number {
    return get32(this.buf, this.off + ICMPV6.BODY);
  }

  /** Type 135 or 136 with code 0, and the target address within the window. */
  isNeighborDiscovery(): boolean {
    const t = this.type();
    return this.code() === 0 && (t === ND.TYPE_NS || t === ND.TYPE_NA) && this.len >= ND.OPTIONS;
  }
  /** NA flags R, S, O as the top 3 bits of a byte (scapy's R, S, O). */
  ndRouter(): number {
    return this.buf[this.off + ND.FLAGS] >>> 7;
  }
  ndSolicited(): number {
    return (this.buf[this.off + ND.FLAGS] >>> 6) & 1;
  }
  ndOverride(): number {
    return (this.buf[this.off + ND.FLAGS] >>> 5) & 1;
  }
  /** Word i (0 = most significant) of the ND target address. */
  targetWord(i: number): number {
    return get32(this.buf, this.off + ND.TARGET + 4 * i);
  }
  /**
   * The offset in `buf` of the first 8-byte link-layer address option of
   * `type` (ND_OPT.SOURCE_LINKADDR or TARGET_LINKADDR), or -1; the walk
   * stops as described in the essay.
   */
  findLinkAddrOption(type: number): number {
    const end = this.off + this.len;
    for (let o = this.off + ND.OPTIONS; end - o >= ND_OPT.UNIT; ) {
      const n = this.buf[o + ND_OPT.LEN] * ND_OPT.UNIT;
      if (n === 0 || n > end - o) return -1;
      if (this.buf[o + ND_OPT.TYPE] === type && n === ND_OPT.UNIT) return o;
      o += n;
    }
    return -1;
  }
  /** High 16 bits of the address in the link-layer option at `opt` (from findLinkAddrOption). */
  linkAddrHi(opt: number): number {
    return getMacHi(this.buf, opt + ND_OPT.LLADDR);
  }
  linkAddrLo(opt: number): number {
    return getMacLo(this.buf, opt + ND_OPT.LLADDR);
  }
  payloadOffset(): number {
    return this.off + ICMPV6.HEADER_LEN;
  }

  setTypeCode(t: number, c: number): void {
    const old = get16(this.buf, this.off + ICMPV6.TYPE);
    const now = ((t & 0xff) << 8) | (c & 0xff);
    put16(this.buf, this.off + ICMPV6.TYPE, now);
    this.setChecksum(csumUpdate16(this.checksum(), old, now));
  }
  setType(t: number): void {
    this.setTypeCode(t, this.code());
  }
  setCode(c: number): void {
    this.setTypeCode(this.type(), c);
  }
  /** Sets the ND target to the 16 bytes at src[srcOff]. */
  setTarget(src: Uint8Array, srcOff: number): void {
    const at = this.off + ND.TARGET;
    this.setChecksum(csumApplyDelta(this.checksum(), csumDelta(this.buf, at, src, srcOff, 16)));
    for (let i = 0; i < 16; i++) this.buf[at + i] = src[srcOff + i];
  }
  /** Sets the ND target from four 32-bit words (most significant first), as the flow key holds it. */
  setTargetWords(w0: number, w1: number, w2: number, w3: number): void {
    const at = this.off + ND.TARGET;
    let c = this.checksum();
    c = this.replace32(c, at, w0);
    c = this.replace32(c, at + 4, w1);
    c = this.replace32(c, at + 8, w2);
    c = this.replace32(c, at + 12, w3);
    this.setChecksum(c);
  }
  /** Rewrites the address of the link-layer option at `opt`; the checksum follows. */
  setLinkAddr(opt: number, hi: number, lo: number): void {
    const at = opt + ND_OPT.LLADDR;
    let c = this.checksum();
    // The address starts at an even offset within the message (option
    // start + 2), so its three 16-bit words line up with the checksum's.
    c = csumUpdate16(c, get16(this.buf, at), hi & 0xffff);
    c = csumUpdate16(c, get16(this.buf, at + 2), lo >>> 16);
    c = csumUpdate16(c, get16(this.buf, at + 4), lo & 0xffff);
    putMac(this.buf, at, hi, lo);
    this.setChecksum(c);
  }
  setChecksum(c: number): void {
    put16(this.buf, this.off + ICMPV6.CHECKSUM, c);
  }

  private replace32(c: number, at: number, v: number): number {
    const old = get32(this.buf, at);
    put32(this.buf, at, v);
    c = csumUpdate16(c, old >>> 16, v >>> 16);
    return csumUpdate16(c, old & 0xffff, v & 0xffff);
  }
}

/**
 * Writes an ICMPv6 header (type, code, the 4-byte body word: echo
 * identifier/sequence, ND flags) with checksum 0 at buf[off]; returns the
 * offset after it (an NS/NA target goes there).
 */
export function buildIcmpv6(buf: Uint8Array, off: number, type: number, code: number, body: number): number {
  buf[off + ICMPV6.TYPE] = type;
  buf[off + ICMPV6.CODE] = code;
  put16(buf, off + ICMPV6.CHECKSUM, 0);
  put32(buf, off + ICMPV6.BODY, body);
  return off + ICMPV6.HEADER_LEN;
}

/** Writes an 8-byte link-layer address option (ND_OPT.SOURCE_LINKADDR or TARGET_LINKADDR); returns the offset past it. */
export function buildNdLinkAddrOption(buf: Uint8Array, off: number, type: number, hi: number, lo: number): number {
  buf[off + ND_OPT.TYPE] = type;
  buf[off + ND_OPT.LEN] = 1;
  putMac(buf, off + ND_OPT.LLADDR, hi, lo);
  return off + ND_OPT.UNIT;
}
