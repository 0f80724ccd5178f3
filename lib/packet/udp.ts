/**
 * UDP (RFC 768).
 *
 * `check()` verifies the Length field too (at least 8, within the window);
 * the flow key extractor asks only for the 8 header bytes, as Open vSwitch
 * does, so a lying Length does not hide the ports from a rule. A checksum
 * of 0 means "none" over IPv4: port setters leave it 0, and an update that
 * computes 0 stores 0xffff, its one's complement twin (RFC 768).
 */
import { csumUpdate16 } from './checksum.js';
import { HeaderView, WireError, get16, put16 } from './wire.js';

/** struct udp_header, 8 bytes. */
export const enum UDP {
  SRC_PORT = 0,
  DST_PORT = 2,
  LENGTH = 4,
  CHECKSUM = 6,
  HEADER_LEN = 8,
}

export class UdpView extends HeaderView {
  check(): WireError {
    if (this.len < UDP.HEADER_LEN) return WireError.TRUNCATED;
    const n = this.length();
    if (n < UDP.HEADER_LEN) return WireError.BAD_LENGTH;
    return n > this.len ? WireError.OVERRUN : WireError.OK;
  }

  headerLen(): number {
    return UDP.HEADER_LEN;
  }
  srcPort(): number {
    return get16(this.buf, this.off + UDP.SRC_PORT);
  }
  dstPort(): number {
    return get16(this.buf, this.off + UDP.DST_PORT);
  }
  length(): number {
    return get16(this.buf, this.off + UDP.LENGTH);
  }
  checksum(): number {
    return get16(this.buf, this.off + UDP.CHECKSUM);
  }
  payloadOffset(): number {
    return this.off + UDP.HEADER_LEN;
  }

  setSrcPort(p: number): void {
    this.setWord(UDP.SRC_PORT, p);
  }
  setDstPort(p: number): void {
    this.setWord(UDP.DST_PORT, p);
  }
  setChecksum(c: number): void {
    put16(this.buf, this.off + UDP.CHECKSUM, c);
  }

  private setWord(at: number, v: number): void {
    const old = get16(this.buf, this.off + at);
    put16(this.buf, this.off + at, v);
    const c = this.checksum();
    if (c !== 0) this.setChecksum(csumUpdate16(c, old, v) || 0xffff);
  }
}

/** Writes a UDP header (checksum 0) at buf[off]; returns the payload offset. */
export function buildUdp(buf: Uint8Array, off: number, srcPort: number, dstPort: number, payloadLen: number): number {
  put16(buf, off + UDP.SRC_PORT, srcPort);
  put16(buf, off + UDP.DST_PORT, dstPort);
  put16(buf, off + UDP.LENGTH, UDP.HEADER_LEN + payloadLen);
  put16(buf, off + UDP.CHECKSUM, 0);
  return off + UDP.HEADER_LEN;
}
