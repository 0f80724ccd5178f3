/**
 * The subtables of a classifier in lookup order, with what a lookup needs
 * to reject most of them laid out flat.
 *
 * Why: a lookup walks most subtables of a table whose priorities are
 * spread (an ACL), and rejects most of them at the first stage or at the
 * address check. Reaching those answers through each subtable's own
 * objects costs a chain of dependent memory loads per subtable (object,
 * typed array, backing store, index object, ...), which measured at about
 * 60 cycles each. Here everything the rejection needs sits in two
 * contiguous typed arrays walked in order:
 *
 *   pri[i]                  the i-th subtable's maxPriority (stop condition)
 *   info[i*stride + 0]      scratch id of its first-stage prefix (hash memo)
 *   info[i*stride + 1]      its slot in the prefix tries (0 if it has none)
 *   info[i*stride + 2..5]   a 128-bit Bloom filter of its first-stage
 *                           partial-key hashes (bit = the hash's top 7 bits)
 *   info[i*stride + 6]      how many trie checks belong to its local stages
 *                           0 and 1, then each: t | (plen << 8) | (stage << 16),
 *                           padded to two with the always-passing pseudo-trie
 *                           t = nTries
 *
 * The Bloom filter only says "maybe": a pass goes on to the trie checks and
 * then to the subtable's exact lookup. A miss is exact (every bucket's
 * first-stage hash has its bit set), so it may reject with the first
 * stage's bits as the wildcards. A trie rejection in local stage 1 ORs the
 * first stage's bits and the trie's; after a Bloom false positive that is
 * more than the exact first-stage index would have needed, never less (the
 * trie's verdict alone suffices, see prefix-trie.ts). Bits are only ever added on insert; a
 * `resort` after removals recomputes them from the indexes.
 *
 * Invariants (outside of a mutation): subtables[i].pos === i; subtables
 * are sorted by descending maxPriority, then ascending id; pri and info
 * describe them (Bloom bits: a superset of the hashes present, exact
 * again after each `resort`).
 */
import { PositionBits } from './position-bits.js';
import type { ClsRule } from './rule.js';
import type { Subtable } from './subtable.js';

export const SLOT_OFS = 1;
export const BLOOM_OFS = 2;
export const BLOOM_WORDS = 4;
export const CHECKS_OFS = BLOOM_OFS + BLOOM_WORDS;

export class SubtableVector<R extends ClsRule> {
  readonly subtables: Subtable<R>[] = [];
  pri: Float64Array = new Float64Array(8);
  info: Int32Array;
  readonly stride: number;
  /** The rows as bitsets over positions (position-bits.ts), rebuilt lazily after the order changes. */
  readonly bits: PositionBits;
  private readonly nTries: number;

  constructor(nTries: number) {
    this.nTries = nTries;
    this.bits = new PositionBits(nTries);
    this.stride = CHECKS_OFS + 1 + Math.max(2, nTries);
    this.info = new Int32Array(8 * this.stride);
  }

  get length(): number {
    return this.subtables.length;
  }

  /** Adds a new subtable at its place. */
  add(st: Subtable<R>): void {
    const i = this.subtables.length;
    this.subtables.push(st);
    this.ensureCapacity(i + 1);
    this.fillRow(i);
    this.bits.stale = true;
    this.reposition(st);
  }

  /** Takes `st` out; the arrays are stale until `resort`. */
  detach(st: Subtable<R>): void {
    this.subtables.splice(this.subtables.indexOf(st), 1);
    this.bits.stale = true;
  }

  /**
   * Moves `st` to its place after its maxPriority changed. Rows move with
   * their subtables (no Bloom filter is recomputed), so a run of inserts
   * that keep raising a big subtable's priority stays cheap.
   */
  reposition(st: Subtable<R>): void {
    const v = this.subtables;
    const from = st.pos;
    v.splice(from, 1);
    let to = 0;
    while (to < v.length && (v[to].maxPriority > st.maxPriority || (v[to].maxPriority === st.maxPriority && v[to].id < st.id))) to++;
    v.splice(to, 0, st);
    if (to !== from) this.bits.stale = true;
    const S = this.stride;
    const row = this.info.slice(from * S, (from + 1) * S);
    if (to < from) {
      this.info.copyWithin((to + 1) * S, to * S, from * S);
      this.pri.copyWithin(to + 1, to, from);
    } else if (to > from) {
      this.info.copyWithin(from * S, (from + 1) * S, (to + 1) * S);
      this.pri.copyWithin(from, from + 1, to + 1);
    }
    this.info.set(row, to * S);
    this.pri[to] = st.maxPriority;
    for (let i = Math.min(from, to); i <= Math.max(from, to); i++) v[i].pos = i;
  }

  /**
   * Re-sorts every subtable (after removals changed priorities or emptied
   * subtables) and refreshes the arrays; only the rows of `touched`
   * subtables are recomputed, the others are copied.
   */
  resort(touched: ReadonlySet<Subtable<R>>): void {
    this.bits.stale = true;
    const S = this.stride;
    const old = this.info.slice();
    this.subtables.sort((a, b) => (a.maxPriority !== b.maxPriority ? b.maxPriority - a.maxPriority : a.id - b.id));
    this.info.fill(0);
    for (let i = 0; i < this.subtables.length; i++) {
      const st = this.subtables[i];
      const was = st.pos;
      st.pos = i;
      if (touched.has(st)) this.fillRow(i);
      else {
        this.info.set(old.subarray(was * S, (was + 1) * S), i * S);
        this.pri[i] = st.maxPriority;
      }
    }
  }

  /** Records a new first-stage hash of `st` in its Bloom filter. */
  addStage0Hash(st: Subtable<R>, h: number): void {
    const b = h >>> 25;
    this.info[st.pos * this.stride + BLOOM_OFS + (b >>> 5)] |= 1 << (b & 31);
    this.bits.addBloomBit(st.pos, b);
  }

  private ensureCapacity(n: number): void {
    if (this.pri.length >= n) return;
    const cap = Math.max(n, this.pri.length * 2);
    const pri = new Float64Array(cap);
    pri.set(this.pri);
    this.pri = pri;
    const info = new Int32Array(cap * this.stride);
    info.set(this.info);
    this.info = info;
  }

  /** Computes row i from subtables[i]. */
  private fillRow(i: number): void {
    const st = this.subtables[i];
    const base = i * this.stride;
    st.pos = i;
    this.pri[i] = st.maxPriority;
    this.info.fill(0, base, base + this.stride);
    this.info[base] = st.pid0;
    // A subtable without checks only meets the pseudo-trie, whose bitset is all ones at any slot.
    this.info[base + SLOT_OFS] = Math.max(0, st.trieSlot);
    st.forEachStage0Hash((h) => this.addStage0Hash(st, h));
    let n = 0;
    for (let t = 0; t < this.nTries; t++) {
      const check = st.flatTrieCheck(t);
      if (check !== 0) this.info[base + CHECKS_OFS + 1 + n++] = t | ((check & 0xff) << 8) | ((check >>> 8) << 16);
    }
    this.info[base + CHECKS_OFS] = n;
    for (; n < 2; n++) this.info[base + CHECKS_OFS + 1 + n] = this.nTries;
  }
}
