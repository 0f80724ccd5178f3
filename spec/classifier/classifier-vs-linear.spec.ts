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
import { arbKey, arbRuleSeed, hex, packetNear, ruleFrom, sameUnderWildcards, type RuleSeed, type TestRule } from './helpers.js';

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
