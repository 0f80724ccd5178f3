/**
 * The subtable vector's rows turned sideways: for each fact the lookup's
 * pre-filters ask about a subtable (which first-stage prefix it has, which
 * Bloom bits are set, which tries check it, at what prefix length), a
 * bitset over vector positions, one bit per subtable.
 *
 * Why: in a table whose priorities are spread (an ACL), a lookup visits
 * nearly every subtable and rejects nearly all of them on the prefix
 * tries. Deciding that row by row costs a dozen dependent loads and
 * branches per subtable; with the facts as bitsets, 32 subtables are
 * decided per word operation, and only the survivors (about one per
 * lookup on bench/classifier's ACLs) are visited one by one. The
 * classifier (`Classifier.lookup`) derives from these the same verdicts,
 * and the same wildcard bits, as the row-by-row walk it keeps for tables
 * with many distinct first-stage prefixes (see MAX_GROUPS).
 *
 * Layout, W = ceil(n / 32) words per bitset, bit i = vector position i:
 *   groupPid[g], groupBits[g*W..]   the distinct first-stage prefixes (scratch
 *                                   ids) and the positions having each
 *   posGroup[i]                     the group of position i
 *   bloomG[(g*128 + b)*W..]         positions of group g whose Bloom filter
 *                                   has bit b (per group, so that a lookup
 *                                   reads one row per group and needs no AND)
 *   activeList[a]                   the tries with flat checks, in trie order;
 *                                   the per-trie rows below are indexed by a
 *   hasCheck[a*W..]                 positions with a flat (local stage 0 or 1)
 *                                   check on trie activeList[a]
 *   stage1[a*W..]                   of those, the checks in local stage 1
 *   per active trie a, its distinct prefix lengths, longest first:
 *     plenVal[plenStart[a] + k], plenBits[(plenStart[a] + k)*W..]
 *   slotPos[slot]                   the position of the subtable with trie
 *                                   slot `slot` and flat checks, or -1
 *
 * Built from the vector's rows (which hold all of it), lazily: any change
 * of order marks it stale, and the next lookup rebuilds it, so a burst of
 * inserts (a bundle) pays once. A new Bloom bit on a subtable is set in
 * place (`addBloomBit`).
 */
// A cycle with subtable-vector.ts, harmless: the constants are only read inside methods.
import { BLOOM_OFS, BLOOM_WORDS, CHECKS_OFS, SLOT_OFS } from './subtable-vector.js';

/** More distinct first-stage prefixes than this and the lookup walks rows instead. */
export const MAX_GROUPS = 16;

/**
 * Bloom filter bits per subtable, BLOOM_WORDS * 32: a first-stage hash's top
 * 7 bits pick one. (A literal: this module may be evaluated before
 * subtable-vector.ts, whose constants are then not yet initialized.)
 */
export const BLOOM_BITS = 128;

export class PositionBits {
  stale = true;
  /** Words per bitset. */
  W = 0;
  nGroups = 0;
  groupPid: Int32Array = new Int32Array(0);
  groupBits: Int32Array = new Int32Array(0);
  posGroup: Int32Array = new Int32Array(0);
  bloomG: Int32Array = new Int32Array(0);
  hasCheck: Int32Array = new Int32Array(0);
  stage1: Int32Array = new Int32Array(0);
  plenStart: Int32Array;
  plenCount: Int32Array;
  plenVal: Int32Array = new Int32Array(0);
  plenBits: Int32Array = new Int32Array(0);
  slotPos: Int32Array = new Int32Array(0);
  /** Tries with at least one flat check, in trie order. */
  activeList: Int32Array;
  nActive = 0;
  /** Per-lookup scratch: per group, the offset in bloomG of the row its key selects. */
  bloomRow: Int32Array = new Int32Array(0);
  /** Per-lookup scratch: positions whose subtable has a matching prefix, per active trie. */
  pm: Int32Array = new Int32Array(0);
  /** Per-lookup scratch, per active trie: the Bloom-passed positions it is the first to fail. */
  firstFail: Int32Array = new Int32Array(0);
  /** Per-lookup scratch: positions whose first stage's bits the verdict needs (Bloom miss, or first failed check in local stage 1). */
  need0: Int32Array = new Int32Array(0);
  /** rebuild()'s scratch: plenSeen[a * 256 + plen] = 1 when active trie a has a check of length plen. */
  private plenSeen: Int32Array = new Int32Array(0);
  /** rebuild()'s scratch: the active index of each trie, or -1. */
  private activeOf: Int32Array;
  private readonly nTries: number;

  constructor(nTries: number) {
    if (BLOOM_BITS !== BLOOM_WORDS * 32) throw new Error('PositionBits: BLOOM_BITS must be BLOOM_WORDS * 32');
    this.nTries = nTries;
    this.plenStart = new Int32Array(nTries);
    this.plenCount = new Int32Array(nTries);
    this.activeList = new Int32Array(nTries);
    this.activeOf = new Int32Array(nTries);
  }

  /**
   * Rebuilds every bitset from the vector's `n` rows of `stride` words (see
   * subtable-vector.ts). It runs inside a lookup (the first after a change),
   * so it reuses its arrays and allocates only when they must grow.
   */
  rebuild(info: Int32Array, n: number, stride: number, slotCapacity: number): void {
    const W = (n + 31) >>> 5;
    const T = this.nTries;
    this.W = W;
    this.stale = false;
    // Groups of equal first-stage prefix (a linear search: there are few, or we give up).
    if (this.groupPid.length < MAX_GROUPS + 1) {
      this.groupPid = new Int32Array(MAX_GROUPS + 1);
      this.bloomRow = new Int32Array(MAX_GROUPS + 1);
    }
    let nGroups = 0;
    for (let i = 0; i < n && nGroups <= MAX_GROUPS; i++) {
      const pid = info[i * stride];
      let g = 0;
      while (g < nGroups && this.groupPid[g] !== pid) g++;
      if (g === nGroups) this.groupPid[nGroups++] = pid;
    }
    this.nGroups = nGroups;
    if (nGroups > MAX_GROUPS) return;
    this.groupBits = zeroed(this.groupBits, nGroups * W);
    if (this.posGroup.length < n) this.posGroup = new Int32Array(Math.max(n, 2 * this.posGroup.length));
    this.bloomG = zeroed(this.bloomG, nGroups * BLOOM_BITS * W);
    // Which tries have flat checks, first: the per-trie rows are per active trie.
    let active = 0;
    for (let i = 0; i < n; i++) {
      const base = i * stride;
      const nChecks = info[base + CHECKS_OFS];
      for (let c = 1; c <= nChecks; c++) active |= 1 << (info[base + CHECKS_OFS + c] & 0xff);
    }
    let A = 0;
    for (let t = 0; t < T; t++) {
      this.activeOf[t] = -1;
      if ((active & (1 << t)) !== 0) {
        this.activeOf[t] = A;
        this.activeList[A++] = t;
      }
    }
    this.nActive = A;
    this.hasCheck = zeroed(this.hasCheck, A * W);
    this.stage1 = zeroed(this.stage1, A * W);
    if (this.slotPos.length < slotCapacity) this.slotPos = new Int32Array(slotCapacity);
    this.slotPos.fill(-1);
    // Which prefix lengths each trie's checks use: 256 flags per active trie.
    this.plenSeen = zeroed(this.plenSeen, A * 256);
    for (let i = 0; i < n; i++) {
      const base = i * stride;
      const w = i >>> 5;
      const bit = 1 << (i & 31);
      const pid = info[base];
      let g = 0;
      while (this.groupPid[g] !== pid) g++;
      this.posGroup[i] = g;
      this.groupBits[g * W + w] |= bit;
      for (let bw = 0; bw < BLOOM_WORDS; bw++) {
        let x = info[base + BLOOM_OFS + bw];
        while (x !== 0) {
          const low = x & -x;
          x ^= low;
          this.bloomG[(g * BLOOM_BITS + bw * 32 + 31 - Math.clz32(low)) * W + w] |= bit;
        }
      }
      const nChecks = info[base + CHECKS_OFS];
      if (nChecks > 0) this.slotPos[info[base + SLOT_OFS]] = i;
      for (let c = 1; c <= nChecks; c++) {
        const check = info[base + CHECKS_OFS + c];
        const a = this.activeOf[check & 0xff];
        this.hasCheck[a * W + w] |= bit;
        if (check >>> 16 !== 0) this.stage1[a * W + w] |= bit;
        this.plenSeen[a * 256 + ((check >>> 8) & 0xff)] = 1;
      }
    }
    // Per active trie, its prefix lengths longest first, and the positions using each.
    let total = 0;
    for (let k = 0; k < A * 256; k++) total += this.plenSeen[k];
    if (this.plenVal.length < total) this.plenVal = new Int32Array(total);
    this.plenBits = zeroed(this.plenBits, total * W);
    let k = 0;
    for (let a = 0; a < A; a++) {
      this.plenStart[a] = k;
      for (let plen = 255; plen >= 0; plen--) if (this.plenSeen[a * 256 + plen] !== 0) this.plenVal[k++] = plen;
      this.plenCount[a] = k - this.plenStart[a];
    }
    for (let i = 0; i < n; i++) {
      const base = i * stride;
      const nChecks = info[base + CHECKS_OFS];
      for (let c = 1; c <= nChecks; c++) {
        const check = info[base + CHECKS_OFS + c];
        const a = this.activeOf[check & 0xff];
        const plen = (check >>> 8) & 0xff;
        let j = this.plenStart[a];
        while (this.plenVal[j] !== plen) j++;
        this.plenBits[j * W + (i >>> 5)] |= 1 << (i & 31);
      }
    }
    this.pm = zeroed(this.pm, A * W);
    this.firstFail = zeroed(this.firstFail, A * W);
    this.need0 = zeroed(this.need0, W);
  }

  /** Records Bloom bit `b` of the subtable at `pos` (no-op while stale: the rebuild reads the rows). */
  addBloomBit(pos: number, b: number): void {
    if (this.stale || this.nGroups > MAX_GROUPS) return;
    this.bloomG[(this.posGroup[pos] * BLOOM_BITS + b) * this.W + (pos >>> 5)] |= 1 << (pos & 31);
  }
}

/** `a` zero-filled over its first `n` words, or a new array if it holds fewer. */
function zeroed(a: Int32Array, n: number): Int32Array {
  if (a.length < n) return new Int32Array(Math.max(n, 2 * a.length));
  a.fill(0, 0, n);
  return a;
}
