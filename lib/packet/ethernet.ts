/**
 * Ethernet II (IEEE 802.3 clause 3.2.6, the DIX "type" interpretation), and
 * the IEEE 802.2 LLC/SNAP encapsulation that carries an EtherType inside an
 * 802.3 length frame (RFC 1042).
 *
 * OpenFlow's eth_type is "the Ethernet type of the packet payload, after
 * VLAN tags"; for frames whose type field is a length (< 0x0600) Open
 * vSwitch reports the SNAP type when an RFC 1042 SNAP header (OUI 00-00-00)
 * follows, and otherwise 0x05ff, a value no EtherType can have
 * (OFP_DL_TYPE_NOT_ETH_TYPE of OpenFlow 1.0). We do the same, so that a
 * rule written against one switch means the same on the other.
 */
import { HeaderView, WireError, get16, getMacHi, getMacLo, put16, putMac } from './wire.js';

/** Ethernet II header, 14 bytes. */
export const enum ETH {
  DST = 0,
  SRC = 6,
  TYPE = 12,
  HEADER_LEN = 14,
  ADDR_LEN = 6,
}

/** EtherTypes the switch looks at (IEEE registry names in comments). */
export const enum ETH_TYPE {
  IPV4 = 0x0800,
  ARP = 0x0806,
  /** Reverse ARP (RFC 903): ARP's format, read like ARP as Open vSwitch does. */
  RARP = 0x8035,
  /** IEEE 802.1Q customer VLAN tag. */
  VLAN = 0x8100,
  /** IEEE 802.1ad service VLAN tag (S-tag, QinQ outer). */
  VLAN_8021AD = 0x88a8,
  IPV6 = 0x86dd,
  MPLS = 0x8847,
  MPLS_MCAST = 0x8848,
  /** IEEE 802.1ah backbone service instance tag (I-TAG). */
  PBB = 0x88e7,
  /** Values below this are 802.3 lengths, not types. */
  MIN = 0x0600,
  /** eth_type of a frame that is not Ethernet II and carries no SNAP type. */
  NONE = 0x05ff,
}

/** RFC 1042 LLC/SNAP header after an 802.3 length field, 8 bytes. */
export const enum LLC_SNAP {
  DSAP = 0,
  SSAP = 1,
  CONTROL = 2,
  OUI = 3,
  TYPE = 6,
  HEADER_LEN = 8,
  /** DSAP and SSAP of SNAP. */
  SAP_SNAP = 0xaa,
  /** Unnumbered Information. */
  CONTROL_UI = 0x03,
}

/** Whether `type` is a VLAN tag protocol identifier the switch parses (802.1Q or 802.1ad). */
export function isVlanTpid(type: number): boolean {
  return type === ETH_TYPE.VLAN || type === ETH_TYPE.VLAN_8021AD;
}

/** Whether `type` is an MPLS EtherType (unicast or multicast). */
export function isMplsType(type: number): boolean {
  return type === ETH_TYPE.MPLS || type === ETH_TYPE.MPLS_MCAST;
}

/**
 * The EtherType carried by an 802.3 frame whose length field ends at `at`:
 * the SNAP type if an RFC 1042 LLC/SNAP header with OUI 00-00-00 and a
 * type >= 0x0600 is there in full, else ETH_TYPE.NONE.
 */
export function snapType(buf: Uint8Array, at: number, end: number): number {
  if (end - at < LLC_SNAP.HEADER_LEN) return ETH_TYPE.NONE;
  if (
    buf[at + LLC_SNAP.DSAP] !== LLC_SNAP.SAP_SNAP ||
    buf[at + LLC_SNAP.SSAP] !== LLC_SNAP.SAP_SNAP ||
    buf[at + LLC_SNAP.CONTROL] !== LLC_SNAP.CONTROL_UI ||
    buf[at + LLC_SNAP.OUI] !== 0 ||
    buf[at + LLC_SNAP.OUI + 1] !== 0 ||
    buf[at + LLC_SNAP.OUI + 2] !== 0
  ) {
    return ETH_TYPE.NONE;
  }
  const t = get16(buf, at + LLC_SNAP.TYPE);
  return t >= ETH_TYPE.MIN ? t : ETH_TYPE.NONE;
}

/** A view of an Ethernet II header. */
export class EthernetView extends HeaderView {
  check(): WireError {
    return this.len < ETH.HEADER_LEN ? WireError.TRUNCATED : WireError.OK;
  }

  headerLen(): number {
    return ETH.HEADER_LEN;
  }

  dstHi(): number {
    return getMacHi(this.buf, this.off + ETH.DST);
  }
  dstLo(): number {
    return getMacLo(this.buf, this.off + ETH.DST);
  }
  srcHi(): number {
    return getMacHi(this.buf, this.off + ETH.SRC);
  }
  srcLo(): number {
    return getMacLo(this.buf, this.off + ETH.SRC);
  }
  /** The type/length field (a length when < 0x0600). */
  etherType(): number {
    return get16(this.buf, this.off + ETH.TYPE);
  }
  payloadOffset(): number {
    return this.off + ETH.HEADER_LEN;
  }

  setDst(hi: number, lo: number): void {
    putMac(this.buf, this.off + ETH.DST, hi, lo);
  }
  setSrc(hi: number, lo: number): void {
    putMac(this.buf, this.off + ETH.SRC, hi, lo);
  }
  setEtherType(type: number): void {
    put16(this.buf, this.off + ETH.TYPE, type);
  }
}

/**
 * Writes an Ethernet II header at buf[off]; `dst` and `src` are 6-byte
 * addresses. Returns the offset just past it.
 */
export function buildEthernet(buf: Uint8Array, off: number, dst: Uint8Array, src: Uint8Array, type: number): number {
  for (let i = 0; i < ETH.ADDR_LEN; i++) {
    buf[off + ETH.DST + i] = dst[i];
    buf[off + ETH.SRC + i] = src[i];
  }
  put16(buf, off + ETH.TYPE, type);
  return off + ETH.HEADER_LEN;
}
