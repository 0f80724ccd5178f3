/**
 * Matches, instruction lists and action lists cut out of Ryu's binary OF1.3
 * fixtures (../shared/fixtures/ryu/packet-data-of13), each paired with Ryu's
 * own decoding of it from the matching JSON file (json-of13).
 *
 * The unit tests of the OXM, action and instruction codecs use these as
 * independent expected values: the bytes were written by three other
 * encoders (Erlang of_protocol, Open vSwitch's libofproto, ovs-ofctl) and
 * the JSON is Ryu's parse of them. The cutting itself only follows fixed
 * struct offsets and the length fields in the bytes; it never calls the
 * codec under test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED } from './paths.js';

export const RYU_PACKETS = join(SHARED, 'fixtures', 'ryu', 'packet-data-of13');
export const RYU_JSON = join(SHARED, 'fixtures', 'ryu', 'json-of13');

/** A JSON object as Ryu writes it. */
export type Json = Record<string, unknown>;

export interface Fragment {
  /** "4-2-ofp_flow_mod.packet: instructions" */
  name: string;
  kind: 'match' | 'instructions' | 'actions';
  /** The fragment's bytes; a match includes its padding to 8. */
  bytes: Buffer;
  /** Ryu's decoding: the OXMTlv list for a match, else the list of {Class: {...}}. */
  json: Json[];
}

/** Ryu writes every object as { ClassName: body }; this returns [ClassName, body]. */
export function unwrap(o: unknown): [string, Json] {
  const k = Object.keys(o as Json)[0]!;
  return [k, (o as Json)[k] as Json];
}

const u16 = (b: Buffer, at: number): number => b.readUInt16BE(at);
const pad8 = (n: number): number => (n + 7) & ~7;

function matchAt(b: Buffer, at: number): number {
  return pad8(u16(b, at + 2));
}

function oxmFields(match: unknown): Json[] {
  return (unwrap(match)[1].oxm_fields as Json[]).map((f) => unwrap(f)[1]);
}

/** All fragments of all Ryu fixtures that carry matches, instructions or actions. */
export function ryuFragments(): Fragment[] {
  const out: Fragment[] = [];
  for (const file of readdirSync(RYU_PACKETS).filter((f) => f.endsWith('.packet')).sort()) {
    const b = readFileSync(join(RYU_PACKETS, file));
    const [cls, j] = unwrap(JSON.parse(readFileSync(join(RYU_JSON, `${file}.json`), 'utf8')));
    const add = (kind: Fragment['kind'], what: string, start: number, end: number, json: Json[]): void => {
      out.push({ name: `${file}: ${what}`, kind, bytes: b.subarray(start, end), json });
    };
    const type = b[1]!;
    const mp = type === 18 || type === 19 ? u16(b, 8) : -1;

    if (cls === 'OFPFlowMod' && type === 14) {
      // struct ofp_flow_mod: 48 bytes, then the match, then instructions.
      const m = matchAt(b, 48);
      add('match', 'match', 48, 48 + m, oxmFields(j.match));
      add('instructions', 'instructions', 48 + m, b.length, j.instructions as Json[]);
    } else if (cls === 'OFPPacketIn' && type === 10) {
      // struct ofp_packet_in: 24 bytes, then the match.
      add('match', 'match', 24, 24 + matchAt(b, 24), oxmFields(j.match));
    } else if (cls === 'OFPFlowRemoved' && type === 11) {
      // struct ofp_flow_removed: 48 bytes, then the match.
      add('match', 'match', 48, 48 + matchAt(b, 48), oxmFields(j.match));
    } else if ((cls === 'OFPFlowStatsRequest' || cls === 'OFPAggregateStatsRequest') && (mp === 1 || mp === 2)) {
      // multipart header 16 + struct ofp_flow_stats_request 32, then the match.
      add('match', 'match', 48, 48 + matchAt(b, 48), oxmFields(j.match));
    } else if (cls === 'OFPPacketOut' && type === 13) {
      // struct ofp_packet_out: 24 bytes with actions_len at 16.
      add('actions', 'actions', 24, 24 + u16(b, 16), j.actions as Json[]);
    } else if (cls === 'OFPGroupMod' && type === 15) {
      // struct ofp_group_mod: 16 bytes, then buckets.
      buckets(b, 16, b.length, j.buckets as Json[], (i, s, e, json) => add('actions', `bucket ${i} actions`, s, e, json));
    } else if (cls === 'OFPGroupDescStatsReply' && mp === 7) {
      // struct ofp_group_desc: length u16, type, pad, group_id; 8 bytes + buckets.
      let at = 16;
      (j.body as Json[]).forEach((e, n) => {
        const len = u16(b, at);
        buckets(b, at + 8, at + len, unwrap(e)[1].buckets as Json[], (i, s, en, json) =>
          add('actions', `group ${n} bucket ${i} actions`, s, en, json),
        );
        at += len;
      });
    } else if (cls === 'OFPFlowStatsReply' && mp === 1) {
      // struct ofp_flow_stats: 48 bytes, match, instructions up to length.
      let at = 16;
      (j.body as Json[]).forEach((e, n) => {
        const fs = unwrap(e)[1];
        const len = u16(b, at);
        const m = matchAt(b, at + 48);
        add('match', `flow ${n} match`, at + 48, at + 48 + m, oxmFields(fs.match));
        add('instructions', `flow ${n} instructions`, at + 48 + m, at + len, fs.instructions as Json[]);
        at += len;
      });
    }
  }
  return out;
}

/** struct ofp_bucket: len u16, weight, watch_port, watch_group, pad; 16 bytes + actions. */
function buckets(
  b: Buffer,
  start: number,
  end: number,
  json: Json[],
  each: (i: number, s: number, e: number, json: Json[]) => void,
): void {
  let at = start;
  for (let i = 0; at < end; i++) {
    const len = u16(b, at);
    each(i, at + 16, at + len, unwrap(json[i])[1].actions as Json[]);
    at += len;
  }
}

/** The .packet file's bytes. */
export function ryuPacket(file: string): Buffer {
  return readFileSync(join(RYU_PACKETS, file));
}

/** The .packet file's JSON, unwrapped once. */
export function ryuJson(file: string): Json {
  return unwrap(JSON.parse(readFileSync(join(RYU_JSON, `${file}.json`), 'utf8')))[1];
}

/* ------------------------------------------------ comparing with Ryu's view */

type Decoded = { [k: string]: unknown };

/** Ryu prints 64-bit values as JSON numbers, which JSON.parse rounds to a double. */
function sameNumber(ours: unknown, ryu: unknown): boolean {
  if (typeof ours === 'bigint') return typeof ryu === 'number' && Number(ours) === ryu;
  return ours === ryu;
}

/**
 * Where our decoding of one OXM differs from Ryu's OXMTlv body. Fields of
 * other classes have Ryu's NXM/ONF names (ct_mark, pbb_uca) and we keep
 * them as bytes, so only their mask flag is compared.
 */
export function ryuDiffOxm(ours: Decoded, ryu: Json, basicNames: ReadonlySet<string>, at = 'oxm'): string[] {
  const d: string[] = [];
  const ryuMasked = ryu.mask !== null && ryu.mask !== undefined;
  if (ours.field === 'other') {
    if (basicNames.has(ryu.field as string)) d.push(`${at}: Ryu reads a basic ${String(ryu.field)}, we kept bytes`);
    if (ours.hasmask !== ryuMasked) d.push(`${at}: hasmask ${String(ours.hasmask)} vs Ryu mask ${String(ryu.mask)}`);
    return d;
  }
  if (ours.field !== ryu.field) d.push(`${at}: field ${String(ours.field)} vs ${String(ryu.field)}`);
  if (!sameNumber(ours.value, ryu.value)) d.push(`${at}: value ${String(ours.value)} vs ${String(ryu.value)}`);
  if (ryuMasked !== (ours.mask !== undefined)) d.push(`${at}: mask ${String(ours.mask)} vs ${String(ryu.mask)}`);
  else if (ryuMasked && !sameNumber(ours.mask, ryu.mask)) d.push(`${at}: mask ${String(ours.mask)} vs ${String(ryu.mask)}`);
  return d;
}

/**
 * Where our decoding of one action differs from Ryu's: the type, every
 * field of ours that Ryu also has under the same (spec) name, the
 * experimenter id, and a set_field's OXM.
 */
export function ryuDiffAction(ours: Decoded, ryuObj: unknown, basicNames: ReadonlySet<string>, at = 'action'): string[] {
  const [cls, ryu] = unwrap(ryuObj);
  const d: string[] = [];
  if (ours.type !== ryu.type) d.push(`${at}: type ${String(ours.type)} vs ${cls} ${String(ryu.type)}`);
  for (const k of Object.keys(ours)) {
    if (k === 'type' || k === 'field' || k === 'data' || !(k in ryu)) continue;
    if (!sameNumber(ours[k], ryu[k])) d.push(`${at}: ${k} ${String(ours[k])} vs ${cls} ${String(ryu[k])}`);
  }
  if (ours.field !== undefined) d.push(...ryuDiffOxm(ours.field as Decoded, unwrap(ryu.field)[1], basicNames, `${at} set_field`));
  return d;
}

/** Where our decoding of one instruction differs from Ryu's, actions included. */
export function ryuDiffInstruction(ours: Decoded, ryuObj: unknown, basicNames: ReadonlySet<string>, at = 'instruction'): string[] {
  const [cls, ryu] = unwrap(ryuObj);
  const d: string[] = [];
  if (ours.type !== ryu.type) d.push(`${at}: type ${String(ours.type)} vs ${cls} ${String(ryu.type)}`);
  for (const k of Object.keys(ours)) {
    if (k === 'type' || k === 'actions' || k === 'data' || !(k in ryu)) continue;
    if (!sameNumber(ours[k], ryu[k])) d.push(`${at}: ${k} ${String(ours[k])} vs ${cls} ${String(ryu[k])}`);
  }
  if (Array.isArray(ours.actions)) {
    const theirs = (ryu.actions as unknown[] | undefined) ?? [];
    if (ours.actions.length !== theirs.length) d.push(`${at}: ${ours.actions.length} actions vs ${theirs.length}`);
    else ours.actions.forEach((a, i) => d.push(...ryuDiffAction(a as Decoded, theirs[i], basicNames, `${at} action ${i}`)));
  }
  return d;
}
