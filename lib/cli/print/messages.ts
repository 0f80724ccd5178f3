/**
 * Each OpenFlow 1.3 message's text after its header line's colon, as
 * ovs-ofctl's `ofp_to_string__` writes it: one function per message type,
 * dispatched on `type` (and `mp_type` for multipart) with an exhaustive
 * switch. The header line and the decode-error fallback live in index.ts;
 * the per-structure layouts in flows.ts, groups.ts, meters.ts, ports.ts,
 * tables.ts.
 *
 * A body either starts with a space (text on the header line) or with a
 * newline (a block below it); the caller trims a trailing space and ends
 * the text with a newline, exactly as ovs-ofctl does.
 */
import { OFPCR_ROLE, OFPMP, OFPPR, OFPQT, OFPT } from '../../openflow/constants.js';
import type {
  AsyncConfig,
  ErrorMsg,
  Experimenter,
  FeaturesReply,
  Hello,
  OfpMessage,
  PacketIn,
  PacketOut,
  PortMod,
  QueueGetConfigReply,
  RoleMessage,
  SwitchConfig,
} from '../../openflow/types.js';
import { formatActionList } from './actions.js';
import { ovsErrorName } from './error-names.js';
import { formatOvsMatch, type OvsMatch } from './flow-match.js';
import { formatFlowModBody, formatFlowRemovedBody } from './flows.js';
import { formatGroupModBody } from './groups.js';
import { formatMeterModBody } from './meters.js';
import { formatMultipartReply, formatMultipartRequest, multipartFlags } from './multipart.js';
import { verbosityOf, type PrintOptions } from './options.js';
import { applyOxm } from './oxm-match.js';
import { formatPacketSummary } from './packet-summary.js';
import { formatPhyPort, formatPort, isOvsPortNumber, portConfigNames, portFeatureNames } from './ports.js';
import { isOnfFlowMonitor } from './onf-monitor.js';
import { OvsReject, reject } from './reject.js';
import { bitNames, hexDump, hexDumpBytes } from './text.js';

/** Formats a nested message (the payload of an OFPT_ERROR) from its bytes. */
export type BytesFormatter = (buf: Buffer, opts: PrintOptions) => string;

export interface BodyContext {
  readonly opts: PrintOptions;
  /** The message's bytes, for the hex dumps some layouts include. */
  readonly raw: () => Buffer;
  /** ofp_to_string, for the request an error message carries. */
  readonly formatBytes: BytesFormatter;
}

/* ------------------------------------------------------------ names */

const MP_NAMES: Readonly<Record<number, string>> = {
  [OFPMP.DESC]: 'OFPST_DESC',
  [OFPMP.FLOW]: 'OFPST_FLOW',
  [OFPMP.AGGREGATE]: 'OFPST_AGGREGATE',
  [OFPMP.TABLE]: 'OFPST_TABLE',
  [OFPMP.PORT_STATS]: 'OFPST_PORT',
  [OFPMP.QUEUE]: 'OFPST_QUEUE',
  [OFPMP.GROUP]: 'OFPST_GROUP',
  [OFPMP.GROUP_DESC]: 'OFPST_GROUP_DESC',
  [OFPMP.GROUP_FEATURES]: 'OFPST_GROUP_FEATURES',
  [OFPMP.METER]: 'OFPST_METER',
  [OFPMP.METER_CONFIG]: 'OFPST_METER_CONFIG',
  [OFPMP.METER_FEATURES]: 'OFPST_METER_FEATURES',
  [OFPMP.TABLE_FEATURES]: 'OFPST_TABLE_FEATURES',
  [OFPMP.PORT_DESC]: 'OFPST_PORT_DESC',
};

/** Nicira (0x2320) message subtypes this printer knows, with their bodies. */
const NX_MESSAGES: Readonly<Record<number, string>> = {
  12: 'NXT_SET_FLOW_FORMAT',
  15: 'NXT_FLOW_MOD_TABLE_ID',
  16: 'NXT_SET_PACKET_IN_FORMAT',
  18: 'NXT_FLOW_AGE',
  20: 'NXT_SET_CONTROLLER_ID',
};

const NX_VENDOR = 0x00002320;

/** "OFPST_FLOW reply", or undefined for a multipart type ovs-ofctl does not know. */
export function multipartName(type: OFPT.MULTIPART_REQUEST | OFPT.MULTIPART_REPLY, mpType: number): string | undefined {
  const name = MP_NAMES[mpType];
  return name === undefined ? undefined : `${name} ${type === OFPT.MULTIPART_REQUEST ? 'request' : 'reply'}`;
}

/**
 * The name ovs-ofctl gives a message ("OFPT_FLOW_MOD", "OFPST_PORT reply"),
 * or an OvsReject when it would not recognise the message at all (it then
 * prints the error without a header line).
 */
export function messageName(msg: OfpMessage): string {
  switch (msg.type) {
    case OFPT.MULTIPART_REQUEST:
    case OFPT.MULTIPART_REPLY: {
      const dir = msg.type === OFPT.MULTIPART_REQUEST ? 'request' : 'reply';
      if (msg.mp_type === OFPMP.EXPERIMENTER) {
        const e = msg.body;
        // The ONF flow monitor request is the one experimenter multipart printed here (onf-monitor.ts).
        if (msg.type === OFPT.MULTIPART_REQUEST && isOnfFlowMonitor(e.experimenter, e.exp_type)) return 'ONFST_FLOW_MONITOR request';
        return reject(e.experimenter >>> 0 === NX_VENDOR ? 'OFPBRC_BAD_SUBTYPE' : 'OFPBRC_BAD_VENDOR');
      }
      return `${MP_NAMES[msg.mp_type]} ${dir}`;
    }
    case OFPT.EXPERIMENTER: {
      if (msg.experimenter >>> 0 !== NX_VENDOR) return reject('OFPBRC_BAD_VENDOR');
      return NX_MESSAGES[msg.exp_type] ?? reject('OFPBRC_BAD_SUBTYPE');
    }
    default:
      return `OFPT_${OFPT[msg.type]}`;
  }
}

/** " (OF1.3) (xid=0x2):", the rest of the header line. */
export function versionAndXid(version: number, xid: number): string {
  const v = version === 1 ? '' : version >= 2 && version <= 6 ? ` (OF1.${version - 1})` : ` (OF 0x${version.toString(16).padStart(2, '0')})`;
  return `${v} (xid=0x${(xid >>> 0).toString(16)}):`;
}

/* ------------------------------------------------------- small bodies */

function formatHello(msg: Hello, ctx: BodyContext): string {
  const version = msg.version ?? 4;
  // Without a usable version bitmap, a hello offers every version up to its own.
  let allowed = version >= 1 && version < 31 ? (((1 << (version + 1)) - 1) & ~1) >>> 0 : 0;
  let ok = msg.trailing === undefined || msg.trailing.length === 0;
  for (const e of msg.elements) {
    const first = 'bitmaps' in e && e.bitmaps.length ? (e.bitmaps[0]! & ~1) >>> 0 : 0;
    if (first) allowed = first;
    else ok = false;
  }
  const versions: string[] = [];
  for (let i = 0; i < 32; i++) if ((allowed >>> i) & 1) versions.push(`0x${i.toString(16).padStart(2, '0')}`);
  let s = `\n version bitmap: ${versions.join(', ')}`;
  if (!ok) s += `\n unknown data in hello:\n${hexDump(ctx.raw())}`;
  return s;
}

/** `ds_put_printable`: printable ASCII as is, everything else as an octal escape. */
function printable(buf: Buffer): string {
  let s = '';
  for (const c of buf) s += c < 0x20 || c > 0x7e || c === 0x5c || c === 0x22 ? `\\${c.toString(8).padStart(3, '0')}` : String.fromCharCode(c);
  return s;
}

function formatError(msg: ErrorMsg, ctx: BodyContext): string {
  const name = 'code' in msg ? ovsErrorName(msg.err_type, msg.code) : undefined;
  if (name === undefined) return reject('OFPBRC_BAD_LEN', 'an error ovs-ofctl does not know');
  let s = ` ${name}\n`;
  if (name === 'OFPHFC_INCOMPATIBLE' || name === 'OFPHFC_EPERM') s += printable(msg.data);
  else s += ctx.formatBytes(msg.data, { ...ctx.opts, verbosity: 1 });
  return s;
}

function formatEcho(data: Buffer, ctx: BodyContext): string {
  let s = ` ${data.length} bytes of payload\n`;
  if (verbosityOf(ctx.opts) > 1) s += hexDump(data);
  return s;
}

const CAPABILITY_NAMES: ReadonlyMap<number, string> = new Map([
  [1 << 0, 'FLOW_STATS'],
  [1 << 1, 'TABLE_STATS'],
  [1 << 2, 'PORT_STATS'],
  [1 << 3, 'GROUP_STATS'],
  [1 << 5, 'IP_REASM'],
  [1 << 6, 'QUEUE_STATS'],
  [1 << 8, 'PORT_BLOCKED'],
]);

function formatFeaturesReply(m: FeaturesReply): string {
  let s = ` dpid:${m.datapath_id.toString(16).padStart(16, '0')}\n`;
  s += `n_tables:${m.n_tables}, n_buffers:${m.n_buffers >>> 0}`;
  if (m.auxiliary_id) s += `, auxiliary_id:${m.auxiliary_id}`;
  // Open vSwitch drops capability bits OF1.3 does not define.
  return s + `\ncapabilities: ${bitNames(m.capabilities & 0x16f, (b) => CAPABILITY_NAMES.get(b))}\n`;
}

const FRAG_NAMES = ['normal', 'drop', 'reassemble', 'nx-match'];

function formatSwitchConfig(m: SwitchConfig): string {
  return ` frags=${FRAG_NAMES[m.flags & 3]} miss_send_len=${m.miss_send_len}\n`;
}

const PACKET_IN_REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];

/** The packet-in's match fields as Open vSwitch keeps them: unknown fields are skipped, not refused. */
function packetInMetadata(m: PacketIn): OvsMatch {
  const md: OvsMatch = {};
  const seen = new Set<string>();
  for (const f of m.match) {
    try {
      applyOxm(md, f, seen);
    } catch (e) {
      if (!(e instanceof OvsReject) || e.code !== 'OFPBMC_BAD_FIELD') throw e;
    }
  }
  return md;
}

function formatPacketIn(m: PacketIn, ctx: BodyContext): string {
  const md = packetInMetadata(m);
  let s = '';
  if (m.table_id) s += ` table_id=${m.table_id}`;
  if (m.cookie !== 0xffffffffffffffffn) s += ` cookie=0x${m.cookie.toString(16)}`;
  s += ` total_len=${m.total_len} ${formatOvsMatch(md, 0x8000, ctx.opts)}`;
  // Open vSwitch names no reason it does not know: "(via )".
  s += ` (via ${PACKET_IN_REASONS[m.reason] ?? ''})`;
  s += ` data_len=${m.data.length}`;
  if (m.buffer_id >>> 0 === 0xffffffff) {
    s += ' (unbuffered)';
    if (m.total_len !== m.data.length) s += ' (***total_len != data_len***)';
  } else {
    s += ` buffer=0x${(m.buffer_id >>> 0).toString(16).padStart(8, '0')}`;
    if (m.total_len < m.data.length) s += ' (***total_len < data_len***)';
  }
  s += '\n';
  const v = verbosityOf(ctx.opts);
  if (v > 0) s += formatPacketSummary(m.data, ctx.opts);
  if (v > 2) s += hexDumpBytes(m.data);
  return s;
}

function formatPacketOut(m: PacketOut, ctx: BodyContext): string {
  if (!isOvsPortNumber(m.in_port)) reject('OFPBAC_BAD_OUT_PORT', `in_port ${m.in_port}`);
  const actions = formatActionList(m.actions, { opts: ctx.opts, strict: true }) || 'drop';
  let s = ` in_port=${formatPort(m.in_port, ctx.opts)} actions=${actions}`;
  if (m.buffer_id >>> 0 === 0xffffffff) {
    s += ` data_len=${m.data.length}`;
    const v = verbosityOf(ctx.opts);
    if (v > 0 && m.data.length > 0) s += '\n' + formatPacketSummary(m.data, ctx.opts);
    if (v > 2) s += hexDumpBytes(m.data);
  } else {
    s += ` buffer=0x${(m.buffer_id >>> 0).toString(16).padStart(8, '0')}`;
  }
  return s;
}

function formatPortMod(m: PortMod, ctx: BodyContext): string {
  if (!isOvsPortNumber(m.port_no)) reject('OFPBAC_BAD_OUT_PORT', `port ${m.port_no}`);
  let s = ` port: ${formatPort(m.port_no, ctx.opts)}: addr:${m.hw_addr}\n`;
  // Only the bits the mask selects are part of the request.
  s += `     config: ${portConfigNames(m.config & m.mask)}\n`;
  s += `     mask:   ${portConfigNames(m.mask)}\n`;
  s += `     advertise: ${m.advertise & 0xffff ? portFeatureNames(m.advertise) : 'UNCHANGED'}\n`;
  return s;
}

const ROLE_NAMES: Readonly<Record<number, string>> = {
  [OFPCR_ROLE.NOCHANGE]: 'nochange',
  [OFPCR_ROLE.EQUAL]: 'equal',
  [OFPCR_ROLE.MASTER]: 'primary',
  [OFPCR_ROLE.SLAVE]: 'secondary',
};

function formatRole(m: RoleMessage): string {
  const name = ROLE_NAMES[m.role] ?? reject('OFPRRFC_BAD_ROLE');
  // "No change" carries no generation id; all ones means "none" too.
  const gen = m.role !== OFPCR_ROLE.NOCHANGE && m.generation_id !== 0xffffffffffffffffn ? ` generation_id=${m.generation_id}` : '';
  return ` role=${name}${gen}`;
}

const ASYNC_TYPES: readonly [string, readonly string[]][] = [
  ['PACKET_IN', PACKET_IN_REASONS],
  ['PORT_STATUS', ['add', 'delete', 'modify']],
  ['FLOW_REMOVED', ['idle', 'hard', 'delete', 'group_delete', 'meter_delete', 'eviction']],
  ['ROLE_STATUS', []],
  ['TABLE_STATUS', []],
  ['REQUESTFORWARD', []],
];

function formatAsync(m: AsyncConfig): string {
  let s = '';
  for (let i = 0; i < 2; i++) {
    s += `\n ${i === 0 ? 'primary' : 'secondary'}:\n`;
    // The reasons an OF1.3 message can carry; other bits are dropped.
    const masks = [m.packet_in_mask[i]! & 0x7, m.port_status_mask[i]! & 0x7, m.flow_removed_mask[i]! & 0x3f, 0, 0, 0];
    ASYNC_TYPES.forEach(([name, reasons], t) => {
      const mask = masks[t]! >>> 0;
      s += name.padStart(16) + ':';
      for (let j = 0; j < 32; j++) if ((mask >>> j) & 1) s += ` ${reasons[j] ?? String(j)}`;
      s += mask ? '\n' : ' (off)\n';
    });
  }
  return s;
}

/** OFPQT rates in tenths of a percent; above 1000 means "not configured". */
function queueRate(name: string, rate: number): string {
  if (rate <= 1000) return ` ${name}:${Math.floor(rate / 10)}.${rate % 10}%`;
  if (rate < 0xffff) return ` ${name}:(disabled)`;
  return '';
}

/**
 * Open vSwitch files every queue under the port the reply names in its
 * header (not the queue's own port field), printing the port once.
 */
function formatQueueConfigReply(m: QueueGetConfigReply, ctx: BodyContext): string {
  let s = ' ';
  if (m.queues.length && m.port !== 0) s += `port=${formatPort(m.port, ctx.opts)}\n`;
  for (const q of m.queues) {
    let min = 0xffff;
    let max = 0xffff;
    for (const p of q.properties) {
      if (p.property === OFPQT.MIN_RATE) min = p.rate;
      else if (p.property === OFPQT.MAX_RATE) max = p.rate;
    }
    s += `queue ${q.queue_id >>> 0}:${queueRate('min_rate', min)}${queueRate('max_rate', max)}\n`;
  }
  return s.endsWith(' ') ? s.slice(0, -1) : s;
}

function formatExperimenter(m: Experimenter): string {
  const d = m.data;
  switch (m.exp_type) {
    case 12: // NXT_SET_FLOW_FORMAT
      return ` format=${d.length >= 4 && d.readUInt32BE(0) === 0 ? 'openflow10' : d.length >= 4 && d.readUInt32BE(0) === 2 ? 'nxm' : '(unknown)'}`;
    case 15: // NXT_FLOW_MOD_TABLE_ID
      return ` ${d[0] ? 'enable' : 'disable'}`;
    case 16: {
      // NXT_SET_PACKET_IN_FORMAT
      const f = d.length >= 4 ? d.readUInt32BE(0) : -1;
      const name = ['standard', 'nxt_packet_in', 'nxt_packet_in2'][f];
      return name === undefined ? reject('OFPBRC_EPERM') : ` format=${name}`;
    }
    case 20: // NXT_SET_CONTROLLER_ID
      return ` id=${d.length >= 8 ? d.readUInt16BE(6) : 0}`;
    default:
      return '';
  }
}

/* --------------------------------------------------------- dispatch */

/** The text after a message's header line colon. Raises OvsReject where ovs-ofctl would refuse the message. */
export function formatBody(msg: OfpMessage, ctx: BodyContext): string {
  const opts = ctx.opts;
  switch (msg.type) {
    case OFPT.HELLO:
      return formatHello(msg, ctx);
    case OFPT.ERROR:
      return formatError(msg, ctx);
    case OFPT.ECHO_REQUEST:
    case OFPT.ECHO_REPLY:
      return formatEcho(msg.data, ctx);
    case OFPT.EXPERIMENTER:
      return formatExperimenter(msg);
    case OFPT.FEATURES_REQUEST:
    case OFPT.GET_CONFIG_REQUEST:
    case OFPT.BARRIER_REQUEST:
    case OFPT.BARRIER_REPLY:
    case OFPT.GET_ASYNC_REQUEST:
      return '';
    case OFPT.FEATURES_REPLY:
      return formatFeaturesReply(msg);
    case OFPT.GET_CONFIG_REPLY:
      return formatSwitchConfig(msg);
    case OFPT.SET_CONFIG:
      // OF1.3 defines only the fragment bits; a reply may carry more, a request may not.
      if (msg.flags & ~3) reject('OFPSCFC_BAD_FLAGS', `flags 0x${msg.flags.toString(16)}`);
      return formatSwitchConfig(msg);
    case OFPT.PACKET_IN:
      return formatPacketIn(msg, ctx);
    case OFPT.FLOW_REMOVED:
      return formatFlowRemovedBody(msg, opts);
    case OFPT.PORT_STATUS: {
      if (!isOvsPortNumber(msg.desc.port_no)) reject('OFPBAC_BAD_OUT_PORT', `port ${msg.desc.port_no}`);
      const r = msg.reason === OFPPR.ADD ? ' ADD:' : msg.reason === OFPPR.DELETE ? ' DEL:' : msg.reason === OFPPR.MODIFY ? ' MOD:' : undefined;
      return (r ?? reject('NXBRC_BAD_REASON', `port status reason ${msg.reason}`)) + formatPhyPort(msg.desc, opts);
    }
    case OFPT.PACKET_OUT:
      return formatPacketOut(msg, ctx);
    case OFPT.FLOW_MOD:
      return formatFlowModBody(msg, opts);
    case OFPT.GROUP_MOD:
      return formatGroupModBody(msg, opts);
    case OFPT.PORT_MOD:
      return formatPortMod(msg, ctx);
    case OFPT.TABLE_MOD:
      return msg.table_id === 0xff ? ' table_id: ALL_TABLES' : ` table_id=${msg.table_id}`;
    case OFPT.MULTIPART_REQUEST:
    case OFPT.MULTIPART_REPLY: {
      // The flags are printed before the body is decoded, so they stay when it fails.
      const flags = multipartFlags(msg.flags);
      try {
        return flags + (msg.type === OFPT.MULTIPART_REQUEST ? formatMultipartRequest(msg, opts) : formatMultipartReply(msg, opts));
      } catch (e) {
        if (e instanceof OvsReject) e.partial = flags + e.partial;
        throw e;
      }
    }
    case OFPT.QUEUE_GET_CONFIG_REQUEST:
      return ` port=${formatPort(msg.port, opts)}`;
    case OFPT.QUEUE_GET_CONFIG_REPLY:
      return formatQueueConfigReply(msg, ctx);
    case OFPT.ROLE_REQUEST:
    case OFPT.ROLE_REPLY:
      return formatRole(msg);
    case OFPT.GET_ASYNC_REPLY:
    case OFPT.SET_ASYNC:
      return formatAsync(msg);
    case OFPT.METER_MOD:
      return formatMeterModBody(msg);
    default: {
      const never: never = msg;
      return reject('OFPBRC_BAD_TYPE', `type ${(never as { type: number }).type}`);
    }
  }
}
