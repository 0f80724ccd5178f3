/**
 * What one flow table accepts: the content of its OFPMP_TABLE_FEATURES
 * entry (OpenFlow 1.3.5 §7.3.5.5), held as bitsets that the flow-mod checks
 * can test in constant time.
 *
 * By default every table accepts everything the switch implements: all
 * six instruction types (goto-table only where a later table exists), all
 * sixteen OF1.3 action types in apply- and write-actions, all forty
 * OpenFlow-basic match fields (masks where Table 12 allows them), every
 * field wildcardable, and set-field on every header field. That is the
 * "full, truthful description" a TABLE_FEATURES request reads.
 *
 * A controller may narrow it with a TABLE_FEATURES request that carries a
 * body (see table-features.ts); the flow-mod checks then hold every new
 * flow entry to the narrowed capabilities with the spec's errors
 * (OFPBIC_UNSUP_INST, OFPBIC_BAD_TABLE_ID, OFPBAC_BAD_TYPE,
 * OFPBAC_BAD_SET_TYPE, OFPBMC_BAD_FIELD, OFPBMC_BAD_WILDCARDS, ...). The
 * *_MISS variants apply to the table-miss entry (priority 0, empty match).
 */
import { OFPAT, OFPIT } from '../openflow/constants.js';
import { OXM_OFB_FIELDS } from '../openflow/oxm.js';
import type { OxmName } from '../openflow/types.js';

/** Fields that are not packet headers, so set-field may not write them (OF1.3.5 §5.12.1), plus the exthdr pseudo-field. */
const NOT_SETTABLE: ReadonlySet<OxmName> = new Set<OxmName>(['in_port', 'in_phy_port', 'metadata', 'ipv6_exthdr']);

/** The OF1.3 action types we implement, as a bitmap over OFPAT values. */
export const ALL_ACTIONS: number = [
  OFPAT.OUTPUT,
  OFPAT.COPY_TTL_OUT,
  OFPAT.COPY_TTL_IN,
  OFPAT.SET_MPLS_TTL,
  OFPAT.DEC_MPLS_TTL,
  OFPAT.PUSH_VLAN,
  OFPAT.POP_VLAN,
  OFPAT.PUSH_MPLS,
  OFPAT.POP_MPLS,
  OFPAT.SET_QUEUE,
  OFPAT.GROUP,
  OFPAT.SET_NW_TTL,
  OFPAT.DEC_NW_TTL,
  OFPAT.SET_FIELD,
  OFPAT.PUSH_PBB,
  OFPAT.POP_PBB,
].reduce((m, t) => (m | (1 << t)) >>> 0, 0);

/** The instruction types we implement, as a bitmap over OFPIT values. */
export const ALL_INSTRUCTIONS: number = [
  OFPIT.GOTO_TABLE,
  OFPIT.WRITE_METADATA,
  OFPIT.WRITE_ACTIONS,
  OFPIT.APPLY_ACTIONS,
  OFPIT.CLEAR_ACTIONS,
  OFPIT.METER,
].reduce((m, t) => m | (1 << t), 0);

export const N_FIELDS = OXM_OFB_FIELDS.length;

/** Per OFPXMT_OFB_* code: MATCH_NO, MATCH_EXACT or MATCH_MASKED. */
export const MATCH_NO = 0;
export const MATCH_EXACT = 1;
export const MATCH_MASKED = 2;

/** One table's capabilities. Instances are never mutated once built. */
export interface TableCaps {
  readonly name: string;
  readonly metadataMatch: bigint;
  readonly metadataWrite: bigint;
  readonly maxEntries: number;
  /** True when `match`, `wildcards` and `metadataMatch` restrict nothing: flow mods then skip those checks. */
  readonly matchAll: boolean;
  /** Bitmaps over OFPIT; [regular, table-miss]. */
  readonly instructions: readonly [number, number];
  /** 256 flags each: next_tables and next_tables_miss. */
  readonly nextTables: readonly [Uint8Array, Uint8Array];
  /** Bitmaps over OFPAT. */
  readonly writeActions: readonly [number, number];
  readonly applyActions: readonly [number, number];
  /** Per field code: MATCH_NO / MATCH_EXACT / MATCH_MASKED. */
  readonly match: Uint8Array;
  /** Per field code: 1 if the field may be omitted or partly masked. */
  readonly wildcards: Uint8Array;
  /** Per field code: 1 if set-field may write it. */
  readonly writeSetfield: readonly [Uint8Array, Uint8Array];
  readonly applySetfield: readonly [Uint8Array, Uint8Array];
}

/** Everything we implement, for table `tableId` of a pipeline whose last table is `lastTable`. */
export function defaultCaps(tableId: number, lastTable: number, maxEntries: number): TableCaps {
  const next = new Uint8Array(256);
  for (let t = tableId + 1; t <= lastTable; t++) next[t] = 1;
  const match = new Uint8Array(N_FIELDS);
  const wildcards = new Uint8Array(N_FIELDS).fill(1);
  const settable = new Uint8Array(N_FIELDS);
  for (const f of OXM_OFB_FIELDS) {
    match[f.code] = f.maskable ? MATCH_MASKED : MATCH_EXACT;
    settable[f.code] = NOT_SETTABLE.has(f.name) ? 0 : 1;
  }
  const instructions = tableId < lastTable ? ALL_INSTRUCTIONS : ALL_INSTRUCTIONS & ~(1 << OFPIT.GOTO_TABLE);
  return {
    name: `table${tableId}`,
    metadataMatch: 0xffffffffffffffffn,
    metadataWrite: 0xffffffffffffffffn,
    maxEntries,
    matchAll: true,
    instructions: [instructions, instructions],
    nextTables: [next, next],
    writeActions: [ALL_ACTIONS, ALL_ACTIONS],
    applyActions: [ALL_ACTIONS, ALL_ACTIONS],
    match,
    wildcards,
    writeSetfield: [settable, settable],
    applySetfield: [settable, settable],
  };
}

/** Whether match capabilities restrict nothing (see TableCaps.matchAll). */
export function matchesAll(match: Uint8Array, wildcards: Uint8Array, metadataMatch: bigint): boolean {
  return (
    metadataMatch === 0xffffffffffffffffn &&
    OXM_OFB_FIELDS.every((f) => match[f.code] === (f.maskable ? MATCH_MASKED : MATCH_EXACT) && wildcards[f.code] === 1)
  );
}

/** Whether set-field may ever write `field` (a header field, §5.12.1). */
export function isSettable(field: OxmName): boolean {
  return !NOT_SETTABLE.has(field);
}

/** Whether two capability sets describe the same table. */
export function sameCaps(a: TableCaps, b: TableCaps): boolean {
  const eqBytes = (x: Uint8Array, y: Uint8Array): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  const eqPair = <T>(x: readonly [T, T], y: readonly [T, T], eq: (p: T, q: T) => boolean): boolean =>
    eq(x[0], y[0]) && eq(x[1], y[1]);
  const eqNum = (p: number, q: number): boolean => p === q;
  return (
    a.name === b.name &&
    a.metadataMatch === b.metadataMatch &&
    a.metadataWrite === b.metadataWrite &&
    a.maxEntries === b.maxEntries &&
    eqPair(a.instructions, b.instructions, eqNum) &&
    eqPair(a.nextTables, b.nextTables, eqBytes) &&
    eqPair(a.writeActions, b.writeActions, eqNum) &&
    eqPair(a.applyActions, b.applyActions, eqNum) &&
    eqBytes(a.match, b.match) &&
    eqBytes(a.wildcards, b.wildcards) &&
    eqPair(a.writeSetfield, b.writeSetfield, eqBytes) &&
    eqPair(a.applySetfield, b.applySetfield, eqBytes)
  );
}
