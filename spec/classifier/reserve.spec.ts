/**
 * Classifier.reserve (a capacity hint a bundle's commit gives before
 * inserting many rules of one mask) changes no answer: random rule sets,
 * with hints of random sizes given before the subtables exist, on
 * subtables already holding rules (whose tables then grow at once, with
 * multi-rule buckets and removed-but-uncollected entries in them) and
 * withdrawn again, looked up at two versions: the same rule as the same
 * classifier given no hints (ties included), and the priority the linear
 * reference classifier gives.
 */
import t from 'tap';
import fc from 'fast-check';
import { Classifier, LinearClassifier } from '../../lib/classifier/index.js';
import { arbKey, arbRuleSeed, MASKS, packetNear, ruleFrom, type TestRule } from './helpers.js';

t.test('reserve hints change no lookup', async (t) => {
  fc.assert(
    fc.property(
      fc.array(arbRuleSeed(), { minLength: 1, maxLength: 60 }),
      fc.array(fc.tuple(fc.nat({ max: MASKS.length - 1 }), fc.integer({ min: 0, max: 3000 }), fc.nat({ max: 60 })), { maxLength: 8 }),
      fc.array(fc.tuple(fc.nat(), arbKey), { minLength: 1, maxLength: 20 }),
      (seeds, hints, probes) => {
        const c = new Classifier<TestRule>();
        const plain = new Classifier<TestRule>();
        const ref = new LinearClassifier<TestRule>();
        const both = [plain, ref];
        const rules = seeds.map((s, i) => ruleFrom(s, `r${i}`));
        // Each hint is given just before the rule at its position is inserted.
        rules.forEach((r, i) => {
          for (const [m, n, at] of hints) if (at === i) c.reserve(MASKS[m]!, n);
          c.insert(r, 1);
          for (const x of both) x.insert(r, 1);
        });
        // Every third rule goes at version 2, not yet collected; then more hints, some withdrawn.
        rules.forEach((r, i) => {
          if (i % 3 === 0) {
            c.remove(r, 2);
            for (const x of both) x.remove(r, 2);
          }
        });
        for (const [m, n] of hints) c.reserve(MASKS[m]!, n);
        for (const [m] of hints.slice(0, 2)) c.reserve(MASKS[m]!, 0);
        if (c.count !== ref.count) return false;
        for (const version of [1, 2]) {
          for (const [which, noise] of probes) {
            const k = packetNear(rules, which % (rules.length + 1) - 1, noise);
            const got = c.lookup(k, version, null);
            if (got !== plain.lookup(k, version, null) || got?.priority !== ref.lookup(k, version, null)?.priority) return false;
          }
        }
        // And after collecting, at version 2.
        c.collect(2);
        plain.collect(2);
        for (const [which, noise] of probes) {
          const k = packetNear(rules, which % (rules.length + 1) - 1, noise);
          const got = c.lookup(k, 2, null);
          if (got !== plain.lookup(k, 2, null) || got?.priority !== ref.lookup(k, 2, null)?.priority) return false;
        }
        return true;
      },
    ),
    { numRuns: 400 },
  );
  t.pass('400 random rule sets');
});

t.test('a hint for a mask with no rules makes no subtable', async (t) => {
  const c = new Classifier<TestRule>();
  c.reserve(MASKS[0]!, 100_000);
  t.equal(c.subtableCount, 0);
  t.equal(c.count, 0);
});
