/**
 * Property tests: Classifier against the linear reference (linear.ts), on
 * random rule sets over a pool of 40 realistic masks (helpers.ts), random
 * priorities from a small range (ties are common), and packets drawn near
 * the rules so that lookups hit often.
 *
 * Checked for every lookup:
 *  - same answer as the reference: same priority, and the same rule when
 *    only one rule of that priority matches;
 *  - sufficiency of the wildcards: keys that agree with the looked-up key
 *    on every wildcarded bit get the very same rule from the classifier and
 *    a rule of the same priority from the reference;
 *  - no invented bits: the wildcards lie within the union of the masks of
 *    the rules in the classifier (at any version: a lookup may consult a
 *    subtable whose rules are not visible at its version).
 * And, over random interleavings of insert/remove/restore/publish/collect,
 * that every read of the API (lookup at any live version, findExact,
 * hasOverlap, forEachLoose, forEach, the iterator, count) agrees.
 *
 * Every property runs under several configurations (default, no prefix
 * tries, 2-bit hashes that collide everywhere, a single stage), since each
 * takes different paths through the lookup.
 */
import t from 'tap';
import fc from 'fast-check';
import { Classifier, LinearClassifier, type ClassifierOptions } from '../../lib/classifier/index.js';
import { KEY_WORDS, newKey } from '../../lib/packet/flow-key.js';
import { arbKey, arbRuleSeed, hex, key, match, packetNear, ruleFrom, sameUnderWildcards, type RuleSeed, type TestRule } from './helpers.js';

const CONFIGS: readonly { name: string; opts: ClassifierOptions }[] = [
  { name: 'default', opts: {} },
  { name: 'no prefix tries', opts: { prefixFields: [] } },
  { name: '2-bit hashes', opts: { hashBits: 2 } },
  { name: 'one stage', opts: { stages: [[...Array(KEY_WORDS).keys()]] } },
];

function fail(msg: string): never {
  throw new Error(msg);
}

/** The rules of the reference that match `k` at `version` with the given priority. */
function tied(lin: LinearClassifier<TestRule>, k: Uint32Array, version: number, priority: number): TestRule[] {
  const out: TestRule[] = [];
  lin.forEach(version, (r) => {
    if (r.priority !== priority) return;
    for (let w = 0; w < KEY_WORDS; w++) if ((k[w] & r.mask[w]) >>> 0 !== r.value[w]) return;
    out.push(r);
  });
  return out;
}

/**
 * Looks `k` up in both at `version` and checks agreement, then checks the
 * wildcards' sufficiency with the keys that `others` yield under them.
 */
function checkLookup(
  c: Classifier<TestRule>,
  lin: LinearClassifier<TestRule>,
  k: Uint32Array,
  version: number,
  others: readonly Uint32Array[],
  present: readonly TestRule[],
): void {
  const wc = newKey();
  const got = c.lookup(k, version, wc);
  const want = lin.lookup(k, version, null);
  const where = `key ${hex(k)} at version ${version}`;
  if ((got === null) !== (want === null)) fail(`${where}: got ${got?.name ?? 'null'}, want ${want?.name ?? 'null'}`);
  if (got !== null && want !== null) {
    if (got.priority !== want.priority) fail(`${where}: got priority ${got.priority} (${got.name}), want ${want.priority} (${want.name})`);
    if (tied(lin, k, version, want.priority).length === 1 && got !== want) fail(`${where}: got ${got.name}, want ${want.name}`);
  }
  const union = newKey();
  for (const r of present) for (let w = 0; w < KEY_WORDS; w++) union[w] |= r.mask[w];
  for (let w = 0; w < KEY_WORDS; w++) if ((wc[w] & ~union[w]) !== 0) fail(`${where}: wildcards ${hex(wc)} outside the masks' union ${hex(union)}`);
  for (const other of others) {
    const k2 = sameUnderWildcards(k, wc, other);
    const got2 = c.lookup(k2, version, null);
    if (got2 !== got) fail(`${where}: wildcards ${hex(wc)} insufficient: ${hex(k2)} gets ${got2?.name ?? 'null'}, not ${got?.name ?? 'null'}`);
    const want2 = lin.lookup(k2, version, null);
    if ((want2?.priority ?? null) !== (got?.priority ?? null)) fail(`${where}: ${hex(k2)} under the wildcards gets priority ${want2?.priority} from the reference`);
  }
}

const arbProbe = fc.tuple(fc.integer({ min: -3, max: 1000 }), arbKey, arbKey, fc.nat(1000), arbKey);

for (const { name, opts } of CONFIGS) {
  t.test(`lookup() agrees with the reference and its wildcards are sufficient (${name})`, async (t) => {
    fc.assert(
      fc.property(fc.array(arbRuleSeed(), { maxLength: 120, size: 'large' }), fc.array(arbProbe, { minLength: 1, maxLength: 16, size: 'max' }), (seeds, probes) => {
        const c = new Classifier<TestRule>(opts);
        const lin = new LinearClassifier<TestRule>();
        const rules = seeds.map((s, i) => ruleFrom(s, `r${i}`));
        for (const r of rules) {
          c.insert(r, 1);
          lin.insert(r, 1);
        }
        if (c.count !== lin.count) fail(`count ${c.count} != ${lin.count}`);
        for (const [ri, noise, other, rj, noise2] of probes) {
          const k = packetNear(rules, ri, noise);
          checkLookup(c, lin, k, 1, [other, packetNear(rules, rj, noise2), noise2], rules);
        }
      }),
      { numRuns: 400 },
    );
    t.pass('ok');
  });
}

/* -------------------------------------------------- random interleavings */

type Op =
  | { op: 'insert'; seed: RuleSeed }
  | { op: 'remove'; pick: number }
  | { op: 'restore'; pick: number }
  | { op: 'publish' }
  | { op: 'collect' }
  | { op: 'read'; probe: [number, Uint32Array, Uint32Array, number, Uint32Array]; back: number; filter: RuleSeed };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: arbRuleSeed().map((seed): Op => ({ op: 'insert', seed })) },
  { weight: 2, arbitrary: fc.nat().map((pick): Op => ({ op: 'remove', pick })) },
  { weight: 1, arbitrary: fc.nat().map((pick): Op => ({ op: 'restore', pick })) },
  { weight: 2, arbitrary: fc.constant<Op>({ op: 'publish' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'collect' }) },
  {
    weight: 4,
    arbitrary: fc.record({ probe: arbProbe, back: fc.nat(4), filter: arbRuleSeed() }).map((r): Op => ({ op: 'read', ...r })),
  },
);

const sortedNames = (rs: Iterable<TestRule>): string => [...rs].map((r) => r.name).sort().join(',');

function checkReads(c: Classifier<TestRule>, lin: LinearClassifier<TestRule>, rules: TestRule[], version: number, filter: TestRule): void {
  const at = `at version ${version}`;
  const all = (x: Classifier<TestRule> | LinearClassifier<TestRule>): TestRule[] => {
    const out: TestRule[] = [];
    x.forEach(version, (r) => out.push(r));
    return out;
  };
  if (sortedNames(all(c)) !== sortedNames(all(lin))) fail(`forEach ${at}: ${sortedNames(all(c))} != ${sortedNames(all(lin))}`);
  const loose = (x: Classifier<TestRule> | LinearClassifier<TestRule>): TestRule[] => {
    const out: TestRule[] = [];
    x.forEachLoose(filter.value, filter.mask, version, (r) => out.push(r));
    return out;
  };
  if (sortedNames(loose(c)) !== sortedNames(loose(lin))) fail(`forEachLoose ${at}: ${sortedNames(loose(c))} != ${sortedNames(loose(lin))}`);
  const o1 = c.hasOverlap(filter.value, filter.mask, filter.priority, version);
  const o2 = lin.hasOverlap(filter.value, filter.mask, filter.priority, version);
  if (o1 !== o2) fail(`hasOverlap ${at}: ${o1} != ${o2}`);
  for (const r of [filter, ...rules.slice(-3)]) {
    const e1 = c.findExact(r.value, r.mask, r.priority, version);
    const e2 = lin.findExact(r.value, r.mask, r.priority, version);
    if (e1 !== e2) fail(`findExact(${r.name}) ${at}: ${e1?.name ?? 'null'} != ${e2?.name ?? 'null'}`);
  }
}

for (const { name, opts } of CONFIGS) {
  t.test(`random interleavings of changes, versions and reads agree with the reference (${name})`, async (t) => {
    fc.assert(
      fc.property(fc.array(arbOp, { minLength: 1, maxLength: 150, size: 'large' }), (ops) => {
        const c = new Classifier<TestRule>(opts);
        const lin = new LinearClassifier<TestRule>();
        const rules: TestRule[] = [];
        const live: TestRule[] = [];
        const removedNow: TestRule[] = [];
        let published = 0;
        let oldest = 0;
        for (const o of ops) {
          const next = published + 1;
          switch (o.op) {
            case 'insert': {
              const r = ruleFrom(o.seed, `r${rules.length}`);
              rules.push(r);
              live.push(r);
              c.insert(r, next);
              lin.insert(r, next);
              break;
            }
            case 'remove': {
              if (live.length === 0) break;
              const [r] = live.splice(o.pick % live.length, 1);
              c.remove(r, next);
              lin.remove(r, next);
              removedNow.push(r);
              break;
            }
            case 'restore': {
              // A bundle's rollback: only removals not yet published.
              if (removedNow.length === 0) break;
              const [r] = removedNow.splice(o.pick % removedNow.length, 1);
              c.restore(r);
              lin.restore(r);
              live.push(r);
              break;
            }
            case 'publish':
              published = next;
              removedNow.length = 0;
              break;
            case 'collect':
              oldest = published;
              c.collect(oldest);
              lin.collect(oldest);
              break;
            case 'read': {
              const version = Math.max(oldest, next - o.back);
              const [ri, noise, other, rj, noise2] = o.probe;
              const visible: TestRule[] = [];
              lin.forEach(version, (r) => visible.push(r));
              checkLookup(c, lin, packetNear(visible, ri, noise), version, [other, packetNear(visible, rj, noise2)], rules);
              checkReads(c, lin, rules, version, ruleFrom(o.filter, 'filter'));
              break;
            }
            default: {
              const never: never = o;
              throw new Error(`unknown op ${String(never)}`);
            }
          }
          if (c.count !== lin.count) fail(`count ${c.count} != ${lin.count} after ${o.op}`);
          if (sortedNames(c) !== sortedNames(lin)) fail(`iterator disagrees after ${o.op}`);
        }
      }),
      { numRuns: 250 },
    );
    t.pass('ok');
  });
}

/* ----------------------------------------------------- ACL-shaped tables */

/**
 * Tables shaped like an ordered ACL (bench/classifier.ts): one distinct
 * priority per rule, so subtables' maximum priorities interleave and a
 * lookup walks nearly all of them, and dozens of masks over the same first
 * stage (eth_type), so the lookup decides the pre-filters (Bloom filters,
 * prefix tries) on position bitsets and most subtables are eliminated there
 * rather than searched. Addresses come from a few networks, so the tries
 * both pass and reject; some masks add metadata or in_port, which puts the
 * address tries in a deeper stage (checked inside the subtable, on a miss
 * only). Rules are sometimes removed or re-added at later versions, and
 * buckets often hold several rules, so the flat copy of each bucket head's
 * versions is exercised too.
 */
const NETS = [0x0a000000, 0x0a010000, 0x0a010200, 0xc0a80000, 0xac100000];
const arbAddr = fc.tuple(fc.nat(NETS.length - 1), fc.nat(0xffff), fc.nat(3)).map(([n, low, spread]) => (NETS[n] | (spread === 0 ? low : low & 0x3ff)) >>> 0);
const PLENS = [0, 8, 16, 20, 24, 28, 32];
interface AclSeed {
  readonly src: number;
  readonly srcLen: number;
  readonly dst: number;
  readonly dstLen: number;
  readonly proto: number | null;
  readonly dport: number | null;
  readonly outer: 'none' | 'in_port' | 'metadata';
  readonly version: number;
}
const arbAclSeed: fc.Arbitrary<AclSeed> = fc.record({
  src: arbAddr,
  srcLen: fc.constantFrom(...PLENS),
  dst: arbAddr,
  dstLen: fc.constantFrom(...PLENS),
  proto: fc.option(fc.constantFrom(6, 17), { freq: 2 }),
  dport: fc.option(fc.constantFrom(22, 80, 443), { freq: 2 }),
  outer: fc.constantFrom<AclSeed['outer']>('none', 'none', 'none', 'in_port', 'metadata'),
  version: fc.nat(2),
});

function aclRule(s: AclSeed, priority: number, name: string): TestRule {
  const b = match().f('eth_type', 0x0800);
  if (s.srcLen > 0) b.prefix('ipv4_src', s.src, s.srcLen);
  if (s.dstLen > 0) b.prefix('ipv4_dst', s.dst, s.dstLen);
  if (s.proto !== null) b.f('ip_proto', s.proto);
  if (s.dport !== null) b.f('ip_proto', 6).f('tcp_dst', s.dport);
  if (s.outer === 'in_port') b.f('in_port', 1);
  if (s.outer === 'metadata') b.f('metadata', 7n);
  return b.rule(priority, name);
}

const arbAclPacket = fc.record({ near: fc.integer({ min: -1, max: 500 }), src: arbAddr, dst: arbAddr, proto: fc.constantFrom(6, 17), dport: fc.constantFrom(22, 80, 443, 8080), inPort: fc.nat({ max: 2 }) });
type AclPacket = typeof arbAclPacket extends fc.Arbitrary<infer P> ? P : never;

function aclKey(rules: readonly TestRule[], p: AclPacket): Uint32Array {
  const noise = key({ in_port: p.inPort, metadata: p.inPort === 2 ? 7n : 0n, eth_type: 0x0800, ip_proto: p.proto, ipv4_src: p.src, ipv4_dst: p.dst, tcp_dst: p.dport });
  return packetNear(rules, p.near, noise);
}

for (const { name, opts } of CONFIGS.slice(0, 3)) {
  t.test(`ACL-shaped tables: pre-filtered lookups agree with the reference and their wildcards are sufficient (${name})`, async (t) => {
    let eliminated = 0;
    fc.assert(
      fc.property(
        fc.array(arbAclSeed, { minLength: 1, maxLength: 150, size: 'max' }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.tuple(arbAclPacket, arbAclPacket, fc.nat(3)), { minLength: 1, maxLength: 12 }),
        (seeds, removals, probes) => {
          const c = new Classifier<TestRule>(opts);
          const lin = new LinearClassifier<TestRule>();
          // Distinct priorities, in an order unrelated to the masks.
          const rules = seeds.map((s, i) => aclRule(s, ((i * 7919) % 1000) + 1, `a${i}`));
          rules.forEach((r, i) => {
            c.insert(r, 1 + seeds[i].version);
            lin.insert(r, 1 + seeds[i].version);
          });
          // Removals at version 3 or 4: lookups at 1..4 see different sets.
          const removed = new Set<number>();
          for (const [k, x] of removals.entries()) {
            const i = x % rules.length;
            if (removed.has(i)) continue;
            removed.add(i);
            c.remove(rules[i], 3 + (k & 1));
            lin.remove(rules[i], 3 + (k & 1));
          }
          c.resetStats();
          for (const [p, other, vback] of probes) {
            const version = 4 - vback;
            const k = aclKey(rules, p);
            checkLookup(c, lin, k, version, [aclKey(rules, other), key({ eth_type: 0x0800, ipv4_src: other.src, ipv4_dst: other.dst })], rules);
          }
          const st = c.stats();
          eliminated += st.subtablesVisited - st.subtablesSearched;
        },
      ),
      { numRuns: 300 },
    );
    // The property is only interesting if the pre-filters did eliminate subtables.
    if (name !== 'no prefix tries') t.ok(eliminated > 0, `pre-filters eliminated ${eliminated} subtable visits`);
    t.pass('ok');
  });
}
