/**
 * OpenFlow 1.3 values → the text `ovs-ofctl` prints for them.
 *
 * The contract is Open vSwitch's output, line for line: what
 * `ovs-ofctl -O OpenFlow13 ofp-print HEX` prints for a message, what
 * `dump-flows` prints for a flow. Three things make that more than a
 * pretty-printer:
 *
 * 1. ovs-ofctl prints its own model, not the wire. Matches become a flow
 *    plus mask printed in a fixed order under OVS names (flow-match.ts);
 *    instructions become one action list in a fixed order (actions.ts);
 *    frames in packet-ins become a flow key (packet-summary.ts).
 * 2. ovs-ofctl refuses what its model cannot hold, and then prints only
 *    "***decode error: NAME***" and a hex dump. The printers apply the
 *    same refusals (`OvsReject`), and this module turns them into that text
 *    (`formatMessage`), so that a message from a peer prints as ovs-ofctl
 *    would print it, whether or not Open vSwitch likes it.
 * 3. Output framing: a header line `OFPT_FLOW_MOD (OF1.3) (xid=0x2):`, a
 *    body on the same line or below it, one trailing newline; truncated or
 *    over-long buffers get ovs-ofctl's notes (`formatBytes`).
 *
 * Module map: text.ts (hex dump, durations), addr.ts, ports.ts,
 * flow-match.ts + oxm-match.ts (matches), packet-summary.ts, fields.ts +
 * actions.ts + nx-actions.ts (actions), with the Nicira learn (nx-learn.ts)
 * and ct / nat (nx-ct.ts) actions over nx-fields.ts + nx-subfield.ts (NXM
 * field names and bit ranges), consistency.ts (flow_mod checks),
 * flows.ts, groups.ts, meters.ts, tables.ts, messages.ts + multipart.ts
 * (per-message bodies), onf-monitor.ts (the ONF flow monitor request),
 * reject.ts (OvsReject), ofpraw.ts (length rules),
 * error-names.ts, sort.ts (--sort/--rsort), and this file.
 */
import { decodeMessage, encodeMessage, OfpError, OFPT, type OfpMessage } from '../../openflow/index.js';
import type { FlowStats, Instruction, Match, TableFeatures } from '../../openflow/types.js';
import { formatInstructionList } from './actions.js';
import { ovsErrorName } from './error-names.js';
import { formatOvsMatch } from './flow-match.js';
import { formatFlowStats, type FlowStatsFormat } from './flows.js';
import { formatBody, messageName, multipartName, versionAndXid } from './messages.js';
import { multipartFlags } from './multipart.js';
import type { PrintOptions } from './options.js';
import { verbosityOf } from './options.js';
import { ovsLengthOk } from './ofpraw.js';
import { ovsMatchFromOxm } from './oxm-match.js';
import { OvsReject } from './reject.js';
import { sortFlowStats, type SortCriterion } from './sort.js';
import { formatTableFeatures } from './tables.js';
import { addNewline, hexDump } from './text.js';

export type { PrintOptions } from './options.js';
export type { FlowStatsFormat } from './flows.js';
export type { SortCriterion } from './sort.js';
export { OvsReject } from './reject.js';
export { formatPacketSummary } from './packet-summary.js';
export { formatDuration, hexDump } from './text.js';
export { formatPort } from './ports.js';
export { formatFlowStats } from './flows.js';
export { sortFlowStats, isSortField } from './sort.js';

/* ----------------------------------------------------- public pieces */

export interface MatchFormatOptions extends PrintOptions {
  /** Throw OvsReject where ovs-ofctl would refuse the match (default: print it anyway). */
  readonly strict?: boolean;
}

/**
 * A match in ovs-ofctl's canonical form ("priority=10,tcp,nw_src=10.0.0.0/8"),
 * with "priority=N," first unless N is the default 32768. Fields Open
 * vSwitch cannot hold (pbb_isid, ...) come last under their OXM names,
 * unless `strict` asks for ovs-ofctl's refusal instead.
 */
export function formatMatch(match: Match, priority = 0x8000, opts: MatchFormatOptions = {}): string {
  return formatOvsMatch(ovsMatchFromOxm(match, opts.strict ?? false), priority, opts);
}

/**
 * Instructions as printed after "actions=" ("meter:1,output:2,goto_table:3",
 * "drop"). Lenient: actions Open vSwitch does not implement get a readable
 * form instead of a refusal.
 */
export function formatActions(instructions: readonly Instruction[], opts?: PrintOptions): string {
  return formatInstructionList(instructions, { opts, strict: false });
}

export interface DumpFlowsOptions extends FlowStatsFormat {
  /** `--sort` / `--rsort` criteria; when given the flows are sorted first. */
  readonly sort?: readonly SortCriterion[];
}

/**
 * The flow lines of `ovs-ofctl dump-flows`, each with its leading space and
 * newline, as printed when it sorts (`--sort`), names ports (`--names`) or
 * hides statistics (`--no-stats`); in those modes it prints no
 * "OFPST_FLOW reply" header. Its default mode prints each reply message
 * with `formatMessage` at verbosity 1 instead.
 */
export function formatFlowStatsLines(flows: readonly FlowStats[], opts: DumpFlowsOptions = {}): string {
  const list = opts.sort?.length ? sortFlowStats(flows, opts.sort) : flows;
  return list.map((fs) => ` ${formatFlowStats(fs, opts)}\n`).join('');
}

/**
 * What `ovs-ofctl dump-table-features` prints: the tables of all reply
 * parts as one list (ditto lines run across parts), without reply headers.
 */
export function formatTableFeaturesDump(tables: readonly TableFeatures[]): string {
  return formatTableFeatures(tables, false).replace(/^\n/, '') + '\n';
}

/* --------------------------------------------------------- messages */

/** " ***decode error: NAME***" after a header, as ofp_to_string places it. */
function decodeErrorText(head: string, bodySoFar: string, code: string, raw: Buffer): string {
  let s = head;
  if (bodySoFar.length) {
    s += bodySoFar;
    if (s.endsWith(' ')) s = s.slice(0, -1);
    s = addNewline(s);
  } else if (s.length) {
    s += ' ';
  }
  s += `***decode error: ${code}***\n`;
  return s + hexDump(raw);
}

/**
 * What `ovs-ofctl ofp-print` prints for a decoded message: the header line,
 * the body, a final newline; or, where Open vSwitch would refuse the
 * message, the decode error and a hex dump of the message's bytes.
 */
export function formatMessage(msg: OfpMessage, opts: PrintOptions = {}, raw?: Buffer): string {
  let bytes = raw;
  const getRaw = (): Buffer => (bytes ??= encodeMessage(msg));
  // ovs-ofctl checks a message's length before it names it.
  if (!ovsLengthOk(getRaw())) return decodeErrorText('', '', 'OFPBRC_BAD_LEN', getRaw());
  let head = '';
  try {
    head = messageName(msg) + versionAndXid(msg.version ?? 4, msg.xid);
  } catch (e) {
    if (!(e instanceof OvsReject)) throw e;
    return decodeErrorText('', '', e.code, getRaw());
  }
  let s: string;
  try {
    s = head + formatBody(msg, { opts, raw: getRaw, formatBytes });
  } catch (e) {
    if (!(e instanceof OvsReject)) throw e;
    return decodeErrorText(head, e.partial, e.code, getRaw());
  }
  if (s.endsWith(' ')) s = s.slice(0, -1);
  if (verbosityOf(opts) >= 5) s = addNewline(s) + hexDump(getRaw());
  return addNewline(s);
}

/* ------------------------------------------------------------ bytes */

const TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(OFPT)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v as number, `OFPT_${k}`]),
);

/**
 * The header ovs-ofctl can name from the first bytes alone, or undefined
 * when it cannot tell what the message is (no header line then); for a
 * multipart message also the flags it prints before decoding the body.
 */
function headerFromBytes(buf: Buffer): { head: string; flags: string } | undefined {
  const version = buf[0]!;
  const type = buf[1]!;
  const xid = buf.readUInt32BE(4);
  if (version === 4 && (type === OFPT.MULTIPART_REQUEST || type === OFPT.MULTIPART_REPLY)) {
    if (buf.length < 12) return undefined;
    const name = multipartName(type, buf.readUInt16BE(8));
    return name === undefined ? undefined : { head: name + versionAndXid(version, xid), flags: multipartFlags(buf.readUInt16BE(10)) };
  }
  // HELLO, ERROR and the echoes are the same in every version.
  if (type <= OFPT.ECHO_REPLY || (version === 4 && type <= OFPT.METER_MOD && type !== OFPT.EXPERIMENTER)) {
    if (version < 1 || (version > 6 && type > OFPT.ECHO_REPLY)) return undefined;
    return { head: TYPE_NAMES[type]! + versionAndXid(version, xid), flags: '' };
  }
  return undefined;
}

/**
 * `ofp_to_string`: the text for a buffer that should hold one message,
 * with ovs-ofctl's notes for empty, short, truncated and over-long input,
 * and its decode-error form when our codec refuses the bytes.
 */
export function formatBytes(buf: Buffer, opts: PrintOptions = {}): string {
  if (buf.length === 0) return 'OpenFlow message is empty\n';
  if (buf.length < 8) return `OpenFlow packet too short (only ${buf.length} bytes):\n${hexDump(buf)}`;
  const length = buf.readUInt16BE(2);
  if (length > buf.length) {
    const head = headerFromBytes(buf)?.head;
    return `${head ? head + '\n' : ''}(***truncated to ${buf.length} bytes from ${length}***)\n${hexDump(buf)}`;
  }
  if (length < buf.length) return `(***only uses ${length} bytes out of ${buf.length}***)\n${hexDump(buf)}`;
  let msg: OfpMessage;
  try {
    msg = decodeMessage(buf);
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    // Echoes look the same in every version; ovs-ofctl prints them all.
    const type = buf[1];
    if (buf[0] !== 4 && (type === OFPT.ECHO_REQUEST || type === OFPT.ECHO_REPLY)) {
      return formatMessage({ type, version: buf[0], xid: buf.readUInt32BE(4), data: buf.subarray(8) }, opts, buf);
    }
    const code = ovsErrorName(e.type, e.code) ?? `OFPBRC_BAD_LEN`;
    if (!ovsLengthOk(buf)) return decodeErrorText('', '', 'OFPBRC_BAD_LEN', buf);
    const h = headerFromBytes(buf);
    return decodeErrorText(h?.head ?? '', h?.flags ?? '', code, buf);
  }
  return formatMessage(msg, opts, buf);
}
