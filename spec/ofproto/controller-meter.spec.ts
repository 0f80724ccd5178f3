/**
 * The virtual meter OFPM_CONTROLLER (0xfffffffe, OpenFlow 1.3.5 §5.7,
 * §7.3.4.4): METER_MOD add/modify/delete on it, the config and stats
 * replies that list it, and the packet-ins that pass through its bands,
 * on a switch with a datapath (spec/datapath/harness.ts) and a manual
 * clock, so token counts are exact.
 *
 * What Open vSwitch 3.1 shows for the same (a private instance,
 * `add-meter meter=controller,pktps,band=type=drop,rate=10`, 30 table-miss
 * packets): dump-meters lists `meter=controller`; meter-stats
 * `flow_count:0 packet_in_count:30` and the drop band's count of the
 * packets it dropped; del-meter removes it; a flow naming it is refused.
 */
import t from 'tap';
import { OFPM, OFPMBT, OFPMF, OFPMP, OFPR, OFPT } from '../../lib/openflow/constants.js';
import type { MeterBand, MeterConfig, MeterStats, OfpMessage } from '../../lib/openflow/types.js';
import { buildFrame, type FrameSpec } from '../datapath/frames.js';
import { testSwitch, type TestSwitch } from '../datapath/harness.js';
import { add, apply, meterInst, meterMod, OFPMC, output } from './util.js';

const CONTROLLER = OFPM.CONTROLLER;
const drop = (rate: number, burst_size = 0): MeterBand => ({ type: OFPMBT.DROP, rate, burst_size });
const UDP: FrameSpec = { l3: 'ipv4', nwSrc: '10.0.0.1', nwDst: '10.0.0.2', tos: 0, l4: 'udp', tpSrc: 1000, tpDst: 2000, payload: 64 };

async function body<T>(sw: TestSwitch, mp_type: OFPMP, meter_id: number): Promise<T> {
  const msg = { type: OFPT.MULTIPART_REQUEST, xid: 7, flags: 0, mp_type, body: { meter_id } } as unknown as OfpMessage;
  const [reply] = (await sw.bridge.handle(msg, { connId: 1 })) as unknown as [{ type: OFPT; body: T }];
  return reply.body;
}
const stats = (sw: TestSwitch, id = CONTROLLER): Promise<MeterStats[]> => body(sw, OFPMP.METER, id);
const config = (sw: TestSwitch, id = CONTROLLER): Promise<MeterConfig[]> => body(sw, OFPMP.METER_CONFIG, id);

/** Sends `n` table-miss packets at the current clock time; how many packet-ins the switch raised. */
function burst(sw: TestSwitch, n: number, spec: FrameSpec = UDP): number {
  const before = sw.packetIns.length;
  for (let i = 0; i < n; i++) sw.send(1, buildFrame({ ...spec, tpSrc: 1000 + (i % 4) }));
  return sw.packetIns.length - before;
}

t.test('METER_MOD add, modify and delete on OFPM_CONTROLLER; config and stats list it', async (t) => {
  const sw = testSwitch();
  t.teardown(() => sw.dp.detach());
  await sw.handle(meterMod(OFPMC.ADD, CONTROLLER, OFPMF.PKTPS | OFPMF.STATS, [drop(10)]));
  t.same(await config(sw), [{ flags: OFPMF.PKTPS | OFPMF.STATS, meter_id: CONTROLLER, bands: [drop(10)] }], 'config reply for meter 0xfffffffe');
  const all = await config(sw, OFPM.ALL);
  t.same(all.map((m) => m.meter_id), [CONTROLLER], 'and among OFPM_ALL');
  const [s] = await stats(sw);
  t.equal(s!.meter_id, CONTROLLER);
  t.equal(s!.flow_count, 0, 'no flow uses it');
  await sw.handle(meterMod(OFPMC.MODIFY, CONTROLLER, OFPMF.KBPS, [drop(500)]));
  t.same(await config(sw), [{ flags: OFPMF.KBPS, meter_id: CONTROLLER, bands: [drop(500)] }], 'MODIFY replaces it');
  await sw.handle(meterMod(OFPMC.DELETE, CONTROLLER, 0, []));
  t.same(await config(sw, OFPM.ALL), [], 'DELETE removes it');
});

t.test('packet-ins go through its drop band: excess ones are not sent, and are counted', async (t) => {
  const sw = testSwitch();
  t.teardown(() => sw.dp.detach());
  await sw.flows('priority=0,actions=controller');
  t.equal(burst(sw, 5), 5, 'without the meter every packet raises a packet-in');

  // 10 packets per second, no OFPMF_BURST: the bucket holds one second's worth, 10.
  await sw.handle(meterMod(OFPMC.ADD, CONTROLLER, OFPMF.PKTPS | OFPMF.STATS, [drop(10)]));
  t.equal(burst(sw, 30), 10, '30 at once: the first 10 pass');
  let [s] = await stats(sw);
  t.equal(s!.packet_in_count, 30n, 'all 30 entered the meter');
  t.equal(s!.band_stats[0]!.packet_band_count, 20n, 'the band dropped 20');
  t.equal(Number(s!.band_stats[0]!.byte_band_count), 20 * buildFrame(UDP).length, 'and counted their bytes');
  sw.clock.advance(500);
  t.equal(burst(sw, 30), 5, 'half a second later: 5 more tokens, 5 more packet-ins');
  sw.clock.advance(3000);
  t.equal(burst(sw, 30), 10, 'after a long pause, a full bucket again (no more than its size)');
  [s] = await stats(sw);
  t.equal(s!.packet_in_count, 90n);
  t.equal(s!.band_stats[0]!.packet_band_count, 90n - 25n);

  // Every reason: an OFPR_ACTION packet-in (output:controller in a rule that matched) too.
  await sw.flows('priority=10,udp,actions=controller,output:2');
  sw.clock.advance(3000);
  const before = sw.packetIns.length;
  let forwarded = 0;
  for (let i = 0; i < 20; i++) if (sw.send(1, buildFrame(UDP)).has(2)) forwarded++;
  const ins = sw.packetIns.slice(before);
  t.equal(ins.length, 10, 'OFPR_ACTION packet-ins are metered too');
  t.ok(ins.every((e) => e.reason === OFPR.ACTION), 'with their reason');
  t.equal(forwarded, 20, 'the meter holds back only the copies for the controller: output:2 got all 20');

  await sw.handle(meterMod(OFPMC.DELETE, CONTROLLER, 0, []));
  t.equal(burst(sw, 30), 30, 'deleted: every packet-in goes again');
});

t.test('a DSCP_REMARK band remarks the packet-in frame instead of dropping it', async (t) => {
  const sw = testSwitch();
  t.teardown(() => sw.dp.detach());
  await sw.flows('priority=0,actions=controller');
  await sw.handle(meterMod(OFPMC.ADD, CONTROLLER, OFPMF.PKTPS, [{ type: OFPMBT.DSCP_REMARK, rate: 2, burst_size: 0, prec_level: 1 }]));
  // DSCP AF11 (10): one drop-precedence step up is AF12 (12).
  const spec: FrameSpec = { ...UDP, tos: 10 << 2 };
  t.equal(burst(sw, 4, spec), 4, 'no packet-in is dropped');
  const dscp = sw.packetIns.slice(-4).map((e) => e.frame[14 + 1]! >> 2);
  t.same(dscp, [10, 10, 12, 12], 'the two beyond the rate carry AF12');
  const ip = sw.packetIns.at(-1)!.frame.subarray(14, 34);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  t.equal(sum, 0xffff, 'with a correct IPv4 header checksum');
});

t.test('OFPM_SLOWPATH stays refused; a flow may never name the controller meter', async (t) => {
  const sw = testSwitch();
  t.teardown(() => sw.dp.detach());
  await t.rejects(sw.handle(meterMod(OFPMC.ADD, OFPM.SLOWPATH, OFPMF.PKTPS, [drop(10)])), { code: 2 }, 'OFPMMFC_INVALID_METER');
  await t.rejects(sw.handle(add([], [meterInst(CONTROLLER), apply(output(2))])), { code: 2 }, 'no controller meter yet: OFPMMFC_INVALID_METER');
  await sw.handle(meterMod(OFPMC.ADD, CONTROLLER, OFPMF.PKTPS, [drop(10)]));
  // Open vSwitch 3.1 answers the same: the virtual meter is for packet-ins only.
  await t.rejects(sw.handle(add([], [meterInst(CONTROLLER), apply(output(2))])), { code: 2 }, 'with it configured: still OFPMMFC_INVALID_METER');
});
