/**
 * OFPMP_TABLE_FEATURES (OpenFlow 1.3.5 §7.3.5.5): describing each table's
 * capabilities, and reshaping the pipeline when a controller sends a
 * request with a body.
 *
 * Reading: one ofp_table_features per existing table with all fourteen
 * properties spelled out (the *_MISS ones too), so a controller sees
 * exactly what table-caps.ts enforces.
 *
 * Setting: §7.3.5.5.1 makes the request's list the new pipeline: the
 * listed tables get the listed capabilities and tables not listed cease to
 * exist. We accept any configuration that is a restriction of what we
 * implement, and refuse the rest with OFPET_TABLE_FEATURES_FAILED:
 * - table_id OFPTT_ALL, beyond our tables, or listed twice: OFPTFFC_BAD_TABLE;
 * - metadata_match/metadata_write wider than 64 bits cannot happen; none:
 *   OFPTFFC_BAD_METADATA is never needed;
 * - an experimenter property: OFPTFFC_BAD_TYPE (we understand none);
 * - a property twice, a required property missing (the *_MISS ones may be
 *   left out and then equal their regular twins), an instruction, action
 *   or field we do not implement, a mask on a field that takes none, a
 *   wildcard on a field the table does not match, a set-field on a
 *   non-header field, a next table that is not later or not in the new
 *   pipeline, a max_entries above our limit, config bits other than the
 *   deprecated ones: OFPTFFC_BAD_ARGUMENT.
 * Open vSwitch refuses every such request with OFPTFFC_EPERM; the spec
 * lets a switch accept what it can do, and we can do these.
 *
 * What happens to flow entries is up to the switch; we keep those of
 * tables whose capabilities did not change and remove the others (with
 * FLOW_REMOVED reason OFPRR_DELETE for those that asked for it), and any
 * kept entry whose goto-table target is gone. The Bridge applies that.
 */
import { OFPIT, OFPTC, OFPTFPT, OFPTT, OFPXMC } from '../openflow/constants.js';
import { OFPET, OFPTFFC, OfpError } from '../openflow/errors.js';
import { OXM_OFB_FIELDS, oxmFieldByCode } from '../openflow/oxm.js';
import type { FeatureId, OxmId, TableFeatureProp, TableFeatures } from '../openflow/types.js';
import {
  ALL_ACTIONS,
  ALL_INSTRUCTIONS,
  isSettable,
  MATCH_EXACT,
  MATCH_MASKED,
  MATCH_NO,
  matchesAll,
  N_FIELDS,
  type TableCaps,
} from './table-caps.js';

const NO_DATA = Buffer.alloc(0);

/** The TABLE_FEATURES entry for table `id`. */
export function describeTable(id: number, caps: TableCaps): TableFeatures {
  const ids = (bitmap: number): FeatureId[] => bits(bitmap).map((type) => ({ type, data: NO_DATA }));
  const tables = (flags: Uint8Array): number[] => [...flags.keys()].filter((t) => flags[t] === 1);
  const oxms = (flags: Uint8Array, masks: boolean): OxmId[] =>
    OXM_OFB_FIELDS.filter((f) => flags[f.code] !== 0).map((f) => {
      const hasmask = masks && flags[f.code] === MATCH_MASKED;
      return { oxm_class: OFPXMC.OPENFLOW_BASIC, oxm_field: f.code, hasmask, length: hasmask ? 2 * f.len : f.len };
    });
  const properties: TableFeatureProp[] = [
    { type: OFPTFPT.INSTRUCTIONS, instruction_ids: ids(caps.instructions[0]) },
    { type: OFPTFPT.INSTRUCTIONS_MISS, instruction_ids: ids(caps.instructions[1]) },
    { type: OFPTFPT.NEXT_TABLES, table_ids: tables(caps.nextTables[0]) },
    { type: OFPTFPT.NEXT_TABLES_MISS, table_ids: tables(caps.nextTables[1]) },
    { type: OFPTFPT.WRITE_ACTIONS, action_ids: ids(caps.writeActions[0]) },
    { type: OFPTFPT.WRITE_ACTIONS_MISS, action_ids: ids(caps.writeActions[1]) },
    { type: OFPTFPT.APPLY_ACTIONS, action_ids: ids(caps.applyActions[0]) },
    { type: OFPTFPT.APPLY_ACTIONS_MISS, action_ids: ids(caps.applyActions[1]) },
    { type: OFPTFPT.MATCH, oxm_ids: oxms(caps.match, true) },
    { type: OFPTFPT.WILDCARDS, oxm_ids: oxms(caps.wildcards, false) },
    { type: OFPTFPT.WRITE_SETFIELD, oxm_ids: oxms(caps.writeSetfield[0], false) },
    { type: OFPTFPT.WRITE_SETFIELD_MISS, oxm_ids: oxms(caps.writeSetfield[1], false) },
    { type: OFPTFPT.APPLY_SETFIELD, oxm_ids: oxms(caps.applySetfield[0], false) },
    { type: OFPTFPT.APPLY_SETFIELD_MISS, oxm_ids: oxms(caps.applySetfield[1], false) },
  ];
  return {
    table_id: id,
    name: caps.name,
    metadata_match: caps.metadataMatch,
    metadata_write: caps.metadataWrite,
    config: 0,
    max_entries: caps.maxEntries,
    properties,
  };
}

function bits(bitmap: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < 32; b++) if (((bitmap >>> b) & 1) === 1) out.push(b);
  return out;
}

const badArg = (detail: string): OfpError => new OfpError(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_ARGUMENT, detail);

/**
 * Checks a TABLE_FEATURES set request against what we implement; returns
 * the new pipeline's capabilities by table id, in id order.
 */
export function parseTableFeatures(list: readonly TableFeatures[], maxTables: number, maxEntries: number): Map<number, TableCaps> {
  const ids = new Set<number>();
  for (const tf of list) {
    if (tf.table_id === OFPTT.ALL || tf.table_id >= maxTables || ids.has(tf.table_id)) {
      throw new OfpError(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_TABLE, `table ${tf.table_id}`);
    }
    ids.add(tf.table_id);
  }
  const out = new Map<number, TableCaps>();
  for (const tf of [...list].sort((a, b) => a.table_id - b.table_id)) out.set(tf.table_id, parseOne(tf, ids, maxEntries));
  return out;
}

function parseOne(tf: TableFeatures, ids: ReadonlySet<number>, maxEntries: number): TableCaps {
  if (tf.max_entries > maxEntries) throw badArg(`table ${tf.table_id}: max_entries ${tf.max_entries} > ${maxEntries}`);
  if ((tf.config & ~OFPTC.DEPRECATED_MASK) !== 0) throw badArg(`table ${tf.table_id}: config 0x${tf.config.toString(16)}`);
  const props = new Map<OFPTFPT, TableFeatureProp>();
  for (const p of tf.properties) {
    if (p.type === OFPTFPT.EXPERIMENTER || p.type === OFPTFPT.EXPERIMENTER_MISS) {
      throw new OfpError(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_TYPE, 'experimenter table feature property');
    }
    if (props.has(p.type)) throw badArg(`table ${tf.table_id}: property ${p.type} twice`);
    props.set(p.type, p);
  }
  const get = <T extends TableFeatureProp>(type: OFPTFPT, miss?: OFPTFPT): T => {
    const p = props.get(type) ?? (miss !== undefined ? props.get(miss) : undefined);
    if (p === undefined) throw badArg(`table ${tf.table_id}: property ${type} missing`);
    return p as T;
  };
  type Ids = Extract<TableFeatureProp, { instruction_ids: FeatureId[] }>;
  type Acts = Extract<TableFeatureProp, { action_ids: FeatureId[] }>;
  type Next = Extract<TableFeatureProp, { table_ids: number[] }>;
  type Oxms = Extract<TableFeatureProp, { oxm_ids: OxmId[] }>;

  const instr = (p: Ids): number => bitmapOf(p.instruction_ids, ALL_INSTRUCTIONS, 'instruction');
  const acts = (p: Acts): number => bitmapOf(p.action_ids, ALL_ACTIONS, 'action');
  const next = (p: Next): Uint8Array => {
    const flags = new Uint8Array(256);
    for (const t of p.table_ids) {
      if (t <= tf.table_id || !ids.has(t)) throw badArg(`table ${tf.table_id}: next table ${t}`);
      flags[t] = 1;
    }
    return flags;
  };
  const instructions: [number, number] = [
    instr(get<Ids>(OFPTFPT.INSTRUCTIONS)),
    instr(get<Ids>(OFPTFPT.INSTRUCTIONS_MISS, OFPTFPT.INSTRUCTIONS)),
  ];
  const nextTables: [Uint8Array, Uint8Array] = [
    next(get<Next>(OFPTFPT.NEXT_TABLES)),
    next(get<Next>(OFPTFPT.NEXT_TABLES_MISS, OFPTFPT.NEXT_TABLES)),
  ];
  for (const k of [0, 1]) {
    if ((instructions[k]! & (1 << OFPIT.GOTO_TABLE)) !== 0 && !nextTables[k]!.includes(1)) {
      throw badArg(`table ${tf.table_id}: goto-table without next tables`);
    }
  }
  const match = fieldFlags(get<Oxms>(OFPTFPT.MATCH).oxm_ids, 'match');
  const wildcards = fieldFlags(get<Oxms>(OFPTFPT.WILDCARDS).oxm_ids, 'wildcards');
  for (let c = 0; c < N_FIELDS; c++) {
    if (wildcards[c] !== MATCH_NO && match[c] === MATCH_NO) throw badArg(`table ${tf.table_id}: wildcard on unmatched field ${c}`);
    if (wildcards[c] !== MATCH_NO) wildcards[c] = 1;
  }
  const setf = (type: OFPTFPT, miss?: OFPTFPT): Uint8Array => {
    const flags = fieldFlags(get<Oxms>(type, miss).oxm_ids, 'set-field');
    for (let c = 0; c < N_FIELDS; c++) {
      if (flags[c] === MATCH_NO) continue;
      if (flags[c] === MATCH_MASKED || !isSettable(oxmFieldByCode(c)!.name)) throw badArg(`set-field of field ${c}`);
      flags[c] = 1;
    }
    return flags;
  };
  return {
    name: tf.name,
    metadataMatch: tf.metadata_match,
    metadataWrite: tf.metadata_write,
    maxEntries: tf.max_entries,
    matchAll: matchesAll(match, wildcards, tf.metadata_match),
    instructions,
    nextTables,
    writeActions: [acts(get<Acts>(OFPTFPT.WRITE_ACTIONS)), acts(get<Acts>(OFPTFPT.WRITE_ACTIONS_MISS, OFPTFPT.WRITE_ACTIONS))],
    applyActions: [acts(get<Acts>(OFPTFPT.APPLY_ACTIONS)), acts(get<Acts>(OFPTFPT.APPLY_ACTIONS_MISS, OFPTFPT.APPLY_ACTIONS))],
    match,
    wildcards,
    writeSetfield: [setf(OFPTFPT.WRITE_SETFIELD), setf(OFPTFPT.WRITE_SETFIELD_MISS, OFPTFPT.WRITE_SETFIELD)],
    applySetfield: [setf(OFPTFPT.APPLY_SETFIELD), setf(OFPTFPT.APPLY_SETFIELD_MISS, OFPTFPT.APPLY_SETFIELD)],
  };
}

/** A bitmap of the listed types, each of which must be among `supported`. */
function bitmapOf(list: readonly FeatureId[], supported: number, what: string): number {
  let m = 0;
  for (const id of list) {
    if (id.type > 31 || ((supported >>> id.type) & 1) === 0 || id.data.length !== 0) throw badArg(`${what} ${id.type} is not supported`);
    m = (m | (1 << id.type)) >>> 0;
  }
  return m;
}

/** OXM ids → per field code MATCH_NO / MATCH_EXACT / MATCH_MASKED. */
function fieldFlags(list: readonly OxmId[], what: string): Uint8Array {
  const flags = new Uint8Array(N_FIELDS);
  for (const id of list) {
    const info = id.oxm_class === OFPXMC.OPENFLOW_BASIC ? oxmFieldByCode(id.oxm_field) : undefined;
    if (info === undefined) throw badArg(`${what}: OXM class 0x${id.oxm_class.toString(16)} field ${id.oxm_field}`);
    if (id.hasmask && !info.maskable) throw badArg(`${what}: ${info.name} takes no mask`);
    if (id.length !== (id.hasmask ? 2 * info.len : info.len)) throw badArg(`${what}: ${info.name} length ${id.length}`);
    flags[info.code] = id.hasmask ? MATCH_MASKED : Math.max(flags[info.code]!, MATCH_EXACT);
  }
  return flags;
}
