/**
 * IEEE 802.1Q VLAN tags, customer (TPID 0x8100) or service (802.1ad,
 * TPID 0x88a8).
 *
 * On the wire a tag is TPID(2) TCI(2), and the TPID sits where the
 * EtherType would be; the view therefore covers what follows the TPID: the
 * TCI and the encapsulated type (as scapy's Dot1Q and Wireshark's vlan
 * dissector do). TCI = PCP(3) DEI(1) VID(12).
 *
 * OpenFlow's vlan_vid is not the wire VID: it is VID | OFPVID_PRESENT
 * (0x1000) for a tagged packet and 0 for an untagged one. The present bit
 * takes the place of the DEI bit in the key word (as Open vSwitch's
 * vlan_tci takes the CFI bit), so the DEI of a received tag is not part of
 * the key; OpenFlow 1.3 cannot match it.
 */
import { HeaderView, WireError, get16, put16 } from './wire.js';

/** The part of an 802.1Q tag after its TPID, 4 bytes. */
export const enum VLAN {
  TCI = 0,
  TYPE = 2,
  HEADER_LEN = 4,
  /** TPID + TCI: what a push inserts. */
  TAG_LEN = 4,
  PCP_SHIFT = 13,
  DEI = 0x1000,
  VID_MASK = 0x0fff,
}

/** OFPVID_PRESENT: the bit vlan_vid carries for "a tag is present". */
export const OFPVID_PRESENT = 0x1000;

export class VlanView extends HeaderView {
  check(): WireError {
    return this.len < VLAN.HEADER_LEN ? WireError.TRUNCATED : WireError.OK;
  }

  headerLen(): number {
    return VLAN.HEADER_LEN;
  }

  tci(): number {
    return get16(this.buf, this.off + VLAN.TCI);
  }
  pcp(): number {
    return this.buf[this.off + VLAN.TCI] >>> 5;
  }
  dei(): number {
    return (this.buf[this.off + VLAN.TCI] >>> 4) & 1;
  }
  vid(): number {
    return this.tci() & VLAN.VID_MASK;
  }
  /** The encapsulated EtherType (or the next tag's TPID). */
  innerType(): number {
    return get16(this.buf, this.off + VLAN.TYPE);
  }
  payloadOffset(): number {
    return this.off + VLAN.HEADER_LEN;
  }

  setTci(tci: number): void {
    put16(this.buf, this.off + VLAN.TCI, tci);
  }
  setVid(vid: number): void {
    this.setTci((this.tci() & ~VLAN.VID_MASK) | (vid & VLAN.VID_MASK));
  }
  setPcp(pcp: number): void {
    this.setTci((this.tci() & 0x1fff) | ((pcp & 7) << VLAN.PCP_SHIFT));
  }
  setInnerType(type: number): void {
    put16(this.buf, this.off + VLAN.TYPE, type);
  }
}

/** The TCI of a tag with these fields. */
export function vlanTci(vid: number, pcp: number, dei = 0): number {
  return ((pcp & 7) << VLAN.PCP_SHIFT) | ((dei & 1) << 12) | (vid & VLAN.VID_MASK);
}

/**
 * Writes TPID and TCI at buf[off] (the encapsulated type follows, written
 * by the next builder). Returns the offset of the encapsulated type field.
 */
export function buildVlanTag(buf: Uint8Array, off: number, tpid: number, tci: number): number {
  put16(buf, off, tpid);
  put16(buf, off + 2, tci);
  return off + VLAN.TAG_LEN;
}
