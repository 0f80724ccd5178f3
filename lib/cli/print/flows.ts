/**
 * Flow entries in ovs-ofctl's text: OFPT_FLOW_MOD, the flow-statistics line
 * of `dump-flows`, OFPT_FLOW_REMOVED, and flow/aggregate statistics
 * requests.
 *
 * The dump-flows line is `cookie=0x0, duration=1.234s, table=0,
 * n_packets=0, n_bytes=0, [idle_timeout=N, hard_timeout=N, ][flags ]MATCH
 * actions=ACTIONS`. Without statistics (`--no-stats`) cookie and table are
 * shown only when not zero, and duration and the counters not at all.
 */
import { OFPFC, OFPP } from '../../openflow/constants.js';
import type { FlowMod, FlowRemoved, FlowStats, FlowStatsRequest } from '../../openflow/types.js';
import { formatInstructionList } from './actions.js';
import { checkFlowModConsistency } from './consistency.js';
import { formatOvsMatch } from './flow-match.js';
import type { PrintOptions } from './options.js';
import { ovsMatchFromOxm } from './oxm-match.js';
import { formatPort, isOvsPortNumber } from './ports.js';
import { reject } from './reject.js';
import { formatDuration } from './text.js';

const FLAG_NAMES: readonly [number, string][] = [
  [1 << 0, 'send_flow_rem'],
  [1 << 1, 'check_overlap'],
  [1 << 2, 'reset_counts'],
  [1 << 3, 'no_packet_counts'],
  [1 << 4, 'no_byte_counts'],
];
const KNOWN_FLAGS = 0x1f;

/** Flow-mod flags, each followed by a space; unknown bits are refused as ovs-ofctl does. */
function formatFlags(flags: number, strict: boolean): string {
  if (strict && flags & ~KNOWN_FLAGS) reject('OFPFMFC_BAD_FLAGS', `flags 0x${flags.toString(16)}`);
  return FLAG_NAMES.filter(([bit]) => flags & bit)
    .map(([, name]) => `${name} `)
    .join('');
}

const alt64 = (n: bigint): string => `0x${n.toString(16)}`;

const COMMANDS: Readonly<Record<number, string>> = {
  [OFPFC.ADD]: 'ADD',
  [OFPFC.MODIFY]: 'MOD',
  [OFPFC.MODIFY_STRICT]: 'MOD_STRICT',
  [OFPFC.DELETE]: 'DEL',
  [OFPFC.DELETE_STRICT]: 'DEL_STRICT',
};

/** The body of an OFPT_FLOW_MOD line, after the header's colon. */
export function formatFlowModBody(fm: FlowMod, opts?: PrintOptions): string {
  const match = ovsMatchFromOxm(fm.match);
  const isDelete = fm.command === OFPFC.DELETE || fm.command === OFPFC.DELETE_STRICT;
  if (fm.table_id === 0xff && !isDelete) reject('OFPFMFC_BAD_TABLE_ID');
  if (!isOvsPortNumber(fm.out_port)) reject('OFPBAC_BAD_OUT_PORT', `out_port ${fm.out_port}`);
  if (fm.command > OFPFC.DELETE_STRICT) reject('OFPFMFC_BAD_COMMAND');
  const actions = formatInstructionList(fm.instructions, { opts, strict: true });
  const flags = formatFlags(fm.flags, true);
  checkFlowModConsistency(match, fm.table_id, fm.instructions);

  let s = ` ${COMMANDS[fm.command] ?? `cmd:${fm.command}`}`;
  if (fm.table_id !== 0) s += ` table:${fm.table_id}`;
  s += ' ';
  s += formatOvsMatch(match, fm.priority, opts);
  if (!s.endsWith(' ')) s += ' ';
  // An add sets the cookie; every other command matches on cookie/mask.
  if (fm.command === OFPFC.ADD) {
    if (fm.cookie !== 0n && fm.cookie !== 0xffffffffffffffffn) s += `cookie:${alt64(fm.cookie)} `;
  } else if (fm.cookie_mask !== 0n) {
    s += `cookie:${alt64(fm.cookie)}/${alt64(fm.cookie_mask)} `;
  }
  if (fm.idle_timeout) s += `idle:${fm.idle_timeout} `;
  if (fm.hard_timeout) s += `hard:${fm.hard_timeout} `;
  if (fm.buffer_id >>> 0 !== 0xffffffff) s += `buf:0x${(fm.buffer_id >>> 0).toString(16)} `;
  if (fm.out_port >>> 0 !== OFPP.ANY) s += `out_port:${formatPort(fm.out_port, opts)} `;
  s += flags;
  return s + `actions=${actions}`;
}

export interface FlowStatsFormat extends PrintOptions {
  /** False for `dump-flows --no-stats`. */
  readonly showStats?: boolean;
  /** Refuse what ovs-ofctl's decoder refuses (true inside messages). */
  readonly strict?: boolean;
}

/** One flow entry as `dump-flows` prints it (without the leading space). */
export function formatFlowStats(fs: FlowStats, opts: FlowStatsFormat = {}): string {
  const showStats = opts.showStats ?? true;
  const strict = opts.strict ?? false;
  const match = ovsMatchFromOxm(fs.match, strict);
  const actions = formatInstructionList(fs.instructions, { opts, strict });
  const flags = formatFlags(fs.flags, strict);
  let s = '';
  if (showStats || fs.cookie !== 0n) s += `cookie=${alt64(fs.cookie)}, `;
  if (showStats) s += `duration=${formatDuration(fs.duration_sec, fs.duration_nsec)}, `;
  if (showStats || fs.table_id !== 0) s += `table=${fs.table_id}, `;
  if (showStats) s += `n_packets=${fs.packet_count}, n_bytes=${fs.byte_count}, `;
  if (fs.idle_timeout) s += `idle_timeout=${fs.idle_timeout}, `;
  if (fs.hard_timeout) s += `hard_timeout=${fs.hard_timeout}, `;
  s += flags;
  const m = formatOvsMatch(match, fs.priority, opts);
  if (m) s += m + ' ';
  return s + `actions=${actions}`;
}

const REMOVED_REASONS: Readonly<Record<number, string>> = {
  0: 'idle',
  1: 'hard',
  2: 'delete',
  3: 'group_delete',
  4: 'meter_delete',
  5: 'eviction',
};

/** The body of an OFPT_FLOW_REMOVED line. */
export function formatFlowRemovedBody(fr: FlowRemoved, opts?: PrintOptions): string {
  let s = ' ' + formatOvsMatch(ovsMatchFromOxm(fr.match), fr.priority, opts);
  s += ` reason=${REMOVED_REASONS[fr.reason] ?? String(fr.reason)}`;
  if (fr.table_id !== 255) s += ` table_id=${fr.table_id}`;
  if (fr.cookie !== 0n) s += ` cookie:${alt64(fr.cookie)}`;
  s += ` duration${formatDuration(fr.duration_sec, fr.duration_nsec)}`;
  s += ` idle${fr.idle_timeout}`;
  if (fr.hard_timeout) s += ` hard${fr.hard_timeout}`;
  return s + ` pkts${fr.packet_count} bytes${fr.byte_count}\n`;
}

/** The body of an OFPST_FLOW / OFPST_AGGREGATE request line. */
export function formatFlowStatsRequestBody(r: FlowStatsRequest, opts?: PrintOptions): string {
  const match = ovsMatchFromOxm(r.match);
  if (!isOvsPortNumber(r.out_port)) reject('OFPBAC_BAD_OUT_PORT', `out_port ${r.out_port}`);
  let s = '';
  if (r.table_id !== 0xff) s += ` table=${r.table_id}`;
  if (r.out_port >>> 0 !== OFPP.ANY) s += ` out_port=${formatPort(r.out_port, opts)}`;
  return s + ' ' + formatOvsMatch(match, 0x8000, opts);
}
