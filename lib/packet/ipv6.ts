/**
 * IPv6 (RFC 8200 §3): the fixed 40-byte header. Extension headers are in
 * ipv6-ext.ts.
 *
 * `check()` is Open vSwitch's sanity test: the 40 bytes are there and
 * Payload Length fits in the window. As for IPv4, the version nibble is not
 * checked, and Payload Length (not the window) bounds what follows, so
 * that Ethernet padding is never parsed. Jumbograms (Payload Length 0 with
 * a Jumbo Payload option) are not supported, as in Open vSwitch: their
 * payload reads as empty.
 *
 * There is no header checksum; the addresses are part of the upper-layer
 * pseudo-header, which set-field.ts keeps right when it rewrites them.
 */
import { HeaderView, WireError, get16, get32, put16, put32 } from './wire.js';

/** struct ip6_hdr, 40 bytes. */
export const enum IPV6 {
  VER_TC_FL = 0,
  PAYLOAD_LEN = 4,
  NEXT_HEADER = 6,
  HOP_LIMIT = 7,
  SRC = 8,
  DST = 24,
  HEADER_LEN = 40,
  ADDR_LEN = 16,
  FLOW_LABEL_MASK = 0xfffff,
}

export function checkIpv6(buf: Uint8Array, off: number, len: number): WireError {
  if (len < IPV6.HEADER_LEN) return WireError.TRUNCATED;
  if (get16(buf, off + IPV6.PAYLOAD_LEN) + IPV6.HEADER_LEN > len) return WireError.OVERRUN;
  return WireError.OK;
}

export class Ipv6View extends HeaderView {
  check(): WireError {
    return checkIpv6(this.buf, this.off, this.len);
  }

  headerLen(): number {
    return IPV6.HEADER_LEN;
  }

  version(): number {
    return this.buf[this.off] >>> 4;
  }
  trafficClass(): number {
    return (get16(this.buf, this.off) >>> 4) & 0xff;
  }
  dscp(): number {
    return this.trafficClass() >>> 2;
  }
  ecn(): number {
    return this.trafficClass() & 3;
  }
  flowLabel(): number {
    return get32(this.buf, this.off) & IPV6.FLOW_LABEL_MASK;
  }
  payloadLen(): number {
    return get16(this.buf, this.off + IPV6.PAYLOAD_LEN);
  }
  nextHeader(): number {
    return this.buf[this.off + IPV6.NEXT_HEADER];
  }
  hopLimit(): number {
    return this.buf[this.off + IPV6.HOP_LIMIT];
  }
  /** Word i (0 = most significant) of the source address. */
  srcWord(i: number): number {
    return get32(this.buf, this.off + IPV6.SRC + 4 * i);
  }
  dstWord(i: number): number {
    return get32(this.buf, this.off + IPV6.DST + 4 * i);
  }
  payloadOffset(): number {
    return this.off + IPV6.HEADER_LEN;
  }

  setTrafficClass(tc: number): void {
    const w = get32(this.buf, this.off);
    put32(this.buf, this.off, ((w & 0xf00fffff) | ((tc & 0xff) << 20)) >>> 0);
  }
  setDscp(dscp: number): void {
    this.setTrafficClass(((dscp & 0x3f) << 2) | this.ecn());
  }
  setEcn(ecn: number): void {
    this.setTrafficClass((this.trafficClass() & 0xfc) | (ecn & 3));
  }
  setFlowLabel(fl: number): void {
    const w = get32(this.buf, this.off);
    put32(this.buf, this.off, ((w & 0xfff00000) | (fl & IPV6.FLOW_LABEL_MASK)) >>> 0);
  }
  setHopLimit(h: number): void {
    this.buf[this.off + IPV6.HOP_LIMIT] = h;
  }
  /** Decrements the hop limit; returns the new value (-1, unchanged, when it was already 0). */
  decHopLimit(): number {
    const h = this.hopLimit();
    if (h === 0) return -1;
    this.setHopLimit(h - 1);
    return h - 1;
  }
  setPayloadLen(n: number): void {
    put16(this.buf, this.off + IPV6.PAYLOAD_LEN, n);
  }
}

/** What `buildIpv6` writes. */
export interface Ipv6Repr {
  trafficClass: number;
  flowLabel: number;
  nextHeader: number;
  hopLimit: number;
  /** 16 bytes. */
  src: Uint8Array;
  /** 16 bytes. */
  dst: Uint8Array;
  /** Bytes after the fixed header, extension headers included. */
  payloadLen: number;
}

/** Writes the fixed IPv6 header at buf[off]; returns the offset past it. */
export function buildIpv6(buf: Uint8Array, off: number, r: Ipv6Repr): number {
  put32(buf, off, ((6 << 28) | ((r.trafficClass & 0xff) << 20) | (r.flowLabel & IPV6.FLOW_LABEL_MASK)) >>> 0);
  put16(buf, off + IPV6.PAYLOAD_LEN, r.payloadLen);
  buf[off + IPV6.NEXT_HEADER] = r.nextHeader;
  buf[off + IPV6.HOP_LIMIT] = r.hopLimit;
  for (let i = 0; i < IPV6.ADDR_LEN; i++) {
    buf[off + IPV6.SRC + i] = r.src[i];
    buf[off + IPV6.DST + i] = r.dst[i];
  }
  return off + IPV6.HEADER_LEN;
}
