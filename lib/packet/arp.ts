/**
 * ARP (RFC 826) and RARP (RFC 903) for Ethernet hardware and IPv4
 * protocol addresses, the only kind a switch's flow key describes.
 *
 * The header's own length fields (HLN, PLN) say how long the addresses
 * are, so an ARP packet for another link or protocol is well formed but
 * not readable as Ethernet/IPv4: `check()` returns UNSUPPORTED for it, and
 * the flow key then carries only eth_type, as in Open vSwitch.
 */
import { HeaderView, WireError, get16, get32, getMacHi, getMacLo, put16, put32, putMac } from './wire.js';

/** ARP for Ethernet/IPv4, 28 bytes. */
export const enum ARP {
  HTYPE = 0,
  PTYPE = 2,
  HLEN = 4,
  PLEN = 5,
  OPER = 6,
  SHA = 8,
  SPA = 14,
  THA = 18,
  TPA = 24,
  HEADER_LEN = 28,
  /** The fixed part before the addresses. */
  FIXED_LEN = 8,
  /** ar_hrd of Ethernet. */
  HTYPE_ETHERNET = 1,
}

/** ar_op values. */
export const enum ARP_OP {
  REQUEST = 1,
  REPLY = 2,
  RARP_REQUEST = 3,
  RARP_REPLY = 4,
}

/**
 * TRUNCATED if the fixed part or the addresses its lengths announce are
 * cut; UNSUPPORTED for other than Ethernet (1) / IPv4 (0x0800) / 6 / 4.
 */
export function checkArp(buf: Uint8Array, off: number, len: number): WireError {
  if (len < ARP.FIXED_LEN) return WireError.TRUNCATED;
  if (len < ARP.FIXED_LEN + 2 * (buf[off + ARP.HLEN] + buf[off + ARP.PLEN])) return WireError.TRUNCATED;
  if (
    get16(buf, off + ARP.HTYPE) !== ARP.HTYPE_ETHERNET ||
    get16(buf, off + ARP.PTYPE) !== 0x0800 ||
    buf[off + ARP.HLEN] !== 6 ||
    buf[off + ARP.PLEN] !== 4
  ) {
    return WireError.UNSUPPORTED;
  }
  return WireError.OK;
}

export class ArpView extends HeaderView {
  check(): WireError {
    return checkArp(this.buf, this.off, this.len);
  }

  headerLen(): number {
    return ARP.FIXED_LEN + 2 * (this.hlen() + this.plen());
  }

  htype(): number {
    return get16(this.buf, this.off + ARP.HTYPE);
  }
  ptype(): number {
    return get16(this.buf, this.off + ARP.PTYPE);
  }
  hlen(): number {
    return this.buf[this.off + ARP.HLEN];
  }
  plen(): number {
    return this.buf[this.off + ARP.PLEN];
  }
  oper(): number {
    return get16(this.buf, this.off + ARP.OPER);
  }
  shaHi(): number {
    return getMacHi(this.buf, this.off + ARP.SHA);
  }
  shaLo(): number {
    return getMacLo(this.buf, this.off + ARP.SHA);
  }
  spa(): number {
    return get32(this.buf, this.off + ARP.SPA);
  }
  thaHi(): number {
    return getMacHi(this.buf, this.off + ARP.THA);
  }
  thaLo(): number {
    return getMacLo(this.buf, this.off + ARP.THA);
  }
  tpa(): number {
    return get32(this.buf, this.off + ARP.TPA);
  }

  setOper(op: number): void {
    put16(this.buf, this.off + ARP.OPER, op);
  }
  setSha(hi: number, lo: number): void {
    putMac(this.buf, this.off + ARP.SHA, hi, lo);
  }
  setSpa(a: number): void {
    put32(this.buf, this.off + ARP.SPA, a);
  }
  setTha(hi: number, lo: number): void {
    putMac(this.buf, this.off + ARP.THA, hi, lo);
  }
  setTpa(a: number): void {
    put32(this.buf, this.off + ARP.TPA, a);
  }
}

/** What `buildArp` writes. */
export interface ArpRepr {
  oper: number;
  /** 6 bytes. */
  sha: Uint8Array;
  spa: number;
  /** 6 bytes. */
  tha: Uint8Array;
  tpa: number;
}

/** Writes an Ethernet/IPv4 ARP packet at buf[off]; returns the offset past it. */
export function buildArp(buf: Uint8Array, off: number, r: ArpRepr): number {
  put16(buf, off + ARP.HTYPE, ARP.HTYPE_ETHERNET);
  put16(buf, off + ARP.PTYPE, 0x0800);
  buf[off + ARP.HLEN] = 6;
  buf[off + ARP.PLEN] = 4;
  put16(buf, off + ARP.OPER, r.oper);
  for (let i = 0; i < 6; i++) {
    buf[off + ARP.SHA + i] = r.sha[i];
    buf[off + ARP.THA + i] = r.tha[i];
  }
  put32(buf, off + ARP.SPA, r.spa);
  put32(buf, off + ARP.TPA, r.tpa);
  return off + ARP.HEADER_LEN;
}
