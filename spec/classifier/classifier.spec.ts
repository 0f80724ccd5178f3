/**
 * Unit tests of Classifier's API, one contract at a time. Expected answers
 * are written out by hand from the OpenFlow semantics (highest priority
 * wins, versions as in the API's comments); the property tests beside this
 * file compare with the linear reference at scale.
 */
import t from 'tap';
import { Classifier, LinearClassifier } from '../../lib/classifier/index.js';
import { KEY_WORDS, newKey } from '../../lib/packet/flow-key.js';
import { key, match, setField, type TestRule } from './helpers.js';

const IPV4 = 0x0800;
const ip = (s: string): number => s.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);
const names = (rs: TestRule[]): string[] => rs.map((r) => r.name).sort();
const wcOf = (fields: Parameters<typeof key>[0]): Uint32Array => key(fields);

t.test('lookup() answers the highest-priority matching rule', async (t) => {
  const c = new Classifier<TestRule>();
  const low = match().f('eth_type', IPV4).rule(10, 'low');
  const high = match().f('eth_type', IPV4).f('ip_proto', 6).rule(20, 'high');
  const other = match().f('eth_type', 0x86dd).rule(30, 'v6');
  for (const r of [low, high, other]) c.insert(r, 1);
  t.equal(c.count, 3);
  t.equal(c.subtableCount, 2);
  t.equal(c.lookup(key({ eth_type: IPV4, ip_proto: 6 }), 1, null), high);
  t.equal(c.lookup(key({ eth_type: IPV4, ip_proto: 17 }), 1, null), low);
  t.equal(c.lookup(key({ eth_type: 0x86dd }), 1, null), other);
  t.equal(c.lookup(key({ eth_type: 0x0806 }), 1, null), null);
});

t.test('lookup() on an empty classifier misses and consults nothing', async (t) => {
  const c = new Classifier<TestRule>();
  const wc = newKey();
  t.equal(c.lookup(key({ in_port: 1 }), 0, wc), null);
  t.same(Array.from(wc), new Array(KEY_WORDS).fill(0));
});

t.test('the catch-all rule matches every packet and consults no bit', async (t) => {
  const c = new Classifier<TestRule>();
  const any = match().rule(0, 'miss');
  c.insert(any, 1);
  const wc = newKey();
  t.equal(c.lookup(key({ in_port: 7, eth_type: IPV4 }), 1, wc), any);
  t.same(Array.from(wc), new Array(KEY_WORDS).fill(0));
});

t.test('insert() at version 2 is invisible at version 1', async (t) => {
  const c = new Classifier<TestRule>();
  const r = match().f('in_port', 1).rule(5);
  c.insert(r, 2);
  t.equal(c.lookup(key({ in_port: 1 }), 1, null), null);
  t.equal(c.lookup(key({ in_port: 1 }), 2, null), r);
  t.equal(c.lookup(key({ in_port: 1 }), 9, null), r);
  t.equal(c.findExact(r.value, r.mask, 5, 1), null);
  t.equal(c.findExact(r.value, r.mask, 5, 2), r);
});

t.test('remove() at version 3 leaves the rule visible at version 2 until collect()', async (t) => {
  const c = new Classifier<TestRule>();
  const r = match().f('in_port', 1).rule(5);
  c.insert(r, 1);
  c.remove(r, 3);
  t.equal(c.count, 0, 'count is the latest version');
  t.equal(c.lookup(key({ in_port: 1 }), 2, null), r);
  t.equal(c.lookup(key({ in_port: 1 }), 3, null), null);
  c.collect(2);
  t.equal(c.lookup(key({ in_port: 1 }), 2, null), r, 'collect(2) keeps what version 2 sees');
  c.collect(3);
  t.equal(c.lookup(key({ in_port: 1 }), 2, null), null, 'collect(3) frees it');
  t.equal(c.subtableCount, 0, 'and the empty subtable');
});

t.test('a batch of changes becomes visible at once (ADD replacing a rule of the same match)', async (t) => {
  const c = new Classifier<TestRule>();
  const a = match().f('in_port', 1).rule(5, 'old');
  const b = match().f('in_port', 1).rule(5, 'new');
  const d = match().f('in_port', 2).rule(5, 'deleted');
  c.insert(a, 1);
  c.insert(d, 1);
  // Version 2: replace a by b, delete d.
  c.insert(b, 2);
  c.remove(a, 2);
  c.remove(d, 2);
  t.equal(c.lookup(key({ in_port: 1 }), 1, null), a);
  t.equal(c.lookup(key({ in_port: 2 }), 1, null), d);
  t.equal(c.lookup(key({ in_port: 1 }), 2, null), b);
  t.equal(c.lookup(key({ in_port: 2 }), 2, null), null);
  t.equal(c.findExact(a.value, a.mask, 5, 1), a);
  t.equal(c.findExact(a.value, a.mask, 5, 2), b);
  t.equal(c.count, 1);
  c.collect(2);
  t.same(names([...c]), ['new']);
});

t.test('a hidden higher-priority rule of the same match does not hide a lower one', async (t) => {
  const c = new Classifier<TestRule>();
  const hi = match().f('in_port', 1).rule(9, 'hi');
  const lo = match().f('in_port', 1).rule(3, 'lo');
  c.insert(lo, 1);
  c.insert(hi, 5);
  t.equal(c.lookup(key({ in_port: 1 }), 4, null), lo);
  t.equal(c.lookup(key({ in_port: 1 }), 5, null), hi);
  c.remove(hi, 7);
  t.equal(c.lookup(key({ in_port: 1 }), 7, null), lo);
  c.collect(7);
  t.equal(c.lookup(key({ in_port: 1 }), 7, null), lo);
});

t.test('restore() undoes a removal', async (t) => {
  const c = new Classifier<TestRule>();
  const r = match().f('in_port', 1).rule(5);
  c.insert(r, 1);
  c.remove(r, 2);
  c.restore(r);
  t.equal(c.count, 1);
  c.collect(10);
  t.equal(c.lookup(key({ in_port: 1 }), 10, null), r);
  t.throws(() => c.restore(r), /not removed/);
});

t.test('insert() and remove() reject misuse', async (t) => {
  const c = new Classifier<TestRule>();
  const r = match().f('in_port', 1).rule(5);
  c.insert(r, 1);
  t.throws(() => c.insert(r, 2), /already in the classifier/);
  t.throws(() => c.remove(match().f('in_port', 2).rule(5), 2), /not in the classifier/);
  c.remove(r, 2);
  t.throws(() => c.remove(r, 3), /already removed/);
  const bad = match().f('in_port', 1).rule(1);
  (bad.value as Uint32Array)[3] = 1;
  t.throws(() => c.insert(bad, 1), /outside the mask/);
  t.throws(() => c.insert({ value: new Uint32Array(4), mask: new Uint32Array(4), priority: 1, name: 'short' }, 1), /words/);
});

t.test('ties: equal priorities answer one rule, the same one every time', async (t) => {
  const c = new Classifier<TestRule>();
  const byPort = match().f('in_port', 1).rule(7, 'port');
  const byType = match().f('eth_type', IPV4).rule(7, 'type');
  c.insert(byPort, 1);
  c.insert(byType, 1);
  const k = key({ in_port: 1, eth_type: IPV4 });
  const first = c.lookup(k, 1, null);
  t.ok(first === byPort || first === byType);
  for (let i = 0; i < 5; i++) t.equal(c.lookup(k, 1, null), first);
  t.equal(c.lookup(key({ in_port: 2, eth_type: IPV4 }), 1, null), byType);

  // Same match, same priority (visible together): the earlier insert wins.
  const twinA = match().f('in_port', 3).rule(4, 'A');
  const twinB = match().f('in_port', 3).rule(4, 'B');
  c.insert(twinA, 1);
  c.insert(twinB, 1);
  t.equal(c.lookup(key({ in_port: 3 }), 1, null), twinA);
});

t.test('hash collisions never give a wrong rule (hashBits: 0 makes every hash collide)', async (t) => {
  for (const hashBits of [0, 1, 3]) {
    const c = new Classifier<TestRule>({ hashBits });
    const lin = new LinearClassifier<TestRule>();
    for (let port = 0; port < 40; port++) {
      const r = match().f('in_port', port).f('eth_type', IPV4).rule(port % 5, `p${port}`);
      c.insert(r, 1);
      lin.insert(r, 1);
    }
    for (let port = 0; port < 45; port++) {
      const k = key({ in_port: port, eth_type: IPV4 });
      t.equal(c.lookup(k, 1, null), lin.lookup(k, 1, null), `hashBits ${hashBits}, port ${port}`);
      t.equal(c.lookup(key({ in_port: port, eth_type: 0x86dd }), 1, null), null);
    }
    for (let port = 0; port < 40; port += 2) {
      const r = c.findExact(key({ in_port: port, eth_type: IPV4 }), match().f('in_port', 0).f('eth_type', 0).mask, port % 5, 1) as TestRule;
      t.equal(r.name, `p${port}`);
      c.remove(r, 2);
      lin.remove(r, 2);
    }
    c.collect(2);
    lin.collect(2);
    for (let port = 0; port < 40; port++) {
      const k = key({ in_port: port, eth_type: IPV4 });
      t.equal(c.lookup(k, 2, null), lin.lookup(k, 2, null), `after removals, hashBits ${hashBits}, port ${port}`);
    }
  }
});

t.test('findExact() needs the same mask, value and priority', async (t) => {
  const c = new Classifier<TestRule>();
  const r = match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.1.0.0'), 16).rule(100);
  c.insert(r, 1);
  const m = match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.1.0.0'), 16);
  t.equal(c.findExact(m.value, m.mask, 100, 1), r);
  t.equal(c.findExact(m.value, m.mask, 99, 1), null, 'other priority');
  const m24 = match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.1.0.0'), 24);
  t.equal(c.findExact(m24.value, m24.mask, 100, 1), null, 'other mask');
  const m2 = match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.2.0.0'), 16);
  t.equal(c.findExact(m2.value, m2.mask, 100, 1), null, 'other value');
});

t.test('hasOverlap() finds a same-priority rule that some packet matches together with the new one', async (t) => {
  const c = new Classifier<TestRule>();
  c.insert(match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.0.0.0'), 8).rule(10, 'net10'), 1);
  c.insert(match().f('in_port', 1).rule(20, 'port1'), 1);
  const q = (b: ReturnType<typeof match>, p: number, v = 1): boolean => c.hasOverlap(b.value, b.mask, p, v);
  t.ok(q(match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.1.0.0'), 16), 10), 'narrower prefix inside');
  t.ok(q(match().f('ip_proto', 6), 10), 'disjoint fields: a packet can match both');
  t.ok(q(match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.0.0.0'), 8), 10), 'identical match counts');
  t.notOk(q(match().f('eth_type', IPV4).prefix('ipv4_dst', ip('11.0.0.0'), 8), 10), 'different network');
  t.notOk(q(match().f('eth_type', 0x86dd), 10), 'different eth_type');
  t.notOk(q(match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.1.0.0'), 16), 11), 'different priority');
  t.ok(q(match().f('in_port', 1).f('eth_type', IPV4), 20));
  t.notOk(q(match().f('in_port', 2), 20));
  t.notOk(q(match().f('in_port', 1), 20, 0), 'not visible at version 0');
});

t.test('forEachLoose() visits the rules at least as specific as the filter', async (t) => {
  const c = new Classifier<TestRule>();
  const rules = [
    match().f('eth_type', IPV4).rule(1, 'ip'),
    match().f('eth_type', IPV4).f('ip_proto', 6).rule(2, 'tcp'),
    match().f('eth_type', IPV4).f('ip_proto', 17).rule(3, 'udp'),
    match().f('eth_type', IPV4).f('ip_proto', 6).f('tcp_dst', 80).rule(4, 'http'),
    match().f('ip_proto', 6).rule(5, 'tcp-any-type'),
    match().rule(0, 'all'),
  ];
  for (const r of rules) c.insert(r, 1);
  const loose = (b: ReturnType<typeof match>, v = 1): string[] => {
    const out: TestRule[] = [];
    c.forEachLoose(b.value, b.mask, v, (r) => out.push(r));
    return names(out);
  };
  t.same(loose(match()), ['all', 'http', 'ip', 'tcp', 'tcp-any-type', 'udp'], 'empty filter: everything');
  t.same(loose(match().f('eth_type', IPV4)), ['http', 'ip', 'tcp', 'udp']);
  t.same(loose(match().f('eth_type', IPV4).f('ip_proto', 6)), ['http', 'tcp']);
  t.same(loose(match().f('ip_proto', 6)), ['http', 'tcp', 'tcp-any-type']);
  t.same(loose(match().f('ip_proto', 6, 0x0f)), ['http', 'tcp', 'tcp-any-type'], 'a masked filter');
  t.same(loose(match().f('tcp_dst', 443)), []);
  t.same(loose(match(), 0), [], 'nothing visible at version 0');
});

t.test('forEachLoose() lets the callback remove and insert rules', async (t) => {
  const c = new Classifier<TestRule>();
  for (let p = 0; p < 20; p++) c.insert(match().f('in_port', p).f('eth_type', IPV4).rule(p), 1);
  const filter = match().f('eth_type', IPV4);
  let n = 0;
  c.forEachLoose(filter.value, filter.mask, 1, (r) => {
    n++;
    c.remove(r, 2);
    c.insert(match().f('in_port', r.priority).f('eth_type', IPV4).rule(r.priority, 'modified'), 2);
  });
  t.equal(n, 20);
  c.collect(2);
  t.equal(c.count, 20);
  t.ok([...c].every((r) => r.name === 'modified'));
});

t.test('forEach() and the iterator list the visible rules', async (t) => {
  const c = new Classifier<TestRule>();
  const a = match().f('in_port', 1).rule(1, 'a');
  const b = match().f('in_port', 2).rule(1, 'b');
  const d = match().f('eth_type', IPV4).rule(1, 'd');
  c.insert(a, 1);
  c.insert(b, 2);
  c.insert(d, 1);
  c.remove(d, 2);
  const at = (v: number): string[] => {
    const out: TestRule[] = [];
    c.forEach(v, (r) => out.push(r));
    return names(out);
  };
  t.same(at(1), ['a', 'd']);
  t.same(at(2), ['a', 'b']);
  t.same(names([...c]), ['a', 'b']);
});

t.test('subtables are visited by descending max priority and the walk stops early', async (t) => {
  const c = new Classifier<TestRule>();
  c.insert(match().f('in_port', 1).rule(100, 'top'), 1);
  for (let i = 0; i < 10; i++) c.insert(match().f('eth_type', IPV4).f('ip_dscp', i).rule(10 + i), 1);
  for (let i = 0; i < 10; i++) c.insert(match().f('eth_type', IPV4).prefix('ipv4_src', i << 24, 8).rule(20 + i), 1);
  c.resetStats();
  t.equal(c.lookup(key({ in_port: 1, eth_type: IPV4 }), 1, null)?.name, 'top');
  t.same(c.stats(), { lookups: 1, subtablesVisited: 1, subtablesSearched: 1 }, 'the hit in the first subtable ends the walk');
  c.resetStats();
  c.lookup(key({ in_port: 2, eth_type: IPV4, ipv4_src: ip('200.0.0.1') }), 1, null);
  t.equal(c.stats().subtablesVisited, 3, 'a miss visits them all');
});

t.test('subtable order follows max priority through inserts that raise it and removals that lower it', async (t) => {
  const c = new Classifier<TestRule>();
  const lin = new LinearClassifier<TestRule>();
  const rules: TestRule[] = [];
  // Ascending priorities: every insert raises its subtable's maximum.
  for (let p = 0; p < 60; p++) {
    const b = p % 3 === 0 ? match().f('in_port', p % 5) : p % 3 === 1 ? match().f('eth_type', IPV4).f('ip_proto', p % 4) : match().f('eth_type', IPV4).prefix('ipv4_dst', (p % 7) << 24, 8);
    const r = b.rule(p, `p${p}`);
    rules.push(r);
    c.insert(r, 1);
    lin.insert(r, 1);
  }
  const keys: Uint32Array[] = [];
  for (let port = 0; port < 5; port++) for (let proto = 0; proto < 4; proto++) keys.push(key({ in_port: port, eth_type: IPV4, ip_proto: proto, ipv4_dst: (port + proto) << 24 }));
  const agree = (v: number, what: string): void => {
    for (const k of keys) t.equal(c.lookup(k, v, null)?.priority, lin.lookup(k, v, null)?.priority, what);
  };
  agree(1, 'after ascending inserts');
  // Remove the top half: every subtable's maximum drops.
  for (const r of rules.slice(30)) {
    c.remove(r, 2);
    lin.remove(r, 2);
  }
  agree(1, 'version 1 still sees them');
  c.collect(2);
  lin.collect(2);
  agree(2, 'after collect');
  t.equal(c.count, 30);
});

t.test('wildcards: a miss at L3 leaves the L4 ports wildcarded', async (t) => {
  const c = new Classifier<TestRule>({ prefixFields: [] });
  c.insert(match().f('eth_type', IPV4).f('ip_proto', 6).f('ipv4_dst', ip('10.0.0.1')).f('tcp_dst', 80).rule(10), 1);
  const wc = newKey();
  t.equal(c.lookup(key({ eth_type: IPV4, ip_proto: 6, ipv4_dst: ip('10.0.0.2'), tcp_dst: 80 }), 1, wc), null);
  t.same(wc, wcOf({ eth_type: 0xffff, ip_proto: 0xff, ipv4_dst: 0xffffffff }), 'L2 and L3 of the mask, no ports');

  const wc2 = newKey();
  c.lookup(key({ eth_type: 0x86dd }), 1, wc2);
  t.same(wc2, wcOf({ eth_type: 0xffff }), 'a miss at L2 consults L2 only');

  const wc3 = newKey();
  c.lookup(key({ eth_type: IPV4, ip_proto: 6, ipv4_dst: ip('10.0.0.1'), tcp_dst: 443 }), 1, wc3);
  t.same(wc3, wcOf({ eth_type: 0xffff, ip_proto: 0xff, ipv4_dst: 0xffffffff, tcp_dst: 0xffff }), 'reaching L4 consults all');
});

t.test('wildcards: the prefix trie un-wildcards only the address bits it needed', async (t) => {
  const c = new Classifier<TestRule>();
  c.insert(match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.0.0.0'), 8).f('ip_proto', 6).rule(10), 1);
  c.insert(match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.1.2.0'), 24).rule(20), 1);
  const wc = newKey();
  // 192.x differs from 10.x at the first bit: one bit of ipv4_dst decides both subtables.
  t.equal(c.lookup(key({ eth_type: IPV4, ip_proto: 6, ipv4_dst: ip('192.168.0.1') }), 1, wc), null);
  t.same(wc, wcOf({ eth_type: 0xffff, ipv4_dst: 0x80000000 }), 'one address bit, no ip_proto');

  // 10.1.3.4 is in 10/8 but not in 10.1.2/24: 24 bits rule the /24 subtable out.
  const wc2 = newKey();
  t.equal(c.lookup(key({ eth_type: IPV4, ip_proto: 6, ipv4_dst: ip('10.1.3.4') }), 1, wc2)?.priority, 10);
  t.same(wc2, wcOf({ eth_type: 0xffff, ip_proto: 0xff, ipv4_dst: 0xffffff00 }));

  const plain = new Classifier<TestRule>({ prefixFields: [] });
  for (const r of [...c]) plain.insert(r, 1);
  const wc3 = newKey();
  plain.lookup(key({ eth_type: IPV4, ip_proto: 6, ipv4_dst: ip('192.168.0.1') }), 1, wc3);
  t.same(wc3, wcOf({ eth_type: 0xffff, ip_proto: 0xff, ipv4_dst: 0xffffff00 }), 'without tries: whole L3 stage masks');
});

t.test('wildcards: a prefix trie in a deep stage (after metadata and L2) decides a miss with its few bits', async (t) => {
  const c = new Classifier<TestRule>();
  c.insert(match().f('metadata', 7n).f('eth_type', IPV4).prefix('ipv4_dst', ip('10.1.2.0'), 24).f('ip_proto', 6).rule(10), 1);
  const k = key({ metadata: 7n, eth_type: IPV4, ip_proto: 6, ipv4_dst: ip('192.168.0.1') });
  const wc = newKey();
  t.equal(c.lookup(k, 1, wc), null);
  // metadata and eth_type were consulted on the way; of L3, only the first ipv4_dst bit (192 vs 10).
  t.same(wc, wcOf({ metadata: 0xffffffffffffffffn, eth_type: 0xffff, ipv4_dst: 0x80000000 }));

  const wc2 = newKey();
  t.equal(c.lookup(key({ metadata: 7n, eth_type: IPV4, ip_proto: 6, ipv4_dst: ip('10.1.2.9') }), 1, wc2)?.priority, 10);
  t.same(wc2, wcOf({ metadata: 0xffffffffffffffffn, eth_type: 0xffff, ip_proto: 0xff, ipv4_dst: 0xffffff00 }), 'a hit: the whole mask');

  const wc3 = newKey();
  t.equal(c.lookup(key({ metadata: 8n, eth_type: IPV4, ip_proto: 6, ipv4_dst: ip('10.1.2.9') }), 1, wc3), null);
  t.same(wc3, wcOf({ metadata: 0xffffffffffffffffn }), 'a miss at the first stage: metadata only');
});

t.test('a bucket head removed at a version is still found at older versions, and the rule under it shows through at newer ones', async (t) => {
  const c = new Classifier<TestRule>();
  const m = (): ReturnType<typeof match> => match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.0.0.0'), 8);
  const high = m().rule(30, 'high');
  const low = m().rule(20, 'low');
  const other = match().f('eth_type', IPV4).rule(25, 'other');
  c.insert(low, 1);
  c.insert(other, 1);
  c.insert(high, 2);
  const k = key({ eth_type: IPV4, ipv4_dst: ip('10.9.9.9') });
  t.equal(c.lookup(k, 1, null)?.name, 'other', 'version 1: high is not there yet, other beats low');
  t.equal(c.lookup(k, 2, null)?.name, 'high');
  c.remove(high, 3);
  t.equal(c.lookup(k, 2, null)?.name, 'high', 'the old version still sees the head');
  t.equal(c.lookup(k, 3, null)?.name, 'other', 'the new one does not');
  c.remove(other, 4);
  t.equal(c.lookup(k, 4, null)?.name, 'low', 'the rule under the removed head');
  c.restore(high);
  t.equal(c.lookup(k, 4, null)?.name, 'high', 'restored');
  c.remove(high, 5);
  c.collect(5);
  t.equal(c.lookup(k, 5, null)?.name, 'low', 'collected: low is the head now');
});

t.test('many subtables with address prefixes (trie slots past one bitset word) agree with the reference', async (t) => {
  const c = new Classifier<TestRule>();
  const lin = new LinearClassifier<TestRule>();
  let n = 0;
  for (let plen = 1; plen <= 32; plen++) {
    for (const extra of [0, 6, 17]) {
      // Three masks per length: the prefix alone, with ip_proto, with in_port.
      const b = match().f('eth_type', IPV4).prefix('ipv4_dst', ip('10.20.30.40') ^ (plen % 3 << 24), plen);
      if (extra === 6) b.f('ip_proto', 6);
      if (extra === 17) b.f('in_port', plen % 4);
      const r = b.rule((plen * 7 + extra) % 50, `m${n++}`);
      c.insert(r, 1);
      lin.insert(r, 1);
    }
  }
  t.equal(c.subtableCount, 96);
  for (let i = 0; i < 200; i++) {
    const k = key({ in_port: i % 4, eth_type: IPV4, ip_proto: [6, 17, 1][i % 3], ipv4_dst: (ip('10.20.30.40') ^ (i * 0x9e3779b1)) >>> (i % 5) });
    t.equal(c.lookup(k, 1, null)?.priority, lin.lookup(k, 1, null)?.priority);
  }
});

t.test('wildcards accumulate: bits already set stay set', async (t) => {
  const c = new Classifier<TestRule>();
  c.insert(match().f('in_port', 1).rule(1), 1);
  const wc = newKey();
  setField(wc, 'tcp_dst', 0xffff);
  c.lookup(key({ in_port: 2 }), 1, wc);
  t.same(wc, wcOf({ in_port: 0xffffffff, tcp_dst: 0xffff }));
});

t.test('options are checked', async (t) => {
  t.throws(() => new Classifier({ stages: [[0, 1]] }), /in no stage/);
  t.throws(() => new Classifier({ stages: [[...Array(KEY_WORDS).keys()], [0]] }), /stages 0 and 1/);
  t.throws(() => new Classifier({ hashBits: 33 }), /hashBits/);
  t.throws(() => new Classifier({ prefixFields: [{ word: KEY_WORDS - 2, words: 4 }] }), /outside the key/);
  const all = [...Array(KEY_WORDS).keys()];
  t.doesNotThrow(() => new Classifier({ stages: [all] }), 'a single stage is allowed');
});
