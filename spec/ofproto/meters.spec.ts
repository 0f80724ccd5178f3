/**
 * The meter table (OpenFlow 1.3.5 §5.7, §6.6, §7.3.4.4): METER_MOD and its
 * errors, the token buckets behind `Meter.apply`, the effect of a delete on
 * flow entries, and the meter multipart replies.
 */
import t from 'tap';
import { remarkDscp } from '../../lib/ofproto/meters.js';
import { OFPET, OFPFF, OFPM, OFPMBT, OFPMF, OFPMMFC, OFPMP, OFPRR } from '../../lib/openflow/index.js';
import type { MeterBand, MeterConfig, MeterFeatures, MeterStats } from '../../lib/openflow/index.js';
import { add, apply, f, flows, handle, meterInst, meterMod, mp, multipart, OFPMC, output, refuses, takeRemoved, testBridge } from './util.js';

const drop = (rate: number, burst_size = 0): MeterBand => ({ type: OFPMBT.DROP, rate, burst_size });
const remark = (rate: number, prec_level: number): MeterBand => ({ type: OFPMBT.DSCP_REMARK, rate, burst_size: 0, prec_level });
const config = (b: ReturnType<typeof testBridge>['bridge'], id: number = OFPM.ALL): MeterConfig[] => mp(b, { mp_type: OFPMP.METER_CONFIG, body: { meter_id: id } });
const stats = (b: ReturnType<typeof testBridge>['bridge'], id: number = OFPM.ALL): MeterStats[] => mp(b, { mp_type: OFPMP.METER, body: { meter_id: id } });

t.test('ADD, MODIFY and DELETE', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, meterMod(OFPMC.ADD, 2, OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS, [drop(100, 10)]));
  handle(b, meterMod(OFPMC.ADD, 1, OFPMF.KBPS, [drop(1000), remark(500, 1)]));
  t.same(config(b), [
    { flags: OFPMF.KBPS, meter_id: 1, bands: [drop(1000), remark(500, 1)] },
    { flags: OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS, meter_id: 2, bands: [drop(100, 10)] },
  ]);
  b.meter(1)!.apply(tb.clock.now(), 1, 100);
  tb.clock.advance(3000);
  handle(b, meterMod(OFPMC.MODIFY, 1, OFPMF.PKTPS, [drop(5)]));
  t.same(config(b, 1), [{ flags: OFPMF.PKTPS, meter_id: 1, bands: [drop(5)] }], 'MODIFY replaces flags and bands');
  t.equal(stats(b, 1)[0]!.duration_sec, 3, 'and keeps the age');
  t.equal(stats(b, 1)[0]!.packet_in_count, 1n, 'and the input counters');
  handle(b, meterMod(OFPMC.DELETE, 9, 0, []));
  t.equal(config(b).length, 2, 'deleting a meter that does not exist is not an error');
  handle(b, meterMod(OFPMC.DELETE, 1, 0, []));
  t.same(config(b).map((m) => m.meter_id), [2]);
  handle(b, meterMod(OFPMC.DELETE, OFPM.ALL, 0, []));
  t.same(config(b), [], 'OFPM_ALL deletes them all');
});

t.test('METER_MOD errors', async (t) => {
  const tb = testBridge({ maxMeters: 2, maxBands: 2 });
  const b = tb.bridge;
  handle(b, meterMod(OFPMC.ADD, 1, OFPMF.KBPS, [drop(10)]));
  const bad = (msg: ReturnType<typeof meterMod>, code: OFPMMFC, what: string): void => refuses(t, tb, msg, OFPET.METER_MOD_FAILED, code, what);
  bad(meterMod(3 as OFPMC, 2, OFPMF.KBPS, [drop(1)]), OFPMMFC.BAD_COMMAND, 'an unknown command');
  bad(meterMod(OFPMC.ADD, 1, OFPMF.KBPS, [drop(1)]), OFPMMFC.METER_EXISTS, 'ADD of an existing meter');
  bad(meterMod(OFPMC.MODIFY, 2, OFPMF.KBPS, [drop(1)]), OFPMMFC.UNKNOWN_METER, 'MODIFY of a missing meter');
  bad(meterMod(OFPMC.ADD, 0, OFPMF.KBPS, [drop(1)]), OFPMMFC.INVALID_METER, 'meter 0');
  bad(meterMod(OFPMC.ADD, OFPM.MAX + 1, OFPMF.KBPS, [drop(1)]), OFPMMFC.INVALID_METER, 'above OFPM_MAX');
  bad(meterMod(OFPMC.ADD, OFPM.ALL, OFPMF.KBPS, [drop(1)]), OFPMMFC.INVALID_METER, 'OFPM_ALL');
  bad(meterMod(OFPMC.ADD, OFPM.SLOWPATH, OFPMF.KBPS, [drop(1)]), OFPMMFC.INVALID_METER, 'the slow-path meter (no slow path to meter)');
  bad(meterMod(OFPMC.ADD, 2, OFPMF.KBPS | OFPMF.PKTPS, [drop(1)]), OFPMMFC.BAD_FLAGS, 'KBPS and PKTPS');
  bad(meterMod(OFPMC.ADD, 2, OFPMF.STATS, [drop(1)]), OFPMMFC.BAD_FLAGS, 'neither KBPS nor PKTPS');
  bad(meterMod(OFPMC.ADD, 2, OFPMF.KBPS | 0x10, [drop(1)]), OFPMMFC.BAD_FLAGS, 'an unknown flag');
  bad(meterMod(OFPMC.ADD, 2, OFPMF.KBPS, [drop(0)]), OFPMMFC.BAD_RATE, 'rate 0');
  bad(meterMod(OFPMC.ADD, 2, OFPMF.KBPS | OFPMF.BURST, [drop(10, 0)]), OFPMMFC.BAD_BURST, 'OFPMF_BURST with burst_size 0');
  bad(meterMod(OFPMC.ADD, 2, OFPMF.KBPS, [remark(10, 0)]), OFPMMFC.BAD_BAND_VALUE, 'dscp_remark by prec_level 0');
  bad(meterMod(OFPMC.ADD, 2, OFPMF.KBPS, [{ type: OFPMBT.EXPERIMENTER, rate: 1, burst_size: 0, experimenter: 1, data: Buffer.alloc(0) }]), OFPMMFC.BAD_BAND, 'an experimenter band');
  bad(meterMod(OFPMC.ADD, 2, OFPMF.KBPS, [drop(1), drop(2), drop(3)]), OFPMMFC.OUT_OF_BANDS, 'more bands than max_bands');
  bad(meterMod(OFPMC.MODIFY, 1, OFPMF.KBPS, [drop(0)]), OFPMMFC.BAD_RATE, 'a bad MODIFY leaves the meter');
  handle(b, meterMod(OFPMC.ADD, 2, OFPMF.KBPS, [drop(1)]));
  bad(meterMod(OFPMC.ADD, 3, OFPMF.KBPS, [drop(1)]), OFPMMFC.OUT_OF_METERS, 'more meters than max_meter');
});

t.test('deleting a meter removes the flow entries that use it', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, meterMod(OFPMC.ADD, 1, OFPMF.KBPS, [drop(10)]));
  handle(b, add([f('in_port', 1)], [meterInst(1), apply(output(2))], { flags: OFPFF.SEND_FLOW_REM, cookie: 1n }));
  handle(b, add([f('in_port', 2)], [apply(output(1))], { cookie: 2n }));
  t.equal(stats(b, 1)[0]!.flow_count, 1, 'flow_count');
  takeRemoved(tb);
  handle(b, meterMod(OFPMC.DELETE, 1, 0, []));
  t.same(flows(b).map((x) => x.cookie), [2n]);
  t.same(takeRemoved(tb).map((r) => [r.cookie, r.reason]), [[1n, OFPRR.METER_DELETE]], 'FLOW_REMOVED with OFPRR_METER_DELETE (as OVS sends OF1.3 controllers)');
});

t.test('Meter.apply(): token buckets', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  // 10 packets/s, bursts of 5: a drop band.
  handle(b, meterMod(OFPMC.ADD, 1, OFPMF.PKTPS | OFPMF.BURST, [drop(10, 5)]));
  const m = b.meter(1)!;
  const t0 = tb.clock.now();
  const verdicts = Array.from({ length: 7 }, () => m.apply(t0, 1, 100));
  t.same(verdicts, [-1, -1, -1, -1, -1, 0, 0], 'a burst of 5 passes, then the band applies');
  t.equal(m.apply(t0 + 100, 1, 100), -1, '100 ms later one more token');
  t.equal(m.apply(t0 + 100, 1, 100), 0);
  t.equal(m.apply(t0 + 10_000, 5, 500), -1, 'the bucket refills up to the burst size only');
  t.equal(m.apply(t0 + 10_000, 1, 100), 0);
  // 80 kb/s and 16 kb/s bands: the highest rate exceeded applies.
  handle(b, meterMod(OFPMC.ADD, 2, OFPMF.KBPS, [drop(80), remark(16, 1)]));
  const k = b.meter(2)!;
  // Without OFPMF_BURST a band holds one second's worth: 16 kbit = 2000 bytes, 80 kbit = 10000 bytes.
  t.equal(k.apply(t0, 1, 1500), -1, '12 kbit: within both');
  t.equal(k.apply(t0, 1, 1500), 1, '24 kbit: over the 16 kb/s band only');
  t.equal(k.apply(t0, 5, 7500), 0, 'over 80 kb/s too: the drop band, the higher rate, applies');
  const [s] = stats(b, 2);
  t.equal(s!.packet_in_count, 7n);
  t.equal(s!.byte_in_count, 10500n);
  t.same(s!.band_stats, [
    { packet_band_count: 5n, byte_band_count: 7500n },
    { packet_band_count: 1n, byte_band_count: 1500n },
  ]);
});

t.test('remarkDscp() raises the drop precedence', async (t) => {
  t.equal(remarkDscp(10, 1), 12, 'AF11 → AF12');
  t.equal(remarkDscp(10, 2), 14, 'AF11 → AF13');
  t.equal(remarkDscp(14, 1), 14, 'AF13 stays');
  t.equal(remarkDscp(34, 1), 36, 'AF41 → AF42');
});

t.test('features and stats selectors', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  const feats = mp<MeterFeatures>(b, { mp_type: OFPMP.METER_FEATURES });
  t.same(feats, { max_meter: 65536, band_types: (1 << OFPMBT.DROP) | (1 << OFPMBT.DSCP_REMARK), capabilities: 0xf, max_bands: 8, max_color: 0 });
  refuses(t, tb, multipart({ mp_type: OFPMP.METER, body: { meter_id: 5 } }), OFPET.METER_MOD_FAILED, OFPMMFC.UNKNOWN_METER, 'stats of a meter that does not exist (as OVS)');
  refuses(t, tb, multipart({ mp_type: OFPMP.METER_CONFIG, body: { meter_id: 5 } }), OFPET.METER_MOD_FAILED, OFPMMFC.UNKNOWN_METER, 'config of one');
  t.same(stats(b), [], 'OFPM_ALL with no meters: an empty reply');
});
