/**
 * HashCounts (a subtable's stage index) against a Map model, with hashes
 * from a tiny range so that probe clusters, wrap-around and backward-shift
 * deletion are all exercised.
 */
import t from 'tap';
import fc from 'fast-check';
import { HashCounts } from '../../lib/classifier/hash-counts.js';

t.test('HashCounts add()/delete()/has() agree with a counting Map', async (t) => {
  const arbHash = fc.oneof(fc.integer({ min: -8, max: 40 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((h) => h & ~0xff));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), arbHash), { maxLength: 300, size: 'large' }), (ops) => {
      const set = new HashCounts();
      const model = new Map<number, number>();
      for (const [add, h] of ops) {
        if (add || !model.has(h)) {
          set.add(h);
          model.set(h, (model.get(h) ?? 0) + 1);
        } else {
          set.delete(h);
          const n = (model.get(h) as number) - 1;
          if (n === 0) model.delete(h);
          else model.set(h, n);
        }
        if (set.size !== model.size) throw new Error(`size ${set.size} != ${model.size}`);
      }
      for (let h = -10; h <= 45; h++) if (set.has(h) !== model.has(h)) throw new Error(`has(${h})`);
      for (const h of model.keys()) if (!set.has(h)) throw new Error(`lost ${h}`);
    }),
    { numRuns: 300 },
  );
  t.pass('ok');
});

t.test('HashCounts delete() of an absent hash throws', async (t) => {
  const set = new HashCounts();
  set.add(1);
  t.throws(() => set.delete(2), /not present/);
});
