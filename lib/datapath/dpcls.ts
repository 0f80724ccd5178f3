/**
 * The megaflow classifier: tuple space search over megaflows, as Open
 * vSwitch's dpcls (lib/dpif-netdev-dpcls.h).
 *
 * What
 * ----
 * Megaflows are grouped by mask into subtables. A subtable is a hash table
 * of masked keys; a lookup hashes the packet's key under each subtable's
 * mask, in rank order, and returns the first megaflow whose masked key is
 * equal. There are no priorities: megaflows that overlap agree on the
 * packets they share (each is a sufficient translation of those packets),
 * so the first found is as good as any.
 *
 * Ranking: each subtable counts its hits; `rerank` (every second or so,
 * driven by the datapath) sorts subtables by hits since the last rerank,
 * so the masks most traffic takes are tried first, and resets the counts.
 *
 * Layout: a subtable keeps only the key words its mask has bits in
 * (Open vSwitch's miniflow idea): `words` lists them, and slot i's masked
 * words are keys[i*nWords ...]. Open addressing with linear probing over
 * power-of-two arrays (hashes, keys, megaflow references), grown at 50%
 * load, deleted with backward shift, so there are no tombstones and a miss
 * ends at the first empty slot (hash 0; real hashes are never 0). A probe
 * reads only the dense hash array until a hash matches. A lookup
 * allocates nothing.
 *
 * Early exit: a subtable of few megaflows (up to FILTER_MAX) keeps a
 * filter on one of its words, the one whose masked values differ most
 * among its megaflows (chosen at rerank): a count per bucket of that
 * word's masked value's hash. A packet whose bucket is empty cannot be in
 * the subtable, which it learns from one word instead of hashing them all
 * and probing. With many subtables most of a lookup is spent on subtables
 * that do not hold the packet, and this is where it is saved. The counts
 * are exact (kept on insert and remove), so the filter never hides a
 * megaflow; a subtable that grows past FILTER_MAX drops it, since its
 * buckets would all be taken.
 *
 * Invariants: a megaflow's `subtable` and `slot` are where it is; a
 * subtable with no megaflows is removed; at most one megaflow per (mask,
 * masked key).
 */
import { hashWords } from '../classifier/hash.js';
import { KEY_WORDS, KW } from '../packet/flow-key.js';
import { fmix } from './emc.js';
import type { Megaflow } from './megaflow.js';

const MIN_CAPACITY = 16;

/** Filter buckets per subtable (a power of two), and the most megaflows a filtered subtable may hold. */
const FILTER_BITS = 12;
const FILTER_MAX = 1 << (FILTER_BITS - 2);
/** Megaflows sampled per subtable to choose the filter word. */
const FILTER_SAMPLE = 256;

/** A distinct odd multiplier per key word, for subtable hashes (hashOf). */
const WORD_MULT = Int32Array.from({ length: KEY_WORDS }, (_, i) => (Math.imul(0x9e3779b1, 2 * i + 1) ^ Math.imul(0x85ebca6b, i + 7)) | 1);

export class Subtable {
  readonly mask: Uint32Array;
  /** Key word indexes with mask bits, and those masks. */
  readonly words: Int32Array;
  readonly maskVals: Int32Array;
  /** Per word of `words`, the odd constant its masked value is multiplied by in the hash (WORD_MULT). */
  readonly mults: Int32Array;
  readonly nWords: number;
  /** Hits since the last rerank. */
  hits = 0;
  /** Total hits, for dpctl/show. */
  totalHits = 0;
  count = 0;
  private cap = MIN_CAPACITY;
  private hashes = new Int32Array(MIN_CAPACITY);
  private keys: Int32Array;
  private flows: (Megaflow | null)[] = new Array<Megaflow | null>(MIN_CAPACITY).fill(null);
  /** The filter (see the essay): key word `filterWord` under mask `filterMask` (position `filterPos` of `words`), or filterWord -1. */
  private filterWord = -1;
  private filterMask = 0;
  private filterPos = -1;
  private filter: Uint16Array | null = null;

  constructor(mask: Uint32Array) {
    this.mask = Uint32Array.from(mask);
    const w: number[] = [];
    for (let i = 0; i < KEY_WORDS; i++) if (mask[i] !== 0) w.push(i);
    this.words = Int32Array.from(w);
    this.maskVals = Int32Array.from(w.map((i) => mask[i]! | 0));
    this.mults = Int32Array.from(w.map((i) => WORD_MULT[i]!));
    this.nWords = w.length;
    this.keys = new Int32Array(MIN_CAPACITY * Math.max(1, this.nWords));
  }

  /**
   * The hash of `key` under this subtable's mask: each masked word times
   * its word's constant, summed, then one finalizer (emc.ts has why a sum
   * of independent products beats a chain of mixes). A lookup computes it
   * once per subtable tried, so it is most of a megaflow hit's cost.
   */
  hashOf(key: Uint32Array): number {
    const words = this.words;
    const mv = this.maskVals;
    const mu = this.mults;
    const n = this.nWords;
    let h = n;
    for (let i = 0; i < n; i++) h = (h + Math.imul(key[words[i]!]! & mv[i]!, mu[i]!)) | 0;
    h = fmix(h);
    // 0 marks an empty slot in `hashes`.
    return h === 0 ? 1 : h;
  }

  /** The megaflow whose masked key `key` has, or null. */
  find(key: Uint32Array): Megaflow | null {
    const fw = this.filterWord;
    if (fw >= 0 && this.filter![filterSlot(key[fw]! & this.filterMask)] === 0) return null;
    const words = this.words;
    const mv = this.maskVals;
    const nw = this.nWords;
    const mu = this.mults;
    let h = nw;
    for (let i = 0; i < nw; i++) h = (h + Math.imul(key[words[i]!]! & mv[i]!, mu[i]!)) | 0;
    h = fmix(h);
    if (h === 0) h = 1;
    const m = this.cap - 1;
    const keys = this.keys;
    const hashes = this.hashes;
    // Probe the dense hash array only; compare words on a hash match.
    for (let i = h & m; ; i = (i + 1) & m) {
      const hi = hashes[i]!;
      if (hi === 0) return null;
      if (hi !== h) continue;
      const base = i * nw;
      let j = 0;
      while (j < nw && (key[words[j]!]! & mv[j]!) === keys[base + j]) j++;
      if (j === nw) return this.flows[i]!;
    }
  }

  /** Inserts `mf` for (masked) `key`; replaces and returns a megaflow already there, else null. */
  insert(mf: Megaflow, key: Uint32Array): Megaflow | null {
    const old = this.find(key);
    if (old !== null) {
      this.flows[old.slot] = mf;
      mf.subtable = this;
      mf.slot = old.slot;
      old.slot = -1;
      return old;
    }
    if ((this.count + 1) * 2 > this.cap) this.grow();
    this.place(mf, key, this.hashOf(key));
    this.count++;
    if (this.filterWord >= 0) {
      if (this.count > FILTER_MAX) this.dropFilter();
      else this.filter![filterSlot(key[this.filterWord]! & this.filterMask)]!++;
    }
    return null;
  }

  private place(mf: Megaflow, key: Uint32Array, h: number): void {
    const m = this.cap - 1;
    let i = h & m;
    while (this.hashes[i] !== 0) i = (i + 1) & m;
    this.flows[i] = mf;
    this.hashes[i] = h;
    const base = i * this.nWords;
    for (let j = 0; j < this.nWords; j++) this.keys[base + j] = key[this.words[j]!]! & this.maskVals[j]!;
    mf.subtable = this;
    mf.slot = i;
  }

  private grow(): void {
    const oldFlows = this.flows;
    const oldKeys = this.keys;
    const oldHashes = this.hashes;
    const oldCap = this.cap;
    this.cap *= 2;
    this.flows = new Array<Megaflow | null>(this.cap).fill(null);
    this.hashes = new Int32Array(this.cap);
    this.keys = new Int32Array(this.cap * Math.max(1, this.nWords));
    const m = this.cap - 1;
    const nw = this.nWords;
    for (let s = 0; s < oldCap; s++) {
      const f = oldFlows[s];
      if (f === null || f === undefined) continue;
      const h = oldHashes[s]!;
      let i = h & m;
      while (this.hashes[i] !== 0) i = (i + 1) & m;
      this.flows[i] = f;
      this.hashes[i] = h;
      this.keys.set(oldKeys.subarray(s * nw, s * nw + nw), i * nw);
      f.slot = i;
    }
  }

  /** Removes `mf` (which must be here); backward-shifts the probe chain after it. */
  remove(mf: Megaflow): void {
    const m = this.cap - 1;
    const nw = this.nWords;
    let hole = mf.slot;
    if (hole < 0 || this.flows[hole] !== mf) return;
    if (this.filterWord >= 0) this.filter![filterSlot(this.keys[hole * nw + this.filterPos]! & this.filterMask)]!--;
    this.flows[hole] = null;
    this.hashes[hole] = 0;
    mf.slot = -1;
    this.count--;
    for (let i = (hole + 1) & m; this.hashes[i] !== 0; i = (i + 1) & m) {
      const home = this.hashes[i]! & m;
      // Move i into the hole unless its home lies cyclically in (hole, i].
      const inRange = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (inRange) continue;
      const f = this.flows[i]!;
      this.flows[hole] = f;
      this.hashes[hole] = this.hashes[i]!;
      this.keys.copyWithin(hole * nw, i * nw, i * nw + nw);
      f.slot = hole;
      this.flows[i] = null;
      this.hashes[i] = 0;
      hole = i;
    }
  }

  private dropFilter(): void {
    this.filterWord = -1;
    this.filterPos = -1;
    this.filter = null;
  }

  /**
   * Chooses the filter word (the one with the most distinct masked values
   * among a sample of the megaflows) and builds the filter, or drops it
   * when the subtable is too big or no word tells its megaflows apart.
   */
  chooseFilter(): void {
    const nw = this.nWords;
    if (this.count > FILTER_MAX || this.count < 2 || nw === 0) {
      this.dropFilter();
      return;
    }
    let best = -1;
    let bestDistinct = 1;
    const seen = new Set<number>();
    for (let j = 0; j < nw; j++) {
      seen.clear();
      for (let s = 0, n = 0; s < this.cap && n < FILTER_SAMPLE; s++) {
        if (this.hashes[s] === 0) continue;
        seen.add(this.keys[s * nw + j]!);
        n++;
      }
      if (seen.size > bestDistinct) {
        best = j;
        bestDistinct = seen.size;
      }
    }
    if (best < 0) {
      this.dropFilter();
      return;
    }
    const f = this.filter ?? new Uint16Array(1 << FILTER_BITS);
    f.fill(0);
    for (let s = 0; s < this.cap; s++) if (this.hashes[s] !== 0) f[filterSlot(this.keys[s * nw + best]!)]!++;
    this.filter = f;
    this.filterPos = best;
    this.filterWord = this.words[best]!;
    this.filterMask = this.maskVals[best]!;
  }

  /**
   * Whether some key of slot `slot`'s megaflow, looked up with metadata
   * (mdHi, mdLo), could match a rule (value, mask): they agree wherever
   * both masks have bits. Metadata words, never in a megaflow's mask, are
   * compared with the metadata given.
   */
  overlaps(slot: number, value: Uint32Array, mask: Uint32Array, mdHi: number, mdLo: number): boolean {
    if (((mdHi ^ value[KW.METADATA_HI]!) & mask[KW.METADATA_HI]!) !== 0) return false;
    if (((mdLo ^ value[KW.METADATA_LO]!) & mask[KW.METADATA_LO]!) !== 0) return false;
    const base = slot * this.nWords;
    for (let j = 0; j < this.nWords; j++) {
      const w = this.words[j]!;
      if (w === KW.METADATA_HI || w === KW.METADATA_LO) continue;
      if (((this.keys[base + j]! ^ value[w]!) & this.maskVals[j]! & mask[w]!) !== 0) return false;
    }
    return true;
  }

  /** Writes slot `slot`'s masked key (all KEY_WORDS words) into `out`. */
  maskedKey(slot: number, out: Uint32Array): Uint32Array {
    out.fill(0);
    const base = slot * this.nWords;
    for (let j = 0; j < this.nWords; j++) out[this.words[j]!] = this.keys[base + j]! >>> 0;
    return out;
  }

  /** Bytes this subtable's arrays take (for memory accounting). */
  get footprint(): number {
    return this.cap * (4 + 8 + 4 * this.nWords) + 3 * 4 * KEY_WORDS + (this.filter === null ? 0 : this.filter.byteLength);
  }
}

export class Dpcls {
  /** Subtables in lookup order. */
  private subtables: Subtable[] = [];
  private readonly byMask = new Map<number, Subtable[]>();
  /** Megaflows in all subtables. */
  count = 0;

  get subtableCount(): number {
    return this.subtables.length;
  }

  /** Subtables in lookup order (for dumps). */
  list(): readonly Subtable[] {
    return this.subtables;
  }

  lookup(key: Uint32Array): Megaflow | null {
    const st = this.subtables;
    for (let i = 0; i < st.length; i++) {
      const s = st[i]!;
      const f = s.find(key);
      if (f !== null) {
        s.hits++;
        return f;
      }
    }
    return null;
  }

  /** Inserts `mf` with mask `mask` for `key` (masked here); returns a megaflow it displaced, or null. */
  insert(mf: Megaflow, key: Uint32Array, mask: Uint32Array): Megaflow | null {
    let s = this.subtableFor(mask);
    if (s === null) {
      s = new Subtable(mask);
      const h = hashWords(mask, 0);
      const list = this.byMask.get(h);
      if (list === undefined) this.byMask.set(h, [s]);
      else list.push(s);
      this.subtables.push(s);
    }
    const old = s.insert(mf, key);
    if (old === null) this.count++;
    return old;
  }

  remove(mf: Megaflow): void {
    const s = mf.subtable;
    if (s === undefined || mf.slot < 0) return;
    s.remove(mf);
    this.count--;
    if (s.count === 0) {
      this.subtables = this.subtables.filter((x) => x !== s);
      const h = hashWords(s.mask, 0);
      const list = this.byMask.get(h);
      if (list !== undefined) {
        const rest = list.filter((x) => x !== s);
        if (rest.length === 0) this.byMask.delete(h);
        else this.byMask.set(h, rest);
      }
    }
  }

  /** Sorts subtables by hits since the last call, most first; resets the counts. */
  rerank(): void {
    for (const s of this.subtables) s.totalHits += s.hits;
    this.subtables.sort((a, b) => b.hits - a.hits);
    for (const s of this.subtables) {
      s.hits = 0;
      s.chooseFilter();
    }
  }

  private subtableFor(mask: Uint32Array): Subtable | null {
    const list = this.byMask.get(hashWords(mask, 0));
    if (list === undefined) return null;
    for (const s of list) {
      let same = true;
      for (let i = 0; i < KEY_WORDS && same; i++) same = s.mask[i] === mask[i];
      if (same) return s;
    }
    return null;
  }
}

/** A masked word's filter bucket. */
function filterSlot(v: number): number {
  return Math.imul(v, 0x9e3779b1) >>> (32 - FILTER_BITS);
}
