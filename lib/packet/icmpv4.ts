/**
 * ICMP for IPv4 (RFC 792): type, code, checksum and the 4 bytes after
 * them (identifier and sequence number for echo). The checksum covers the
 * ICMP message only (no pseudo-header); setters update it incrementally.
 *
 * The flow key takes type and code from the first 8 bytes, as Open
 * vSwitch does, and nothing from the message body.
 */
import { csumUpdate16 } from './checksum.js';
import { HeaderView, WireError, get16, put16 } from './wire.js';

/** struct icmp_header, 8 bytes. */
export const enum ICMPV4 {
  TYPE = 0,
  CODE = 1,
  CHECKSUM = 2,
  /** Identifier for echo. */
  IDENT = 4,
  /** Sequence number for echo. */
  SEQ = 6,
  HEADER_LEN = 8,
}

export class Icmpv4View extends HeaderView {
  check(): WireError {
    return this.len < ICMPV4.HEADER_LEN ? WireError.TRUNCATED : WireError.OK;
  }

  headerLen(): number {
    return ICMPV4.HEADER_LEN;
  }
  type(): number {
    return this.buf[this.off + ICMPV4.TYPE];
  }
  code(): number {
    return this.buf[this.off + ICMPV4.CODE];
  }
  checksum(): number {
    return get16(this.buf, this.off + ICMPV4.CHECKSUM);
  }
  ident(): number {
    return get16(this.buf, this.off + ICMPV4.IDENT);
  }
  seq(): number {
    return get16(this.buf, this.off + ICMPV4.SEQ);
  }
  payloadOffset(): number {
    return this.off + ICMPV4.HEADER_LEN;
  }

  setType(t: number): void {
    this.setTypeCode(t, this.code());
  }
  setCode(c: number): void {
    this.setTypeCode(this.type(), c);
  }
  setTypeCode(t: number, c: number): void {
    const old = get16(this.buf, this.off + ICMPV4.TYPE);
    const now = ((t & 0xff) << 8) | (c & 0xff);
    put16(this.buf, this.off + ICMPV4.TYPE, now);
    put16(this.buf, this.off + ICMPV4.CHECKSUM, csumUpdate16(this.checksum(), old, now));
  }
}

/**
 * Writes an ICMP header (type, code, the 4-byte rest: identifier and
 * sequence for echo) with checksum 0 at buf[off]; `fillL4Checksum`
 * completes it once the message body is in place. Returns the body offset.
 */
export function buildIcmpv4(buf: Uint8Array, off: number, type: number, code: number, rest: number): number {
  buf[off + ICMPV4.TYPE] = type;
  buf[off + ICMPV4.CODE] = code;
  put16(buf, off + ICMPV4.CHECKSUM, 0);
  put16(buf, off + ICMPV4.IDENT, rest >>> 16);
  put16(buf, off + ICMPV4.SEQ, rest & 0xffff);
  return off + ICMPV4.HEADER_LEN;
}
