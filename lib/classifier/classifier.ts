/**
 * The classifier: the rules of one OpenFlow table, and the lookup that finds
 * the highest-priority rule a packet's flow key matches, reporting which key
 * bits the answer depended on.
 *
 * What
 * ----
 * A rule is a (value, mask, priority) over the flow key layout
 * (lib/packet/flow-key.ts): a key matches when key & mask == value. The
 * classifier is generic over the rule type, so ofproto hangs its own data on
 * rules; rules are compared by identity. Every rule carries the versions it
 * is visible in (rule.ts): a change made at version v+1 is seen by lookups
 * at v+1 and later, never by lookups at v.
 *
 * Algorithm: tuple space search, staged, with prefix tries
 * ---------------------------------------------------------
 * Rules are grouped by mask into subtables (subtable.ts), each a hash table
 * of masked keys; a lookup hashes the key under each subtable's mask. The
 * subtables are kept in descending order of their highest priority, and a
 * lookup stops as soon as the best priority found is >= the next subtable's
 * maximum: nothing there could beat it (and on a tie the earlier subtable
 * wins, which keeps ties deterministic). Within a subtable the lookup is
 * staged (stages.ts): metadata, then L2, L3, L4, with an index of partial
 * keys per stage, so most subtables are rejected after a stage or two. At
 * the stage holding an address field, prefix tries (prefix-trie.ts) may
 * reject a subtable after looking at only a few leading address bits.
 *
 * What makes it fast in JavaScript is memory layout more than operation
 * counts: a dependent load through an object costs more than hashing a
 * word. So the first stage and the first trie checks of every subtable
 * are decided from flat arrays walked in order (subtable-vector.ts: max
 * priority, a Bloom filter of first-stage partial keys, the trie checks),
 * and hashes of stage prefixes that several subtables share are computed
 * once per lookup (lookup-scratch.ts). Only subtables that pass go through
 * their own objects (Subtable.find). Better still, those rows are also kept
 * sideways, as bitsets over vector positions (position-bits.ts): with few
 * distinct first-stage prefixes, which is the common case, the Bloom
 * filters and trie checks of 32 subtables are decided per word operation,
 * and a lookup touches only the subtables that survive them (on the ACLs
 * of bench/classifier.ts, 1.3 to 2 times the row walk's lookups per second
 * at 1,000 rules, depending on how busy the machine is). The wildcards come
 * out the same either way.
 *
 * Wildcards: why the answer holds for the whole megaflow
 * ------------------------------------------------------
 * `wc` receives every bit the answer depended on. The claim to keep true
 * is sufficiency: every key k' with k' & wc == k & wc gets the same answer
 * as k. The argument, by induction over the subtables in lookup order:
 *
 *  - The order of subtables and their maximum priorities depend on the
 *    rules only, never on the key.
 *  - Each visited subtable ORs in bits that pin its own answer (a rule, or
 *    none): a stage-k miss its stages 0..k (a first-stage Bloom filter
 *    miss is exact, so it counts as a stage-0 miss), a trie skip at stage
 *    k the trie's bits (and stages before k), a hit or final-stage miss
 *    its whole mask (subtable.ts argues each case). So k' gets the same
 *    answer from every subtable k visited.
 *  - Whether the next subtable is visited depends only on the best
 *    priority so far, a function of those answers. So k' visits exactly
 *    the same subtables and stops at the same place. Stopping early needs
 *    no bits of its own: the best rule that justified it is already pinned
 *    by the bits of the subtable it came from.
 *  - A subtable whose answer lost (a rule of lower priority than the best)
 *    still keeps its bits: for another key it could have answered with a
 *    higher-priority rule.
 *  - Versions are not key bits: a lookup at one version sees one fixed
 *    rule set, and entries invisible at that version are stepped over
 *    without consulting anything.
 * Breadth (as few bits as possible) comes from the stages and the tries:
 * a subtable that fails at L3 never adds its L4 mask, and one the trie
 * rejects at L3 adds only the leading address bits the trie looked at, not
 * the other L3 fields. It does add the stages before L3, although the
 * trie's verdict alone would do: they were consulted on the way, and they
 * hold the prerequisites (eth_type) without which address bits in a
 * megaflow mean nothing to a reader of `dpctl/dump-flows`, as in Open
 * vSwitch.
 *
 * Concurrency
 * -----------
 * None inside: one owner (a Bridge's table) calls it from one thread, and
 * a lookup runs to completion. Versions exist for the owner's sake: a
 * flow_mod or bundle may span awaits (flushing the datapath), and lookups
 * made meanwhile (upcalls, revalidation) use the published version and see
 * the old rule set. Removed rules stay in place until `collect` is told
 * that no lookup will use a version that can still see them.
 *
 * Cost: a lookup allocates nothing; its scratch state (trie answers, hash
 * memo) lives in this object, stamped per lookup rather than cleared.
 * Mutations cost a hash insert plus, when a subtable's max priority
 * changes, moving its row in the vector; `collect` re-sorts the vector
 * once and recomputes the rows of the subtables it touched. A change of
 * order (or a new subtable) makes the position bitsets stale, and the next
 * lookup rebuilds them from the rows, in time linear in the subtables: a
 * burst of inserts pays once.
 */
import { FIELD_PLACES, KEY_WORDS } from '../packet/flow-key.js';
import { hashWords } from './hash.js';
import { LookupScratch } from './lookup-scratch.js';
import type { PrefixField } from './prefix-trie.js';
import { PrefixTries } from './prefix-tries.js';
import { Entry, NEVER, type ClsRule } from './rule.js';
import { DEFAULT_STAGES, stageOfWords, type StageLayout } from './stages.js';
import { agreeOn, checkMatch, isSubset, sameWords } from './match-ops.js';
import { Subtable } from './subtable.js';
import { BLOOM_BITS, MAX_GROUPS } from './position-bits.js';
import { BLOOM_OFS, CHECKS_OFS, SLOT_OFS, SubtableVector } from './subtable-vector.js';

export type { ClsRule } from './rule.js';

/** Address fields tracked by prefix tries unless told otherwise. */
export const DEFAULT_PREFIX_FIELDS: readonly PrefixField[] = [
  FIELD_PLACES.ipv4_dst,
  FIELD_PLACES.ipv4_src,
  FIELD_PLACES.ipv6_dst,
  FIELD_PLACES.ipv6_src,
].map((p) => ({ word: p.word, words: p.words }));

export interface ClassifierOptions {
  /** Stage boundaries of the staged lookup; default DEFAULT_STAGES (metadata, L2, L3, L4). */
  readonly stages?: StageLayout;
  /** Fields with prefix tries; default DEFAULT_PREFIX_FIELDS, [] for none. Each must lie within one stage. */
  readonly prefixFields?: readonly PrefixField[];
  /**
   * Significant bits of the internal hashes, 32 by default. For tests:
   * fewer bits force hash collisions in every table and index.
   */
  readonly hashBits?: number;
}

/** Lookup statistics since construction or the last reset. */
export interface ClassifierStats {
  lookups: number;
  /** Subtables whose lookup started (the rest were skipped by priority). */
  subtablesVisited: number;
  /** Of those, the ones that the flat pre-filters (Bloom filter, first tries) let through to a hash lookup. */
  subtablesSearched: number;
}

export class Classifier<R extends ClsRule> {
  private readonly stages: StageLayout;
  private readonly stageOf: Int32Array;
  private readonly tries: PrefixTries;
  private readonly scratch: LookupScratch;
  private readonly hashMask: number;
  /** Subtables by the hash of their mask (a list, for mask-hash collisions). */
  private readonly byMask = new Map<number, Subtable<R>[]>();
  /** The subtables in lookup order (descending maxPriority, then ascending id), with flat pre-filters. */
  private readonly vec: SubtableVector<R>;
  /** The subtable `subtableFor` found last (see there). */
  private lastSubtable: Subtable<R> | null = null;
  /**
   * The last `findExact` that found no bucket: its subtable (null when
   * there is none, or any change since may have moved slots), value array,
   * hash, and the free slot its probe ended at. An ADD looks for an
   * identical rule and then inserts with the same value array; `insert`
   * then opens the bucket there instead of hashing and probing again.
   */
  private missSt: Subtable<R> | null = null;
  private missValue: Uint32Array | null = null;
  private missHash = 0;
  private missSlot = 0;
  /** `reserve` hints for masks without a subtable yet: mask k, and how many rules. */
  private reservedMasks: Uint32Array[] = [];
  private reservedCounts: number[] = [];
  /** Entries marked removed, waiting for `collect`. */
  private pending: Entry<R>[] = [];
  private nextId = 0;
  private nRules = 0;
  /** The highest version any entry was added at (see `lookup`). */
  private newestAdd = -Infinity;
  private nLookups = 0;
  private nVisited = 0;
  private nSearched = 0;
  /** Per trie, during a lookup: the longest prefix length of the subtables it rejected (their wildcard bits, deferred). */
  private readonly pendingPlen: Int32Array;

  constructor(opts: ClassifierOptions = {}) {
    this.stages = opts.stages ?? DEFAULT_STAGES;
    this.stageOf = stageOfWords(this.stages);
    const fields = opts.prefixFields ?? DEFAULT_PREFIX_FIELDS;
    for (const f of fields) {
      if (f.words < 1 || f.word < 0 || f.word + f.words > KEY_WORDS) throw new RangeError(`classifier: prefix field at word ${f.word} is outside the key`);
      for (let i = 1; i < f.words; i++) {
        if (this.stageOf[f.word + i] !== this.stageOf[f.word]) throw new RangeError(`classifier: prefix field at word ${f.word} spans stages`);
      }
    }
    this.tries = new PrefixTries(fields);
    this.pendingPlen = new Int32Array(fields.length);
    const bits = opts.hashBits ?? 32;
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new RangeError('classifier: hashBits must be 0..32');
    this.hashMask = bits === 32 ? -1 : (1 << bits) - 1;
    this.scratch = new LookupScratch(this.hashMask);
    this.vec = new SubtableVector<R>(fields.length);
  }

  /* ------------------------------------------------------------- reading */

  /** Rules inserted and not removed (at whatever versions): the rule set of the latest version. */
  get count(): number {
    return this.nRules;
  }

  /** Distinct masks in use (subtables). */
  get subtableCount(): number {
    return this.vec.length;
  }

  stats(): ClassifierStats {
    return { lookups: this.nLookups, subtablesVisited: this.nVisited, subtablesSearched: this.nSearched };
  }

  resetStats(): void {
    this.nLookups = 0;
    this.nVisited = 0;
    this.nSearched = 0;
  }

  /* ------------------------------------------------------------ mutation */

  /** Adds `rule`, visible from `version` on. A rule object can be in the classifier once. */
  insert(rule: R, version: number): void {
    checkMatch(rule.value, rule.mask);
    if (!Number.isFinite(rule.priority)) throw new RangeError('Classifier.insert: priority must be a finite number');
    let st = this.subtableFor(rule.mask);
    if (st === null) st = this.createSubtable(rule.mask);
    const h = st.hashOf(rule.value);
    const before = st.maxPriority;
    let newBucket: boolean;
    // Right after findExact missed on this very value: no bucket, so no
    // duplicate, and the free slot is known. (The hash is recomputed, and
    // compared, because it is cheap: the probe is what costs, a cache miss.)
    if (st === this.missSt && rule.value === this.missValue && h === this.missHash) {
      this.missSt = null;
      st.insertAt(this.missSlot, new Entry(rule, h, version));
      newBucket = true;
    } else {
      this.missSt = null;
      for (let e = st.bucketOfHash(rule.value, h); e !== null; e = e.next) {
        if (e.rule === rule) throw new Error('Classifier.insert: rule is already in the classifier');
      }
      newBucket = st.insert(new Entry(rule, h, version));
    }
    if (st.maxPriority !== before) this.vec.reposition(st);
    if (newBucket) this.vec.addStage0Hash(st, st.stage0Hash(rule.value));
    if (version > this.newestAdd) this.newestAdd = version;
    this.nRules++;
  }

  /**
   * A hint: about `n` more rules with this mask are coming (a bundle's
   * commit counts them before inserting them). Grows that subtable's hash
   * table once, to their number, instead of doubling it a dozen times on
   * the way; for a mask without a subtable, the one `insert` creates for
   * it, if it does before the next `collect` or `reserve(mask, 0)`, which
   * withdraws the hint. Changes nothing else.
   */
  reserve(mask: Uint32Array, n: number): void {
    // Growing a table moves its slots.
    this.missSt = null;
    const hints = this.reservedMasks;
    for (let k = hints.length - 1; k >= 0; k--) {
      if (!sameWords(hints[k]!, mask)) continue;
      hints.splice(k, 1);
      this.reservedCounts.splice(k, 1);
    }
    if (n <= 0) return;
    const st = this.subtableFor(mask);
    if (st !== null) st.reserve(n);
    else {
      hints.push(mask);
      this.reservedCounts.push(n);
    }
  }

  /**
   * Makes `rule` invisible from `version` on; lookups at older versions
   * still see it until `collect` frees it.
   */
  remove(rule: R, version: number): void {
    const e = this.entryOf(rule);
    if (e === null) throw new Error('Classifier.remove: rule is not in the classifier');
    if (e.removeVersion !== NEVER) throw new Error('Classifier.remove: rule is already removed');
    e.removeVersion = version;
    this.pending.push(e);
    this.nRules--;
  }

  /** Undoes `remove` of a rule not yet collected (a failed bundle's rollback). */
  restore(rule: R): void {
    const e = this.entryOf(rule);
    if (e === null || e.removeVersion === NEVER) throw new Error('Classifier.restore: rule is not removed');
    e.removeVersion = NEVER;
    this.pending.splice(this.pending.indexOf(e), 1);
    this.nRules++;
  }

  /**
   * Frees the rules removed at or before `upToVersion`: the owner promises
   * that no lookup will use a version older than `upToVersion` any more.
   */
  collect(upToVersion: number): void {
    // Removing buckets moves slots.
    this.missSt = null;
    // A change is over: its `reserve` hints with it.
    if (this.reservedMasks.length !== 0) {
      this.reservedMasks = [];
      this.reservedCounts = [];
    }
    const keep: Entry<R>[] = [];
    const touched = new Set<Subtable<R>>();
    const stale = new Set<Subtable<R>>();
    for (const e of this.pending) {
      if (e.removeVersion > upToVersion) {
        keep.push(e);
        continue;
      }
      const st = this.subtableFor(e.rule.mask) as Subtable<R>;
      st.remove(e);
      touched.add(st);
      if (e.priority >= st.maxPriority) stale.add(st);
    }
    this.pending = keep;
    if (touched.size === 0) return;
    for (const st of touched) {
      if (st.isEmpty) this.destroySubtable(st);
      else if (stale.has(st)) st.refreshMax();
    }
    // Also drops the Bloom bits of removed buckets.
    this.vec.resort(touched);
  }

  /* -------------------------------------------------------------- lookup */

  /**
   * The highest-priority rule visible at `version` whose match `key`
   * satisfies (among equal priorities, a deterministic one), or null. ORs
   * into `wc`, when given, every key bit the answer depended on.
   */
  lookup(key: Uint32Array, version: number, wc: Uint32Array | null): R | null {
    // Every entry is visible at this version when none was added later and
    // none is removed (awaiting collect): subtables then skip version checks.
    this.scratch.allVisible = version >= this.newestAdd && this.pending.length === 0;
    const bits = this.vec.bits;
    if (bits.stale) bits.rebuild(this.vec.info, this.vec.length, this.vec.stride, this.tries.slotWords * 32);
    return bits.nGroups <= MAX_GROUPS ? this.lookupBits(key, version, wc) : this.lookupRows(key, version, wc);
  }

  /**
   * `lookup` with the pre-filters decided 32 subtables at a time on the
   * vector's position bitsets (position-bits.ts). The verdicts, and the
   * wildcard bits, are those of the row-by-row walk (`lookupRows`), taken
   * in another order: every contribution to `wc` is an idempotent OR or a
   * maximum, so the order does not matter, only the set of subtables
   * (those before the stop) and, for each, the reason it was passed over:
   *  - Bloom miss: its first stage's bits;
   *  - else a failed trie check (the first one, in trie order): the trie's
   *    bits, as a maximum prefix length per trie, plus the first stage's
   *    bits if the check is in local stage 1;
   *  - else it is searched, and `find` adds what it consulted.
   *
   * One pass per bitset word decides the Bloom filters and trie checks of
   * its 32 positions (kept in locals, stored only for the wildcards) and
   * searches that word's survivors before going on to the next word: a
   * lookup that stops early never computes the words past its stop.
   */
  private lookupBits(key: Uint32Array, version: number, wc: Uint32Array | null): R | null {
    const tries = this.tries;
    const scratch = this.scratch;
    const bits = this.vec.bits;
    tries.begin();
    scratch.begin();
    const W = bits.W;
    const n = this.vec.length;
    // Each group's first-stage hash selects one row of its Bloom bitsets.
    // (The groups' prefixes are distinct and the lookup has just begun:
    // none is in the memo yet.)
    const nGroups = bits.nGroups;
    const groupPid = bits.groupPid;
    const bloomRow = bits.bloomRow;
    for (let g = 0; g < nGroups; g++) {
      const pid = groupPid[g];
      bloomRow[g] = (g * BLOOM_BITS + (scratch.hashPrefix(pid, key) >>> 25)) * W;
    }
    // The tries' answers, from subtable slots to vector positions.
    const nActive = bits.nActive;
    const activeList = bits.activeList;
    const pm = bits.pm;
    if (nActive !== 0) {
      const slotWords = tries.slotWords;
      const slotPos = bits.slotPos;
      const matched = tries.matched;
      for (let a = 0; a < nActive; a++) {
        const t = activeList[a];
        tries.walk(t, key);
        const o = a * W;
        const mo = t * slotWords;
        if (W <= 2) {
          // Up to 64 subtables (the common case): in registers, and with
          // selects rather than a branch on each slot's word. A slot
          // without a position (-1) lands in neither word.
          let p0 = 0;
          let p1 = 0;
          for (let sw = 0; sw < slotWords; sw++) {
            let x = matched[mo + sw];
            while (x !== 0) {
              const low = x & -x;
              x ^= low;
              const p = slotPos[sw * 32 + 31 - Math.clz32(low)];
              const bit = 1 << (p & 31);
              p0 |= p >>> 5 === 0 ? bit : 0;
              p1 |= p >>> 5 === 1 ? bit : 0;
            }
          }
          pm[o] = p0;
          if (W === 2) pm[o + 1] = p1;
          continue;
        }
        for (let w = 0; w < W; w++) pm[o + w] = 0;
        for (let sw = 0; sw < slotWords; sw++) {
          let x = matched[mo + sw];
          while (x !== 0) {
            const low = x & -x;
            x ^= low;
            const p = slotPos[sw * 32 + 31 - Math.clz32(low)];
            if (p >= 0) pm[o + (p >>> 5)] |= 1 << (p & 31);
          }
        }
      }
    }
    // Word by word: the pre-filters' verdicts, then the search of the
    // survivors in order, until the priorities say stop.
    const bloomG = bits.bloomG;
    const hasCheck = bits.hasCheck;
    const stage1 = bits.stage1;
    const firstFail = bits.firstFail;
    const need0 = bits.need0;
    const subtables = this.vec.subtables;
    const pri = this.vec.pri;
    let best: Subtable<R> | null = null;
    let bestPri = -Infinity;
    let searched = 0;
    let lastSearched = -1;
    // Where the stop lies at the latest: the candidate that could not beat the best.
    let stopHi = n;
    search: for (let w = 0; w < W; w++) {
      let pass = 0;
      for (let g = 0; g < nGroups; g++) pass |= bloomG[bloomRow[g] + w];
      // A position fails trie t when it has a flat check on t and the walk
      // did not find its prefix; it is charged to the first trie (in trie
      // order) that fails it, as the row walk would.
      let failed = 0;
      let n0 = ~pass;
      for (let a = 0, o = w; a < nActive; a++, o += W) {
        const fail = hasCheck[o] & ~pm[o];
        const ff = fail & ~failed & pass;
        firstFail[o] = ff;
        n0 |= ff & stage1[o];
        failed |= fail;
      }
      need0[w] = n0;
      let x = pass & ~failed;
      while (x !== 0) {
        const low = x & -x;
        x ^= low;
        const i = (w << 5) + 31 - Math.clz32(low);
        if (pri[i] <= bestPri) {
          stopHi = i;
          break search;
        }
        searched++;
        lastSearched = i;
        const st = subtables[i];
        const p = st.find(key, version, wc);
        if (p > bestPri) {
          best = st;
          bestPri = p;
        }
      }
    }
    // The stop: the first position whose max priority cannot beat the best.
    // (A binary search whose steps are selects rather than branches: which
    // way each step goes is random, and mispredicted branches cost more.)
    let stop = n;
    if (best !== null) {
      let lo = lastSearched + 1;
      let len = stopHi - lo;
      while (len > 0) {
        const half = len >>> 1;
        const more = pri[lo + half] > bestPri;
        lo = more ? lo + half + 1 : lo;
        len = more ? len - half - 1 : half;
      }
      stop = lo;
    }
    // Every word up to the stop's has been computed above.
    if (wc !== null && stop > 0) {
      const lastW = (stop - 1) >>> 5;
      const lastMask = (stop & 31) !== 0 ? (1 << (stop & 31)) - 1 : -1;
      // First-stage bits: for a Bloom miss, or a failed check in local stage 1.
      const groupBits = bits.groupBits;
      for (let g = 0; g < nGroups; g++) {
        const o = g * W;
        let hit = 0;
        for (let w = 0; w < lastW; w++) hit |= groupBits[o + w] & need0[w];
        hit |= groupBits[o + lastW] & need0[lastW] & lastMask;
        if (hit !== 0) scratch.orPrefix(groupPid[g], wc);
      }
      // Trie bits: min(maskbits, the longest prefix among the subtables the
      // trie rejected). (Looping over every length and keeping the first
      // hit with masks instead of branches measured slower.)
      const plenVal = bits.plenVal;
      const plenBits = bits.plenBits;
      const plenStart = bits.plenStart;
      const plenCount = bits.plenCount;
      for (let a = 0; a < nActive; a++) {
        const o = a * W;
        const start = plenStart[a];
        const end = start + plenCount[a];
        for (let k = start; k < end; k++) {
          const ko = k * W;
          let hit = 0;
          for (let w = 0; w < lastW; w++) hit |= plenBits[ko + w] & firstFail[o + w];
          hit |= plenBits[ko + lastW] & firstFail[o + lastW] & lastMask;
          if (hit !== 0) {
            const t = activeList[a];
            const plen = plenVal[k];
            const mb = tries.maskbits[t];
            tries.orPrefix(t, mb < plen ? mb : plen, wc);
            break;
          }
        }
      }
    }
    this.nLookups++;
    this.nVisited += stop;
    this.nSearched += searched;
    return best === null ? null : best.foundRule();
  }

  /** `lookup` one subtable row at a time (tables with many distinct first-stage prefixes). */
  private lookupRows(key: Uint32Array, version: number, wc: Uint32Array | null): R | null {
    const tries = this.tries;
    const scratch = this.scratch;
    tries.begin();
    scratch.begin();
    const gen = scratch.gen;
    const memoGen = scratch.memoGen;
    const memoF = scratch.memoF;
    const memoOr = scratch.memoOr;
    const matched = tries.matched;
    const slotWords = tries.slotWords;
    const pendingPlen = this.pendingPlen;
    const nTries = pendingPlen.length;
    for (let t = 0; t < nTries; t++) pendingPlen[t] = 0;
    const vec = this.vec;
    const subtables = vec.subtables;
    const n = subtables.length;
    const pri = vec.pri;
    const info = vec.info;
    const stride = vec.stride;
    let best: Subtable<R> | null = null;
    let bestPri = -Infinity;
    let i = 0;
    let searched = 0;
    // Runs of subtables share a first-stage prefix: remember the last one's
    // Bloom bit and whether its bits are in wc, instead of re-reading the memo.
    let lastPid = -1;
    let lastBit = 0;
    let orPid = -1;
    // Tries walked in this lookup, as bits (the walk itself stamps doneGen);
    // the always-passing pseudo-trie counts as walked.
    let walked = 1 << nTries;
    for (; i < n; i++) {
      if (pri[i] <= bestPri) break;
      const base = i * stride;
      // The first stage, through the Bloom filter (a miss is exact).
      const pid = info[base];
      if (pid !== lastPid) {
        if (memoGen[pid] !== gen) scratch.hashPrefix(pid, key);
        lastPid = pid;
        lastBit = memoF[pid] >>> 25;
      }
      if ((info[base + BLOOM_OFS + (lastBit >>> 5)] & (1 << (lastBit & 31))) === 0) {
        if (wc !== null && pid !== orPid) {
          if (memoOr[pid] !== gen) scratch.orPrefix(pid, wc);
          orPid = pid;
        }
        continue;
      }
      // The trie checks of local stages 0 and 1 (PrefixTries.skipBits,
      // inlined; the trie bits are ORed once, after the loop). The first
      // two are tested together without branching on their outcome: most
      // subtables fail here, and a branch per check would be mispredicted
      // all the time.
      const slot = info[base + SLOT_OFS];
      const sw = slot >>> 5;
      const sb = slot & 31;
      const c0 = info[base + CHECKS_OFS + 1];
      const c1 = info[base + CHECKS_OFS + 2];
      const t0 = c0 & 0xff;
      const t1 = c1 & 0xff;
      if ((walked & (1 << t0)) === 0) walked = this.walkTrie(t0, key, walked);
      if ((walked & (1 << t1)) === 0) walked = this.walkTrie(t1, key, walked);
      const m0 = (matched[t0 * slotWords + sw] >>> sb) & 1;
      const m1 = (matched[t1 * slotWords + sw] >>> sb) & 1;
      let failed = -1;
      // The first failing check, chosen without a branch (which of the two
      // fails varies from packet to packet: a branch would mispredict).
      if ((m0 & m1) === 0) failed = c1 ^ ((c0 ^ c1) & (m0 - 1));
      else {
        const nChecks = info[base + CHECKS_OFS];
        for (let c = 3; c <= nChecks; c++) {
          const check = info[base + CHECKS_OFS + c];
          const t = check & 0xff;
          if ((walked & (1 << t)) === 0) walked = this.walkTrie(t, key, walked);
          if (((matched[t * slotWords + sw] >>> sb) & 1) === 0) {
            failed = check;
            break;
          }
        }
      }
      if (failed >= 0) {
        if (wc !== null) {
          if (failed >>> 16 !== 0 && pid !== orPid) {
            if (memoOr[pid] !== gen) scratch.orPrefix(pid, wc);
            orPid = pid;
          }
          const t = failed & 0xff;
          const plen = (failed >>> 8) & 0xff;
          if (plen > pendingPlen[t]) pendingPlen[t] = plen;
        }
        continue;
      }
      searched++;
      const st = subtables[i];
      const p = st.find(key, version, wc);
      if (p > bestPri) {
        best = st;
        bestPri = p;
      }
    }
    if (wc !== null) {
      // min(maskbits, L) leading bits for every subtable of length L that
      // trie t rejected is min(maskbits, the largest such L).
      const maskbits = tries.maskbits;
      for (let t = 0; t < nTries; t++) {
        const plen = pendingPlen[t];
        if (plen !== 0) tries.orPrefix(t, maskbits[t] < plen ? maskbits[t] : plen, wc);
      }
    }
    this.nLookups++;
    this.nVisited += i;
    this.nSearched += searched;
    return best === null ? null : best.foundRule();
  }

  /** Walks trie `t` unless a deep check in `find` already did; returns `walked` with t's bit. */
  private walkTrie(t: number, key: Uint32Array, walked: number): number {
    if (this.tries.doneGen[t] !== this.tries.gen) this.tries.walk(t, key);
    return walked | (1 << t);
  }

  /* ------------------------------------------------ flow-mod helpers */

  /** The rule visible at `version` with exactly this match and priority (strict modify/delete, ADD replacement). */
  findExact(value: Uint32Array, mask: Uint32Array, priority: number, version: number): R | null {
    const st = this.subtableFor(mask);
    if (st === null) return null;
    const h = st.hashOf(value);
    const i = st.probe(value, h);
    if (i < 0) {
      this.missSt = st;
      this.missValue = value;
      this.missHash = h;
      this.missSlot = ~i;
      return null;
    }
    for (let e = st.headAt(i); e !== null; e = e.next) {
      if (e.priority === priority && visible(e, version)) return e.rule;
    }
    return null;
  }

  /**
   * Whether a rule visible at `version` has this priority and a match that
   * some packet could satisfy together with (value, mask) (OFPFF_CHECK_OVERLAP).
   * A rule with the identical match counts.
   */
  hasOverlap(value: Uint32Array, mask: Uint32Array, priority: number, version: number): boolean {
    for (const st of this.vec.subtables) {
      if (st.maxPriority < priority) break;
      const stMask = st.mask;
      if (isSubset(stMask, mask)) {
        // Every rule here that agrees with value on the common bits is in one bucket.
        for (let e = st.bucket(value); e !== null; e = e.next) if (e.priority === priority && visible(e, version)) return true;
        continue;
      }
      let found = false;
      st.forEachBucket((head) => {
        if (found || !agreeOn(head.value, value, stMask, mask)) return;
        for (let e: Entry<R> | null = head; e !== null; e = e.next) {
          if (e.priority === priority && visible(e, version)) found = true;
        }
      });
      if (found) return true;
    }
    return false;
  }

  /**
   * Calls cb for every rule visible at `version` whose match is at least as
   * specific as (value, mask): its mask covers `mask` and it agrees with
   * `value` there (OF1.3 non-strict modify/delete and flow stats). The set
   * is taken before the first call, so cb may insert and remove rules.
   */
  forEachLoose(value: Uint32Array, mask: Uint32Array, version: number, cb: (r: R) => void): void {
    const out: R[] = [];
    const take = (head: Entry<R>): void => {
      for (let e: Entry<R> | null = head; e !== null; e = e.next) if (visible(e, version)) out.push(e.rule);
    };
    // An empty mask (a whole-table flow dump) agrees with every bucket:
    // comparing each bucket's key words would read them all for nothing.
    const everything = mask.every((w) => w === 0);
    for (const st of this.vec.subtables) {
      if (!isSubset(mask, st.mask)) continue;
      if (isSubset(st.mask, mask)) {
        const head = st.bucket(value);
        if (head !== null) take(head);
      } else if (everything) {
        st.forEachBucket(take);
      } else {
        st.forEachBucket((head) => {
          if (agreeOn(head.value, value, mask, mask)) take(head);
        });
      }
    }
    for (const r of out) cb(r);
  }

  /** Calls cb for every rule visible at `version` (a snapshot: cb may mutate). */
  forEach(version: number, cb: (r: R) => void): void {
    const out: R[] = [];
    for (const st of this.vec.subtables) st.forEachEntry((e) => visible(e, version) && out.push(e.rule));
    for (const r of out) cb(r);
  }

  /** Every rule not removed (the rule set of the latest version), as a snapshot. */
  [Symbol.iterator](): Iterator<R> {
    const out: R[] = [];
    for (const st of this.vec.subtables) st.forEachEntry((e) => e.removeVersion === NEVER && out.push(e.rule));
    return out[Symbol.iterator]();
  }

  /* ------------------------------------------------------------ internal */

  private entryOf(rule: R): Entry<R> | null {
    const st = this.subtableFor(rule.mask);
    return st === null ? null : st.entryOf(rule);
  }

  private subtableFor(mask: Uint32Array): Subtable<R> | null {
    // Runs of flow_mods mostly share a mask (and ofproto interns masks, so
    // often the very array): comparing with the last answer's mask costs
    // less than hashing all of it.
    const last = this.lastSubtable;
    if (last !== null && (last.mask === mask || sameWords(last.mask, mask))) return last;
    const list = this.byMask.get(hashWords(mask, 0));
    if (list === undefined) return null;
    for (const st of list) {
      if (sameWords(st.mask, mask)) {
        this.lastSubtable = st;
        return st;
      }
    }
    return null;
  }

  private createSubtable(mask: Uint32Array): Subtable<R> {
    const st = new Subtable<R>(this.nextId++, mask, this.stages, this.stageOf, this.tries, this.scratch, this.hashMask);
    const hints = this.reservedMasks;
    for (let k = 0; k < hints.length; k++) {
      if (sameWords(hints[k]!, mask)) {
        st.reserve(this.reservedCounts[k]!);
        break;
      }
    }
    const h = hashWords(mask, 0);
    const list = this.byMask.get(h);
    if (list === undefined) this.byMask.set(h, [st]);
    else list.push(st);
    this.vec.add(st);
    return st;
  }

  private destroySubtable(st: Subtable<R>): void {
    if (this.lastSubtable === st) this.lastSubtable = null;
    const h = hashWords(st.mask, 0);
    const list = this.byMask.get(h) as Subtable<R>[];
    list.splice(list.indexOf(st), 1);
    if (list.length === 0) this.byMask.delete(h);
    this.vec.detach(st);
    st.release();
  }
}

function visible<R extends ClsRule>(e: Entry<R>, version: number): boolean {
  return e.addVersion <= version && version < e.removeVersion;
}
