/**
 * Multipart (statistics) bodies: OFPT_MULTIPART_REQUEST and _REPLY after
 * their 16-byte header (OpenFlow 1.3.5 §7.3.5).
 *
 * The framer reads the header (type, flags) and hands us a reader spanning
 * exactly the body; we never see the header, so one decoder serves every
 * part of a REPLY_MORE / REQ_MORE sequence. The body's shape depends on the
 * multipart type:
 * - a fixed struct (DESC, AGGREGATE, GROUP_FEATURES, METER_FEATURES, the
 *   request selectors): the body must be exactly its size;
 * - an array of fixed-size entries (TABLE, PORT_STATS, QUEUE, PORT_DESC):
 *   the body must be a whole number of entries;
 * - an array of entries that carry their own length (FLOW, GROUP,
 *   GROUP_DESC, METER, METER_CONFIG, TABLE_FEATURES): each length is checked
 *   against the entry's fixed part and the body's end before a child reader
 *   is carved for it, and whatever the entry's fixed fields and match leave
 *   belongs to its variable tail (instructions, buckets, bands, counters).
 * Any size problem raises the body reader's error, OFPBRC_BAD_LEN unless the
 * caller carved it otherwise, except in a TABLE_FEATURES request, which
 * sets features and gets the spec's OFPTFFC_BAD_LEN (see table-features.ts);
 * an unknown type is OFPBRC_BAD_MULTIPART.
 * Nested lists raise their own codes (OFPBMC_*, OFPBIC_*, ... from oxm.ts,
 * instructions.ts, structs.ts; OFPTFFC_* from table-features.ts).
 *
 * Encoders write only the body and are the exact inverse of the decoders:
 * pads are zeros, lengths are back-patched. Replies can outgrow one message,
 * so `splitMultipartReply` encodes a reply once and cuts the bytes at entry
 * boundaries into bodies that each fit a message (see there).
 */
import { DESC_STR_LEN, OFP_MAX_MESSAGE_LEN, OFPMP, SERIAL_NUM_LEN } from './constants.js';
import { badLen, OfpError, OFPBIC, OFPBRC, OFPET, OFPTFFC } from './errors.js';
import { decodeInstructions, encodeInstructions } from './instructions.js';
import { decodeMatch, encodeMatch } from './oxm.js';
import type { Reader } from './reader.js';
import { decodeBuckets, decodeMeterBands, decodePort, encodeBuckets, encodeMeterBands, encodePort } from './structs.js';
import { decodeTableFeaturesList, encodeTableFeatures } from './table-features.js';
import type {
  AggregateStats,
  BucketCounter,
  DescStats,
  ExperimenterMultipart,
  FlowStats,
  FlowStatsRequest,
  GroupDesc,
  GroupFeatures,
  GroupStats,
  MeterConfig,
  MeterFeatures,
  MeterStats,
  MultipartReplyBody,
  MultipartRequestBody,
  PortStats,
  QueueStats,
  TableStats,
} from './types.js';
import type { Writer } from './writer.js';

/** struct ofp_multipart_request / ofp_multipart_reply without body, 16 bytes. */
export const OFP_MULTIPART_HEADER_LEN = 16;

/** Sizes of the fixed structs and fixed parts (the spec's OFP_ASSERTs). */
const enum Len {
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

/* ------------------------------------------------------------ requests */

/** Decodes the body of a MULTIPART_REQUEST of type `mp_type`; `r` spans exactly the body. */
export function decodeMultipartRequestBody(mp_type: number, r: Reader): MultipartRequestBody {
  switch (mp_type) {
    case OFPMP.DESC:
    case OFPMP.TABLE:
    case OFPMP.GROUP_DESC:
    case OFPMP.GROUP_FEATURES:
    case OFPMP.METER_FEATURES:
    case OFPMP.PORT_DESC:
      expectLen(r, 0, mp_type);
      return { mp_type };
    case OFPMP.FLOW:
    case OFPMP.AGGREGATE: {
      r.need(Len.FLOW_STATS_REQUEST, `ofp_flow_stats_request of ${r.remaining} bytes < ${Len.FLOW_STATS_REQUEST}`);
      const table_id = r.u8();
      r.skip(3);
      const out_port = r.u32();
      const out_group = r.u32();
      r.skip(4);
      const cookie = r.u64();
      const cookie_mask = r.u64();
      const match = decodeMatch(r);
      expectEnd(r, 'ofp_flow_stats_request');
      return { mp_type, body: { table_id, out_port, out_group, cookie, cookie_mask, match } };
    }
    case OFPMP.PORT_STATS: {
      expectLen(r, Len.SELECTOR, mp_type);
      const port_no = r.u32();
      r.skip(4);
      return { mp_type, body: { port_no } };
    }
    case OFPMP.QUEUE:
      expectLen(r, Len.SELECTOR, mp_type);
      return { mp_type, body: { port_no: r.u32(), queue_id: r.u32() } };
    case OFPMP.GROUP: {
      expectLen(r, Len.SELECTOR, mp_type);
      const group_id = r.u32();
      r.skip(4);
      return { mp_type, body: { group_id } };
    }
    case OFPMP.METER:
    case OFPMP.METER_CONFIG: {
      expectLen(r, Len.SELECTOR, mp_type);
      const meter_id = r.u32();
      r.skip(4);
      return { mp_type, body: { meter_id } };
    }
    case OFPMP.TABLE_FEATURES:
      // A request sets the tables' features: its length problems are the
      // spec's OFPTFFC_BAD_LEN (see table-features.ts).
      return {
        mp_type,
        body: decodeTableFeaturesList(r.sub(r.remaining, OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN)),
      };
    case OFPMP.EXPERIMENTER:
      return { mp_type, body: decodeExperimenter(r) };
    default:
      throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, `unknown multipart request type ${mp_type}`);
  }
}

/** Encodes the body of a MULTIPART_REQUEST; the caller writes the header from `b.mp_type`. */
export function encodeMultipartRequestBody(w: Writer, b: MultipartRequestBody): void {
  switch (b.mp_type) {
    case OFPMP.DESC:
    case OFPMP.TABLE:
    case OFPMP.GROUP_DESC:
    case OFPMP.GROUP_FEATURES:
    case OFPMP.METER_FEATURES:
    case OFPMP.PORT_DESC:
      return;
    case OFPMP.FLOW:
    case OFPMP.AGGREGATE:
      encodeFlowStatsRequest(w, b.body);
      return;
    case OFPMP.PORT_STATS:
      w.u32(b.body.port_no);
      w.zeros(4);
      return;
    case OFPMP.QUEUE:
      w.u32(b.body.port_no);
      w.u32(b.body.queue_id);
      return;
    case OFPMP.GROUP:
      w.u32(b.body.group_id);
      w.zeros(4);
      return;
    case OFPMP.METER:
    case OFPMP.METER_CONFIG:
      w.u32(b.body.meter_id);
      w.zeros(4);
      return;
    case OFPMP.TABLE_FEATURES:
      for (const tf of b.body) encodeTableFeatures(w, tf);
      return;
    case OFPMP.EXPERIMENTER:
      encodeExperimenter(w, b.body);
      return;
    default: {
      const unknown: never = b;
      throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, `unknown multipart type ${(unknown as MultipartRequestBody).mp_type}`);
    }
  }
}

/** struct ofp_flow_stats_request (also ofp_aggregate_stats_request), 32 bytes + match. */
function encodeFlowStatsRequest(w: Writer, q: FlowStatsRequest): void {
  w.u8(q.table_id);
  w.zeros(3);
  w.u32(q.out_port);
  w.u32(q.out_group);
  w.zeros(4);
  w.u64(q.cookie);
  w.u64(q.cookie_mask);
  encodeMatch(w, q.match);
}

/* -------------------------------------------------------------- replies */

/** Decodes the body of a MULTIPART_REPLY of type `mp_type`; `r` spans exactly the body. */
export function decodeMultipartReplyBody(mp_type: number, r: Reader): MultipartReplyBody {
  switch (mp_type) {
    case OFPMP.DESC:
      expectLen(r, Len.DESC, mp_type);
      return { mp_type, body: decodeDesc(r) };
    case OFPMP.FLOW:
      return { mp_type, body: decodeEntries(r, decodeFlowStats) };
    case OFPMP.AGGREGATE:
      expectLen(r, Len.AGGREGATE, mp_type);
      return { mp_type, body: decodeAggregate(r) };
    case OFPMP.TABLE:
      return { mp_type, body: decodeFixedEntries(r, Len.TABLE_STATS, mp_type, decodeTableStats) };
    case OFPMP.PORT_STATS:
      return { mp_type, body: decodeFixedEntries(r, Len.PORT_STATS, mp_type, decodePortStats) };
    case OFPMP.QUEUE:
      return { mp_type, body: decodeFixedEntries(r, Len.QUEUE_STATS, mp_type, decodeQueueStats) };
    case OFPMP.GROUP:
      return { mp_type, body: decodeEntries(r, decodeGroupStats) };
    case OFPMP.GROUP_DESC:
      return { mp_type, body: decodeEntries(r, decodeGroupDesc) };
    case OFPMP.GROUP_FEATURES:
      expectLen(r, Len.GROUP_FEATURES, mp_type);
      return { mp_type, body: decodeGroupFeatures(r) };
    case OFPMP.METER:
      return { mp_type, body: decodeEntries(r, decodeMeterStats) };
    case OFPMP.METER_CONFIG:
      return { mp_type, body: decodeEntries(r, decodeMeterConfig) };
    case OFPMP.METER_FEATURES:
      expectLen(r, Len.METER_FEATURES, mp_type);
      return { mp_type, body: decodeMeterFeatures(r) };
    case OFPMP.TABLE_FEATURES:
      return { mp_type, body: decodeTableFeaturesList(r) };
    case OFPMP.PORT_DESC:
      return { mp_type, body: decodeFixedEntries(r, Len.PORT, mp_type, decodePort) };
    case OFPMP.EXPERIMENTER:
      return { mp_type, body: decodeExperimenter(r) };
    default:
      throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, `unknown multipart reply type ${mp_type}`);
  }
}

/** Encodes the body of a MULTIPART_REPLY; the caller writes the header from `b.mp_type`. */
export function encodeMultipartReplyBody(w: Writer, b: MultipartReplyBody): void {
  encodeReplyBody(w, b, null);
}

/**
 * Writes `b`'s body. If `ends` is given, pushes the offset in `w` where each
 * entry ends (once, at the end, for a body that is a single struct), which
 * is where `splitMultipartReply` may cut.
 */
function encodeReplyBody(w: Writer, b: MultipartReplyBody, ends: number[] | null): void {
  switch (b.mp_type) {
    case OFPMP.DESC:
      encodeDesc(w, b.body);
      break;
    case OFPMP.FLOW:
      encodeEntries(w, b.body, encodeFlowStats, ends);
      return;
    case OFPMP.AGGREGATE:
      encodeAggregate(w, b.body);
      break;
    case OFPMP.TABLE:
      encodeEntries(w, b.body, encodeTableStats, ends);
      return;
    case OFPMP.PORT_STATS:
      encodeEntries(w, b.body, encodePortStats, ends);
      return;
    case OFPMP.QUEUE:
      encodeEntries(w, b.body, encodeQueueStats, ends);
      return;
    case OFPMP.GROUP:
      encodeEntries(w, b.body, encodeGroupStats, ends);
      return;
    case OFPMP.GROUP_DESC:
      encodeEntries(w, b.body, encodeGroupDesc, ends);
      return;
    case OFPMP.GROUP_FEATURES:
      encodeGroupFeatures(w, b.body);
      break;
    case OFPMP.METER:
      encodeEntries(w, b.body, encodeMeterStats, ends);
      return;
    case OFPMP.METER_CONFIG:
      encodeEntries(w, b.body, encodeMeterConfig, ends);
      return;
    case OFPMP.METER_FEATURES:
      encodeMeterFeatures(w, b.body);
      break;
    case OFPMP.TABLE_FEATURES:
      encodeEntries(w, b.body, encodeTableFeatures, ends);
      return;
    case OFPMP.PORT_DESC:
      encodeEntries(w, b.body, encodePort, ends);
      return;
    case OFPMP.EXPERIMENTER:
      encodeExperimenter(w, b.body);
      break;
    default: {
      const unknown: never = b;
      throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, `unknown multipart type ${(unknown as MultipartReplyBody).mp_type}`);
    }
  }
  ends?.push(w.off); // a single struct: one uncuttable piece
}

/**
 * Encodes reply `b` into `w` once and cuts its body at entry boundaries into
 * pieces that each fit, with the 16-byte multipart header, in `maxBytes`
 * (capped at 65,535, the most ofp_header.length can say).
 *
 * The contract:
 * - Returns one body per message to send, in order; the caller writes each
 *   with the request's xid and `b.mp_type`, and sets OFPMPF_REPLY_MORE on all
 *   but the last. An empty array gives one empty body (a reply is owed
 *   even when there is nothing to report). A body that is a single struct
 *   (DESC, AGGREGATE, ...) is one piece.
 * - Pieces are views into `w.buf`, starting at the `w.off` it had on entry:
 *   valid until `w` is written to or reset again. Nothing is encoded twice
 *   and nothing copied.
 * - Pieces are filled greedily in entry order, so concatenated they are
 *   exactly `encodeMultipartReplyBody(b)`.
 * - An entry too big for a message on its own raises OFPBRC_BAD_LEN.
 *
 * Open vSwitch does the same (ofpmp_reserve / ofpmp_postappend in
 * lib/ofp-msgs.c): it starts a new part when a part would pass UINT16_MAX
 * bytes, header included, so its parts come up to the spec's own limit.
 */
export function splitMultipartReply(w: Writer, b: MultipartReplyBody, maxBytes: number = OFP_MAX_MESSAGE_LEN): Buffer[] {
  const maxBody = Math.min(maxBytes, OFP_MAX_MESSAGE_LEN) - OFP_MULTIPART_HEADER_LEN;
  const start = w.off;
  const ends: number[] = [];
  encodeReplyBody(w, b, ends);
  // Cut only once everything is written: growing `w` replaces `w.buf`.
  const pieces: Buffer[] = [];
  let pieceStart = start;
  let prev = start;
  for (const end of ends) {
    if (end - prev > maxBody) {
      throw badLen(`a multipart type ${b.mp_type} entry of ${end - prev} bytes cannot fit in a ${maxBytes}-byte message`);
    }
    if (end - pieceStart > maxBody) {
      pieces.push(w.buf.subarray(pieceStart, prev));
      pieceStart = prev;
    }
    prev = end;
  }
  pieces.push(w.buf.subarray(pieceStart, w.off));
  return pieces;
}

/* ------------------------------------------------------ entry plumbing */

/** The body must be exactly `n` bytes. */
function expectLen(r: Reader, n: number, mp_type: number): void {
  if (r.remaining !== n) throw r.error(`multipart type ${mp_type} body is ${r.remaining} bytes, expected ${n}`);
}

function expectEnd(r: Reader, what: string): void {
  if (r.remaining !== 0) throw r.error(`${r.remaining} bytes after ${what}`);
}

/** Entries of `size` bytes each, filling `r`. */
function decodeFixedEntries<T>(r: Reader, size: number, mp_type: number, decode: (r: Reader) => T): T[] {
  if (r.remaining % size !== 0) {
    throw r.error(`multipart type ${mp_type} body of ${r.remaining} bytes is not a whole number of ${size}-byte entries`);
  }
  const list: T[] = [];
  while (r.remaining > 0) list.push(decode(r));
  return list;
}

/** Self-measuring entries filling `r`; each `decode` carves its own entry. */
function decodeEntries<T>(r: Reader, decode: (r: Reader) => T): T[] {
  const list: T[] = [];
  while (r.remaining > 0) list.push(decode(r));
  return list;
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

function encodeEntries<T>(w: Writer, list: readonly T[], encode: (w: Writer, x: T) => void, ends: number[] | null): void {
  for (const x of list) {
    encode(w, x);
    ends?.push(w.off);
  }
}

/** Patches the u16 length `lenAt` bytes into the entry written from `start`. */
function patchLength(w: Writer, start: number, lenAt: number, what: string): void {
  const length = w.off - start;
  if (length > 0xffff) throw badLen(`${what} of ${length} bytes does not fit its 16-bit length`);
  w.patchU16(start + lenAt, length);
}

/* ------------------------------------------------------- fixed structs */

/** struct ofp_desc, 1056 bytes. */
function decodeDesc(r: Reader): DescStats {
  return {
    mfr_desc: r.str(DESC_STR_LEN),
    hw_desc: r.str(DESC_STR_LEN),
    sw_desc: r.str(DESC_STR_LEN),
    serial_num: r.str(SERIAL_NUM_LEN),
    dp_desc: r.str(DESC_STR_LEN),
  };
}

function encodeDesc(w: Writer, d: DescStats): void {
  w.str(d.mfr_desc, DESC_STR_LEN);
  w.str(d.hw_desc, DESC_STR_LEN);
  w.str(d.sw_desc, DESC_STR_LEN);
  w.str(d.serial_num, SERIAL_NUM_LEN);
  w.str(d.dp_desc, DESC_STR_LEN);
}

/** struct ofp_aggregate_stats_reply, 24 bytes. */
function decodeAggregate(r: Reader): AggregateStats {
  const packet_count = r.u64();
  const byte_count = r.u64();
  const flow_count = r.u32();
  r.skip(4);
  return { packet_count, byte_count, flow_count };
}

function encodeAggregate(w: Writer, a: AggregateStats): void {
  w.u64(a.packet_count);
  w.u64(a.byte_count);
  w.u32(a.flow_count);
  w.zeros(4);
}

/** struct ofp_table_stats, 24 bytes. */
function decodeTableStats(r: Reader): TableStats {
  const table_id = r.u8();
  r.skip(3);
  return { table_id, active_count: r.u32(), lookup_count: r.u64(), matched_count: r.u64() };
}

function encodeTableStats(w: Writer, t: TableStats): void {
  w.u8(t.table_id);
  w.zeros(3);
  w.u32(t.active_count);
  w.u64(t.lookup_count);
  w.u64(t.matched_count);
}

/** struct ofp_port_stats, 112 bytes. */
function decodePortStats(r: Reader): PortStats {
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

function encodePortStats(w: Writer, p: PortStats): void {
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
function decodeQueueStats(r: Reader): QueueStats {
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

function encodeQueueStats(w: Writer, q: QueueStats): void {
  w.u32(q.port_no);
  w.u32(q.queue_id);
  w.u64(q.tx_bytes);
  w.u64(q.tx_packets);
  w.u64(q.tx_errors);
  w.u32(q.duration_sec);
  w.u32(q.duration_nsec);
}

/** struct ofp_group_features, 40 bytes. */
function decodeGroupFeatures(r: Reader): GroupFeatures {
  return {
    types: r.u32(),
    capabilities: r.u32(),
    max_groups: [r.u32(), r.u32(), r.u32(), r.u32()],
    actions: [r.u32(), r.u32(), r.u32(), r.u32()],
  };
}

function encodeGroupFeatures(w: Writer, g: GroupFeatures): void {
  w.u32(g.types);
  w.u32(g.capabilities);
  for (const n of g.max_groups) w.u32(n);
  for (const n of g.actions) w.u32(n);
}

/** struct ofp_meter_features, 16 bytes. */
function decodeMeterFeatures(r: Reader): MeterFeatures {
  const f = { max_meter: r.u32(), band_types: r.u32(), capabilities: r.u32(), max_bands: r.u8(), max_color: r.u8() };
  r.skip(2);
  return f;
}

function encodeMeterFeatures(w: Writer, m: MeterFeatures): void {
  w.u32(m.max_meter);
  w.u32(m.band_types);
  w.u32(m.capabilities);
  w.u8(m.max_bands);
  w.u8(m.max_color);
  w.zeros(2);
}

/** struct ofp_experimenter_multipart_header, 8 bytes + data. */
function decodeExperimenter(r: Reader): ExperimenterMultipart {
  r.need(Len.EXPERIMENTER, `experimenter multipart body of ${r.remaining} bytes < 8`);
  return { experimenter: r.u32(), exp_type: r.u32(), data: r.rest() };
}

function encodeExperimenter(w: Writer, e: ExperimenterMultipart): void {
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
function decodeGroupStats(r: Reader): GroupStats {
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

function encodeGroupStats(w: Writer, g: GroupStats): void {
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
function decodeGroupDesc(r: Reader): GroupDesc {
  const s = carveEntry(r, 0, Len.GROUP_DESC, 'ofp_group_desc');
  s.skip(2); // length
  const group_type = s.u8();
  s.skip(1);
  const group_id = s.u32();
  return { group_type, group_id, buckets: decodeBuckets(s) };
}

function encodeGroupDesc(w: Writer, g: GroupDesc): void {
  const start = w.off;
  w.u16(0); // length, patched below
  w.u8(g.group_type);
  w.u8(0);
  w.u32(g.group_id);
  encodeBuckets(w, g.buckets);
  patchLength(w, start, 0, 'ofp_group_desc');
}

/** struct ofp_meter_stats, 40 bytes + 16 per band; its length is at offset 4. */
function decodeMeterStats(r: Reader): MeterStats {
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

function encodeMeterStats(w: Writer, m: MeterStats): void {
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
function decodeMeterConfig(r: Reader): MeterConfig {
  const s = carveEntry(r, 0, Len.METER_CONFIG, 'ofp_meter_config');
  s.skip(2); // length
  const flags = s.u16();
  const meter_id = s.u32();
  return { flags, meter_id, bands: decodeMeterBands(s) };
}

function encodeMeterConfig(w: Writer, m: MeterConfig): void {
  const start = w.off;
  w.u16(0); // length, patched below
  w.u16(m.flags);
  w.u32(m.meter_id);
  encodeMeterBands(w, m.bands);
  patchLength(w, start, 0, 'ofp_meter_config');
}
