/**
 * TCP (RFC 9293 §3.1): ports, sequence numbers, data offset, flags.
 *
 * `check()` accepts a header when its fixed 20 bytes are there and the
 * data offset is at least 5 and fits in the window, the test Open vSwitch
 * applies before it reads ports or flags. Port setters update the
 * checksum incrementally (RFC 1624); the checksum also covers the IP
 * pseudo-header, which set-field.ts keeps right when addresses change.
 */
import { csumUpdate16 } from './checksum.js';
import { HeaderView, WireError, get16, get32, put16, put32 } from './wire.js';

/** struct tcp_header, 20 bytes without options. */
export const enum TCP {
  SRC_PORT = 0,
  DST_PORT = 2,
  SEQ = 4,
  ACK = 8,
  /** Data offset(4) reserved(3) flags(9): OVS's tcp_ctl. */
  CTL = 12,
  WINDOW = 14,
  CHECKSUM = 16,
  URGENT = 18,
  HEADER_LEN = 20,
}

/** The flag bits of the CTL word (NS is RFC 3540's, now reserved; kept because OVS's tcp_flags has it). */
export const enum TCP_FLAG {
  FIN = 0x001,
  SYN = 0x002,
  RST = 0x004,
  PSH = 0x008,
  ACK = 0x010,
  URG = 0x020,
  ECE = 0x040,
  CWR = 0x080,
  NS = 0x100,
  /** The 12 low bits of CTL, as Open vSwitch's tcp_flags. */
  MASK = 0xfff,
}

export function checkTcp(buf: Uint8Array, off: number, len: number): WireError {
  if (len < TCP.HEADER_LEN) return WireError.TRUNCATED;
  const hlen = (buf[off + TCP.CTL] >>> 4) * 4;
  if (hlen < TCP.HEADER_LEN) return WireError.BAD_LENGTH;
  return hlen > len ? WireError.OVERRUN : WireError.OK;
}

export class TcpView extends HeaderView {
  check(): WireError {
    return checkTcp(this.buf, this.off, this.len);
  }

  srcPort(): number {
    return get16(this.buf, this.off + TCP.SRC_PORT);
  }
  dstPort(): number {
    return get16(this.buf, this.off + TCP.DST_PORT);
  }
  seq(): number {
    return get32(this.buf, this.off + TCP.SEQ);
  }
  ack(): number {
    return get32(this.buf, this.off + TCP.ACK);
  }
  /** In 32-bit words. */
  dataOffset(): number {
    return this.buf[this.off + TCP.CTL] >>> 4;
  }
  headerLen(): number {
    return this.dataOffset() * 4;
  }
  /** The 12 low bits of the CTL word (FIN .. NS and the 3 reserved bits), as Open vSwitch's tcp_flags. */
  flags(): number {
    return get16(this.buf, this.off + TCP.CTL) & TCP_FLAG.MASK;
  }
  window(): number {
    return get16(this.buf, this.off + TCP.WINDOW);
  }
  checksum(): number {
    return get16(this.buf, this.off + TCP.CHECKSUM);
  }
  urgent(): number {
    return get16(this.buf, this.off + TCP.URGENT);
  }
  payloadOffset(): number {
    return this.off + this.headerLen();
  }

  setSrcPort(p: number): void {
    this.setWord(TCP.SRC_PORT, p);
  }
  setDstPort(p: number): void {
    this.setWord(TCP.DST_PORT, p);
  }
  setFlags(f: number): void {
    this.setWord(TCP.CTL, (get16(this.buf, this.off + TCP.CTL) & 0xf000) | (f & TCP_FLAG.MASK));
  }
  setChecksum(c: number): void {
    put16(this.buf, this.off + TCP.CHECKSUM, c);
  }

  private setWord(at: number, v: number): void {
    const old = get16(this.buf, this.off + at);
    put16(this.buf, this.off + at, v);
    this.setChecksum(csumUpdate16(this.checksum(), old, v));
  }
}

/** What `buildTcp` writes. */
export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  urgent: number;
  /** Options, padded to a multiple of 4 bytes. */
  options?: Uint8Array;
}

/** Writes a TCP header (checksum 0: see checksum.ts fillL4Checksum) at buf[off]; returns the payload offset. */
export function buildTcp(buf: Uint8Array, off: number, r: TcpRepr): number {
  const hlen = TCP.HEADER_LEN + (r.options === undefined ? 0 : r.options.length);
  put16(buf, off + TCP.SRC_PORT, r.srcPort);
  put16(buf, off + TCP.DST_PORT, r.dstPort);
  put32(buf, off + TCP.SEQ, r.seq);
  put32(buf, off + TCP.ACK, r.ack);
  put16(buf, off + TCP.CTL, ((hlen >>> 2) << 12) | (r.flags & TCP_FLAG.MASK));
  put16(buf, off + TCP.WINDOW, r.window);
  put16(buf, off + TCP.CHECKSUM, 0);
  put16(buf, off + TCP.URGENT, r.urgent);
  if (r.options !== undefined) buf.set(r.options, off + TCP.HEADER_LEN);
  return off + hlen;
}
