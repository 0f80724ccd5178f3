/**
 * OFPP_NORMAL: MAC learning per VLAN, flooding, aging, moves, reserved
 * addresses, and the megaflows that depend on the MAC table being
 * revalidated when it changes.
 */
import t from 'tap';
import { OFPP } from '../../lib/openflow/constants.js';
import { MacLearning } from '../../lib/xlate/mac-learning.js';
import { buildFrame, type FrameSpec } from '../datapath/frames.js';
import { testSwitch, type TestSwitch } from '../datapath/harness.js';

const A = '00:00:00:00:00:0a';
const B = '00:00:00:00:00:0b';
const BCAST = 'ff:ff:ff:ff:ff:ff';
const LOCAL = OFPP.LOCAL;

const f = (src: string, dst: string, extra: FrameSpec = {}): Uint8Array => buildFrame({ l4: 'udp', src, dst, ...extra });
const ports = (m: Map<number, string[]>): number[] => [...m.keys()].sort((a, b) => a - b);

async function normalSwitch(agingMs = 300_000): Promise<TestSwitch> {
  const sw = testSwitch({ dp: { macLearning: { agingMs } } });
  await sw.flows('actions=NORMAL');
  return sw;
}

t.test('learns sources, floods unknown and group destinations, forwards known ones', async (t) => {
  const sw = await normalSwitch();
  t.same(ports(sw.send(1, f(A, B))), [2, 3, 4, LOCAL], 'B unknown: flood (not back to port 1)');
  t.same(ports(sw.send(2, f(B, A))), [1], 'A was learned on port 1');
  t.same(ports(sw.send(1, f(A, B))), [2], 'B learned on 2: the flooding megaflow was revalidated');
  t.same(ports(sw.send(3, f(B, BCAST))), [1, 2, 4, LOCAL], 'broadcast floods');
  t.same(ports(sw.send(1, f(A, A))), [], 'a destination learned on the input port: dropped');
  t.equal(sw.dp.macs.lookup(0, 0x0000, 0x0000000b, sw.clock.now()), 3, 'B moved to port 3 when seen there');
  t.same(ports(sw.send(1, f(A, B))), [3], 'traffic to B follows the move');
});

t.test('learning is per VLAN', async (t) => {
  const sw = await normalSwitch();
  sw.send(1, f(A, B, { vlans: [{ vid: 10 }] }));
  t.same(ports(sw.send(2, f(B, A, { vlans: [{ vid: 20 }] }))), [1, 3, 4, LOCAL], 'A known in VLAN 10 only: VLAN 20 floods');
  t.same(ports(sw.send(2, f(B, A, { vlans: [{ vid: 10 }] }))), [1], 'VLAN 10 forwards');
  t.equal(sw.send(2, f(B, A, { vlans: [{ vid: 10 }] })).get(1)![0]!.slice(24, 32), '8100000a', 'the tag passes through');
});

t.test('entries age out', async (t) => {
  const sw = await normalSwitch(10_000);
  sw.send(1, f(A, B));
  t.same(ports(sw.send(2, f(B, A))), [1]);
  sw.clock.advance(11_000);
  sw.dp.periodic();
  t.same(ports(sw.send(2, f(B, A))), [1, 3, 4, LOCAL], 'A aged out: flood again');
});

t.test('traffic through a megaflow keeps its source entry alive', async (t) => {
  const sw = await normalSwitch(10_000);
  sw.send(2, f(B, A));
  for (let s = 0; s < 30; s++) {
    sw.send(1, f(A, B));
    sw.clock.advance(1000);
    sw.dp.periodic();
  }
  t.same(ports(sw.send(2, f(B, A))), [1], 'A still known after 30 s of traffic with a 10 s aging time');
});

t.test('reserved destinations are never forwarded, group sources never learned', async (t) => {
  const sw = await normalSwitch();
  t.same(ports(sw.send(1, f(A, '01:80:c2:00:00:00'))), [], 'STP BPDU address dropped');
  t.same(ports(sw.send(1, f('01:00:5e:00:00:01', B))), [2, 3, 4, LOCAL], 'a multicast source floods');
  t.equal(sw.dp.macs.size, 0, 'and is not learned');
});

t.test('MacLearning: lookups ignore aged entries, the table is bounded, changes are reported', async (t) => {
  const m = new MacLearning({ agingMs: 1000, maxEntries: 2 });
  t.ok(m.learn(0, 0, 1, 5, 0));
  t.notOk(m.learn(0, 0, 1, 5, 10), 'a refresh on the same port is no change');
  t.equal(m.lookup(0, 0, 1, 1009), 5, 'refreshed at 10 ms');
  t.equal(m.lookup(0, 0, 1, 1010), -1, 'aged 1000 ms after the last refresh');
  m.learn(0, 0, 2, 6, 20);
  m.learn(0, 0, 3, 7, 30);
  t.equal(m.size, 2, 'the least recently refreshed entry was evicted');
  t.equal(m.lookup(0, 0, 1, 30), -1);
  t.same(
    m.takeChanges().map((c) => c.macLo),
    [1, 2, 1, 3],
    'learned 1, learned 2, evicted 1, learned 3',
  );
  t.equal(m.expire(2000), 2);
  t.equal(m.size, 0);
});
