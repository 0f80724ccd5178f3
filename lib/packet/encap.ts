/**
 * Push and pop of VLAN tags, MPLS label stack entries and PBB I-TAGs, in
 * place, for the datapath's actions.
 *
 * The frame model: a frame lives in a fixed-size slot of a buffer with
 * headroom before it, at (off, len). Every push and pop here moves the
 * frame's *start* and never its end: a push writes the new header into
 * the headroom by sliding the headers in front of the insertion point
 * (the MAC addresses, and the VLAN tags for MPLS) toward it; a pop slides
 * them the other way over the removed bytes. The payload is never copied,
 * and a function needs to return only the new offset: the new length is
 * always (off + len) - newOff. Each returns -1, changing nothing, when it
 * cannot act (headroom too short for a push, no such header to pop, a
 * frame too short to hold what it should).
 *
 * Where headers go follows OpenFlow 1.3 §5.12 ("newly pushed tags ...
 * outermost in the outermost valid location") as Open vSwitch reads it:
 * a VLAN tag right after the MAC addresses; an MPLS entry after the VLAN
 * tags (up to MAX_VLAN_HEADERS, as the extractor parses them), on top of
 * any existing stack; a PBB backbone header in front of the whole frame,
 * whose MAC addresses become the customer addresses inside the I-TAG.
 * Field values of new headers are the caller's (xlate computes OpenFlow's
 * defaults from the key), except MPLS's bottom-of-stack bit, which only
 * the packet can tell.
 */
import { ETH, ETH_TYPE, isMplsType, isVlanTpid } from './ethernet.js';
import { MAX_VLAN_HEADERS } from './extract.js';
import { MPLS } from './mpls.js';
import { ITAG } from './pbb.js';
import { VLAN } from './vlan.js';
import { get16, put16, put32 } from './wire.js';

/** The bytes a PBB push adds: B-DA, B-SA, TPID 0x88e7, I-TCI. */
export const PBB_PUSH_LEN = 2 * ETH.ADDR_LEN + ITAG.TAG_LEN;

/**
 * The length of the MAC addresses and the VLAN tags in front of the frame's
 * EtherType (12 + 4 per tag, at most MAX_VLAN_HEADERS tags); the EtherType
 * is at off + the result.
 */
export function l2HeaderLen(buf: Uint8Array, off: number, len: number): number {
  let h = 2 * ETH.ADDR_LEN;
  for (let n = 0; n < MAX_VLAN_HEADERS && h + 2 + VLAN.HEADER_LEN <= len && isVlanTpid(get16(buf, off + h)); n++) {
    h += VLAN.TAG_LEN;
  }
  return h;
}

/** Pushes an outermost VLAN tag (tpid 0x8100 or 0x88a8). */
export function pushVlan(buf: Uint8Array, off: number, len: number, tpid: number, tci: number): number {
  if (off < VLAN.TAG_LEN || len < ETH.HEADER_LEN) return -1;
  const at = off - VLAN.TAG_LEN;
  buf.copyWithin(at, off, off + 2 * ETH.ADDR_LEN);
  put16(buf, at + ETH.TYPE, tpid);
  put16(buf, at + ETH.TYPE + 2, tci);
  return at;
}

/** Pops the outermost VLAN tag. */
export function popVlan(buf: Uint8Array, off: number, len: number): number {
  if (len < ETH.HEADER_LEN + VLAN.TAG_LEN || !isVlanTpid(get16(buf, off + ETH.TYPE))) return -1;
  buf.copyWithin(off + VLAN.TAG_LEN, off, off + 2 * ETH.ADDR_LEN);
  return off + VLAN.TAG_LEN;
}

/**
 * Pushes the label stack entry `lse` with EtherType `ethType` (0x8847 or
 * 0x8848). Its BoS bit is set when the frame was not MPLS, cleared when
 * the entry goes on top of a stack, whatever `lse` says.
 */
export function pushMpls(buf: Uint8Array, off: number, len: number, ethType: number, lse: number): number {
  if (off < MPLS.HEADER_LEN || len < ETH.HEADER_LEN) return -1;
  const h = l2HeaderLen(buf, off, len);
  const bos = isMplsType(get16(buf, off + h)) ? 0 : 1 << MPLS.BOS_SHIFT;
  const at = off - MPLS.HEADER_LEN;
  buf.copyWithin(at, off, off + h);
  put16(buf, at + h, ethType);
  put32(buf, at + h + 2, ((lse & ~(1 << MPLS.BOS_SHIFT)) | bos) >>> 0);
  return at;
}

/** Pops the top label stack entry; the EtherType field becomes `ethType`. */
export function popMpls(buf: Uint8Array, off: number, len: number, ethType: number): number {
  const h = l2HeaderLen(buf, off, len);
  if (len < h + 2 + MPLS.HEADER_LEN || !isMplsType(get16(buf, off + h))) return -1;
  buf.copyWithin(off + MPLS.HEADER_LEN, off, off + h);
  put16(buf, off + MPLS.HEADER_LEN + h, ethType);
  return off + MPLS.HEADER_LEN;
}

/**
 * Pushes a PBB backbone header: B-DA and B-SA (copies of the frame's own
 * addresses, which stay as C-DA and C-SA; set_field changes them), the
 * I-TAG TPID and `itci` (see pbb.ts pbbItci).
 */
export function pushPbb(buf: Uint8Array, off: number, len: number, itci: number): number {
  if (off < PBB_PUSH_LEN || len < ETH.HEADER_LEN) return -1;
  const at = off - PBB_PUSH_LEN;
  buf.copyWithin(at, off, off + 2 * ETH.ADDR_LEN);
  put16(buf, at + 2 * ETH.ADDR_LEN, ETH_TYPE.PBB);
  put32(buf, at + 2 * ETH.ADDR_LEN + 2, itci >>> 0);
  return at;
}

/**
 * Pops the backbone header: everything before the customer addresses (the
 * backbone addresses, any B-tags, the I-TAG) goes, and the customer frame
 * starting at C-DA is what remains.
 */
export function popPbb(buf: Uint8Array, off: number, len: number): number {
  const h = l2HeaderLen(buf, off, len);
  if (len < h + 2 + ITAG.HEADER_LEN || get16(buf, off + h) !== ETH_TYPE.PBB) return -1;
  return off + h + 2 + ITAG.C_DST;
}
