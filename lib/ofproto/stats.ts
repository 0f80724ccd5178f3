/**
 * OFPT_MULTIPART_REQUEST → the reply, for every OpenFlow 1.3 multipart type
 * (§7.3.5). A reply is returned whole with flags 0: the connection cuts it
 * into messages.
 *
 * Flow and aggregate statistics take every filter of ofp_flow_stats_request:
 * table_id (one table, or OFPTT_ALL; a table that does not exist is
 * OFPBRC_BAD_TABLE_ID), out_port and out_group (OFPP_ANY / OFPG_ANY for
 * none), cookie/cookie_mask, and the match, used loosely as a non-strict
 * delete would (the match is checked as a flow_mod's is, errors included).
 * Entries come in table order, highest priority first.
 *
 * Where the spec leaves the answer open we answer as Open vSwitch does:
 * port stats for a port that does not exist are an empty list; queue
 * stats, with no queues configured, are an empty list for OFPP_ANY and
 * OFPQ_ALL, OFPQOFC_BAD_PORT for a port that does not exist, and
 * OFPQOFC_BAD_QUEUE for any particular queue; group stats for a group
 * that does not exist are an empty list, meter stats and config for a meter
 * that does not exist OFPMMFC_UNKNOWN_METER.
 */
import { OFPG, OFPMP, OFPP, OFPQ_ALL, OFPT, OFPTT } from '../openflow/constants.js';
import { OFPBRC, OFPET, OFPQOFC, OfpError } from '../openflow/errors.js';
import type {
  AggregateStats,
  FlowStats,
  FlowStatsRequest,
  MultipartReply,
  MultipartReplyBody,
  MultipartRequest,
  OfpMessage,
} from '../openflow/types.js';
import type { Bridge } from './bridge.js';
import { durationOf } from './clock.js';
import { looseTargets } from './flow-mod.js';
import { compileMatch } from './match.js';
import type { Rule } from './rule.js';
import { applyTableFeatures } from './reshape.js';
import { describeTable } from './table-features.js';

export function handleMultipart(b: Bridge, req: MultipartRequest): OfpMessage[] | Promise<OfpMessage[]> {
  const reply = (body: MultipartReplyBody): OfpMessage[] => [
    { type: OFPT.MULTIPART_REPLY, xid: req.xid, flags: 0, ...body } as MultipartReply,
  ];
  const now = b.clock.now();
  switch (req.mp_type) {
    case OFPMP.DESC:
      return reply({ mp_type: OFPMP.DESC, body: { ...b.desc } });
    case OFPMP.FLOW:
      return reply({ mp_type: OFPMP.FLOW, body: selectRules(b, req.body).map((r) => flowStats(r, now)) });
    case OFPMP.AGGREGATE:
      return reply({ mp_type: OFPMP.AGGREGATE, body: aggregate(selectRules(b, req.body)) });
    case OFPMP.TABLE:
      return reply({
        mp_type: OFPMP.TABLE,
        body: [...b.pipeline.allTables()].map((t) => ({
          table_id: t.id,
          active_count: t.nRules,
          lookup_count: BigInt(t.lookups),
          matched_count: BigInt(t.matched),
        })),
      });
    case OFPMP.PORT_STATS:
      return reply({ mp_type: OFPMP.PORT_STATS, body: b.ports.stats(req.body.port_no) });
    case OFPMP.QUEUE:
      queueStats(b, req.body.port_no >>> 0, req.body.queue_id >>> 0);
      return reply({ mp_type: OFPMP.QUEUE, body: [] });
    case OFPMP.GROUP:
      return reply({ mp_type: OFPMP.GROUP, body: b.groups.stats(req.body.group_id, b.pipeline, now) });
    case OFPMP.GROUP_DESC:
      return reply({ mp_type: OFPMP.GROUP_DESC, body: b.groups.desc() });
    case OFPMP.GROUP_FEATURES:
      return reply({ mp_type: OFPMP.GROUP_FEATURES, body: b.groups.features() });
    case OFPMP.METER:
      return reply({ mp_type: OFPMP.METER, body: b.meters.stats(req.body.meter_id, b.pipeline, now) });
    case OFPMP.METER_CONFIG:
      return reply({ mp_type: OFPMP.METER_CONFIG, body: b.meters.config(req.body.meter_id) });
    case OFPMP.METER_FEATURES:
      return reply({ mp_type: OFPMP.METER_FEATURES, body: b.meters.features() });
    case OFPMP.TABLE_FEATURES: {
      const describe = (): OfpMessage[] =>
        reply({ mp_type: OFPMP.TABLE_FEATURES, body: [...b.pipeline.allTables()].map((t) => describeTable(t.id, t.caps)) });
      if (req.body.length === 0) return describe();
      const done = applyTableFeatures(b, req.body);
      return done instanceof Promise ? done.then(describe) : describe();
    }
    case OFPMP.PORT_DESC:
      return reply({ mp_type: OFPMP.PORT_DESC, body: b.ports.sorted().map((p) => p.desc()) });
    case OFPMP.EXPERIMENTER:
      throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_EXPERIMENTER, `experimenter 0x${req.body.experimenter.toString(16)}`);
  }
}

/** The rules a flow or aggregate stats request selects, in table order and then by descending priority. */
export function selectRules(b: Bridge, q: FlowStatsRequest): Rule[] {
  if (q.table_id !== OFPTT.ALL && b.pipeline.table(q.table_id) === undefined) {
    throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_TABLE_ID, `table ${q.table_id}`);
  }
  const m = compileMatch(q.match, b.flowEnv.scratch);
  const tables = q.table_id === OFPTT.ALL ? [...b.pipeline.allTables()] : [b.pipeline.table(q.table_id)!];
  const outPort = q.out_port >>> 0;
  const outGroup = q.out_group >>> 0;
  const out: Rule[] = [];
  for (const t of tables) {
    const found = looseTargets(b.pipeline.version, t, q, m).filter(
      (r) => (outPort === OFPP.ANY || r.outputsTo(outPort)) && (outGroup === OFPG.ANY || r.sendsToGroup(outGroup)),
    );
    found.sort((x, y) => y.priority - x.priority);
    out.push(...found);
  }
  return out;
}

export function flowStats(r: Rule, now: number): FlowStats {
  const [duration_sec, duration_nsec] = durationOf(r.created, now);
  return {
    table_id: r.tableId,
    duration_sec,
    duration_nsec,
    priority: r.priority,
    idle_timeout: r.idleTimeout,
    hard_timeout: r.hardTimeout,
    flags: r.flags,
    cookie: r.cookie,
    packet_count: BigInt(r.packets),
    byte_count: BigInt(r.bytes),
    match: r.match,
    instructions: [...r.instructions],
  };
}

function aggregate(rules: readonly Rule[]): AggregateStats {
  let packets = 0;
  let bytes = 0;
  for (const r of rules) {
    packets += r.packets;
    bytes += r.bytes;
  }
  return { packet_count: BigInt(packets), byte_count: BigInt(bytes), flow_count: rules.length };
}

/** No port has queues: what Open vSwitch answers then (see the essay above). */
function queueStats(b: Bridge, portNo: number, queueId: number): void {
  if (portNo !== OFPP.ANY && b.ports.get(portNo) === undefined) {
    throw new OfpError(OFPET.QUEUE_OP_FAILED, OFPQOFC.BAD_PORT, `port 0x${portNo.toString(16)}`);
  }
  if (queueId !== OFPQ_ALL) throw new OfpError(OFPET.QUEUE_OP_FAILED, OFPQOFC.BAD_QUEUE, `queue ${queueId}`);
}
