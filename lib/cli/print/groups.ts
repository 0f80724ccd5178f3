/**
 * Groups as ovs-ofctl prints them: OFPT_GROUP_MOD, and the group
 * description, statistics and features replies.
 *
 * A group is one line, `group_id=1,type=select,bucket=weight:10,
 * actions=output:1,bucket=...`. A bucket shows its weight only when it is
 * not the type's default (1 for select, 0 otherwise), its watch port and
 * group only when set.
 */
import { OFPG, OFPGC, OFPGT, OFPP } from '../../openflow/constants.js';
import type { Bucket, GroupDesc, GroupFeatures, GroupMod, GroupStats } from '../../openflow/types.js';
import { formatActionList, type ActionFormat } from './actions.js';
import type { PrintOptions } from './options.js';
import { formatPort, isOvsPortNumber } from './ports.js';
import { reject } from './reject.js';
import { formatDuration } from './text.js';

const GROUP_TYPES = ['all', 'select', 'indirect', 'ff'];

/** `ofputil_format_group`: ALL, ANY or the number. */
export function formatGroupId(id: number): string {
  id >>>= 0;
  return id === OFPG.ALL ? 'ALL' : id === OFPG.ANY ? 'ANY' : String(id);
}

function formatBucket(b: Bucket, type: number, fmt: ActionFormat): string {
  let s = 'bucket=';
  if (b.weight !== (type === OFPGT.SELECT ? 1 : 0)) s += `weight:${b.weight},`;
  if (b.watch_port >>> 0 !== OFPP.ANY) s += `watch_port:${formatPort(b.watch_port, fmt.opts)},`;
  if (b.watch_group >>> 0 !== OFPG.ANY) s += `watch_group:${b.watch_group >>> 0},`;
  const actions = formatActionList(b.actions, fmt);
  return s + `actions=${actions || 'drop'}`;
}

/** `group_id=N,type=T[,bucket=...]...`: one group, as in dump-groups. */
export function formatGroup(id: number, type: number, buckets: readonly Bucket[], fmt: ActionFormat): string {
  for (const b of buckets) {
    if (fmt.strict && !isOvsPortNumber(b.watch_port)) reject('OFPGMFC_BAD_WATCH', `watch_port ${b.watch_port}`);
  }
  let s = `group_id=${id >>> 0},type=${GROUP_TYPES[type] ?? 'unknown'}`;
  for (const b of buckets) s += ',' + formatBucket(b, type, fmt);
  return s;
}

const hasLiveness = (b: Bucket): boolean => b.watch_port >>> 0 !== OFPP.ANY || b.watch_group >>> 0 !== OFPG.ANY;

/** The checks ovs-ofctl applies to a group_mod before it prints one. */
function checkGroupMod(gm: GroupMod): void {
  if (gm.group_type > OFPGT.FF && !isBucketCommand(gm.command)) reject('OFPGMFC_BAD_TYPE');
  if (GROUP_COMMANDS[gm.command] === undefined) reject('OFPGMFC_BAD_COMMAND');
  if (gm.group_type === OFPGT.INDIRECT && gm.command !== OFPGC.DELETE && gm.buckets.length !== 1) reject('OFPGMFC_INVALID_GROUP');
  for (const b of gm.buckets) {
    if (b.weight && gm.group_type !== OFPGT.SELECT) reject('OFPGMFC_INVALID_GROUP', 'weight outside a select group');
    if ((gm.group_type === OFPGT.ALL || gm.group_type === OFPGT.INDIRECT) && hasLiveness(b)) reject('OFPGMFC_WATCH_UNSUPPORTED');
    if (gm.group_type === OFPGT.FF && !hasLiveness(b)) reject('OFPGMFC_INVALID_GROUP', 'fast-failover bucket without a watch');
  }
}

/** OF1.3's commands and the OF1.5 bucket commands Open vSwitch also reads in OF1.3 messages. */
const GROUP_COMMANDS: Readonly<Record<number, string>> = { 0: 'ADD', 1: 'MOD', 2: 'DEL', 3: 'INSERT_BUCKET', 5: 'REMOVE_BUCKET', 0x8000: 'ADD_OR_MOD' };
const isBucketCommand = (c: number): boolean => c === 3 || c === 5;

export function formatGroupModBody(gm: GroupMod, opts?: PrintOptions): string {
  const fmt = { opts, strict: true };
  let line = formatGroup(gm.group_id, gm.group_type, gm.buckets, fmt);
  checkGroupMod(gm);
  // Bucket commands leave the type out.
  if (isBucketCommand(gm.command)) line = line.replace(/,type=[a-z]+/, '');
  return `\n ${GROUP_COMMANDS[gm.command]} ${line}`;
}

export function formatGroupDescs(descs: readonly GroupDesc[], opts?: PrintOptions): string {
  return descs.map((d) => `\n ${formatGroup(d.group_id, d.group_type, d.buckets, { opts, strict: true })}`).join('');
}

export function formatGroupStats(stats: readonly GroupStats[]): string {
  let s = '';
  for (const g of stats) {
    s += `\n group_id=${g.group_id >>> 0},`;
    if (g.duration_sec >>> 0 !== 0xffffffff) s += `duration=${formatDuration(g.duration_sec, g.duration_nsec)},`;
    s += `ref_count=${g.ref_count >>> 0},packet_count=${g.packet_count},byte_count=${g.byte_count}`;
    g.bucket_stats.forEach((b, i) => {
      if (b.packet_count !== 0xffffffffffffffffn) s += `,bucket${i}:packet_count=${b.packet_count},byte_count=${b.byte_count}`;
    });
  }
  return s;
}

/**
 * OF1.3 action types → Open vSwitch's action names, in the order it lists
 * them (its own action enumeration, not the OFPAT numbers). Types it does
 * not implement (copy_ttl_*, push/pop_pbb) are left out.
 */
const OFPACT_ORDER: readonly [number, string][] = [
  [0, 'output'],
  [22, 'group'],
  [25, 'set_field'],
  [18, 'strip_vlan'],
  [17, 'push_vlan'],
  [23, 'mod_nw_ttl'],
  [24, 'dec_ttl'],
  [15, 'set_mpls_ttl'],
  [16, 'dec_mpls_ttl'],
  [19, 'push_mpls'],
  [20, 'pop_mpls'],
  [21, 'set_queue'],
];

/** `ofpact_bitmap_format` of an OF1.3 action bitmap (bit n = OFPAT type n). */
export function formatActionBitmap(bitmap: number): string {
  const names = OFPACT_ORDER.filter(([bit]) => (bitmap >>> bit) & 1).map(([, n]) => n);
  return names.length ? names.join(' ') : '<none>';
}

const GROUP_TYPE_NAMES = ['all', 'select', 'indirect', 'fast failover'];

export function formatGroupFeatures(gf: GroupFeatures): string {
  let s = '\n Group table:\n';
  s += `    Types:  0x${(gf.types >>> 0).toString(16)}\n`;
  s += `    Capabilities:  0x${(gf.capabilities >>> 0).toString(16)}\n`;
  for (let i = 0; i < 4; i++) {
    if (!((gf.types >>> i) & 1)) continue;
    const max = gf.max_groups[i]! >>> 0;
    s += `    ${GROUP_TYPE_NAMES[i]} group:\n`;
    s += `       max_groups=${max === 0 ? '0' : `0x${max.toString(16)}`}\n`;
    s += `       actions: ${formatActionBitmap(gf.actions[i]!)}\n`;
  }
  return s;
}
