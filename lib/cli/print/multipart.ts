/**
 * The bodies of multipart (statistics) requests and replies, as ovs-ofctl
 * prints them after `OFPST_<TYPE> request|reply (OF1.3) (xid=..):` — the
 * one-line requests (" port_no=ANY", " group_id=ALL", " meter=all"), and
 * the replies' per-entry layouts, which come from flows.ts, ports.ts,
 * groups.ts, meters.ts and tables.ts. A reply whose entry ovs-ofctl
 * refuses prints the entries before it (`eachEntry`), then the error.
 */
import { OFPMP, OFPMPF_REPLY } from '../../openflow/constants.js';
import type { MultipartReply, MultipartRequest, QueueStats } from '../../openflow/types.js';
import { formatFlowStats, formatFlowStatsRequestBody } from './flows.js';
import { formatGroupDescs, formatGroupFeatures, formatGroupId, formatGroupStats } from './groups.js';
import { formatMeterConfig, formatMeterFeatures, formatMeterId, formatMeterStatsEntry } from './meters.js';
import { verbosityOf, type PrintOptions } from './options.js';
import { formatPhyPorts, formatPort, formatPortStats, isOvsPortNumber } from './ports.js';
import { formatOnfFlowMonitorRequest, isOnfFlowMonitor } from './onf-monitor.js';
import { eachEntry, reject } from './reject.js';
import { formatTableFeatures, formatTableStats } from './tables.js';
import { formatDuration, rawText } from './text.js';

function queueName(q: number): string {
  return q >>> 0 === 0xffffffff ? 'ALL' : String(q >>> 0);
}

function formatQueueStats(list: readonly QueueStats[], opts: PrintOptions): string {
  let s = ` ${list.length} queues\n`;
  if (verbosityOf(opts) < 1) return s;
  for (const q of list) {
    const n = (v: bigint): string => (v === 0xffffffffffffffffn ? '?' : v.toString());
    s += `  port ${formatPort(q.port_no, opts)} queue ${queueName(q.queue_id)}: bytes=${n(q.tx_bytes)}, pkts=${n(q.tx_packets)}, errors=${n(q.tx_errors)}, `;
    s += `duration=${q.duration_sec >>> 0 === 0xffffffff ? '?' : formatDuration(q.duration_sec, q.duration_nsec)}\n`;
  }
  return s;
}

/** The body of an OFPT_MULTIPART_REQUEST line, by multipart type. */
export function formatMultipartRequest(m: MultipartRequest, opts: PrintOptions): string {
  switch (m.mp_type) {
    case OFPMP.DESC:
    case OFPMP.TABLE:
    case OFPMP.GROUP_FEATURES:
    case OFPMP.METER_FEATURES:
      return '';
    case OFPMP.PORT_DESC:
      return ' port=ANY';
    case OFPMP.GROUP_DESC:
      return ' group_id=ALL';
    case OFPMP.FLOW:
    case OFPMP.AGGREGATE:
      return formatFlowStatsRequestBody(m.body, opts);
    case OFPMP.PORT_STATS:
      if (!isOvsPortNumber(m.body.port_no)) reject('OFPBAC_BAD_OUT_PORT', `port ${m.body.port_no}`);
      return ` port_no=${formatPort(m.body.port_no, opts)}`;
    case OFPMP.QUEUE:
      if (!isOvsPortNumber(m.body.port_no)) reject('OFPBAC_BAD_OUT_PORT', `port ${m.body.port_no}`);
      return ` port=${formatPort(m.body.port_no, opts)} queue=${queueName(m.body.queue_id)}`;
    case OFPMP.GROUP:
      return ` group_id=${formatGroupId(m.body.group_id)}`;
    case OFPMP.METER:
    case OFPMP.METER_CONFIG:
      return ` ${formatMeterId(m.body.meter_id, '=')}`;
    case OFPMP.TABLE_FEATURES:
      return formatTableFeatures(m.body);
    case OFPMP.EXPERIMENTER:
      return isOnfFlowMonitor(m.body.experimenter, m.body.exp_type) ? formatOnfFlowMonitorRequest(m.body.data, opts) : '';
  }
}

/** The body of an OFPT_MULTIPART_REPLY, by multipart type. */
export function formatMultipartReply(m: MultipartReply, opts: PrintOptions): string {
  switch (m.mp_type) {
    case OFPMP.DESC: {
      const d = m.body;
      return (
        `\nManufacturer: ${rawText(d.mfr_desc)}\nHardware: ${rawText(d.hw_desc)}\nSoftware: ${rawText(d.sw_desc)}\n` +
        `Serial Num: ${rawText(d.serial_num)}\nDP Description: ${rawText(d.dp_desc)}\n`
      );
    }
    case OFPMP.FLOW:
      return eachEntry(m.body, (fs) => '\n ' + formatFlowStats(fs, { ...opts, strict: true }));
    case OFPMP.AGGREGATE:
      return ` packet_count=${m.body.packet_count} byte_count=${m.body.byte_count} flow_count=${m.body.flow_count >>> 0}`;
    case OFPMP.TABLE:
      return formatTableStats(m.body);
    case OFPMP.PORT_STATS: {
      const s = ` ${m.body.length} ports\n`;
      return verbosityOf(opts) < 1 ? s : s + m.body.map((ps) => formatPortStats(ps, opts)).join('');
    }
    case OFPMP.QUEUE:
      return formatQueueStats(m.body, opts);
    case OFPMP.GROUP:
      return formatGroupStats(m.body);
    case OFPMP.GROUP_DESC:
      return eachEntry(m.body, (d) => formatGroupDescs([d], opts));
    case OFPMP.GROUP_FEATURES:
      return formatGroupFeatures(m.body);
    case OFPMP.METER:
      return eachEntry(m.body, (ms) => '\n' + formatMeterStatsEntry(ms));
    case OFPMP.METER_CONFIG:
      return eachEntry(m.body, (mc) => '\n' + formatMeterConfig(mc));
    case OFPMP.METER_FEATURES:
      return formatMeterFeatures(m.body);
    case OFPMP.TABLE_FEATURES:
      return formatTableFeatures(m.body);
    case OFPMP.PORT_DESC:
      for (const p of m.body) if (!isOvsPortNumber(p.port_no)) reject('OFPBAC_BAD_OUT_PORT', `port ${p.port_no}`);
      return '\n' + formatPhyPorts(m.body, opts);
    case OFPMP.EXPERIMENTER:
      return '';
  }
}

/** " flags=[more]" and friends, printed after a multipart header. */
export function multipartFlags(flags: number): string {
  if (!flags) return '';
  let s = ' flags=';
  if (flags & OFPMPF_REPLY.MORE) {
    s += '[more]';
    flags &= ~OFPMPF_REPLY.MORE;
  }
  if (flags) s += `[***unknown flags 0x${flags.toString(16).padStart(4, '0')}***]`;
  return s;
}

