/**
 * An ADD as ofproto makes it: `findExact` (an identical rule to replace?),
 * then `insert` of a rule with the same value array. After a miss, insert
 * opens the bucket at the free slot findExact's probe ended at; anything
 * that moves slots in between (reserve growing the table, collect removing
 * buckets, other inserts) must make it probe again. Checked against the
 * linear reference: every rule present is found, at its place in its
 * bucket, and lookups agree on the priority.
 */
import t from 'tap';
import fc from 'fast-check';
import { Classifier, LinearClassifier } from '../../lib/classifier/index.js';
import { arbKey, arbRuleSeed, MASKS, packetNear, ruleFrom, type TestRule } from './helpers.js';

/** What happens between the findExact and the insert of an ADD. */
const arbBetween = fc.constantFrom('nothing', 'reserve', 'reserve-other', 'insert-other', 'remove-collect', 'findExact-other');

t.test('findExact() then insert() with changes in between agrees with the reference', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(arbRuleSeed(3), arbBetween, fc.nat(), fc.nat({ max: 3 })), { minLength: 1, maxLength: 60 }),
      fc.array(fc.tuple(fc.integer({ min: -1, max: 80 }), arbKey), { minLength: 1, maxLength: 20 }),
      (ops, probes) => {
        const c = new Classifier<TestRule>({ hashBits: 4 });
        const lin = new LinearClassifier<TestRule>();
        const present: TestRule[] = [];
        let version = 1;
        const add = (r: TestRule): void => {
          c.insert(r, version);
          lin.insert(r, version);
          present.push(r);
        };
        ops.forEach(([seed, between, pick, dupOf], i) => {
          version++;
          // Some ADDs reuse another rule's match (a bucket that exists), most do not.
          const base = dupOf === 0 && present.length > 0 ? present[pick % present.length] : null;
          const r = base !== null ? { value: base.value, mask: base.mask, priority: seed.priority, name: `r${i}` } : ruleFrom({ ...seed, maskIndex: seed.maskIndex % 2 }, `r${i}`);
          // (Two masks only: the changes in between mostly hit the same subtable.)
          const got = c.findExact(r.value, r.mask, r.priority, version);
          const want = lin.findExact(r.value, r.mask, r.priority, version);
          if (got !== want) throw new Error(`findExact(r${i}): ${got?.name} != ${want?.name}`);
          switch (between) {
            case 'reserve':
              c.reserve(r.mask, 50 + (pick % 200));
              break;
            case 'reserve-other':
              c.reserve(MASKS[pick % MASKS.length], 50 + (pick % 200));
              break;
            case 'insert-other':
              add(ruleFrom({ ...seed, maskIndex: pick % 3 }, `o${i}`));
              break;
            case 'remove-collect':
              if (present.length > 0) {
                const [victim] = present.splice(pick % present.length, 1);
                c.remove(victim, version);
                lin.remove(victim, version);
                c.collect(version);
                lin.collect(version);
              }
              break;
            case 'findExact-other':
              c.findExact(present.length > 0 ? present[pick % present.length].value : r.value, r.mask, r.priority + 1, version);
              break;
          }
          add(r);
        });
        version++;
        for (const r of present) {
          const got = c.findExact(r.value, r.mask, r.priority, version);
          const want = lin.findExact(r.value, r.mask, r.priority, version);
          if (got !== want) throw new Error(`after: findExact(${r.name}) ${got?.name} != ${want?.name}`);
        }
        if (c.count !== present.length) throw new Error(`count ${c.count} != ${present.length}`);
        for (const [ri, noise] of probes) {
          const k = packetNear(present, ri < present.length ? ri : -1, noise);
          const got = c.lookup(k, version, null);
          const want = lin.lookup(k, version, null);
          if ((got?.priority ?? null) !== (want?.priority ?? null)) throw new Error(`lookup: ${got?.name} != ${want?.name}`);
        }
      },
    ),
    { numRuns: 400 },
  );
  t.pass('ok');
});

t.test('insert() after findExact() probes again when collect() or reserve() moved slots in between', async (t) => {
  // hashBits 0: every bucket hashes alike, so one probe cluster holds them all. (MASKS[1]: in_port.)
  const mask = MASKS[1];
  const rule = (n: number): TestRule => {
    const value = new Uint32Array(mask.length);
    for (let w = 0; w < mask.length; w++) value[w] = (Math.imul(n + 1, 0x9e3779b1 + w) >>> 0) & mask[w];
    return { value, mask, priority: 1, name: `r${n}` };
  };
  const distinct: TestRule[] = [];
  const seen = new Set<string>();
  for (let n = 0; distinct.length < 6; n++) {
    const r = rule(n);
    const k = Array.from(r.value).join();
    if (!seen.has(k)) {
      seen.add(k);
      distinct.push(r);
    }
  }
  const [a, b, c, d, e, f] = distinct;

  const c1 = new Classifier<TestRule>({ hashBits: 0 });
  for (const r of [a, b, c]) c1.insert(r, 1);
  t.equal(c1.findExact(d.value, d.mask, 1, 2), null);
  // Frees the cluster's first slot: the others move back, and d's free slot with them.
  c1.remove(a, 2);
  c1.collect(2);
  c1.insert(d, 2);
  t.equal(c1.findExact(d.value, d.mask, 1, 2), d, 'found after a collect in between');
  t.equal(c1.count, 3);

  const c2 = new Classifier<TestRule>({ hashBits: 0 });
  for (const r of [a, b, c]) c2.insert(r, 1);
  t.equal(c2.findExact(e.value, e.mask, 1, 2), null);
  c2.insert(f, 2);
  // Growing the table rehashes every bucket.
  c2.reserve(mask, 100);
  c2.insert(e, 2);
  for (const r of [a, b, c, e, f]) t.equal(c2.findExact(r.value, r.mask, 1, 2), r, `${r.name} found after a reserve in between`);
});
