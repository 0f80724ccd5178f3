/**
 * The datapath's machinery: exact-match cache insertion, flow limit, idle
 * expiry, revalidation before a request completes, statistics pushed back
 * to rules, tables and groups, the bounded upcall queue and its ordering,
 * subtable ranking, and the dump format.
 */
import t from 'tap';
import { dumpFlows } from '../../lib/ctl/dpctl.js';
import { OFPT } from '../../lib/openflow/constants.js';
import type { OfpMessage } from '../../lib/openflow/types.js';
import type { Rule } from '../../lib/ofproto/rule.js';
import { buildFrame, hex, type FrameSpec } from './frames.js';
import { testSwitch, type TestSwitch } from './harness.js';

const UDP: FrameSpec = { l4: 'udp', nwSrc: '10.0.0.1', nwDst: '10.0.0.2', tpSrc: 1000, tpDst: 53 };

function rules(sw: TestSwitch, table = 0): Rule[] {
  return [...sw.bridge.table(table)!.rules()];
}

/** A batch of frames with 128 bytes of headroom each, as a receive ring holds them. */
function batch(frames: Uint8Array[]): { bytes: Uint8Array; desc: Int32Array } {
  const slot = 2048;
  const bytes = new Uint8Array(frames.length * slot);
  const desc = new Int32Array(frames.length * 2);
  frames.forEach((f, i) => {
    bytes.set(f, i * slot + 128);
    desc[2 * i] = i * slot + 128;
    desc[2 * i + 1] = f.length;
  });
  return { bytes, desc };
}

t.test('the exact-match cache takes flows with probability 1/insertInvProb', async (t) => {
  for (const [inv, lo, hi] of [
    [100, 12, 60],
    [1, 2500, 3000],
    [0, 0, 0],
  ] as const) {
    const sw = testSwitch({ dp: { emcInsertInvProb: inv, emcEntries: 8192 } });
    await sw.flows('actions=output:2');
    // 3000 one-packet flows (distinct source ports), after a first packet that installs the megaflow.
    sw.send(1, buildFrame(UDP));
    const frames = Array.from({ length: 3000 }, (_, i) => buildFrame({ ...UDP, tpSrc: 2000 + i }));
    for (let k = 0; k < 3000; k += 200) {
      const bb = batch(frames.slice(k, k + 200));
      sw.dp.receiveBatch(1, bb.bytes, bb.desc, 200);
    }
    // Occupancy, not insertions: two candidate slots per key, so collisions replace entries.
    t.ok(sw.dp.emc.used >= lo && sw.dp.emc.used <= hi, `inv ${inv}: ${sw.dp.emc.used} entries after 3000 one-packet flows`);
    t.equal(sw.dp.nMegaflowHits + sw.dp.nEmcHits, 3000);
    sw.dp.detach();
  }
  const sw = testSwitch({ dp: { emcInsertInvProb: 100 } });
  await sw.flows('actions=output:2');
  for (let i = 0; i < 1000; i++) sw.send(1, buildFrame(UDP));
  t.ok(sw.dp.nEmcHits > 800, `a long flow gets in soon: ${sw.dp.nEmcHits} of 1000 packets hit the EMC`);
  await sw.flows('actions=output:3', 'modify');
  t.same([...sw.send(1, buildFrame(UDP)).keys()], [3], 'an EMC entry follows its megaflow when revalidation changes its actions');
  await sw.flows('table=0', 'delete');
  t.same([...sw.send(1, buildFrame(UDP)).keys()], [], 'and is stale once its megaflow is gone');
});

t.test('the flow limit bounds megaflows; packets beyond it are still forwarded and counted', async (t) => {
  const sw = testSwitch({ dp: { flowLimit: 5 } });
  await sw.flows('udp,actions=output:2');
  // tp_src is in the mask only if a rule looks at it: make each packet its own megaflow with a select group.
  await sw.groups('group_id=1,type=select,bucket=output:2,bucket=output:3');
  await sw.flows('udp,actions=group:1', 'modify');
  let sent = 0;
  for (let i = 0; i < 20; i++) sent += sw.send(1, buildFrame({ ...UDP, tpSrc: 3000 + i })).size;
  t.equal(sw.dp.flows.length, 5, 'five megaflows, no more');
  t.equal(sent, 20, 'every packet forwarded');
  t.equal(sw.dp.coverage.read('upcall_flow_limit_hit'), 15);
  sw.dp.revalidator.pushAll();
  t.equal(rules(sw)[0]!.packets, 20, 'all 20 credited to the rule');
});

t.test('idle megaflows expire after maxIdleMs, statistics pushed first', async (t) => {
  const sw = testSwitch({ dp: { maxIdleMs: 10_000 } });
  await sw.flows('actions=output:2');
  sw.send(1, buildFrame(UDP));
  sw.send(1, buildFrame(UDP));
  sw.clock.advance(5000);
  sw.dp.periodic();
  t.equal(sw.dp.flows.length, 1, 'kept at 5 s');
  t.equal(rules(sw)[0]!.packets, 2, 'statistics pushed by the periodic pass');
  sw.send(1, buildFrame(UDP));
  sw.clock.advance(9000);
  sw.dp.periodic();
  t.equal(sw.dp.flows.length, 1, 'used 9 s ago: kept');
  sw.clock.advance(1500);
  sw.dp.periodic();
  t.equal(sw.dp.flows.length, 0, 'idle 10.5 s: gone');
  t.equal(rules(sw)[0]!.packets, 3, 'with its last packet credited');
  t.equal(sw.dp.revalidator.nExpired, 1);
});

t.test('flow_mod, group_mod and meter changes are in the datapath when handle() resolves (before a barrier)', async (t) => {
  for (const untracked of [false, true]) {
    const sw = testSwitch({ untracked });
    await sw.groups('group_id=1,type=all,bucket=output:3');
    await sw.flows(['in_port=1,actions=output:2', 'in_port=2,actions=group:1', 'in_port=4,actions=output:3']);
    for (const p of [1, 2, 4]) for (let i = 0; i < 3; i++) sw.send(p, buildFrame(UDP));
    t.equal(sw.dp.flows.length, 3);
    const before = sw.dp.revalidator.nRevalidated;
    await sw.flows('in_port=1,actions=output:4', 'modify');
    t.same([...sw.send(1, buildFrame(UDP)).keys()], [4], 'modify: the next packet already takes the new actions');
    const touched = sw.dp.revalidator.nRevalidated - before;
    if (untracked) t.equal(touched, 3, 'without a change log every megaflow is revalidated');
    else t.equal(touched, 1, 'with the change log only the megaflow of the changed rule');
    await sw.groups('group_id=1,type=all,bucket=output:4', 'modify');
    t.same([...sw.send(2, buildFrame(UDP)).keys()], [4], 'group modify: new bucket at once');
    await sw.flows('in_port=1', 'delete');
    t.same([...sw.send(1, buildFrame(UDP)).keys()], [], 'delete: dropped at once');
    await sw.flows('priority=40000,in_port=4,actions=output:1');
    t.same([...sw.send(4, buildFrame(UDP)).keys()], [1], 'a higher-priority add overrides at once');
    await sw.meters('meter=1,pktps,band=type=drop,rate=1');
    await sw.flows('priority=50000,in_port=4,actions=meter:1,output:2');
    t.same([...sw.send(4, buildFrame(UDP)).keys()], [2], 'metered flow: first packet within the burst');
    sw.dp.detach();
  }
});

t.test('rule, table and group counters equal the packets sent', async (t) => {
  const sw = testSwitch({ dp: { emcInsertInvProb: 2 } });
  await sw.groups('group_id=1,type=all,bucket=output:3,bucket=output:4');
  await sw.flows(['table=0,in_port=1,actions=goto_table:1', 'table=1,udp,actions=group:1', 'table=1,tcp,actions=output:2']);
  const u = buildFrame(UDP);
  const tc = buildFrame({ ...UDP, l4: 'tcp' });
  for (let i = 0; i < 50; i++) sw.send(1, u);
  for (let i = 0; i < 30; i++) sw.send(1, tc);
  sw.dp.periodic();
  const t0 = rules(sw, 0)[0]!;
  t.equal(t0.packets, 80);
  t.equal(t0.bytes, 50 * u.length + 30 * tc.length);
  const byProto = new Map(rules(sw, 1).map((r) => [(r.match.find((f) => f.field === 'ip_proto') as { value?: unknown } | undefined)?.value, r]));
  t.equal(byProto.get(17)!.packets, 50);
  t.equal(byProto.get(6)!.packets, 30);
  t.equal(sw.bridge.table(0)!.lookups, 80);
  t.equal(sw.bridge.table(0)!.matched, 80);
  t.equal(sw.bridge.table(1)!.lookups, 80);
  const g = sw.bridge.group(1)!;
  t.equal(g.packets, 50, 'the group counts each packet once');
  t.same(g.bucketPackets, [50, 50], 'each bucket of an ALL group counts it');
  t.equal(g.bytes, 50 * u.length);
});

t.test('idle timeouts of rules follow datapath usage', async (t) => {
  const sw = testSwitch();
  await sw.flows('idle_timeout=2,in_port=1,actions=output:2');
  for (let s = 0; s < 5; s++) {
    sw.send(1, buildFrame(UDP));
    sw.clock.advance(1000);
    sw.dp.periodic();
    await sw.bridge.expire();
  }
  t.equal(rules(sw).length, 1, 'kept alive by traffic for 5 s');
  sw.clock.advance(2500);
  sw.dp.periodic();
  await sw.bridge.expire();
  t.equal(rules(sw).length, 0, 'expired 2 s after the last packet');
  t.same([...sw.send(1, buildFrame(UDP)).keys()], [], 'and its megaflow went with it');
});

t.test('the upcall queue is bounded, counts what it drops, and keeps each flow in order', async (t) => {
  const sw = testSwitch({ dp: { upcallQueue: 4, upcallBudget: 0 } });
  await sw.flows('actions=output:2');
  const frames = Array.from({ length: 10 }, (_, i) => buildFrame({ ...UDP, payload: 10 + i }));
  const b = batch(frames);
  sw.dp.receiveBatch(1, b.bytes, b.desc, 10);
  t.equal(sw.dp.upcalls.count, 4);
  t.equal(sw.dp.upcalls.lost, 6);
  sw.dp.handleUpcalls();
  t.same(sw.drain().get(2), frames.slice(0, 4).map(hex), 'the four queued, in order');

  // One flow: the first packet's upcall installs its megaflow while the rest still wait;
  // a packet of that flow arriving then must queue behind them, not overtake.
  const sw2 = testSwitch({ dp: { upcallQueue: 64, upcallBudget: 1 } });
  await sw2.flows('actions=output:2');
  const a = Array.from({ length: 4 }, (_, i) => buildFrame({ ...UDP, payload: 20 + i }));
  const x = buildFrame({ ...UDP, tpSrc: 9, payload: 30 });
  const b1 = batch([a[0]!, a[1]!, x, a[2]!]);
  sw2.dp.receiveBatch(1, b1.bytes, b1.desc, 4);
  t.equal(sw2.dp.flows.length, 1, 'one upcall handled in this turn');
  const b2 = batch([a[3]!]);
  sw2.dp.receiveBatch(1, b2.bytes, b2.desc, 1);
  sw2.dp.handleUpcalls();
  const out = sw2.drain().get(2)!;
  const ofFlow = out.filter((h) => h !== hex(x));
  t.same(ofFlow, a.map(hex), 'packets of the flow left in arrival order');
});

t.test('subtables are ranked by hits', async (t) => {
  const sw = testSwitch();
  await sw.flows(['priority=10,udp,tp_dst=53,actions=output:2', 'priority=5,tcp,actions=output:3']);
  sw.send(1, buildFrame(UDP));
  sw.send(1, buildFrame({ ...UDP, l4: 'tcp' }));
  for (let i = 0; i < 20; i++) sw.send(1, buildFrame({ ...UDP, l4: 'tcp', tpSrc: 100 + i }));
  sw.dp.periodic();
  const first = sw.dp.dpcls.list()[0]!;
  t.ok(first.totalHits >= 19, 'the busiest mask is tried first');
});

t.test('dpctl/dump-flows prints megaflows in Open vSwitch syntax', async (t) => {
  const sw = testSwitch();
  await sw.flows('in_port=1,tcp,nw_src=10.0.0.0/24,actions=set_field:10.9.9.9->ip_src,output:2');
  const f = buildFrame({ ...UDP, l4: 'tcp' });
  sw.send(1, f);
  sw.clock.advance(500);
  sw.send(1, f);
  sw.clock.advance(250);
  t.equal(
    dumpFlows(sw.dp),
    `recirc_id(0),in_port(1),eth_type(0x0800),ipv4(src=10.0.0.1,proto=6,frag=no), packets:2, bytes:${2 * f.length}, used:0.250s, flags:S, actions:set(ipv4(src=10.9.9.9)),2\n`,
  );
});

t.test('port changes reach the datapath: ports added later receive, removed ones stop', async (t) => {
  const sw = testSwitch();
  await sw.flows('actions=ALL');
  const { DummyNetdev } = await import('../../lib/netdev/dummy.js');
  const p9 = new DummyNetdev('p9');
  sw.bridge.addPort(p9, 9);
  sw.send(1, buildFrame(UDP));
  t.equal(p9.sent.length, 1, 'the new port gets flooded frames');
  p9.receive(Buffer.from(buildFrame(UDP)));
  t.equal(sw.ports.get(1)!.sent.length, 1, 'and its frames are received');
  sw.bridge.removePort(9);
  sw.send(1, buildFrame(UDP));
  t.equal(p9.sent.length, 1, 'removed: no more frames');
  void ({ type: OFPT.HELLO } as unknown as OfpMessage);
});
