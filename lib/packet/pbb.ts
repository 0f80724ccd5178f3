/**
 * IEEE 802.1ah Provider Backbone Bridging: the backbone service instance
 * tag (I-TAG, TPID 0x88e7) and the customer MAC addresses it carries.
 *
 * B-DA B-SA [B-TAG 0x88a8 TCI] 0x88e7 I-TCI(4) C-DA C-SA C-type ...
 *
 * I-TCI = I-PCP(3) I-DEI(1) UCA(1) reserved(3) I-SID(24). As with VLAN
 * tags the view starts after the TPID: it covers the I-TCI, the customer
 * addresses and the customer EtherType (what Wireshark's ieee8021ah
 * dissector shows), 18 bytes. OpenFlow 1.3 matches only the I-SID
 * (pbb_isid, prerequisite eth_type 0x88e7); the key's eth_type stays
 * 0x88e7, since everything past the I-TAG belongs to the customer frame,
 * which a pop_pbb exposes.
 */
import { HeaderView, WireError, get16, get32, getMacHi, getMacLo, put16, put32, putMac } from './wire.js';

/** I-TCI, customer addresses and customer type, 18 bytes. */
export const enum ITAG {
  TCI = 0,
  C_DST = 4,
  C_SRC = 10,
  C_TYPE = 16,
  HEADER_LEN = 18,
  /** TPID + I-TCI: what the I-TAG proper occupies on the wire. */
  TAG_LEN = 6,
  ISID_MASK = 0xffffff,
}

export class PbbView extends HeaderView {
  check(): WireError {
    return this.len < ITAG.HEADER_LEN ? WireError.TRUNCATED : WireError.OK;
  }

  headerLen(): number {
    return ITAG.HEADER_LEN;
  }

  itci(): number {
    return get32(this.buf, this.off + ITAG.TCI);
  }
  ipcp(): number {
    return this.buf[this.off] >>> 5;
  }
  idei(): number {
    return (this.buf[this.off] >>> 4) & 1;
  }
  /** Use Customer Addresses (called NCA, "no customer addresses", in older drafts). */
  uca(): number {
    return (this.buf[this.off] >>> 3) & 1;
  }
  isid(): number {
    return this.itci() & ITAG.ISID_MASK;
  }
  cDstHi(): number {
    return getMacHi(this.buf, this.off + ITAG.C_DST);
  }
  cDstLo(): number {
    return getMacLo(this.buf, this.off + ITAG.C_DST);
  }
  cSrcHi(): number {
    return getMacHi(this.buf, this.off + ITAG.C_SRC);
  }
  cSrcLo(): number {
    return getMacLo(this.buf, this.off + ITAG.C_SRC);
  }
  /** The customer frame's EtherType (or its first tag's TPID). */
  innerType(): number {
    return get16(this.buf, this.off + ITAG.C_TYPE);
  }
  payloadOffset(): number {
    return this.off + ITAG.HEADER_LEN;
  }

  setItci(tci: number): void {
    put32(this.buf, this.off + ITAG.TCI, tci);
  }
  setIsid(isid: number): void {
    this.setItci(((this.itci() & 0xff000000) | (isid & ITAG.ISID_MASK)) >>> 0);
  }
  setIpcp(pcp: number): void {
    this.buf[this.off] = (this.buf[this.off] & 0x1f) | ((pcp & 7) << 5);
  }
  setCDst(hi: number, lo: number): void {
    putMac(this.buf, this.off + ITAG.C_DST, hi, lo);
  }
  setCSrc(hi: number, lo: number): void {
    putMac(this.buf, this.off + ITAG.C_SRC, hi, lo);
  }
  setInnerType(type: number): void {
    put16(this.buf, this.off + ITAG.C_TYPE, type);
  }
}

/** An I-TCI with these fields (reserved bits zero). */
export function pbbItci(isid: number, pcp = 0, dei = 0, uca = 0): number {
  return (((pcp & 7) << 29) | ((dei & 1) << 28) | ((uca & 1) << 27) | (isid & ITAG.ISID_MASK)) >>> 0;
}

/**
 * Writes the I-TAG TPID (0x88e7) and I-TCI at buf[off], where an Ethernet
 * type field would be, then the customer addresses (6 bytes each); the
 * customer frame's type follows. Returns the offset of the customer type.
 */
export function buildPbbItag(buf: Uint8Array, off: number, itci: number, cDst: Uint8Array, cSrc: Uint8Array): number {
  put16(buf, off, 0x88e7);
  put32(buf, off + 2, itci);
  for (let i = 0; i < 6; i++) {
    buf[off + 2 + ITAG.C_DST + i] = cDst[i];
    buf[off + 2 + ITAG.C_SRC + i] = cSrc[i];
  }
  return off + 2 + ITAG.C_TYPE;
}
