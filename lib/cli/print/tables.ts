/**
 * Flow tables as ovs-ofctl prints them: table statistics (`dump-tables`)
 * and table features (`dump-table-features`, OFPMP_TABLE_FEATURES).
 *
 * Both go through one layout, because Open vSwitch folds them into one
 * "table" view: a table whose statistics and features equal the previous
 * table's is not printed but collected into a "ditto" line ("table 2:
 * ditto", "tables 4...253: ditto"), unless it has a name. Features compare
 * equal across a "next tables" set that differs only by the table itself
 * (a table can only go to later tables).
 *
 * Field sets (match, wildcards, set-field) print in Open vSwitch's field
 * order under its field names, compressed by common prefix:
 * "eth_{src,dst} ip_{src,dst} reg0...reg15".
 */
import { OFPIT, OFPTFPT } from '../../openflow/constants.js';
import type { OxmId, TableFeatures, TableStats } from '../../openflow/types.js';
import { oxmFieldByCode } from '../../openflow/oxm.js';
import { formatActionBitmap } from './groups.js';
import { OvsReject } from './reject.js';
import { rawText } from './text.js';

/* --------------------------------------------------- the field table */

/**
 * Open vSwitch's fields in its own order (its MFF_* enumeration), each with
 * the OXM/NXM header (class:field, "/experimenter" for class 0xffff) that
 * names it in OF1.3 table features. Open vSwitch lists its table features
 * in this order, which is also the order it prints them in.
 */
const MFF: readonly [string, string][] = [
  ['1:35', 'dp_hash'],
  ['1:36', 'recirc_id'],
  ['32768:44', 'packet_type'],
  ['1:37', 'conj_id'],
  ['32768:38', 'tun_id'],
  ['1:16', 'tun_id'],
  ['1:31', 'tun_src'],
  ['1:32', 'tun_dst'],
  ['1:109', 'tun_ipv6_src'],
  ['1:110', 'tun_ipv6_dst'],
  ['1:104', 'tun_flags'],
  ['1:38', 'tun_gbp_id'],
  ['1:39', 'tun_gbp_flags'],
  ['65535:11/2320', 'tun_erspan_idx'],
  ['65535:12/2320', 'tun_erspan_ver'],
  ['65535:13/2320', 'tun_erspan_dir'],
  ['65535:14/2320', 'tun_erspan_hwid'],
  ['65535:15/2320', 'tun_gtpu_flags'],
  ['65535:16/2320', 'tun_gtpu_msgtype'],
  ...Array.from({ length: 64 }, (_, i) => [`1:${40 + i}`, `tun_metadata${i}`] as [string, string]),
  ['32768:2', 'metadata'],
  ['0:0', 'in_port'],
  ['32768:0', 'in_port_oxm'],
  ['65535:43/4f4e4600', 'actset_output'],
  ['1:33', 'pkt_mark'],
  ['1:105', 'ct_state'],
  ['1:106', 'ct_zone'],
  ['1:107', 'ct_mark'],
  ['1:108', 'ct_label'],
  ['1:119', 'ct_nw_proto'],
  ['1:120', 'ct_nw_src'],
  ['1:121', 'ct_nw_dst'],
  ['1:122', 'ct_ipv6_src'],
  ['1:123', 'ct_ipv6_dst'],
  ['1:124', 'ct_tp_src'],
  ['1:125', 'ct_tp_dst'],
  ...Array.from({ length: 16 }, (_, i) => [`1:${i}`, `reg${i}`] as [string, string]),
  ...Array.from({ length: 8 }, (_, i) => [`32769:${i}`, `xreg${i}`] as [string, string]),
  ...Array.from({ length: 4 }, (_, i) => [`1:${111 + i}`, `xxreg${i}`] as [string, string]),
  ['32768:4', 'eth_src'],
  ['32768:3', 'eth_dst'],
  ['32768:5', 'eth_type'],
  ['0:4', 'vlan_tci'],
  ['32768:6', 'vlan_vid'],
  ['32768:7', 'vlan_pcp'],
  ['32768:34', 'mpls_label'],
  ['32768:35', 'mpls_tc'],
  ['32768:36', 'mpls_bos'],
  ['1:30', 'mpls_ttl'],
  ['32768:11', 'ip_src'],
  ['32768:12', 'ip_dst'],
  ['32768:26', 'ipv6_src'],
  ['32768:27', 'ipv6_dst'],
  ['32768:28', 'ipv6_label'],
  ['32768:10', 'nw_proto'],
  ['0:5', 'nw_tos'],
  ['32768:8', 'ip_dscp'],
  ['32768:9', 'nw_ecn'],
  ['1:29', 'nw_ttl'],
  ['1:26', 'ip_frag'],
  ['32768:21', 'arp_op'],
  ['32768:22', 'arp_spa'],
  ['32768:23', 'arp_tpa'],
  ['32768:24', 'arp_sha'],
  ['32768:25', 'arp_tha'],
  ['32768:13', 'tcp_src'],
  ['32768:14', 'tcp_dst'],
  ['65535:42/4f4e4600', 'tcp_flags'],
  ['1:34', 'tcp_flags'],
  ['32768:15', 'udp_src'],
  ['32768:16', 'udp_dst'],
  ['32768:17', 'sctp_src'],
  ['32768:18', 'sctp_dst'],
  ['32768:19', 'icmp_type'],
  ['32768:20', 'icmp_code'],
  ['32768:29', 'icmpv6_type'],
  ['32768:30', 'icmpv6_code'],
  ['32768:31', 'nd_target'],
  ['32768:32', 'nd_sll'],
  ['32768:33', 'nd_tll'],
  ['4096:1', 'nd_reserved'],
  ['4096:2', 'nd_options_type'],
  ['65535:1/5ad650', 'nsh_flags'],
  ['65535:2/5ad650', 'nsh_mdtype'],
  ['65535:3/5ad650', 'nsh_np'],
  ['65535:4/5ad650', 'nsh_spi'],
  ['65535:5/5ad650', 'nsh_si'],
  ['65535:6/5ad650', 'nsh_c1'],
  ['65535:7/5ad650', 'nsh_c2'],
  ['65535:8/5ad650', 'nsh_c3'],
  ['65535:9/5ad650', 'nsh_c4'],
  ['65535:10/5ad650', 'nsh_ttl'],
];

/** Field name → its position in Open vSwitch's order. */
const ORDER: ReadonlyMap<string, number> = new Map(MFF.map(([, name], i) => [name, i]));
const BY_HEADER: ReadonlyMap<string, string> = new Map(MFF.map(([key, name]) => [key, name]));

/**
 * The fields of a list of OXM ids that Open vSwitch knows, in its order,
 * without duplicates. It recognises an OpenFlow-basic id only with the
 * right length in its header (the value's, twice that with a mask), so ids
 * written with length 0 (as Ryu writes them) name nothing.
 */
function fieldSet(ids: readonly OxmId[], onlyMasked = false): string[] {
  const names = new Set<string>();
  for (const id of ids) {
    if (onlyMasked && !id.hasmask) continue;
    if (id.oxm_class === 0x8000) {
      const len = oxmFieldByCode(id.oxm_field)?.len;
      if (len !== undefined && id.length !== len * (id.hasmask ? 2 : 1)) continue;
    }
    const exp = id.oxm_class === 0xffff && id.experimenter !== undefined ? `/${id.experimenter.toString(16)}` : '';
    const name = BY_HEADER.get(`${id.oxm_class}:${id.oxm_field}${exp}`);
    if (name !== undefined) names.add(name);
  }
  return [...names].sort((a, b) => ORDER.get(a)! - ORDER.get(b)!);
}

/**
 * A list of field names compressed as Open vSwitch does: runs of names
 * differing only by a consecutive trailing number become "reg0...reg15";
 * runs sharing a prefix up to an underscore become "eth_{src,dst}",
 * recursively.
 */
export function compressFieldNames(names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < names.length; ) {
    const name = names[i]!;
    const num = /^(.*?)(\d+)$/.exec(name);
    if (num) {
      let j = i + 1;
      while (j < names.length && names[j] === `${num[1]}${Number(num[2]) + (j - i)}`) j++;
      if (j - i > 1) {
        out.push(`${name}...${names[j - 1]}`);
        i = j;
        continue;
      }
    }
    const us = name.indexOf('_');
    if (us > 0) {
      const prefix = name.slice(0, us + 1);
      let j = i + 1;
      while (j < names.length && names[j]!.startsWith(prefix) && names[j]!.length > prefix.length) j++;
      if (j - i > 1) {
        out.push(`${prefix}{${compressFieldNames(names.slice(i, j).map((n) => n.slice(prefix.length))).join(',')}}`);
        i = j;
        continue;
      }
    }
    out.push(name);
    i++;
  }
  return out;
}

/* ------------------------------------------------- the table view */

interface ActionFeatures {
  actions: number;
  setFields: string[];
}
interface InstructionFeatures {
  next: boolean[];
  instructions: number;
  write: ActionFeatures;
  apply: ActionFeatures;
}
/** Open vSwitch's decoded form of one table's features. */
interface TableView {
  tableId: number;
  name: string;
  metadataMatch: bigint;
  metadataWrite: bigint;
  maxEntries: number;
  nonmiss: InstructionFeatures;
  miss: InstructionFeatures;
  match: string[];
  mask: string[];
  wildcard: string[];
}

const emptyInstructions = (): InstructionFeatures => ({
  next: new Array<boolean>(255).fill(false),
  instructions: 0,
  write: { actions: 0, setFields: [] },
  apply: { actions: 0, setFields: [] },
});

/** OFPIT_* → Open vSwitch's instruction bit (its print order). */
const OVSINST: Readonly<Record<number, number>> = {
  [OFPIT.METER]: 0,
  [OFPIT.APPLY_ACTIONS]: 1,
  [OFPIT.CLEAR_ACTIONS]: 2,
  [OFPIT.WRITE_ACTIONS]: 3,
  [OFPIT.WRITE_METADATA]: 4,
  [OFPIT.GOTO_TABLE]: 5,
};
const OVSINST_NAMES = ['meter', 'apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table'];

function viewOfFeatures(tf: TableFeatures): TableView {
  const v: TableView = {
    tableId: tf.table_id,
    name: rawText(tf.name),
    metadataMatch: tf.metadata_match,
    metadataWrite: tf.metadata_write,
    maxEntries: tf.max_entries >>> 0,
    nonmiss: emptyInstructions(),
    miss: emptyInstructions(),
    match: [],
    mask: [],
    wildcard: [],
  };
  const seen = new Set<number>();
  let match: OxmId[] = [];
  let wildcards: OxmId[] = [];
  for (const p of tf.properties) {
    seen.add(p.type);
    const miss = (p.type & 1) === 1 && p.type !== OFPTFPT.MATCH;
    const ifs = miss ? v.miss : v.nonmiss;
    switch (p.type) {
      case OFPTFPT.INSTRUCTIONS:
      case OFPTFPT.INSTRUCTIONS_MISS:
        for (const id of p.instruction_ids) if (OVSINST[id.type] !== undefined) ifs.instructions |= 1 << OVSINST[id.type]!;
        break;
      case OFPTFPT.NEXT_TABLES:
      case OFPTFPT.NEXT_TABLES_MISS:
        for (const t of p.table_ids) if (t < 255) ifs.next[t] = true;
        break;
      case OFPTFPT.WRITE_ACTIONS:
      case OFPTFPT.WRITE_ACTIONS_MISS:
      case OFPTFPT.APPLY_ACTIONS:
      case OFPTFPT.APPLY_ACTIONS_MISS: {
        const af = p.type <= OFPTFPT.WRITE_ACTIONS_MISS ? ifs.write : ifs.apply;
        for (const id of p.action_ids) if (id.type < 32) af.actions |= 1 << id.type;
        break;
      }
      case OFPTFPT.MATCH:
        match = p.oxm_ids;
        break;
      case OFPTFPT.WILDCARDS:
        wildcards = p.oxm_ids;
        break;
      case OFPTFPT.WRITE_SETFIELD:
      case OFPTFPT.WRITE_SETFIELD_MISS:
        ifs.write.setFields = fieldSet(p.oxm_ids);
        break;
      case OFPTFPT.APPLY_SETFIELD:
      case OFPTFPT.APPLY_SETFIELD_MISS:
        ifs.apply.setFields = fieldSet(p.oxm_ids);
        break;
      default:
        break;
    }
  }
  // Open vSwitch's fix-ups: maskable fields are matchable and wildcardable,
  // and only matchable fields can be wildcarded.
  v.mask = fieldSet(match, true);
  v.match = union(fieldSet(match), v.mask);
  v.wildcard = union(fieldSet(wildcards), v.mask).filter((n) => v.match.includes(n));
  // Table-miss properties left out mean "same as the others".
  if (!seen.has(OFPTFPT.INSTRUCTIONS_MISS)) v.miss.instructions = v.nonmiss.instructions;
  if (!seen.has(OFPTFPT.NEXT_TABLES_MISS)) v.miss.next = [...v.nonmiss.next];
  if (!seen.has(OFPTFPT.WRITE_ACTIONS_MISS)) v.miss.write.actions = v.nonmiss.write.actions;
  if (!seen.has(OFPTFPT.APPLY_ACTIONS_MISS)) v.miss.apply.actions = v.nonmiss.apply.actions;
  if (!seen.has(OFPTFPT.WRITE_SETFIELD_MISS)) v.miss.write.setFields = [...v.nonmiss.write.setFields];
  if (!seen.has(OFPTFPT.APPLY_SETFIELD_MISS)) v.miss.apply.setFields = [...v.nonmiss.apply.setFields];
  return v;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort((x, y) => ORDER.get(x)! - ORDER.get(y)!);
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const sameActions = (a: ActionFeatures, b: ActionFeatures): boolean => a.actions === b.actions && sameList(a.setFields, b.setFields);
const emptyActions = (a: ActionFeatures): boolean => !a.actions && a.setFields.length === 0;

/** Next-table sets equal, ignoring the later table's own id missing from its set. */
function sameNext(a: boolean[], aId: number, b: boolean[], bId: number): boolean {
  if (bId === aId + 1 && a[bId] && !b[bId]) return a.every((x, i) => i === bId || x === b[i]);
  if (aId === bId + 1) return sameNext(b, bId, a, aId);
  return a.every((x, i) => x === b[i]);
}

const sameInstructions = (a: InstructionFeatures, aId: number, b: InstructionFeatures, bId: number): boolean =>
  sameNext(a.next, aId, b.next, bId) && a.instructions === b.instructions && sameActions(a.write, b.write) && sameActions(a.apply, b.apply);
const emptyInstr = (a: InstructionFeatures): boolean =>
  !a.next.some(Boolean) && !a.instructions && emptyActions(a.write) && emptyActions(a.apply);

function sameFeatures(a: TableView, b: TableView): boolean {
  return (
    a.metadataMatch === b.metadataMatch &&
    a.metadataWrite === b.metadataWrite &&
    a.maxEntries === b.maxEntries &&
    sameInstructions(a.nonmiss, a.tableId, b.nonmiss, b.tableId) &&
    sameInstructions(a.miss, a.tableId, b.miss, b.tableId) &&
    sameList(a.match, b.match)
  );
}
const emptyFeatures = (v: TableView): boolean =>
  !v.metadataMatch && !v.metadataWrite && !v.maxEntries && emptyInstr(v.nonmiss) && emptyInstr(v.miss) && v.match.length === 0;

/* ------------------------------------------------------- printing */

function formatActionFeatures(a: ActionFeatures): string {
  let s = '';
  if (a.actions) s += `        actions: ${formatActionBitmap(a.actions)}\n`;
  if (a.setFields.length) s += `        supported on Set-Field: ${compressFieldNames(a.setFields).join(' ')}\n`;
  return s;
}

function formatInstructionFeatures(f: InstructionFeatures, prev: InstructionFeatures | undefined): string {
  let s = '';
  if (f.next.some(Boolean)) {
    const ranges: string[] = [];
    for (let start = f.next.indexOf(true); start >= 0 && start < 255; ) {
      let end = start + 1;
      while (end < 255 && f.next[end]) end++;
      ranges.push(end === start + 1 ? String(start) : `${start}-${end - 1}`);
      const nextStart = f.next.indexOf(true, end);
      start = nextStart;
    }
    s += `      next tables: ${ranges.join(',')}\n`;
  }
  if (f.instructions) {
    if (prev && f.instructions === prev.instructions) {
      s += '      (same instructions)\n';
    } else {
      s += `      instructions: ${OVSINST_NAMES.filter((_, i) => (f.instructions >> i) & 1).join(' ')}\n`;
    }
  }
  if (prev && sameActions(f.write, prev.write) && sameActions(f.apply, prev.apply) && f.write.setFields.length) {
    s += '      (same actions)\n';
  } else if (!sameActions(f.write, f.apply)) {
    s += '      Write-Actions features:\n' + formatActionFeatures(f.write);
    s += '      Apply-Actions features:\n' + formatActionFeatures(f.apply);
  } else if (f.write.actions || f.write.setFields.length) {
    s += '      Write-Actions and Apply-Actions features:\n' + formatActionFeatures(f.write);
  }
  return s;
}

function formatMatching(v: TableView, prev: TableView | undefined): string {
  if (v.match.length === 0) return '';
  if (prev && sameList(v.match, prev.match)) return '    (same matching)\n';
  const masked = v.match.filter((n) => v.mask.includes(n));
  const wild = v.match.filter((n) => !v.mask.includes(n) && v.wildcard.includes(n));
  const exact = v.match.filter((n) => !v.mask.includes(n) && !v.wildcard.includes(n));
  let s = '    matching:\n';
  if (masked.length) s += `      arbitrary mask: ${compressFieldNames(masked).join(' ')}\n`;
  if (wild.length) s += `      exact match or wildcard: ${compressFieldNames(wild).join(' ')}\n`;
  if (exact.length) s += `      must exact match: ${compressFieldNames(exact).join(' ')}\n`;
  return s;
}

interface Ditto {
  first: number;
  last: number;
}

function finishDitto(d: Ditto): string {
  if (d.first < 0) return '';
  const s = d.first === d.last ? `\n  table ${d.first}: ditto\n` : `\n  tables ${d.first}...${d.last}: ditto\n`;
  d.first = -1;
  return s;
}

function formatTable(v: TableView, prev: TableView | undefined, stats: TableStats | undefined, prevStats: TableStats | undefined, d: Ditto): string {
  const sameStats =
    !stats ||
    (prevStats !== undefined &&
      stats.active_count === prevStats.active_count &&
      stats.lookup_count === prevStats.lookup_count &&
      stats.matched_count === prevStats.matched_count);
  const same = prev !== undefined && sameFeatures(v, prev);
  if (sameStats && same && !v.name) {
    if (d.first < 0) d.first = v.tableId;
    d.last = v.tableId;
    return '';
  }
  let s = finishDitto(d);
  s += `\n  table ${v.tableId}${v.name ? ` ("${v.name}")` : ''}:`;
  if (sameStats && same) return s + ' ditto';
  s += '\n';
  if (stats) s += `    active=${stats.active_count >>> 0}, lookup=${stats.lookup_count}, matched=${stats.matched_count}\n`;
  if (same) return emptyFeatures(v) ? s : s + '    (same features)\n';
  const hex = (n: bigint): string => (n === 0n ? '0' : `0x${n.toString(16)}`);
  if (v.metadataMatch || v.metadataWrite) s += `    metadata: match=${hex(v.metadataMatch)} write=${hex(v.metadataWrite)}\n`;
  if (v.maxEntries) s += `    max_entries=${v.maxEntries}\n`;
  if (
    prev &&
    sameInstructions(v.nonmiss, v.tableId, prev.nonmiss, prev.tableId) &&
    sameInstructions(v.miss, v.tableId, prev.miss, prev.tableId)
  ) {
    if (!emptyInstr(v.nonmiss)) s += '    (same instructions)\n';
  } else if (!sameInstructions(v.nonmiss, v.tableId, v.miss, v.tableId)) {
    s += '    instructions (other than table miss):\n' + formatInstructionFeatures(v.nonmiss, prev?.nonmiss);
    s += '    instructions (table miss):\n' + formatInstructionFeatures(v.miss, prev?.miss);
  } else if (!emptyInstr(v.nonmiss)) {
    s += '    instructions (table miss and others):\n' + formatInstructionFeatures(v.nonmiss, prev?.nonmiss);
  }
  return s + formatMatching(v, prev);
}

/** The eight properties Open vSwitch requires of every table (the table-miss ones may be left out). */
const REQUIRED_PROPS = [
  OFPTFPT.INSTRUCTIONS,
  OFPTFPT.NEXT_TABLES,
  OFPTFPT.WRITE_ACTIONS,
  OFPTFPT.APPLY_ACTIONS,
  OFPTFPT.MATCH,
  OFPTFPT.WILDCARDS,
  OFPTFPT.WRITE_SETFIELD,
  OFPTFPT.APPLY_SETFIELD,
];

/**
 * The body of an OFPMP_TABLE_FEATURES request or reply. Strict: a table
 * without all required properties is refused, as ovs-ofctl refuses it.
 */
export function formatTableFeatures(list: readonly TableFeatures[], strict = true): string {
  const d: Ditto = { first: -1, last: -1 };
  let s = '';
  let prev: TableView | undefined;
  for (const tf of list) {
    if (strict && !REQUIRED_PROPS.every((t) => tf.properties.some((p) => p.type === t))) {
      const err = new OvsReject('OFPTFFC_BAD_FEATURES', `table ${tf.table_id} lacks required properties`);
      err.partial = s;
      throw err;
    }
    const v = viewOfFeatures(tf);
    s += formatTable(v, prev, undefined, undefined, d);
    prev = v;
  }
  return s + finishDitto(d);
}

/** The body of an OFPMP_TABLE reply (OF1.3 table statistics carry no features). */
export function formatTableStats(list: readonly TableStats[]): string {
  const d: Ditto = { first: -1, last: -1 };
  let s = '';
  let prev: TableView | undefined;
  let prevStats: TableStats | undefined;
  for (const ts of list) {
    const v: TableView = {
      tableId: ts.table_id,
      name: '',
      metadataMatch: 0n,
      metadataWrite: 0n,
      maxEntries: 0,
      nonmiss: emptyInstructions(),
      miss: emptyInstructions(),
      match: [],
      mask: [],
      wildcard: [],
    };
    s += formatTable(v, prev, ts, prevStats, d);
    prev = v;
    prevStats = ts;
  }
  return s + finishDitto(d);
}
