/**
 * The classifier's 32-bit hash over masked key words.
 *
 * A subtable hashes the same words of every key (those its mask cares
 * about), one at a time and in stage order, so that the running value after
 * stage k is the hash of the stage-k partial key; the staged lookup reuses it
 * instead of starting over at each stage. The mixing is MurmurHash3's 32-bit
 * block step and finalizer (public domain, written out from its published
 * constants), with Math.imul so that everything stays in int32 registers.
 *
 * Results are int32 (not uint32): the tables store them in Int32Arrays and
 * compare with ===, which keeps every value a small integer to V8.
 */

/** Adds one 32-bit word to a running hash. */
export function hashAddWord(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * Finishes a running hash over `nWords` words. The running value is not
 * changed, so a staged lookup can finish it at every stage and go on.
 */
export function hashFinish(h: number, nWords: number): number {
  h ^= nWords << 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Hash of a whole mask (or key): finds a mask's subtable. */
export function hashWords(words: Uint32Array, basis: number): number {
  let h = basis;
  for (let i = 0; i < words.length; i++) h = hashAddWord(h, words[i]);
  return hashFinish(h, words.length);
}
