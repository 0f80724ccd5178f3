/**
 * MPLS label stack entries (RFC 3032 §2.1), EtherTypes 0x8847 (unicast)
 * and 0x8848 (multicast).
 *
 * LSE = label(20) TC(3) S(1) TTL(8); "TC" was "EXP" before RFC 5462. The
 * bottom-of-stack bit S ends the stack. The flow key keeps the top entry
 * only, in wire layout (flow-key.ts word MPLS_LSE). Nothing in the label
 * stack says what the packet beneath it is (OpenFlow's pop_mpls action is
 * told the EtherType): extraction reads it by its first bytes and marks
 * what it found (flow-key.ts MPLS_BENEATH), for translation after a pop.
 */
import { HeaderView, WireError, get32, put32 } from './wire.js';

/** One label stack entry, 4 bytes. */
export const enum MPLS {
  LSE = 0,
  HEADER_LEN = 4,
  LABEL_SHIFT = 12,
  TC_SHIFT = 9,
  BOS_SHIFT = 8,
  TTL_MASK = 0xff,
}

export class MplsView extends HeaderView {
  check(): WireError {
    return this.len < MPLS.HEADER_LEN ? WireError.TRUNCATED : WireError.OK;
  }

  headerLen(): number {
    return MPLS.HEADER_LEN;
  }

  lse(): number {
    return get32(this.buf, this.off + MPLS.LSE);
  }
  label(): number {
    return this.lse() >>> MPLS.LABEL_SHIFT;
  }
  tc(): number {
    return (this.buf[this.off + 2] >>> 1) & 7;
  }
  bos(): number {
    return this.buf[this.off + 2] & 1;
  }
  ttl(): number {
    return this.buf[this.off + 3];
  }
  /** Moves the view to the next entry of the stack; false (view unchanged) at the bottom or the window's end. */
  next(): boolean {
    if (this.bos() === 1 || this.len < 2 * MPLS.HEADER_LEN) return false;
    this.off += MPLS.HEADER_LEN;
    this.len -= MPLS.HEADER_LEN;
    return true;
  }
  payloadOffset(): number {
    return this.off + MPLS.HEADER_LEN;
  }

  setLse(lse: number): void {
    put32(this.buf, this.off + MPLS.LSE, lse);
  }
  setLabel(label: number): void {
    this.setLse(((label & 0xfffff) << MPLS.LABEL_SHIFT) | (this.lse() & 0xfff));
  }
  setTc(tc: number): void {
    const b = this.off + 2;
    this.buf[b] = (this.buf[b] & ~0x0e) | ((tc & 7) << 1);
  }
  setBos(bos: number): void {
    const b = this.off + 2;
    this.buf[b] = (this.buf[b] & ~1) | (bos & 1);
  }
  setTtl(ttl: number): void {
    this.buf[this.off + 3] = ttl;
  }
}

/** A label stack entry with these fields. */
export function mplsLse(label: number, tc: number, bos: number, ttl: number): number {
  return (((label & 0xfffff) << MPLS.LABEL_SHIFT) | ((tc & 7) << MPLS.TC_SHIFT) | ((bos & 1) << MPLS.BOS_SHIFT) | (ttl & 0xff)) >>> 0;
}

/** How many entries the stack at buf[off, off+len) has, counting to the bottom or the last whole entry. */
export function mplsStackDepth(buf: Uint8Array, off: number, len: number): number {
  let n = 0;
  for (let o = off; o + MPLS.HEADER_LEN <= off + len; o += MPLS.HEADER_LEN) {
    n++;
    if ((buf[o + 2] & 1) === 1) break;
  }
  return n;
}

/** Writes one entry at buf[off]; returns the offset past it. */
export function buildMpls(buf: Uint8Array, off: number, lse: number): number {
  put32(buf, off, lse);
  return off + MPLS.HEADER_LEN;
}
