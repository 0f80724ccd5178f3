/**
 * The statistics structures inside multipart bodies (OpenFlow 1.3.5
 * §7.3.5): the fixed structs (desc, aggregate, table, port and queue stats,
 * group and meter features, experimenter header) and the entries that carry
 * their own length (flow stats, group stats and desc, meter stats and
 * config). multipart.ts dispatches on the multipart type and calls these.
 *
 * A measured entry's length is checked against its fixed part and the
 * body's end before a child reader is carved for it (`carveEntry`); on the
 * way out the length is back-patched (`patchLength`).
 */
import { DESC_STR_LEN, SERIAL_NUM_LEN } from './constants.js';
import { badLen, OFPBIC, OFPET } from './errors.js';
import { decodeInstructions, encodeInstructions } from './instructions.js';
import { decodeMatch, encodeMatch } from './oxm.js';
import type { Reader } from './reader.js';
import { decodeBuckets, decodeMeterBands, encodeBuckets, encodeMeterBands } from './structs.js';
import type {
  AggregateStats,
  BucketCounter,
  DescStats,
  ExperimenterMultipart,
  FlowStats,
  GroupDesc,
  GroupFeatures,
  GroupStats,
  MeterConfig,
  MeterFeatures,
  MeterStats,
  PortStats,
  QueueStats,
  TableStats,
} from './types.js';
import type { Writer } from './writer.js';

/** Sizes of the fixed structs and fixed parts (the spec's OFP_ASSERTs). */
export const enum Len {
  /** struct ofp_desc */
  DESC = 1056,
  /** struct ofp_flow_stats_request with an empty match (32 + 8) */
  FLOW_STATS_REQUEST = 40,
  /** the body of PORT_STATS, QUEUE, GROUP, METER and METER_CONFIG requests */
  SELECTOR = 8,
  /** struct ofp_flow_stats with an empty match (48 + 8) */
  FLOW_STATS = 56,
  /** struct ofp_aggregate_stats_reply */
  AGGREGATE = 24,
  /** struct ofp_table_stats */
  TABLE_STATS = 24,
  /** struct ofp_port_stats */
  PORT_STATS = 112,
  /** struct ofp_queue_stats */
  QUEUE_STATS = 40,
  /** struct ofp_group_stats without bucket counters */
  GROUP_STATS = 40,
  /** struct ofp_bucket_counter, also struct ofp_meter_band_stats */
  COUNTER = 16,
  /** struct ofp_group_desc without buckets */
  GROUP_DESC = 8,
  /** struct ofp_group_features */
  GROUP_FEATURES = 40,
  /** struct ofp_meter_stats without band stats */
  METER_STATS = 40,
  /** struct ofp_meter_config without bands */
  METER_CONFIG = 8,
  /** struct ofp_meter_features */
  METER_FEATURES = 16,
  /** struct ofp_port */
  PORT = 64,
  /** struct ofp_experimenter_multipart_header */
  EXPERIMENTER = 8,
}

/**
 * Checks the u16 length field `lenAt` bytes into the entry at `r` against
 * the entry's fixed part and `r`'s end, and carves a reader over the entry.
 */
function carveEntry(r: Reader, lenAt: number, fixed: number, what: string): Reader {
  const length = r.peekU16(lenAt);
  if (length < fixed) throw r.error(`${what} length ${length} < ${fixed}`);
  if (length > r.remaining) throw r.error(`${what} length ${length} runs past the body (${r.remaining} bytes left)`);
  return r.sub(length);
}

/** Patches the u16 length `lenAt` bytes into the entry written from `start`. */
function patchLength(w: Writer, start: number, lenAt: number, what: string): void {
  const length = w.off - start;
  if (length > 0xffff) throw badLen(`${what} of ${length} bytes does not fit its 16-bit length`);
  w.patchU16(start + lenAt, length);
}

/* ------------------------------------------------------- fixed structs */

/** struct ofp_desc, 1056 bytes. */
export function decodeDesc(r: Reader): DescStats {
  return {
    mfr_desc: r.str(DESC_STR_LEN),
    hw_desc: r.str(DESC_STR_LEN),
    sw_desc: r.str(DESC_STR_LEN),
    serial_num: r.str(SERIAL_NUM_LEN),
    dp_desc: r.str(DESC_STR_LEN),
  };
}

export function encodeDesc(w: Writer, d: DescStats): void {
  w.str(d.mfr_desc, DESC_STR_LEN);
  w.str(d.hw_desc, DESC_STR_LEN);
  w.str(d.sw_desc, DESC_STR_LEN);
  w.str(d.serial_num, SERIAL_NUM_LEN);
  w.str(d.dp_desc, DESC_STR_LEN);
}

/** struct ofp_aggregate_stats_reply, 24 bytes. */
export function decodeAggregate(r: Reader): AggregateStats {
  const packet_count = r.u64();
  const byte_count = r.u64();
  const flow_count = r.u32();
  r.skip(4);
  return { packet_count, byte_count, flow_count };
}

export function encodeAggregate(w: Writer, a: AggregateStats): void {
  w.u64(a.packet_count);
  w.u64(a.byte_count);
  w.u32(a.flow_count);
  w.zeros(4);
}

/** struct ofp_table_stats, 24 bytes. */
export function decodeTableStats(r: Reader): TableStats {
  const table_id = r.u8();
  r.skip(3);
  return { table_id, active_count: r.u32(), lookup_count: r.u64(), matched_count: r.u64() };
}

export function encodeTableStats(w: Writer, t: TableStats): void {
  w.u8(t.table_id);
  w.zeros(3);
  w.u32(t.active_count);
  w.u64(t.lookup_count);
  w.u64(t.matched_count);
}

/** struct ofp_port_stats, 112 bytes. */
export function decodePortStats(r: Reader): PortStats {
  const port_no = r.u32();
  r.skip(4);
  return {
    port_no,
    rx_packets: r.u64(),
    tx_packets: r.u64(),
    rx_bytes: r.u64(),
    tx_bytes: r.u64(),
    rx_dropped: r.u64(),
    tx_dropped: r.u64(),
    rx_errors: r.u64(),
    tx_errors: r.u64(),
    rx_frame_err: r.u64(),
    rx_over_err: r.u64(),
    rx_crc_err: r.u64(),
    collisions: r.u64(),
    duration_sec: r.u32(),
    duration_nsec: r.u32(),
  };
}

export function encodePortStats(w: Writer, p: PortStats): void {
  w.u32(p.port_no);
  w.zeros(4);
  w.u64(p.rx_packets);
  w.u64(p.tx_packets);
  w.u64(p.rx_bytes);
  w.u64(p.tx_bytes);
  w.u64(p.rx_dropped);
  w.u64(p.tx_dropped);
  w.u64(p.rx_errors);
  w.u64(p.tx_errors);
  w.u64(p.rx_frame_err);
  w.u64(p.rx_over_err);
  w.u64(p.rx_crc_err);
  w.u64(p.collisions);
  w.u32(p.duration_sec);
  w.u32(p.duration_nsec);
}

/** struct ofp_queue_stats, 40 bytes. */
export function decodeQueueStats(r: Reader): QueueStats {
  return {
    port_no: r.u32(),
    queue_id: r.u32(),
    tx_bytes: r.u64(),
    tx_packets: r.u64(),
    tx_errors: r.u64(),
    duration_sec: r.u32(),
    duration_nsec: r.u32(),
  };
}

export function encodeQueueStats(w: Writer, q: QueueStats): void {
  w.u32(q.port_no);
  w.u32(q.queue_id);
  w.u64(q.tx_bytes);
  w.u64(q.tx_packets);
  w.u64(q.tx_errors);
  w.u32(q.duration_sec);
  w.u32(q.duration_nsec);
}

/** struct ofp_group_features, 40 bytes. */
export function decodeGroupFeatures(r: Reader): GroupFeatures {
  return {
    types: r.u32(),
    capabilities: r.u32(),
    max_groups: [r.u32(), r.u32(), r.u32(), r.u32()],
    actions: [r.u32(), r.u32(), r.u32(), r.u32()],
  };
}

export function encodeGroupFeatures(w: Writer, g: GroupFeatures): void {
  w.u32(g.types);
  w.u32(g.capabilities);
  for (const n of g.max_groups) w.u32(n);
  for (const n of g.actions) w.u32(n);
}

/** struct ofp_meter_features, 16 bytes. */
export function decodeMeterFeatures(r: Reader): MeterFeatures {
  const f = { max_meter: r.u32(), band_types: r.u32(), capabilities: r.u32(), max_bands: r.u8(), max_color: r.u8() };
  r.skip(2);
  return f;
}

export function encodeMeterFeatures(w: Writer, m: MeterFeatures): void {
  w.u32(m.max_meter);
  w.u32(m.band_types);
  w.u32(m.capabilities);
  w.u8(m.max_bands);
  w.u8(m.max_color);
  w.zeros(2);
}

/** struct ofp_experimenter_multipart_header, 8 bytes + data. */
export function decodeExperimenter(r: Reader): ExperimenterMultipart {
  r.need(Len.EXPERIMENTER, `experimenter multipart body of ${r.remaining} bytes < 8`);
  return { experimenter: r.u32(), exp_type: r.u32(), data: r.rest() };
}

export function encodeExperimenter(w: Writer, e: ExperimenterMultipart): void {
  w.u32(e.experimenter);
  w.u32(e.exp_type);
  w.bytes(e.data);
}

/* ----------------------------------------------------- measured entries */

/**
 * Decodes one struct ofp_flow_stats (56 bytes with an empty match, + match
 * + instructions) at `r` and moves past it; the instructions are whatever
 * the entry's length leaves after the match.
 */
export function decodeFlowStats(r: Reader): FlowStats {
  const s = carveEntry(r, 0, Len.FLOW_STATS, 'ofp_flow_stats');
  s.skip(2); // length
  const table_id = s.u8();
  s.skip(1);
  const duration_sec = s.u32();
  const duration_nsec = s.u32();
  const priority = s.u16();
  const idle_timeout = s.u16();
  const hard_timeout = s.u16();
  const flags = s.u16();
  s.skip(4);
  const cookie = s.u64();
  const packet_count = s.u64();
  const byte_count = s.u64();
  const match = decodeMatch(s);
  // The same code as a flow_mod's instruction list that runs short.
  const instructions = decodeInstructions(s.sub(s.remaining, OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN));
  return {
    table_id,
    duration_sec,
    duration_nsec,
    priority,
    idle_timeout,
    hard_timeout,
    flags,
    cookie,
    packet_count,
    byte_count,
    match,
    instructions,
  };
}

/**
 * Encodes one struct ofp_flow_stats. On the path of big flow dumps: writes
 * straight into `w` and back-patches the length, allocating nothing of its
 * own.
 */
export function encodeFlowStats(w: Writer, f: FlowStats): void {
  const start = w.off;
  w.u16(0); // length, patched below
  w.u8(f.table_id);
  w.u8(0);
  w.u32(f.duration_sec);
  w.u32(f.duration_nsec);
  w.u16(f.priority);
  w.u16(f.idle_timeout);
  w.u16(f.hard_timeout);
  w.u16(f.flags);
  w.zeros(4);
  w.u64(f.cookie);
  w.u64(f.packet_count);
  w.u64(f.byte_count);
  encodeMatch(w, f.match);
  encodeInstructions(w, f.instructions);
  patchLength(w, start, 0, 'ofp_flow_stats');
}

/** struct ofp_group_stats, 40 bytes + 16 per bucket counter. */
export function decodeGroupStats(r: Reader): GroupStats {
  const s = carveEntry(r, 0, Len.GROUP_STATS, 'ofp_group_stats');
  if ((s.remaining - Len.GROUP_STATS) % Len.COUNTER !== 0) {
    throw r.error(`ofp_group_stats length ${s.remaining} leaves a partial bucket counter`);
  }
  s.skip(4); // length, pad
  const group_id = s.u32();
  const ref_count = s.u32();
  s.skip(4);
  const packet_count = s.u64();
  const byte_count = s.u64();
  const duration_sec = s.u32();
  const duration_nsec = s.u32();
  const bucket_stats: BucketCounter[] = [];
  while (s.remaining > 0) bucket_stats.push({ packet_count: s.u64(), byte_count: s.u64() });
  return { group_id, ref_count, packet_count, byte_count, duration_sec, duration_nsec, bucket_stats };
}

export function encodeGroupStats(w: Writer, g: GroupStats): void {
  const start = w.off;
  w.u16(0); // length, patched below
  w.zeros(2);
  w.u32(g.group_id);
  w.u32(g.ref_count);
  w.zeros(4);
  w.u64(g.packet_count);
  w.u64(g.byte_count);
  w.u32(g.duration_sec);
  w.u32(g.duration_nsec);
  for (const c of g.bucket_stats) {
    w.u64(c.packet_count);
    w.u64(c.byte_count);
  }
  patchLength(w, start, 0, 'ofp_group_stats');
}

/** struct ofp_group_desc, 8 bytes + buckets. */
export function decodeGroupDesc(r: Reader): GroupDesc {
  const s = carveEntry(r, 0, Len.GROUP_DESC, 'ofp_group_desc');
  s.skip(2); // length
  const group_type = s.u8();
  s.skip(1);
  const group_id = s.u32();
  return { group_type, group_id, buckets: decodeBuckets(s) };
}

export function encodeGroupDesc(w: Writer, g: GroupDesc): void {
  const start = w.off;
  w.u16(0); // length, patched below
  w.u8(g.group_type);
  w.u8(0);
  w.u32(g.group_id);
  encodeBuckets(w, g.buckets);
  patchLength(w, start, 0, 'ofp_group_desc');
}

/** struct ofp_meter_stats, 40 bytes + 16 per band; its length is at offset 4. */
export function decodeMeterStats(r: Reader): MeterStats {
  const s = carveEntry(r, 4, Len.METER_STATS, 'ofp_meter_stats');
  if ((s.remaining - Len.METER_STATS) % Len.COUNTER !== 0) {
    throw r.error(`ofp_meter_stats length ${s.remaining} leaves a partial band counter`);
  }
  const meter_id = s.u32();
  s.skip(8); // len, pad
  const flow_count = s.u32();
  const packet_in_count = s.u64();
  const byte_in_count = s.u64();
  const duration_sec = s.u32();
  const duration_nsec = s.u32();
  const band_stats: MeterStats['band_stats'] = [];
  while (s.remaining > 0) band_stats.push({ packet_band_count: s.u64(), byte_band_count: s.u64() });
  return { meter_id, flow_count, packet_in_count, byte_in_count, duration_sec, duration_nsec, band_stats };
}

export function encodeMeterStats(w: Writer, m: MeterStats): void {
  const start = w.off;
  w.u32(m.meter_id);
  w.u16(0); // len, patched below
  w.zeros(6);
  w.u32(m.flow_count);
  w.u64(m.packet_in_count);
  w.u64(m.byte_in_count);
  w.u32(m.duration_sec);
  w.u32(m.duration_nsec);
  for (const b of m.band_stats) {
    w.u64(b.packet_band_count);
    w.u64(b.byte_band_count);
  }
  patchLength(w, start, 4, 'ofp_meter_stats');
}

/** struct ofp_meter_config, 8 bytes + bands. */
export function decodeMeterConfig(r: Reader): MeterConfig {
  const s = carveEntry(r, 0, Len.METER_CONFIG, 'ofp_meter_config');
  s.skip(2); // length
  const flags = s.u16();
  const meter_id = s.u32();
  return { flags, meter_id, bands: decodeMeterBands(s) };
}

export function encodeMeterConfig(w: Writer, m: MeterConfig): void {
  const start = w.off;
  w.u16(0); // length, patched below
  w.u16(m.flags);
  w.u32(m.meter_id);
  encodeMeterBands(w, m.bands);
  patchLength(w, start, 0, 'ofp_meter_config');
}
