/**
 * Per-lookup scratch state shared by the subtables of one classifier: the
 * hashes of stage prefixes, memoized across subtables, and which of them
 * are already in the lookup's wildcards.
 *
 * Why: many subtables agree on their first stages (every IPv4 ACL rule
 * masks eth_type and nothing else in L2), so they would all hash the same
 * words of the same key, and all OR the same mask words into the
 * wildcards. Each distinct "stage prefix" (the key words and masks of
 * stages 0..k of a subtable) gets a small integer id, shared by all
 * subtables with that prefix. The first subtable to hash it in a lookup
 * stores the running and the finished hash under that id, stamped with the
 * lookup's generation, and the others reuse them; likewise the first to
 * OR its bits into the wildcards stamps that, and the others skip the
 * (idempotent) work. Nothing is cleared between lookups: a new generation
 * makes every memo stale at once.
 *
 * Ids are reference-counted and reused when the last subtable using one
 * goes away, so mask churn does not grow the arrays without bound.
 */
import { KEY_WORDS } from '../packet/flow-key.js';
import { hashAddWord, hashFinish } from './hash.js';

/** Room per prefix in the flat arrays: a (word, mask) pair for every key word. */
const PID_STRIDE = 2 * KEY_WORDS;

export class LookupScratch {
  /** Generation of the current lookup. */
  gen = 0;
  /** Whether every entry of the classifier is visible at the current lookup's version (set by the classifier per lookup). */
  allVisible = false;
  /** memoGen[id] === gen when memoH[id] and memoF[id] hold this lookup's hashes of prefix `id`. */
  memoGen: Float64Array = new Float64Array(16).fill(-1);
  /** The running hash after the prefix's words (to go on hashing later stages). */
  memoH: Int32Array = new Int32Array(16);
  /** The finished hash, ANDed with the hash mask: what the indexes hold. */
  memoF: Int32Array = new Int32Array(16);
  /** memoOr[id] === gen when prefix `id`'s mask words are already in this lookup's wildcards. */
  memoOr: Float64Array = new Float64Array(16).fill(-1);

  private readonly hashMask: number;
  private readonly ids = new Map<string, number>();
  private refs: number[] = [];
  private free: number[] = [];
  /**
   * Every prefix's words and masks, flat: prefix `id` has pidLen[id] words,
   * at pidData[id * PID_STRIDE + 2x] (the word) and [.. + 2x + 1] (its
   * mask). One typed array rather than two arrays per prefix: hashing or
   * ORing a prefix then reads one cache line or two, with no object to
   * load on the way.
   */
  private pidData: Int32Array = new Int32Array(16 * PID_STRIDE);
  private pidLen: Int32Array = new Int32Array(16);

  constructor(hashMask: number) {
    this.hashMask = hashMask;
  }

  /** Starts a lookup. */
  begin(): void {
    this.gen++;
  }

  /** Hashes prefix `id` of `key` into the memo; returns the finished hash (memoF[id]). */
  hashPrefix(id: number, key: Uint32Array): number {
    const data = this.pidData;
    const len = this.pidLen[id];
    const o = id * PID_STRIDE;
    let h = 0;
    for (let x = 0; x < len; x++) h = hashAddWord(h, key[data[o + 2 * x]] & data[o + 2 * x + 1]);
    const f = hashFinish(h, len) & this.hashMask;
    this.memoH[id] = h;
    this.memoF[id] = f;
    this.memoGen[id] = this.gen;
    return f;
  }

  /** ORs prefix `id`'s mask words into `wc` (once per lookup). */
  orPrefix(id: number, wc: Uint32Array): void {
    if (this.memoOr[id] === this.gen) return;
    const data = this.pidData;
    const len = this.pidLen[id];
    const o = id * PID_STRIDE;
    for (let x = 0; x < len; x++) wc[data[o + 2 * x]] |= data[o + 2 * x + 1];
    this.memoOr[id] = this.gen;
  }

  /** The id of a stage prefix (the first `end` words and masks), taking a reference. */
  acquire(words: Int32Array, masks: Uint32Array, end: number): number {
    const sig = signature(words, masks, end);
    let id = this.ids.get(sig);
    if (id === undefined) {
      id = this.free.pop() ?? this.refs.length;
      this.ids.set(sig, id);
      this.refs[id] = 0;
      if (id >= this.memoGen.length) this.grow();
      this.pidLen[id] = end;
      for (let x = 0; x < end; x++) {
        this.pidData[id * PID_STRIDE + 2 * x] = words[x];
        this.pidData[id * PID_STRIDE + 2 * x + 1] = masks[x];
      }
      this.memoGen[id] = -1;
      this.memoOr[id] = -1;
    }
    this.refs[id]++;
    return id;
  }

  /** Drops a reference taken by `acquire` with the same arguments. */
  release(words: Int32Array, masks: Uint32Array, end: number): void {
    const sig = signature(words, masks, end);
    const id = this.ids.get(sig);
    if (id === undefined) throw new Error('LookupScratch.release: unknown prefix');
    if (--this.refs[id] === 0) {
      this.ids.delete(sig);
      this.free.push(id);
    }
  }

  private grow(): void {
    const n = this.memoGen.length * 2;
    const grown = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T, fill: number): T => {
      const a = make(n);
      a.fill(fill);
      a.set(old);
      return a;
    };
    this.memoGen = grown(this.memoGen, (k) => new Float64Array(k), -1);
    this.memoOr = grown(this.memoOr, (k) => new Float64Array(k), -1);
    this.memoH = grown(this.memoH, (k) => new Int32Array(k), 0);
    this.memoF = grown(this.memoF, (k) => new Int32Array(k), 0);
    this.pidLen = grown(this.pidLen, (k) => new Int32Array(k), 0);
    this.pidData = grown(this.pidData, (k) => new Int32Array(k * PID_STRIDE), 0);
  }
}

function signature(words: Int32Array, masks: Uint32Array, end: number): string {
  let s = '';
  for (let x = 0; x < end; x++) s += `${words[x]}:${masks[x]},`;
  return s;
}
