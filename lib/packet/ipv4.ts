/**
 * IPv4 (RFC 791): header view, builder and the setters that keep the
 * header checksum right.
 *
 * `check()` is the sanity test Open vSwitch applies before it trusts an
 * IPv4 header, and the flow key extractor uses the same function: the
 * fixed 20 bytes are there; IHL is at least 5 and its header fits; Total
 * Length covers the header and fits in the window. The version nibble is
 * not checked (neither Open vSwitch nor Linux's datapath does; the
 * EtherType already said IPv4). Total Length, not the window, bounds the
 * payload: Ethernet pads short frames, and padding is not payload.
 *
 * Fragments: MF (more fragments) and the 13-bit offset (8-byte units)
 * make a packet a fragment; the first has offset 0, the later ones carry
 * no transport header (RFC 791 §3.2), which is why the flow key has no
 * ports for them.
 *
 * The setters for TTL, TOS and addresses update the header checksum
 * incrementally (RFC 1624). An address is also part of the TCP/UDP
 * pseudo-header; set-field.ts updates both.
 */
import { csumUpdate16, csumUpdate32, fillIpv4Checksum, internetChecksum } from './checksum.js';
import { HeaderView, WireError, get16, get32, put16, put32 } from './wire.js';

/** struct ip, 20 bytes without options. */
export const enum IPV4 {
  VER_IHL = 0,
  TOS = 1,
  TOTAL_LEN = 2,
  IDENT = 4,
  FLAGS_FRAG = 6,
  TTL = 8,
  PROTOCOL = 9,
  CHECKSUM = 10,
  SRC = 12,
  DST = 16,
  OPTIONS = 20,
  HEADER_LEN = 20,
  MAX_HEADER_LEN = 60,
}

/** Flags and fragment offset word. */
export const enum IP_FRAG {
  RF = 0x8000,
  DF = 0x4000,
  MF = 0x2000,
  OFFSET_MASK = 0x1fff,
}

/** The Open vSwitch / Linux datapath sanity test of an IPv4 header (see the essay). */
export function checkIpv4(buf: Uint8Array, off: number, len: number): WireError {
  if (len < IPV4.HEADER_LEN) return WireError.TRUNCATED;
  const hlen = (buf[off] & 0x0f) * 4;
  if (hlen < IPV4.HEADER_LEN) return WireError.BAD_LENGTH;
  if (hlen > len) return WireError.OVERRUN;
  const total = get16(buf, off + IPV4.TOTAL_LEN);
  if (total < hlen) return WireError.BAD_LENGTH;
  if (total > len) return WireError.OVERRUN;
  return WireError.OK;
}

export class Ipv4View extends HeaderView {
  check(): WireError {
    return checkIpv4(this.buf, this.off, this.len);
  }

  version(): number {
    return this.buf[this.off] >>> 4;
  }
  ihl(): number {
    return this.buf[this.off] & 0x0f;
  }
  headerLen(): number {
    return this.ihl() * 4;
  }
  tos(): number {
    return this.buf[this.off + IPV4.TOS];
  }
  dscp(): number {
    return this.tos() >>> 2;
  }
  ecn(): number {
    return this.tos() & 3;
  }
  totalLen(): number {
    return get16(this.buf, this.off + IPV4.TOTAL_LEN);
  }
  ident(): number {
    return get16(this.buf, this.off + IPV4.IDENT);
  }
  /** The three flag bits (RF DF MF), as scapy's `flags`. */
  flags(): number {
    return this.buf[this.off + IPV4.FLAGS_FRAG] >>> 5;
  }
  dontFrag(): boolean {
    return (this.buf[this.off + IPV4.FLAGS_FRAG] & 0x40) !== 0;
  }
  moreFrags(): boolean {
    return (this.buf[this.off + IPV4.FLAGS_FRAG] & 0x20) !== 0;
  }
  /** In 8-byte units. */
  fragOffset(): number {
    return get16(this.buf, this.off + IPV4.FLAGS_FRAG) & IP_FRAG.OFFSET_MASK;
  }
  /** MF set or a nonzero offset. */
  isFragment(): boolean {
    return (get16(this.buf, this.off + IPV4.FLAGS_FRAG) & (IP_FRAG.MF | IP_FRAG.OFFSET_MASK)) !== 0;
  }
  ttl(): number {
    return this.buf[this.off + IPV4.TTL];
  }
  protocol(): number {
    return this.buf[this.off + IPV4.PROTOCOL];
  }
  checksum(): number {
    return get16(this.buf, this.off + IPV4.CHECKSUM);
  }
  src(): number {
    return get32(this.buf, this.off + IPV4.SRC);
  }
  dst(): number {
    return get32(this.buf, this.off + IPV4.DST);
  }
  optionsLen(): number {
    return this.headerLen() - IPV4.HEADER_LEN;
  }
  payloadOffset(): number {
    return this.off + this.headerLen();
  }
  payloadLen(): number {
    return this.totalLen() - this.headerLen();
  }
  /** Whether the header checksum verifies. */
  checksumOk(): boolean {
    return internetChecksum(this.buf, this.off, this.headerLen()) === 0;
  }

  /* Setters: each keeps the header checksum right. */

  setTtl(ttl: number): void {
    this.setWord(IPV4.TTL, (ttl << 8) | this.protocol());
  }
  /** Decrements the TTL; returns the new TTL (a TTL already 0 stays 0 and returns -1). */
  decTtl(): number {
    const ttl = this.ttl();
    if (ttl === 0) return -1;
    this.setTtl(ttl - 1);
    return ttl - 1;
  }
  setTos(tos: number): void {
    this.setWord(IPV4.VER_IHL, (this.buf[this.off] << 8) | (tos & 0xff));
  }
  setDscp(dscp: number): void {
    this.setTos(((dscp & 0x3f) << 2) | this.ecn());
  }
  setEcn(ecn: number): void {
    this.setTos((this.tos() & 0xfc) | (ecn & 3));
  }
  setSrc(a: number): void {
    this.setAddr(IPV4.SRC, a);
  }
  setDst(a: number): void {
    this.setAddr(IPV4.DST, a);
  }
  setIdent(id: number): void {
    this.setWord(IPV4.IDENT, id);
  }
  /** Recomputes the header checksum from scratch. */
  fillChecksum(): void {
    fillIpv4Checksum(this.buf, this.off);
  }

  private setWord(at: number, v: number): void {
    const o = this.off + at;
    const old = get16(this.buf, o);
    put16(this.buf, o, v);
    const c = this.off + IPV4.CHECKSUM;
    put16(this.buf, c, csumUpdate16(get16(this.buf, c), old, v));
  }

  private setAddr(at: number, a: number): void {
    const o = this.off + at;
    const old = get32(this.buf, o);
    put32(this.buf, o, a);
    const c = this.off + IPV4.CHECKSUM;
    put16(this.buf, c, csumUpdate32(get16(this.buf, c), old, a >>> 0));
  }
}

/** What `buildIpv4` writes. */
export interface Ipv4Repr {
  tos: number;
  ident: number;
  /** RF/DF/MF as the 3 high bits of the flags word, i.e. 2 = DF, 1 = MF. */
  flags: number;
  /** In 8-byte units. */
  fragOffset: number;
  ttl: number;
  protocol: number;
  src: number;
  dst: number;
  /** Bytes after the header (options excluded). */
  payloadLen: number;
  /** Options, already padded to a multiple of 4 bytes (at most 40). */
  options?: Uint8Array;
}

/** Writes an IPv4 header with its checksum at buf[off]; returns the payload offset. */
export function buildIpv4(buf: Uint8Array, off: number, r: Ipv4Repr): number {
  const optLen = r.options === undefined ? 0 : r.options.length;
  const hlen = IPV4.HEADER_LEN + optLen;
  buf[off] = 0x40 | (hlen >>> 2);
  buf[off + IPV4.TOS] = r.tos;
  put16(buf, off + IPV4.TOTAL_LEN, hlen + r.payloadLen);
  put16(buf, off + IPV4.IDENT, r.ident);
  put16(buf, off + IPV4.FLAGS_FRAG, ((r.flags & 7) << 13) | (r.fragOffset & IP_FRAG.OFFSET_MASK));
  buf[off + IPV4.TTL] = r.ttl;
  buf[off + IPV4.PROTOCOL] = r.protocol;
  put32(buf, off + IPV4.SRC, r.src);
  put32(buf, off + IPV4.DST, r.dst);
  if (r.options !== undefined) buf.set(r.options, off + IPV4.OPTIONS);
  fillIpv4Checksum(buf, off);
  return off + hlen;
}
