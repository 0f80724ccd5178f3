/**
 * Builders and probes shared by the ofproto tests: messages built by hand
 * (field names as the spec's), a Bridge on a hand-driven clock, a snapshot
 * of everything a request could change, and an assertion that a refused
 * request raised the expected error and changed nothing.
 */
import type { Test } from 'tap';
import { LinearClassifier } from '../../lib/classifier/linear.js';
import { DummyNetdev } from '../../lib/netdev/dummy.js';
import { Bridge, type BridgeOptions } from '../../lib/ofproto/bridge.js';
import { ManualClock } from '../../lib/ofproto/clock.js';
import type { Rule } from '../../lib/ofproto/rule.js';
import type { AsyncEvent } from '../../lib/ofproto/switch-api.js';
import {
  OFP_NO_BUFFER,
  OFPAT,
  OFPFC,
  OFPG,
  OFPGC,
  OFPGT,
  OFPIT,
  OFPMC,
  OFPMP,
  OFPP,
  OFPT,
  OFPTT,
  OfpError,
  errorCodeName,
  errorTypeName,
} from '../../lib/openflow/index.js';
import type {
  Action,
  Bucket,
  FlowMod,
  FlowStats,
  FlowStatsRequest,
  GroupMod,
  Instruction,
  Match,
  MeterBand,
  MeterMod,
  MultipartReply,
  MultipartRequestBody,
  OfpMessage,
  OxmBasic,
} from '../../lib/openflow/index.js';

export const ORIGIN = { connId: 1 };

export interface TestBridge {
  bridge: Bridge;
  clock: ManualClock;
  events: AsyncEvent[];
}

/** A bridge with ports 1..nPorts (dummy devices p1, p2, ...), a manual clock, and its async events recorded. */
export function testBridge(options: Partial<BridgeOptions> & { nPorts?: number; linear?: boolean } = {}): TestBridge {
  const clock = new ManualClock(1000);
  const bridge = new Bridge({
    datapathId: 1n,
    clock,
    ...(options.linear ? { classifier: () => new LinearClassifier<Rule>() } : {}),
    ...options,
  });
  const events: AsyncEvent[] = [];
  for (let p = 1; p <= (options.nPorts ?? 3); p++) bridge.addPort(new DummyNetdev(`p${p}`), p);
  bridge.onAsync((e) => events.push(e));
  return { bridge, clock, events };
}

/* ---------------------------------------------------------------- builders */

export const f = (field: OxmBasic['field'], value: OxmBasic['value'], mask?: OxmBasic['mask']): OxmBasic =>
  mask === undefined ? { field, value } : { field, value, mask };

export const output = (port: number, max_len = 0): Action => ({ type: OFPAT.OUTPUT, port, max_len });
export const group = (group_id: number): Action => ({ type: OFPAT.GROUP, group_id });
export const setField = (field: OxmBasic['field'], value: OxmBasic['value']): Action => ({
  type: OFPAT.SET_FIELD,
  field: { field, value },
});
export const apply = (...actions: Action[]): Instruction => ({ type: OFPIT.APPLY_ACTIONS, actions });
export const write = (...actions: Action[]): Instruction => ({ type: OFPIT.WRITE_ACTIONS, actions });
export const gotoTable = (table_id: number): Instruction => ({ type: OFPIT.GOTO_TABLE, table_id });
export const meterInst = (meter_id: number): Instruction => ({ type: OFPIT.METER, meter_id });

export function flowMod(command: OFPFC, match: Match, instructions: Instruction[] = [], more: Partial<FlowMod> = {}): FlowMod {
  return {
    type: OFPT.FLOW_MOD,
    xid: 1,
    cookie: 0n,
    cookie_mask: 0n,
    table_id: 0,
    command,
    idle_timeout: 0,
    hard_timeout: 0,
    priority: 0x8000,
    buffer_id: OFP_NO_BUFFER,
    out_port: OFPP.ANY,
    out_group: OFPG.ANY,
    flags: 0,
    match,
    instructions,
    ...more,
  };
}

export const add = (match: Match, instructions: Instruction[] = [], more: Partial<FlowMod> = {}): FlowMod =>
  flowMod(OFPFC.ADD, match, instructions, more);

export function groupMod(command: OFPGC, group_id: number, group_type: OFPGT, buckets: Bucket[]): GroupMod {
  return { type: OFPT.GROUP_MOD, xid: 1, command, group_type, group_id, buckets };
}

export const bucket = (actions: Action[], more: Partial<Bucket> = {}): Bucket => ({
  weight: 0,
  watch_port: OFPP.ANY,
  watch_group: OFPG.ANY,
  actions,
  ...more,
});

export function meterMod(command: OFPMC, meter_id: number, flags: number, bands: MeterBand[]): MeterMod {
  return { type: OFPT.METER_MOD, xid: 1, command, flags, meter_id, bands };
}

export function multipart(body: MultipartRequestBody): OfpMessage {
  return { type: OFPT.MULTIPART_REQUEST, xid: 7, flags: 0, ...body } as OfpMessage;
}

/* ------------------------------------------------------------------ probes */

/** Handles `msg` synchronously (no datapath attached, so nothing waits). */
export function handle(b: Bridge, msg: OfpMessage): OfpMessage[] {
  const r = b.handle(msg, ORIGIN);
  if (r instanceof Promise) throw new Error('handle() returned a promise');
  return r;
}

/** The body of a multipart reply. */
export function mp<T>(b: Bridge, body: MultipartRequestBody): T {
  const [reply] = handle(b, multipart(body)) as MultipartReply[];
  return (reply as unknown as { body: T }).body;
}

export const ALL_FLOWS: FlowStatsRequest = {
  table_id: OFPTT.ALL,
  out_port: OFPP.ANY,
  out_group: OFPG.ANY,
  cookie: 0n,
  cookie_mask: 0n,
  match: [],
};

export function flows(b: Bridge, filter: Partial<FlowStatsRequest> = {}): FlowStats[] {
  return mp<FlowStats[]>(b, { mp_type: OFPMP.FLOW, body: { ...ALL_FLOWS, ...filter } });
}

/** Everything a request could change, as plain data (durations left out: they move with the clock). */
export function snapshot(b: Bridge): unknown {
  return {
    version: b.version,
    flows: flows(b).map(({ duration_sec: _s, duration_nsec: _n, ...rest }) => rest),
    tables: mp(b, { mp_type: OFPMP.TABLE }),
    groups: mp(b, { mp_type: OFPMP.GROUP_DESC }),
    groupStats: mp<{ duration_sec: number; duration_nsec: number }[]>(b, { mp_type: OFPMP.GROUP, body: { group_id: OFPG.ALL } }).map(
      ({ duration_sec: _s, duration_nsec: _n, ...rest }) => rest,
    ),
    meters: mp(b, { mp_type: OFPMP.METER_CONFIG, body: { meter_id: 0xffffffff } }),
    ports: mp(b, { mp_type: OFPMP.PORT_DESC }),
  };
}

/** "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ" */
export const errName = (type: number, code: number): string => `${errorTypeName(type)}/${errorCodeName(type, code)}`;

/**
 * Asserts that handling `msg` throws OfpError(type, code) and leaves the
 * bridge exactly as it was, events included.
 */
export function refuses(t: Test, tb: TestBridge, msg: OfpMessage, type: number, code: number, what?: string): void {
  const before = snapshot(tb.bridge);
  const nEvents = tb.events.length;
  let got = 'no error';
  try {
    handle(tb.bridge, msg);
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    got = errName(e.type, e.code);
  }
  t.equal(got, errName(type, code), what ?? `refused with ${errName(type, code)}`);
  t.same(snapshot(tb.bridge), before, 'and nothing changed');
  t.equal(tb.events.length, nEvents, 'and no event was sent');
}

/** The flow_removed events recorded so far (and forgets them). */
export function takeRemoved(tb: TestBridge): { reason: number; priority: number; cookie: bigint }[] {
  const out = tb.events.filter((e) => e.kind === 'flow-removed').map((e) => (e as Extract<AsyncEvent, { kind: 'flow-removed' }>).msg);
  tb.events.length = 0;
  return out;
}

export { OFPAT, OFPFC, OFPG, OFPGC, OFPGT, OFPIT, OFPMC, OFPMP, OFPP, OFPT, OFPTT };
