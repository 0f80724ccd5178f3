/**
 * Structures shared by several messages: ports (port status, port desc),
 * group buckets (group mod, group desc), meter bands (meter mod, meter
 * config), packet queues (queue get config) and hello elements.
 *
 * Lists are decoded from a reader that spans exactly the list, so the
 * caller's length arithmetic decides where a list ends and each element's
 * own length field is checked against what is left.
 */
import { OFPHET, OFPMBT, OFPQT } from './constants.js';
import { OFPBAC, OFPBRC, OFPET, OFPGMFC, OFPMMFC, OfpError } from './errors.js';
import { decodeActions, encodeActions } from './actions.js';
import { readMac, writeMac } from './addr.js';
import type { Reader } from './reader.js';
import type { Bucket, HelloElem, MeterBand, PacketQueue, Port, QueueProp } from './types.js';
import type { Writer } from './writer.js';

/** struct ofp_port */
export const OFP_PORT_LEN = 64;
/** struct ofp_bucket, without actions */
export const OFP_BUCKET_LEN = 16;
/** struct ofp_meter_band_header (and every OF1.3 band) */
export const OFP_METER_BAND_LEN = 16;
/** struct ofp_packet_queue, without properties */
export const OFP_PACKET_QUEUE_LEN = 16;
/** struct ofp_queue_prop_header */
export const OFP_QUEUE_PROP_HEADER_LEN = 8;

/* ---------------------------------------------------------------- ports */

export function decodePort(r: Reader): Port {
  r.need(OFP_PORT_LEN);
  const port_no = r.u32();
  r.skip(4);
  const hw_addr = readMac(r.buf, r.off);
  r.skip(8); // hw_addr + pad[2]
  const name = r.str(16);
  return {
    port_no,
    hw_addr,
    name,
    config: r.u32(),
    state: r.u32(),
    curr: r.u32(),
    advertised: r.u32(),
    supported: r.u32(),
    peer: r.u32(),
    curr_speed: r.u32(),
    max_speed: r.u32(),
  };
}

export function encodePort(w: Writer, p: Port): void {
  w.u32(p.port_no);
  w.zeros(4);
  writeMac(w, p.hw_addr);
  w.zeros(2);
  w.str(p.name, 16);
  w.u32(p.config);
  w.u32(p.state);
  w.u32(p.curr);
  w.u32(p.advertised);
  w.u32(p.supported);
  w.u32(p.peer);
  w.u32(p.curr_speed);
  w.u32(p.max_speed);
}

/* -------------------------------------------------------------- buckets */

/**
 * A bucket list (group mod, group desc). A bucket whose length cannot hold
 * its header or runs past the list is OFPGMFC_BAD_BUCKET, as Open vSwitch
 * answers; its actions raise their own OFPBAC errors.
 */
export function decodeBuckets(r: Reader): Bucket[] {
  const buckets: Bucket[] = [];
  while (r.remaining > 0) {
    if (r.remaining < OFP_BUCKET_LEN) throw new OfpError(OFPET.GROUP_MOD_FAILED, OFPGMFC.BAD_BUCKET, 'short bucket');
    const len = r.peekU16();
    if (len < OFP_BUCKET_LEN || len > r.remaining || len % 8 !== 0) {
      throw new OfpError(OFPET.GROUP_MOD_FAILED, OFPGMFC.BAD_BUCKET, `bucket length ${len}`);
    }
    const b = r.sub(len);
    b.skip(2);
    const weight = b.u16();
    const watch_port = b.u32();
    const watch_group = b.u32();
    b.skip(4);
    buckets.push({ weight, watch_port, watch_group, actions: decodeActions(b.sub(b.remaining, OFPET.BAD_ACTION, OFPBAC.BAD_LEN)) });
  }
  return buckets;
}

export function encodeBuckets(w: Writer, buckets: readonly Bucket[]): void {
  for (const b of buckets) {
    const start = w.off;
    w.u16(0);
    w.u16(b.weight);
    w.u32(b.watch_port);
    w.u32(b.watch_group);
    w.zeros(4);
    encodeActions(w, b.actions);
    w.patchU16(start, w.off - start);
  }
}

/* ---------------------------------------------------------- meter bands */

/** A band list (meter mod, meter config). Unknown band types are OFPMMFC_BAD_BAND. */
export function decodeMeterBands(r: Reader): MeterBand[] {
  const bands: MeterBand[] = [];
  while (r.remaining > 0) {
    if (r.remaining < OFP_METER_BAND_LEN) throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'short meter band');
    const len = r.peekU16(2);
    if (len < OFP_METER_BAND_LEN || len > r.remaining) {
      throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `meter band length ${len}`);
    }
    const b = r.sub(len);
    const type = b.u16();
    b.skip(2);
    const rate = b.u32();
    const burst_size = b.u32();
    switch (type) {
      case OFPMBT.DROP:
        if (len !== OFP_METER_BAND_LEN) throw b.error(`drop band length ${len}`);
        bands.push({ type, rate, burst_size });
        break;
      case OFPMBT.DSCP_REMARK: {
        if (len !== OFP_METER_BAND_LEN) throw b.error(`dscp_remark band length ${len}`);
        const prec_level = b.u8();
        bands.push({ type, rate, burst_size, prec_level });
        break;
      }
      case OFPMBT.EXPERIMENTER:
        bands.push({ type, rate, burst_size, experimenter: b.u32(), data: b.rest() });
        break;
      default:
        throw new OfpError(OFPET.METER_MOD_FAILED, OFPMMFC.BAD_BAND, `meter band type ${type}`);
    }
  }
  return bands;
}

export function encodeMeterBands(w: Writer, bands: readonly MeterBand[]): void {
  for (const b of bands) {
    const start = w.off;
    w.u16(b.type);
    w.u16(0);
    w.u32(b.rate);
    w.u32(b.burst_size);
    switch (b.type) {
      case OFPMBT.DROP:
        w.zeros(4);
        break;
      case OFPMBT.DSCP_REMARK:
        w.u8(b.prec_level);
        w.zeros(3);
        break;
      case OFPMBT.EXPERIMENTER:
        w.u32(b.experimenter);
        w.bytes(b.data);
        break;
    }
    w.patchU16(start + 2, w.off - start);
  }
}

/* --------------------------------------------------------------- queues */

function decodeQueueProps(r: Reader): QueueProp[] {
  const props: QueueProp[] = [];
  while (r.remaining > 0) {
    r.need(OFP_QUEUE_PROP_HEADER_LEN, 'short queue property');
    const len = r.peekU16(2);
    if (len < OFP_QUEUE_PROP_HEADER_LEN || len > r.remaining) throw r.error(`queue property length ${len}`);
    const p = r.sub(len);
    const property = p.u16();
    p.skip(6);
    switch (property) {
      case OFPQT.MIN_RATE:
      case OFPQT.MAX_RATE:
        if (len !== 16) throw p.error(`rate property length ${len}`);
        props.push({ property, rate: p.u16() });
        break;
      case OFPQT.EXPERIMENTER: {
        const experimenter = p.u32();
        p.skip(4);
        props.push({ property, experimenter, data: p.rest() });
        break;
      }
      default:
        // Unknown queue properties are a peer's extension: not ours to interpret.
        throw p.error(`unknown queue property ${property}`);
    }
  }
  return props;
}

function encodeQueueProps(w: Writer, props: readonly QueueProp[]): void {
  for (const p of props) {
    const start = w.off;
    w.u16(p.property);
    w.u16(0);
    w.zeros(4);
    if (p.property === OFPQT.EXPERIMENTER) {
      w.u32(p.experimenter);
      w.zeros(4);
      w.bytes(p.data);
    } else {
      w.u16(p.rate);
      w.zeros(6);
    }
    w.patchU16(start + 2, w.off - start);
  }
}

/** A queue list (queue get config reply). */
export function decodePacketQueues(r: Reader): PacketQueue[] {
  const queues: PacketQueue[] = [];
  while (r.remaining > 0) {
    r.need(OFP_PACKET_QUEUE_LEN, 'short packet queue');
    const len = r.peekU16(8);
    if (len < OFP_PACKET_QUEUE_LEN || len > r.remaining) throw r.error(`packet queue length ${len}`);
    const q = r.sub(len);
    const queue_id = q.u32();
    const port = q.u32();
    q.skip(8);
    queues.push({ queue_id, port, properties: decodeQueueProps(q) });
  }
  return queues;
}

export function encodePacketQueues(w: Writer, queues: readonly PacketQueue[]): void {
  for (const q of queues) {
    const start = w.off;
    w.u32(q.queue_id);
    w.u32(q.port);
    w.u16(0);
    w.zeros(6);
    encodeQueueProps(w, q.properties);
    w.patchU16(start + 8, w.off - start);
  }
}

/* --------------------------------------------------------- hello elements */

/**
 * Hello elements, each padded to 8 bytes with a length that excludes the
 * padding. Decoding stops at the first element that is not well formed
 * (a length below 4, past the end, or padding missing or not zero: a peer
 * that left the padding out, as LoxiGen's test data does) and returns what
 * follows as `trailing`: see `Hello.trailing`.
 */
export function decodeHelloElems(r: Reader): { elements: HelloElem[]; trailing?: Buffer } {
  const elements: HelloElem[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 4) break;
    const type = r.peekU16();
    const len = r.peekU16(2);
    const padded = (len + 7) & ~7;
    if (len < 4 || padded > r.remaining || !zeros(r.buf, r.off + len, r.off + padded)) break;
    if (type === OFPHET.VERSIONBITMAP && (len - 4) % 4 !== 0) break;
    const e = r.sub(len);
    e.skip(4);
    if (type === OFPHET.VERSIONBITMAP) {
      const bitmaps: number[] = [];
      while (e.remaining > 0) bitmaps.push(e.u32());
      elements.push({ type: OFPHET.VERSIONBITMAP, bitmaps });
    } else {
      elements.push({ type, data: e.rest() });
    }
    r.skip(padded - len);
  }
  return r.remaining > 0 ? { elements, trailing: r.rest() } : { elements };
}

function zeros(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

export function encodeHelloElems(w: Writer, elems: readonly HelloElem[], trailing?: Buffer): void {
  for (const e of elems) {
    const start = w.off;
    w.u16(e.type);
    w.u16(0);
    if ('bitmaps' in e) for (const b of e.bitmaps) w.u32(b);
    else w.bytes(e.data);
    w.patchU16(start + 2, w.off - start);
    w.align8(start);
  }
  if (trailing) w.bytes(trailing);
}
