/**
 * struct ofp_table_features and its properties (OpenFlow 1.3.5 §7.3.5.5).
 *
 * A table-features body is a list of `ofp_table_features`, each a 64-byte
 * fixed part followed by TLV properties. Every property has a 4-byte
 * type/length header; its `length` counts the header and payload but not the
 * zero padding that rounds it up to 8 bytes. The payload depends on the type:
 *
 * - INSTRUCTIONS(_MISS), WRITE/APPLY_ACTIONS(_MISS): a list of instruction
 *   or action ids. Each id is a type/len header and, for experimenter ids,
 *   whatever follows it. Ids are not padded: Ryu and the Erlang encoder in
 *   our fixtures write 4 bytes per id; LoxiGen writes 8 for experimenter
 *   ids; Open vSwitch reads them "glommed together on byte boundaries".
 *   So each id's size comes from its own `len` (>= 4), and the bytes after
 *   the header are kept in `FeatureId.data`, which makes any input
 *   round-trip exactly.
 * - NEXT_TABLES(_MISS): one u8 table id per byte.
 * - MATCH, WILDCARDS, WRITE/APPLY_SETFIELD(_MISS): OXM headers, read by
 *   `decodeOxmIds` from oxm.ts.
 * - EXPERIMENTER(_MISS): experimenter, exp_type, then opaque data.
 *
 * Errors. A length problem (a struct or property length below its fixed
 * part, past its parent, not leaving room for its padding, a table-features
 * length not a multiple of 8) raises the error of the reader handed in, so
 * the caller chooses it by how it carves that reader:
 * - in a TABLE_FEATURES request, which asks the switch to set features,
 *   multipart.ts hands in a reader raising OFPET_TABLE_FEATURES_FAILED /
 *   OFPTFFC_BAD_LEN, the code the spec names for it;
 * - in a reply (which the switch only decodes for the CLI and tests) the
 *   body reader's own OFPET_BAD_REQUEST / OFPBRC_BAD_LEN applies, as for
 *   every other malformed multipart entry.
 * An unknown property type is OFPTFFC_BAD_TYPE either way: the decoded form
 * has no place for a property it cannot name, so it cannot be skipped
 * without breaking the round trip.
 *
 * Open vSwitch (lib/ofp-table.c, ofputil_decode_table_features) raises
 * OFPERR_OFPBPC_BAD_LEN, which it sends to OF1.3 peers as (13,3), i.e.
 * OFPTFFC_BAD_LEN, for both the struct length and property lengths, in
 * requests and replies alike; unknown properties (experimenter ones
 * included) are OFPBPC_BAD_TYPE, (13,2), unless it decodes "loosely" as a
 * controller. Semantic checks (table_id OFPTT_ALL, next-table ids >= 255,
 * unsupported fields) belong to ofproto, not to this decoder.
 */
import { OFPTFPT } from './constants.js';
import { OfpError, OFPET, OFPTFFC } from './errors.js';
import { decodeOxmIds, encodeOxmIds } from './oxm.js';
import type { Reader } from './reader.js';
import type { FeatureId, TableFeatureProp, TableFeatures } from './types.js';
import type { Writer } from './writer.js';

/** struct ofp_table_features without properties, 64 bytes. */
export const OFP_TABLE_FEATURES_LEN = 64;
/** struct ofp_table_feature_prop_header, 4 bytes. */
const PROP_HEADER_LEN = 4;
/** struct ofp_table_feature_prop_experimenter without data, 12 bytes. */
const PROP_EXPERIMENTER_LEN = 12;
/** An instruction or action id's type/len header, 4 bytes. */
const FEATURE_ID_HEADER_LEN = 4;

const pad8 = (n: number): number => (n + 7) & ~7;

/**
 * Decodes one struct ofp_table_features at `r` and moves past it. Its
 * length field is checked against the fixed part, 8-byte alignment and
 * `r`'s end before anything inside is read.
 */
export function decodeTableFeatures(r: Reader): TableFeatures {
  const length = r.peekU16();
  if (length < OFP_TABLE_FEATURES_LEN) throw r.error(`ofp_table_features length ${length} < 64`);
  if (length % 8 !== 0) throw r.error(`ofp_table_features length ${length} is not a multiple of 8`);
  if (length > r.remaining) throw r.error(`ofp_table_features length ${length} runs past the body (${r.remaining})`);
  const s = r.sub(length);
  s.skip(2); // length
  const table_id = s.u8();
  s.skip(5);
  const name = s.str(32);
  const metadata_match = s.u64();
  const metadata_write = s.u64();
  const config = s.u32();
  const max_entries = s.u32();
  const properties: TableFeatureProp[] = [];
  while (s.remaining > 0) properties.push(decodeProp(s));
  return { table_id, name, metadata_match, metadata_write, config, max_entries, properties };
}

/** Decodes the zero or more struct ofp_table_features that fill `r`. */
export function decodeTableFeaturesList(r: Reader): TableFeatures[] {
  const list: TableFeatures[] = [];
  while (r.remaining > 0) list.push(decodeTableFeatures(r));
  return list;
}

/** One property at `r`, padding included. */
function decodeProp(r: Reader): TableFeatureProp {
  r.need(PROP_HEADER_LEN, 'truncated table feature property header');
  const type = r.peekU16();
  const length = r.peekU16(2);
  if (length < PROP_HEADER_LEN) throw r.error(`table feature property length ${length} < 4`);
  if (pad8(length) > r.remaining) {
    throw r.error(`table feature property length ${length} (padded ${pad8(length)}) runs past its table (${r.remaining})`);
  }
  const p = r.sub(length);
  r.skip(pad8(length) - length);
  p.skip(PROP_HEADER_LEN);
  switch (type) {
    case OFPTFPT.INSTRUCTIONS:
    case OFPTFPT.INSTRUCTIONS_MISS:
      return { type, instruction_ids: decodeFeatureIds(p) };
    case OFPTFPT.NEXT_TABLES:
    case OFPTFPT.NEXT_TABLES_MISS:
      return { type, table_ids: [...p.rest()] };
    case OFPTFPT.WRITE_ACTIONS:
    case OFPTFPT.WRITE_ACTIONS_MISS:
    case OFPTFPT.APPLY_ACTIONS:
    case OFPTFPT.APPLY_ACTIONS_MISS:
      return { type, action_ids: decodeFeatureIds(p) };
    case OFPTFPT.MATCH:
    case OFPTFPT.WILDCARDS:
    case OFPTFPT.WRITE_SETFIELD:
    case OFPTFPT.WRITE_SETFIELD_MISS:
    case OFPTFPT.APPLY_SETFIELD:
    case OFPTFPT.APPLY_SETFIELD_MISS:
      return { type, oxm_ids: decodeOxmIds(p) };
    case OFPTFPT.EXPERIMENTER:
    case OFPTFPT.EXPERIMENTER_MISS:
      if (length < PROP_EXPERIMENTER_LEN) throw r.error(`experimenter table feature property length ${length} < 12`);
      return { type, experimenter: p.u32(), exp_type: p.u32(), data: p.rest() };
    default:
      throw new OfpError(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_TYPE, `unknown table feature property type ${type}`);
  }
}

/** Instruction or action ids filling `r`, each sized by its own len field. */
function decodeFeatureIds(r: Reader): FeatureId[] {
  const ids: FeatureId[] = [];
  while (r.remaining > 0) {
    r.need(FEATURE_ID_HEADER_LEN, `truncated instruction/action id (${r.remaining} bytes left)`);
    const type = r.u16();
    const len = r.u16();
    if (len < FEATURE_ID_HEADER_LEN) throw r.error(`instruction/action id length ${len} < 4`);
    r.need(len - FEATURE_ID_HEADER_LEN, `instruction/action id length ${len} runs past its property`);
    ids.push({ type, data: r.bytes(len - FEATURE_ID_HEADER_LEN) });
  }
  return ids;
}

/** Encodes one struct ofp_table_features; the inverse of decodeTableFeatures. */
export function encodeTableFeatures(w: Writer, tf: TableFeatures): void {
  const start = w.off;
  w.u16(0); // length, patched below
  w.u8(tf.table_id);
  w.zeros(5);
  w.str(tf.name, 32);
  w.u64(tf.metadata_match);
  w.u64(tf.metadata_write);
  w.u32(tf.config);
  w.u32(tf.max_entries);
  for (const p of tf.properties) encodeProp(w, p);
  const length = w.off - start;
  if (length > 0xffff) throw new OfpError(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN, `table ${tf.table_id} features need ${length} bytes`);
  w.patchU16(start, length);
}

function encodeProp(w: Writer, p: TableFeatureProp): void {
  const start = w.off;
  w.u16(p.type);
  w.u16(0); // length, patched below
  switch (p.type) {
    case OFPTFPT.INSTRUCTIONS:
    case OFPTFPT.INSTRUCTIONS_MISS:
      encodeFeatureIds(w, p.instruction_ids);
      break;
    case OFPTFPT.NEXT_TABLES:
    case OFPTFPT.NEXT_TABLES_MISS:
      for (const id of p.table_ids) w.u8(id);
      break;
    case OFPTFPT.WRITE_ACTIONS:
    case OFPTFPT.WRITE_ACTIONS_MISS:
    case OFPTFPT.APPLY_ACTIONS:
    case OFPTFPT.APPLY_ACTIONS_MISS:
      encodeFeatureIds(w, p.action_ids);
      break;
    case OFPTFPT.MATCH:
    case OFPTFPT.WILDCARDS:
    case OFPTFPT.WRITE_SETFIELD:
    case OFPTFPT.WRITE_SETFIELD_MISS:
    case OFPTFPT.APPLY_SETFIELD:
    case OFPTFPT.APPLY_SETFIELD_MISS:
      encodeOxmIds(w, p.oxm_ids);
      break;
    case OFPTFPT.EXPERIMENTER:
    case OFPTFPT.EXPERIMENTER_MISS:
      w.u32(p.experimenter);
      w.u32(p.exp_type);
      w.bytes(p.data);
      break;
    default: {
      const unknown: never = p;
      throw new OfpError(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_TYPE, `unknown table feature property type ${(unknown as TableFeatureProp).type}`);
    }
  }
  w.patchU16(start + 2, w.off - start);
  w.align8(start);
}

function encodeFeatureIds(w: Writer, ids: readonly FeatureId[]): void {
  for (const id of ids) {
    w.u16(id.type);
    w.u16(FEATURE_ID_HEADER_LEN + id.data.length);
    w.bytes(id.data);
  }
}
