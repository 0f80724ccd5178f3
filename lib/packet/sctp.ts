/**
 * SCTP common header (RFC 4960 §3.1): ports, verification tag, CRC32c.
 *
 * The checksum is a CRC over the whole SCTP packet, so a port setter
 * updates it for the view's window, which must therefore span exactly the
 * packet (the IP payload, never Ethernet padding). As Open vSwitch does, a
 * packet whose CRC was wrong before the rewrite stays wrong by the same
 * difference (CRC32c is linear over XOR for a fixed length): a switch
 * forwards corruption, it does not launder it, and the receiver drops the
 * packet as RFC 9260 §6.8 requires.
 */
import { CRC32C_INIT, crc32cDelta32, crc32cUpdate, crc32cZeros } from './checksum.js';
import { HeaderView, WireError, get16, get32, put16, put32 } from './wire.js';

/** struct sctp_header, 12 bytes. */
export const enum SCTP {
  SRC_PORT = 0,
  DST_PORT = 2,
  VTAG = 4,
  CHECKSUM = 8,
  HEADER_LEN = 12,
}

export class SctpView extends HeaderView {
  check(): WireError {
    return this.len < SCTP.HEADER_LEN ? WireError.TRUNCATED : WireError.OK;
  }

  headerLen(): number {
    return SCTP.HEADER_LEN;
  }
  srcPort(): number {
    return get16(this.buf, this.off + SCTP.SRC_PORT);
  }
  dstPort(): number {
    return get16(this.buf, this.off + SCTP.DST_PORT);
  }
  vtag(): number {
    return get32(this.buf, this.off + SCTP.VTAG);
  }
  /** As the 32-bit number the CRC computes (stored little-endian). */
  checksum(): number {
    const o = this.off + SCTP.CHECKSUM;
    return (this.buf[o] | (this.buf[o + 1] << 8) | (this.buf[o + 2] << 16) | (this.buf[o + 3] << 24)) >>> 0;
  }
  /** The CRC32c the packet should carry: over the window, the checksum field taken as zero. */
  computeChecksum(): number {
    let c = crc32cUpdate(CRC32C_INIT, this.buf, this.off, SCTP.CHECKSUM);
    c = crc32cZeros(c, 4);
    c = crc32cUpdate(c, this.buf, this.off + SCTP.HEADER_LEN, this.len - SCTP.HEADER_LEN);
    return ~c >>> 0;
  }
  checksumOk(): boolean {
    return this.computeChecksum() === this.checksum();
  }
  payloadOffset(): number {
    return this.off + SCTP.HEADER_LEN;
  }

  setSrcPort(p: number): void {
    this.setPorts(p, this.dstPort());
  }
  setDstPort(p: number): void {
    this.setPorts(this.srcPort(), p);
  }
  /**
   * Rewrites both ports and moves the stored CRC by exactly what the change
   * moves the true CRC: a good CRC stays good, a wrong one stays wrong by
   * the same XOR (Open vSwitch's packet_set_sctp_port gives the same bytes,
   * spec/packet/sctp-set-field.spec.ts). The change is computed from the
   * 4 changed bytes and the length behind them (checksum.ts
   * crc32cDelta32), not by running the CRC over the packet twice.
   */
  setPorts(src: number, dst: number): void {
    const diff = (get32(this.buf, this.off + SCTP.SRC_PORT) ^ (((src & 0xffff) << 16) | (dst & 0xffff))) >>> 0;
    if (diff === 0) return;
    put16(this.buf, this.off + SCTP.SRC_PORT, src);
    put16(this.buf, this.off + SCTP.DST_PORT, dst);
    // The ports are the first 4 bytes: all from SCTP.VTAG on lies behind them.
    this.storeChecksum((this.checksum() ^ crc32cDelta32(diff, this.len - SCTP.VTAG)) >>> 0);
  }

  private storeChecksum(c: number): void {
    const o = this.off + SCTP.CHECKSUM;
    this.buf[o] = c;
    this.buf[o + 1] = c >>> 8;
    this.buf[o + 2] = c >>> 16;
    this.buf[o + 3] = c >>> 24;
  }
}

/**
 * Writes the SCTP common header with CRC 0 at buf[off]; `fillSctpChecksum`
 * completes it once the chunks are in place. Returns the first chunk's offset.
 */
export function buildSctp(buf: Uint8Array, off: number, srcPort: number, dstPort: number, vtag: number): number {
  put16(buf, off + SCTP.SRC_PORT, srcPort);
  put16(buf, off + SCTP.DST_PORT, dstPort);
  put32(buf, off + SCTP.VTAG, vtag);
  put32(buf, off + SCTP.CHECKSUM, 0);
  return off + SCTP.HEADER_LEN;
}
