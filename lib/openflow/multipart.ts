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
import { OFP_MAX_MESSAGE_LEN, OFPMP } from './constants.js';
import { badLen, OfpError, OFPBRC, OFPET, OFPTFFC } from './errors.js';
import { decodeMatch, encodeMatch } from './oxm.js';
import type { Reader } from './reader.js';
import { decodePort, encodePort } from './structs.js';
import { decodeTableFeaturesList, encodeTableFeatures } from './table-features.js';
import type { FlowStatsRequest, MultipartReplyBody, MultipartRequestBody } from './types.js';
import type { Writer } from './writer.js';
import {
  decodeAggregate,
  decodeDesc,
  decodeExperimenter,
  decodeFlowStats,
  decodeGroupDesc,
  decodeGroupFeatures,
  decodeGroupStats,
  decodeMeterConfig,
  decodeMeterFeatures,
  decodeMeterStats,
  decodePortStats,
  decodeQueueStats,
  decodeTableStats,
  encodeAggregate,
  encodeDesc,
  encodeExperimenter,
  encodeFlowStats,
  encodeGroupDesc,
  encodeGroupFeatures,
  encodeGroupStats,
  encodeMeterConfig,
  encodeMeterFeatures,
  encodeMeterStats,
  encodePortStats,
  encodeQueueStats,
  encodeTableStats,
  Len,
} from './stats.js';

export { decodeFlowStats, encodeFlowStats };

/** struct ofp_multipart_request / ofp_multipart_reply without body, 16 bytes. */
export const OFP_MULTIPART_HEADER_LEN = 16;


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


function encodeEntries<T>(w: Writer, list: readonly T[], encode: (w: Writer, x: T) => void, ends: number[] | null): void {
  for (const x of list) {
    encode(w, x);
    ends?.push(w.off);
  }
}
