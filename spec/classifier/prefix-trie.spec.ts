/**
 * PrefixTrie against brute force: the set of slots with a matching prefix
 * is recomputed from the list of inserted prefixes, and `maskbits` is
 * checked for what the classifier relies on: keys that agree on that many
 * leading bits get the same set. Each prefix length gets its own slot here
 * (as each subtable has one length), plus a second slot for some lengths,
 * so that one node holds prefixes of several slots.
 */
import t from 'tap';
import fc from 'fast-check';
import { PrefixTrie, prefixLength } from '../../lib/classifier/prefix-trie.js';
import { PrefixTries } from '../../lib/classifier/prefix-tries.js';
import { newKey } from '../../lib/packet/flow-key.js';

/**
 * Fields under test, both at word 20: two words (64 bits), to exercise word
 * boundaries, and one word (the IPv4 fast path). Values are 64-bit; a
 * one-word field sees their top 32 bits.
 */
const FIELDS = [
  { word: 20, words: 2 },
  { word: 20, words: 1 },
];
const BITS = 64;

const keyOf = (v: bigint): Uint32Array => {
  const k = newKey();
  k[20] = Number((v >> 32n) & 0xffffffffn);
  k[21] = Number(v & 0xffffffffn);
  return k;
};
const prefixOf = (v: bigint, plen: number): bigint => (plen === 0 ? 0n : (v >> BigInt(BITS - plen)) << BigInt(BITS - plen));

/** Slot of a prefix: its length, or length + 64 for the "second subtable" of that length. */
const slotOf = (plen: number, second: boolean): number => (second ? plen + 64 : plen);

/** The slots with an inserted prefix equal to v's first bits. */
function bruteSlots(prefixes: readonly [bigint, number, number][], v: bigint): number[] {
  const set = new Set<number>();
  for (const [p, plen, slot] of prefixes) if (prefixOf(p, plen) === prefixOf(v, plen)) set.add(slot);
  return [...set].sort((a, b) => a - b);
}

/** Slots up to 128: five words of bitset. */
const SLOT_WORDS = 5;

function trieLengths(trie: PrefixTrie, v: bigint): { lengths: number[]; maskbits: number } {
  const matched = new Int32Array(SLOT_WORDS).fill(-1);
  const maskbits = trie.lookup(keyOf(v), matched);
  const lengths: number[] = [];
  for (let slot = 0; slot < SLOT_WORDS * 32; slot++) if ((matched[slot >>> 5] >>> (slot & 31)) & 1) lengths.push(slot);
  return { lengths, maskbits };
}

/** Values that share long prefixes with one another, so the trie branches deep. */
const arbValue = fc
  .tuple(fc.constantFrom(0x0a000000_00000000n, 0x0a010200_00000000n, 0xc0a80100_00000000n, 0xffffffff_ffffffffn, 0n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.nat(BITS))
  .map(([base, noise, keep]) => (prefixOf(base, keep) | (noise & ((1n << BigInt(BITS - keep)) - 1n))) & ((1n << 64n) - 1n));

for (const field of FIELDS) t.test(`PrefixTrie lookup() finds exactly the slots with a matching prefix, and maskbits is sufficient (${field.words * 32} bits)`, async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(arbValue, fc.integer({ min: 1, max: field.words * 32 }), fc.boolean()), { maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.array(fc.tuple(arbValue, arbValue), { minLength: 1, maxLength: 10 }),
      (inserts, removals, probes) => {
        const trie = new PrefixTrie(field, SLOT_WORDS);
        const present: [bigint, number, number][] = [];
        for (const [v, plen, second] of inserts) {
          trie.insert(keyOf(prefixOf(v, plen)), plen, slotOf(plen, second));
          present.push([prefixOf(v, plen), plen, slotOf(plen, second)]);
        }
        for (const r of removals) {
          if (present.length === 0) break;
          const [[v, plen, slot]] = present.splice(r % present.length, 1);
          trie.remove(keyOf(v), plen, slot);
        }
        for (const [v, other] of probes) {
          const { lengths, maskbits } = trieLengths(trie, v);
          const want = bruteSlots(present, v);
          if (lengths.join() !== want.join()) throw new Error(`lengths ${lengths} != ${want} for ${v.toString(16)}`);
          if (maskbits < 0 || maskbits > BITS) throw new Error(`maskbits ${maskbits}`);
          // Any key equal on the first maskbits bits gets the same lengths.
          const low = maskbits === BITS ? 0n : (1n << BigInt(BITS - maskbits)) - 1n;
          const v2 = (v & ~low & ((1n << 64n) - 1n)) | (other & low);
          const again = trieLengths(trie, v2);
          if (again.lengths.join() !== lengths.join()) {
            throw new Error(`maskbits ${maskbits} insufficient: ${v.toString(16)} -> ${lengths}, ${v2.toString(16)} -> ${again.lengths}`);
          }
        }
      },
    ),
    { numRuns: 500 },
  );
  t.pass('ok');
});

for (const field of FIELDS) t.test(`PrefixTrie lookups between single inserts and removals see each change (root table kept up to date, ${field.words * 32} bits)`, async (t) => {
  // Enough prefixes that the root table grows past its smallest size on
  // the way up and shrinks on the way down, with a lookup after every
  // change: each change recomputes only some entries (markRoot), and a
  // stale one would show here as a wrong set or an insufficient maskbits.
  fc.assert(
    fc.property(
      fc.array(fc.tuple(arbValue, fc.integer({ min: 1, max: field.words * 32 }), fc.boolean()), { minLength: 300, maxLength: 700 }),
      fc.array(fc.tuple(arbValue, arbValue), { minLength: 4, maxLength: 4 }),
      fc.nat(),
      (inserts, probes, seed) => {
        const trie = new PrefixTrie(field, SLOT_WORDS);
        const present: [bigint, number, number][] = [];
        const check = (): void => {
          for (const [v, other] of probes) {
            const { lengths, maskbits } = trieLengths(trie, v);
            const want = bruteSlots(present, v);
            if (lengths.join() !== want.join()) throw new Error(`lengths ${lengths} != ${want} for ${v.toString(16)} with ${present.length} prefixes`);
            const low = maskbits === BITS ? 0n : (1n << BigInt(BITS - maskbits)) - 1n;
            const v2 = (v & ~low & ((1n << 64n) - 1n)) | (other & low);
            if (trieLengths(trie, v2).lengths.join() !== lengths.join()) throw new Error(`maskbits ${maskbits} insufficient for ${v.toString(16)}`);
          }
        };
        for (const [v, plen, second] of inserts) {
          const p = prefixOf(v, plen);
          trie.insert(keyOf(p), plen, slotOf(plen, second));
          present.push([p, plen, slotOf(plen, second)]);
          // Probe at a prefix just inserted too: the entries it changed.
          probes[0][0] = v;
          check();
        }
        let r = seed;
        while (present.length > 0) {
          r = (Math.imul(r, 1103515245) + 12345) >>> 0;
          const [[v, plen, slot]] = present.splice(r % present.length, 1);
          trie.remove(keyOf(v), plen, slot);
          probes[0][0] = v;
          check();
        }
      },
    ),
    { numRuns: 15 },
  );
  t.pass('ok');
});

t.test('PrefixTrie remove() of an absent prefix throws', async (t) => {
  const trie = new PrefixTrie({ word: 12, words: 1 });
  const k = newKey();
  k[12] = 0x0a000000;
  trie.insert(k, 8, 0);
  t.throws(() => trie.remove(k, 16, 0), /not present/);
  t.throws(() => trie.remove(k, 4, 0), /not present/);
  t.throws(() => trie.remove(k, 8, 1), /not present/, 'another slot');
  trie.remove(k, 8, 0);
  t.throws(() => trie.remove(k, 8, 0), /not present/);
});

t.test('PrefixTries skipBits() stamps per lookup and never exceeds the subtable prefix', async (t) => {
  const tries = new PrefixTries([{ word: 13, words: 1 }]);
  const k = newKey();
  k[13] = 0x0a000000;
  const slot8 = tries.allocSlot();
  const slot24 = tries.allocSlot();
  const slotOther8 = tries.allocSlot();
  tries.tries[0].insert(k, 8, slot8);
  const pkt = newKey();
  pkt[13] = 0x0a000001;
  tries.begin();
  t.equal(tries.skipBits(0, 8, slot8, pkt), -1, '10/8 matches: no skip');
  t.equal(tries.skipBits(0, 24, slot24, pkt), 8, 'no /24 exists: the walk ended at a leaf after 8 bits');
  t.equal(tries.skipBits(0, 8, slotOther8, pkt), 8, 'another subtable of length 8 without 10/8 is skipped');
  pkt[13] = 0x0b000000;
  tries.begin();
  t.equal(tries.skipBits(0, 8, slot8, pkt), 8, 'differs at bit 7: 8 bits');
  t.equal(tries.skipBits(0, 4, slotOther8, pkt), 4, 'capped at the subtable prefix');
  const wc = newKey();
  tries.orPrefix(0, 8, wc);
  t.equal(wc[13], 0xff000000);
});

t.test('prefixLength() recognizes CIDR masks only', async (t) => {
  const m = newKey();
  const f = { word: 20, words: 4 };
  t.equal(prefixLength(m, f), 0);
  m[20] = 0xffffffff;
  m[21] = 0xffff0000;
  t.equal(prefixLength(m, f), 48);
  m[23] = 1;
  t.equal(prefixLength(m, f), 0, 'a bit after the prefix');
  m[23] = 0;
  m[21] = 0xff00ff00;
  t.equal(prefixLength(m, f), 0, 'a hole');
  m.fill(0xffffffff, 20, 24);
  t.equal(prefixLength(m, f), 128);
});
