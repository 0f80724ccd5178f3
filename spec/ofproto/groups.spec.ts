/**
 * The group table (OpenFlow 1.3.5 §6.5, §7.3.4.2): GROUP_MOD commands,
 * every error, chaining and loops, the effect of a delete on flow entries,
 * liveness, and the group multipart replies.
 */
import t from 'tap';
import { DummyNetdev } from '../../lib/netdev/dummy.js';
import {
  OFPBAC,
  OFPET,
  OFPFF,
  OFPG,
  OFPGFC,
  OFPGMFC,
  OFPMP,
  OFPP,
  OFPRR,
} from '../../lib/openflow/index.js';
import type { GroupDesc, GroupFeatures, GroupStats } from '../../lib/openflow/index.js';
import { add, apply, bucket, f, flows, group, groupMod, handle, mp, OFPGC, OFPGT, output, refuses, takeRemoved, testBridge, write } from './util.js';

const desc = (b: ReturnType<typeof testBridge>['bridge']): GroupDesc[] => mp(b, { mp_type: OFPMP.GROUP_DESC });
const stats = (b: ReturnType<typeof testBridge>['bridge'], id: number = OFPG.ALL): GroupStats[] => mp(b, { mp_type: OFPMP.GROUP, body: { group_id: id } });

t.test('ADD, MODIFY and DELETE', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, groupMod(OFPGC.ADD, 2, OFPGT.SELECT, [bucket([output(1)], { weight: 1 }), bucket([output(2)], { weight: 3 })]));
  handle(b, groupMod(OFPGC.ADD, 1, OFPGT.ALL, [bucket([output(1)]), bucket([output(2)])]));
  handle(b, groupMod(OFPGC.ADD, 3, OFPGT.INDIRECT, [bucket([output(3)])]));
  handle(b, groupMod(OFPGC.ADD, 4, OFPGT.FF, [bucket([output(1)], { watch_port: 1 }), bucket([output(2)], { watch_port: 2 })]));
  handle(b, groupMod(OFPGC.ADD, 5, OFPGT.ALL, []));
  t.same(desc(b).map((g) => [g.group_id, g.group_type, g.buckets.length]), [[1, OFPGT.ALL, 2], [2, OFPGT.SELECT, 2], [3, OFPGT.INDIRECT, 1], [4, OFPGT.FF, 2], [5, OFPGT.ALL, 0]], 'sorted by id');
  b.creditGroup(1, 0, 5, 500);
  tb.clock.advance(2000);
  handle(b, groupMod(OFPGC.MODIFY, 1, OFPGT.INDIRECT, [bucket([output(3)])]));
  t.same(desc(b)[0], { group_type: OFPGT.INDIRECT, group_id: 1, buckets: [bucket([output(3)])] }, 'MODIFY replaces type and buckets');
  const s = stats(b, 1)[0]!;
  t.equal(s.duration_sec, 2, 'MODIFY keeps the age');
  t.equal(s.packet_count, 0n, 'and starts the counters afresh');
  const v = b.version;
  handle(b, groupMod(OFPGC.DELETE, 9, OFPGT.ALL, []));
  t.equal(desc(b).length, 5, 'deleting a group that does not exist is not an error (§6.5)');
  t.equal(b.version, v);
  handle(b, groupMod(OFPGC.DELETE, 3, OFPGT.ALL, []));
  t.same(desc(b).map((g) => g.group_id), [1, 2, 4, 5]);
  handle(b, groupMod(OFPGC.DELETE, OFPG.ALL, OFPGT.ALL, []));
  t.same(desc(b), [], 'OFPG_ALL deletes them all');
});

t.test('GROUP_MOD errors', async (t) => {
  const tb = testBridge({ maxGroups: 2, maxBuckets: 2 });
  const b = tb.bridge;
  handle(b, groupMod(OFPGC.ADD, 1, OFPGT.ALL, [bucket([output(1)])]));
  const bad = (msg: ReturnType<typeof groupMod>, code: OFPGMFC, what: string): void => refuses(t, tb, msg, OFPET.GROUP_MOD_FAILED, code, what);
  bad(groupMod(3 as OFPGC, 2, OFPGT.ALL, []), OFPGMFC.BAD_COMMAND, 'an unknown command');
  bad(groupMod(OFPGC.ADD, 1, OFPGT.ALL, []), OFPGMFC.GROUP_EXISTS, 'ADD of an existing group');
  bad(groupMod(OFPGC.MODIFY, 2, OFPGT.ALL, []), OFPGMFC.UNKNOWN_GROUP, 'MODIFY of a missing group');
  bad(groupMod(OFPGC.ADD, OFPG.ALL, OFPGT.ALL, []), OFPGMFC.INVALID_GROUP, 'OFPG_ALL');
  bad(groupMod(OFPGC.ADD, OFPG.ANY, OFPGT.ALL, []), OFPGMFC.INVALID_GROUP, 'OFPG_ANY');
  bad(groupMod(OFPGC.ADD, OFPG.MAX + 1, OFPGT.ALL, []), OFPGMFC.INVALID_GROUP, 'above OFPG_MAX');
  bad(groupMod(OFPGC.ADD, 2, 4 as OFPGT, []), OFPGMFC.BAD_TYPE, 'type 4');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.INDIRECT, []), OFPGMFC.INVALID_GROUP, 'indirect with no bucket');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.INDIRECT, [bucket([]), bucket([])]), OFPGMFC.INVALID_GROUP, 'indirect with two buckets');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.ALL, [bucket([], { weight: 2 })]), OFPGMFC.WEIGHT_UNSUPPORTED, 'a weight outside select (OVS: INVALID_GROUP)');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.ALL, [bucket([], { watch_port: 1 })]), OFPGMFC.WATCH_UNSUPPORTED, 'a watch in an all group');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.INDIRECT, [bucket([], { watch_group: 1 })]), OFPGMFC.WATCH_UNSUPPORTED, 'a watch in an indirect group');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.FF, [bucket([output(1)])]), OFPGMFC.INVALID_GROUP, 'a fast-failover bucket that watches nothing');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.FF, [bucket([], { watch_port: 0 })]), OFPGMFC.BAD_WATCH, 'watch port 0');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.FF, [bucket([], { watch_port: OFPP.CONTROLLER })]), OFPGMFC.BAD_WATCH, 'watch port CONTROLLER');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.FF, [bucket([], { watch_group: 7 })]), OFPGMFC.BAD_WATCH, 'a watch group that does not exist');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.FF, [bucket([], { watch_group: 2 })]), OFPGMFC.LOOP, 'a group that watches itself');
  bad(groupMod(OFPGC.ADD, 2, OFPGT.ALL, [bucket([]), bucket([]), bucket([])]), OFPGMFC.OUT_OF_BUCKETS, 'more buckets than max');
  bad(groupMod(OFPGC.DELETE, 1, OFPGT.ALL, [bucket([])]), OFPGMFC.INVALID_GROUP, 'a delete with buckets (OF1.3.5)');
  refuses(t, tb, groupMod(OFPGC.ADD, 2, OFPGT.ALL, [bucket([output(0)])]), OFPET.BAD_ACTION, OFPBAC.BAD_OUT_PORT, 'a bad action in a bucket');
  refuses(t, tb, groupMod(OFPGC.ADD, 2, OFPGT.ALL, [bucket([group(9)])]), OFPET.BAD_ACTION, OFPBAC.BAD_OUT_GROUP, 'chaining to a group that does not exist');
  handle(b, groupMod(OFPGC.ADD, 2, OFPGT.ALL, []));
  bad(groupMod(OFPGC.ADD, 3, OFPGT.ALL, []), OFPGMFC.OUT_OF_GROUPS, 'more groups of a type than max_groups');
  handle(b, groupMod(OFPGC.ADD, 3, OFPGT.SELECT, []));
  t.equal(desc(b).length, 3, 'max_groups is per type');
});

t.test('chaining and loops', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, groupMod(OFPGC.ADD, 1, OFPGT.ALL, [bucket([output(1)])]));
  handle(b, groupMod(OFPGC.ADD, 2, OFPGT.INDIRECT, [bucket([group(1)])]));
  handle(b, groupMod(OFPGC.ADD, 3, OFPGT.SELECT, [bucket([group(2)], { weight: 1 })]));
  refuses(t, tb, groupMod(OFPGC.MODIFY, 1, OFPGT.ALL, [bucket([group(3)])]), OFPET.GROUP_MOD_FAILED, OFPGMFC.LOOP, '1 → 3 → 2 → 1');
  refuses(t, tb, groupMod(OFPGC.ADD, 4, OFPGT.ALL, [bucket([group(4)])]), OFPET.GROUP_MOD_FAILED, OFPGMFC.LOOP, 'a group that sends to itself');
  refuses(t, tb, groupMod(OFPGC.MODIFY, 1, OFPGT.FF, [bucket([], { watch_group: 3 })]), OFPET.GROUP_MOD_FAILED, OFPGMFC.LOOP, 'a watch that leads back');
  refuses(t, tb, groupMod(OFPGC.DELETE, 1, OFPGT.ALL, []), OFPET.GROUP_MOD_FAILED, OFPGMFC.CHAINED_GROUP, 'deleting a group another one sends to');
  t.same(stats(b).map((s) => [s.group_id, s.ref_count]), [[1, 1], [2, 1], [3, 0]], 'ref_count counts chained groups');
  handle(b, groupMod(OFPGC.DELETE, 3, OFPGT.ALL, []));
  handle(b, groupMod(OFPGC.DELETE, 2, OFPGT.ALL, []));
  handle(b, groupMod(OFPGC.DELETE, 1, OFPGT.ALL, []));
  t.same(desc(b), [], 'deleting from the head of the chain down works');
});

t.test('deleting a group removes the flow entries that use it', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, groupMod(OFPGC.ADD, 1, OFPGT.ALL, [bucket([output(1)])]));
  handle(b, groupMod(OFPGC.ADD, 2, OFPGT.ALL, [bucket([output(2)])]));
  handle(b, add([f('in_port', 1)], [apply(group(1))], { flags: OFPFF.SEND_FLOW_REM, cookie: 1n }));
  handle(b, add([f('in_port', 2)], [write(group(1))], { cookie: 2n }));
  handle(b, add([f('in_port', 3)], [apply(group(2))], { cookie: 3n, flags: OFPFF.SEND_FLOW_REM }));
  t.same(stats(b).map((s) => s.ref_count), [2, 1], 'ref_count counts flow entries');
  takeRemoved(tb);
  handle(b, groupMod(OFPGC.DELETE, 1, OFPGT.ALL, []));
  t.same(flows(b).map((x) => x.cookie), [3n]);
  t.same(takeRemoved(tb).map((r) => [r.cookie, r.reason]), [[1n, OFPRR.GROUP_DELETE]], 'FLOW_REMOVED with OFPRR_GROUP_DELETE');
  handle(b, groupMod(OFPGC.DELETE, OFPG.ALL, OFPGT.ALL, []));
  t.same(flows(b), []);
});

t.test('liveness: fast failover and select', async (t) => {
  const tb = testBridge({ nPorts: 0 });
  const b = tb.bridge;
  const p1 = new DummyNetdev('p1');
  const p2 = new DummyNetdev('p2');
  b.addPort(p1, 1);
  b.addPort(p2, 2);
  handle(b, groupMod(OFPGC.ADD, 1, OFPGT.FF, [bucket([output(1)], { watch_port: 1 }), bucket([output(2)], { watch_port: 2 })]));
  handle(b, groupMod(OFPGC.ADD, 2, OFPGT.FF, [bucket([output(3)], { watch_group: 1 }), bucket([output(4)], { watch_port: OFPP.LOCAL })]));
  const g1 = b.group(1)!;
  const g2 = b.group(2)!;
  const env = { portLive: (p: number) => b.portLive(p) };
  t.equal(b.groups.failoverBucket(g1, env), 0, 'the first live bucket');
  p1.setLink(false);
  t.equal(b.groups.failoverBucket(g1, env), 1, 'port 1 went down');
  p2.setLink(false);
  t.equal(b.groups.failoverBucket(g1, env), -1, 'no bucket is live');
  t.equal(b.groups.failoverBucket(g2, env), 1, 'a watched group with no live bucket is not live');
  p2.setLink(true);
  t.equal(b.groups.failoverBucket(g2, env), 0);
  handle(b, groupMod(OFPGC.ADD, 3, OFPGT.SELECT, [bucket([output(1)], { weight: 1, watch_port: 1 }), bucket([output(2)], { weight: 3 })]));
  const g3 = b.group(3)!;
  const picks = [0, 1, 2, 3].map((h) => b.groups.selectBucket(g3, h, env));
  t.same(picks, [1, 1, 1, 1], 'a select group skips dead buckets');
  p1.setLink(true);
  t.same([0, 1, 2, 3].map((h) => b.groups.selectBucket(g3, h, env)), [0, 1, 1, 1], 'and weighs live ones');
});

t.test('stats and features', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, groupMod(OFPGC.ADD, 7, OFPGT.SELECT, [bucket([output(1)], { weight: 1 }), bucket([output(2)], { weight: 1 })]));
  b.creditGroup(7, 1, 3, 180);
  b.creditGroup(7, 0, 1, 60);
  tb.clock.advance(1500);
  t.same(stats(b, 7), [
    {
      group_id: 7,
      ref_count: 0,
      packet_count: 4n,
      byte_count: 240n,
      duration_sec: 1,
      duration_nsec: 500_000_000,
      bucket_stats: [
        { packet_count: 1n, byte_count: 60n },
        { packet_count: 3n, byte_count: 180n },
      ],
    },
  ]);
  t.same(stats(b, 8), [], 'a group that does not exist: an empty reply (as OVS)');
  const feats = mp<GroupFeatures>(b, { mp_type: OFPMP.GROUP_FEATURES });
  t.equal(feats.types, 0b1111, 'all four types');
  t.equal(feats.capabilities, OFPGFC.SELECT_WEIGHT | OFPGFC.SELECT_LIVENESS | OFPGFC.CHAINING | OFPGFC.CHAINING_CHECKS);
  t.same(feats.max_groups, [OFPG.MAX, OFPG.MAX, OFPG.MAX, OFPG.MAX]);
  t.ok(feats.actions.every((a) => (a & 1) === 1 && (a & (1 << 22)) !== 0), 'output and group actions in every type');
});
