/**
 * PrefixTrie inserts in bulk, as a bundle's commit makes them: runs of
 * prefixes in address order (where `insert` resumes below the path of the
 * previous insert rather than walking from the root), of mixed lengths and
 * slots, interleaved with removals (which make that path stale) and with
 * out-of-order inserts. After every step the trie's answer for each
 * inserted address, and for its neighbours, is checked against brute force
 * over the prefixes present.
 */
import t from 'tap';
import fc from 'fast-check';
import { PrefixTrie } from '../../lib/classifier/prefix-trie.js';
import { newKey } from '../../lib/packet/flow-key.js';

const FIELD = { word: 20, words: 2 };
const SLOT_WORDS = 2;

const keyOf = (v: bigint): Uint32Array => {
  const k = newKey();
  k[20] = Number((v >> 32n) & 0xffffffffn);
  k[21] = Number(v & 0xffffffffn);
  return k;
};
const MASK64 = (1n << 64n) - 1n;
const prefixOf = (v: bigint, plen: number): bigint => (plen === 0 ? 0n : ((v >> BigInt(64 - plen)) << BigInt(64 - plen)) & MASK64);

function slotsOf(trie: PrefixTrie, v: bigint): string {
  const matched = new Int32Array(SLOT_WORDS);
  trie.lookup(keyOf(v), matched);
  const out: number[] = [];
  for (let s = 0; s < SLOT_WORDS * 32; s++) if ((matched[s >>> 5] >>> (s & 31)) & 1) out.push(s);
  return out.join();
}

function bruteSlots(present: readonly [bigint, number, number][], v: bigint): string {
  const set = new Set<number>();
  for (const [p, plen, slot] of present) if (prefixOf(v, plen) === p) set.add(slot);
  return [...set].sort((a, b) => a - b).join();
}

t.test('PrefixTrie: runs of inserts in address order, with removals between, match brute force', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          // A run: consecutive addresses from a base, with a step, at one length and slot.
          base: fc.bigInt({ min: 0n, max: MASK64 }),
          step: fc.constantFrom(1n, 2n, 256n, 1n << 31n, 1n << 32n, 1n << 40n),
          n: fc.integer({ min: 1, max: 40 }),
          plen: fc.integer({ min: 1, max: 64 }),
          slot: fc.integer({ min: 0, max: SLOT_WORDS * 32 - 1 }),
          removeAfter: fc.nat(5),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      fc.nat(),
      (runs, seed) => {
        const trie = new PrefixTrie(FIELD, SLOT_WORDS);
        const present: [bigint, number, number][] = [];
        let r = seed;
        const check = (v: bigint): void => {
          for (const x of [v, (v + 1n) & MASK64, (v - 1n) & MASK64, v ^ (1n << 63n)]) {
            const got = slotsOf(trie, x);
            const want = bruteSlots(present, x);
            if (got !== want) throw new Error(`slots ${got} != ${want} at ${x.toString(16)} (${present.length} prefixes)`);
          }
        };
        for (const run of runs) {
          for (let i = 0n; i < BigInt(run.n); i++) {
            const p = prefixOf((run.base + i * run.step) & MASK64, run.plen);
            trie.insert(keyOf(p), run.plen, run.slot);
            present.push([p, run.plen, run.slot]);
            check(p);
          }
          for (let k = 0; k < run.removeAfter && present.length > 0; k++) {
            r = (Math.imul(r, 1103515245) + 12345) >>> 0;
            const [[p, plen, slot]] = present.splice(r % present.length, 1);
            trie.remove(keyOf(p), plen, slot);
            check(p);
          }
        }
        for (const [p] of present) check(p);
      },
    ),
    { numRuns: 300 },
  );
  t.pass('ok');
});

t.test('PrefixTrie: 20,000 /32 prefixes in address order, then every other one removed', async (t) => {
  const field = { word: 20, words: 1 };
  const trie = new PrefixTrie(field, 1);
  const key = newKey();
  const matched = new Int32Array(1);
  const at = (a: number): number => {
    key[20] = a;
    trie.lookup(key, matched);
    return matched[0];
  };
  const base = 0x0a000000;
  for (let i = 0; i < 20000; i++) {
    key[20] = base + i;
    trie.insert(key, 32, i % 3);
  }
  let bad = 0;
  for (let i = 0; i < 20000; i++) if (at(base + i) !== 1 << i % 3) bad++;
  t.equal(bad, 0, 'every address finds its own slot only');
  t.equal(at(base + 20000), 0, 'the next address finds none');
  for (let i = 0; i < 20000; i += 2) {
    key[20] = base + i;
    trie.remove(key, 32, i % 3);
  }
  // Inserts again after removals, in order: the path of the last insert is gone.
  for (let i = 0; i < 20000; i += 4) {
    key[20] = base + i;
    trie.insert(key, 32, 2);
  }
  bad = 0;
  for (let i = 0; i < 20000; i++) {
    const want = i % 4 === 0 ? 1 << 2 : i % 2 === 1 ? 1 << i % 3 : 0;
    if (at(base + i) !== want) bad++;
  }
  t.equal(bad, 0, 'after removals and reinserts, each address finds what is present');
});
