/**
 * The linear reference itself, on cases small enough to check by eye: the
 * property tests trust it, so its semantics are pinned here by hand.
 */
import t from 'tap';
import { LinearClassifier } from '../../lib/classifier/index.js';
import { newKey } from '../../lib/packet/flow-key.js';
import { key, match, type TestRule } from './helpers.js';

t.test('LinearClassifier lookup(): highest priority, earliest insert among ties', async (t) => {
  const c = new LinearClassifier<TestRule>();
  const a = match().f('in_port', 1).rule(5, 'a');
  const b = match().f('eth_type', 0x0800).rule(5, 'b');
  const d = match().f('eth_type', 0x86dd).rule(9, 'd');
  for (const r of [a, b, d]) c.insert(r, 1);
  t.equal(c.lookup(key({ in_port: 1, eth_type: 0x0800 }), 1, null), a);
  t.equal(c.lookup(key({ in_port: 1, eth_type: 0x86dd }), 1, null), d);
  t.equal(c.lookup(key({ in_port: 2 }), 1, null), null);
  const wc = newKey();
  c.lookup(key({}), 1, wc);
  t.same(wc, key({ in_port: 0xffffffff, eth_type: 0xffff }), 'wildcards: every visible mask');
});

t.test('LinearClassifier versions, removal and collect()', async (t) => {
  const c = new LinearClassifier<TestRule>();
  const a = match().f('in_port', 1).rule(5, 'a');
  c.insert(a, 2);
  t.equal(c.lookup(key({ in_port: 1 }), 1, null), null);
  t.equal(c.lookup(key({ in_port: 1 }), 2, null), a);
  c.remove(a, 3);
  t.equal(c.count, 0);
  t.equal(c.lookup(key({ in_port: 1 }), 2, null), a);
  t.equal(c.lookup(key({ in_port: 1 }), 3, null), null);
  c.collect(3);
  t.equal(c.lookup(key({ in_port: 1 }), 2, null), null);
  t.throws(() => c.remove(a, 4), /not in the classifier/);
});

t.test('LinearClassifier findExact(), hasOverlap(), forEachLoose()', async (t) => {
  const c = new LinearClassifier<TestRule>();
  const tcp = match().f('eth_type', 0x0800).f('ip_proto', 6).rule(5, 'tcp');
  const ip = match().f('eth_type', 0x0800).rule(5, 'ip');
  c.insert(tcp, 1);
  c.insert(ip, 1);
  const m = match().f('eth_type', 0x0800).f('ip_proto', 6);
  t.equal(c.findExact(m.value, m.mask, 5, 1), tcp);
  t.equal(c.findExact(m.value, m.mask, 6, 1), null);
  const udp = match().f('eth_type', 0x0800).f('ip_proto', 17);
  t.ok(c.hasOverlap(udp.value, udp.mask, 5, 1), 'overlaps ip');
  t.notOk(c.hasOverlap(udp.value, udp.mask, 4, 1));
  const v6 = match().f('eth_type', 0x86dd);
  t.notOk(c.hasOverlap(v6.value, v6.mask, 5, 1));
  const seen: string[] = [];
  const f = match().f('eth_type', 0x0800);
  c.forEachLoose(f.value, f.mask, 1, (r) => seen.push(r.name));
  t.same(seen.sort(), ['ip', 'tcp']);
  seen.length = 0;
  c.forEachLoose(m.value, m.mask, 1, (r) => seen.push(r.name));
  t.same(seen, ['tcp']);
});
