/**
 * A subtable: every rule of one classifier that has one particular mask.
 *
 * What: a hash table from masked key to bucket, where a bucket is the list
 * of rules with that exact match, by descending priority (only the first
 * one visible at the lookup's version can win; the others wait for it to be
 * removed). Beside it, one index per stage but the last (see stages.ts):
 * the multiset of hashes of the buckets' partial keys over stages 0..k, and
 * the prefix-trie checks that apply to this mask.
 *
 * Invariants:
 *  - every entry's value equals its value ANDed with this mask;
 *  - heads[i] is null, or the highest-priority entry of a nonempty bucket,
 *    hashes[i] is that bucket's full hash and keys[i*n..] its masked key;
 *  - indices[k] holds, once per bucket, the hash of the bucket's value
 *    over stages 0..k; each enabled trie holds, once per bucket, the
 *    bucket's prefix on its field;
 *  - maxPriority is the highest priority of any entry, at any version
 *    (an upper bound is all the classifier needs; it is exact after
 *    `refreshMax`), -Infinity when empty.
 *
 * Lookup: the classifier's subtable vector (subtable-vector.ts) first
 * rejects most subtables from flat arrays: a Bloom filter over this
 * subtable's first-stage partial keys, and the trie checks of the first two
 * stages. What passes comes to `find`: hash the packet's words stage by
 * stage (hashes of stage prefixes shared with other subtables come from
 * the lookup's memo, lookup-scratch.ts); at the start of a later stage
 * consult the tries that cover a field in it; at the end of every stage but
 * the last probe that stage's index (exactly: the Bloom filter may have
 * let a packet through that the index turns away). A miss at stage k ORs only
 * the mask words of stages 0..k into the wildcards: those are all the bits
 * the answer depended on, since any packet equal to this one on them hashes
 * identically up to there and misses the same way (index collisions only
 * make it go further, never stop wrongly). A trie skip at stage k ORs the
 * stages before k and, of stage k, only the leading address bits the trie
 * needed (prefix-trie.ts says why those decide the miss). Reaching
 * the last stage ORs the whole mask and compares full keys, so hash
 * collisions there cost a probe, never a wrong rule.
 *
 * Memory: an entry object per rule; per bucket one slot (pointer, hash and
 * the masked key's words) at a load factor between 1/8 and 1/2; per
 * distinct partial key one
 * (hash, count) pair in each stage index; per bucket a prefix in each
 * applicable trie (prefix-trie.ts).
 */
import { HashCounts } from './hash-counts.js';
import { hashAddWord, hashFinish } from './hash.js';
import type { LookupScratch } from './lookup-scratch.js';
import { prefixLength } from './prefix-trie.js';
import type { PrefixTries } from './prefix-tries.js';
import { Entry, type ClsRule } from './rule.js';
import { planStages, type StageLayout } from './stages.js';

const MIN_CAPACITY = 4;

export class Subtable<R extends ClsRule> {
  /** This subtable's mask (a private copy). */
  readonly mask: Uint32Array;
  /** Creation order: breaks ties between subtables of equal maxPriority, deterministically. */
  readonly id: number;
  maxPriority = -Infinity;
  /** Entries (all versions) in the subtable. */
  nEntries = 0;
  /** Position in the classifier's subtable vector (kept by the vector). */
  pos = -1;
  /** Scratch id of the first stage's prefix. */
  readonly pid0: number;
  /** This subtable's slot in the prefix tries, -1 when no trie applies to its mask. */
  readonly trieSlot: number;

  private readonly words: Int32Array;
  private readonly masks: Uint32Array;
  private readonly ends: Int32Array;
  private readonly nStages: number;
  private readonly indices: HashCounts[];
  private readonly hashMask: number;
  private readonly tries: PrefixTries;
  /** Trie checks: local stage, trie index and this mask's prefix length, per check. */
  private readonly trieStage: Int32Array;
  private readonly trieIdx: Int32Array;
  private readonly triePlen: Int32Array;
  /** Per local stage, 1 when `find` runs a trie check at its start (stages >= 2: the vector does 0 and 1). */
  private readonly stageHasTrie: Uint8Array;
  /** Per local stage, the scratch id of the stage prefix ending there (for the hash memo). */
  private readonly prefixIds: Int32Array;
  /**
   * What `find` reads, in one array so that it walks one cache line or two:
   * words[n], masks[n] (as int32), ends[S], prefixIds[S], stageHasTrie[S],
   * for n = words.length and S = nStages.
   */
  private readonly plan: Int32Array;
  private readonly nWords: number;
  private readonly scratch: LookupScratch;

  private heads: (Entry<R> | null)[];
  private hashes: Int32Array;
  /**
   * The masked key of each slot's bucket, nWords words per slot: probes
   * compare against this, next to the hashes, instead of reaching into each
   * rule's own value array (a cache miss per probe, measured).
   */
  private keys: Int32Array;
  private capMask: number;
  private nBuckets = 0;

  constructor(
    id: number,
    mask: Uint32Array,
    stages: StageLayout,
    stageOf: Int32Array,
    tries: PrefixTries,
    scratch: LookupScratch,
    hashMask: number,
  ) {
    this.id = id;
    this.mask = Uint32Array.from(mask);
    const plan = planStages(mask, stages);
    this.words = plan.words;
    this.masks = plan.masks;
    this.ends = plan.ends;
    this.nStages = plan.ends.length;
    this.indices = [];
    for (let s = 0; s < this.nStages - 1; s++) this.indices.push(new HashCounts());
    this.hashMask = hashMask;
    this.tries = tries;

    const checks: [number, number, number][] = [];
    tries.tries.forEach((trie, t) => {
      const plen = prefixLength(mask, trie.field);
      if (plen === 0) return;
      const local = plan.stage.indexOf(stageOf[trie.field.word]);
      checks.push([local, t, plen]);
    });
    this.trieStage = Int32Array.from(checks, (c) => c[0]);
    this.trieIdx = Int32Array.from(checks, (c) => c[1]);
    this.triePlen = Int32Array.from(checks, (c) => c[2]);
    this.stageHasTrie = new Uint8Array(this.nStages);
    for (const [local] of checks) if (local >= 2) this.stageHasTrie[local] = 1;
    // Only subtables the tries can rule out need a slot (fewer slots, narrower bitsets).
    this.trieSlot = checks.length > 0 ? tries.allocSlot() : -1;

    this.scratch = scratch;
    this.prefixIds = Int32Array.from(this.ends, (end) => scratch.acquire(this.words, this.masks, end));
    this.pid0 = this.prefixIds[0];
    const n = this.words.length;
    const S = this.nStages;
    this.nWords = n;
    this.plan = new Int32Array(2 * n + 3 * S);
    this.plan.set(this.words, 0);
    this.plan.set(new Int32Array(this.masks.buffer, this.masks.byteOffset, n), n);
    this.plan.set(this.ends, 2 * n);
    this.plan.set(this.prefixIds, 2 * n + S);
    this.plan.set(this.stageHasTrie, 2 * n + 2 * S);

    this.heads = new Array<Entry<R> | null>(MIN_CAPACITY).fill(null);
    this.hashes = new Int32Array(MIN_CAPACITY);
    this.keys = new Int32Array(MIN_CAPACITY * n);
    this.capMask = MIN_CAPACITY - 1;
  }

  get isEmpty(): boolean {
    return this.nEntries === 0;
  }

  /** Gives back what the subtable holds in shared structures; call once, when destroying it. */
  release(): void {
    for (const end of this.ends) this.scratch.release(this.words, this.masks, end);
    if (this.trieSlot >= 0) this.tries.freeSlot(this.trieSlot);
  }

  /**
   * The trie check on trie `t` that the subtable vector runs for this
   * subtable: prefix length | (local stage << 8), for a check in local
   * stage 0 or 1; 0 when there is none.
   */
  flatTrieCheck(t: number): number {
    for (let c = 0; c < this.trieIdx.length; c++) {
      if (this.trieIdx[c] === t && this.trieStage[c] <= 1) return this.triePlen[c] | (this.trieStage[c] << 8);
    }
    return 0;
  }

  /** Calls cb with the first-stage hash of every bucket (once per distinct hash at least). */
  forEachStage0Hash(cb: (h: number) => void): void {
    if (this.nStages > 1) this.indices[0].forEach(cb);
    else for (let i = 0; i <= this.capMask; i++) if (this.heads[i] !== null) cb(this.hashes[i]);
  }

  /** The first-stage hash of `value`, as the stage-0 index (or the table, for one stage) holds it. */
  stage0Hash(value: Uint32Array): number {
    let h = 0;
    const end = this.ends[0];
    for (let x = 0; x < end; x++) h = hashAddWord(h, value[this.words[x]] & this.masks[x]);
    return hashFinish(h, end) & this.hashMask;
  }

  /* ---------------------------------------------------------------- lookup */

  /**
   * The highest-priority entry visible at `version` whose match the key
   * satisfies, or null; ORs the bits the answer depended on into `wc`.
   * The subtable vector's checks (Bloom filter, first-stage tries) must
   * have passed: `find` does not repeat the trie checks of stages 0 and 1.
   */
  find(key: Uint32Array, version: number, wc: Uint32Array | null): Entry<R> | null {
    const plan = this.plan;
    const n = this.nWords;
    const S = this.nStages;
    const last = S - 1;
    const scratch = this.scratch;
    const gen = scratch.gen;
    const memoGen = scratch.memoGen;
    const memoH = scratch.memoH;
    const memoF = scratch.memoF;
    let h = 0;
    let j = 0;
    let f = 0;
    let pid = 0;
    for (let s = 0; ; s++) {
      if (plan[2 * n + 2 * S + s] !== 0 && this.trieSkip(s, key, wc)) {
        if (wc !== null) scratch.orPrefix(pid, wc);
        return null;
      }
      const end = plan[2 * n + s];
      pid = plan[2 * n + S + s];
      if (memoGen[pid] === gen) {
        h = memoH[pid];
        f = memoF[pid];
      } else {
        for (; j < end; j++) h = hashAddWord(h, key[plan[j]] & plan[n + j]);
        f = hashFinish(h, end) & this.hashMask;
        memoH[pid] = h;
        memoF[pid] = f;
        memoGen[pid] = gen;
      }
      j = end;
      if (s === last) break;
      if (!this.indices[s].has(f)) {
        if (wc !== null) scratch.orPrefix(pid, wc);
        return null;
      }
    }
    if (wc !== null) scratch.orPrefix(pid, wc);
    const heads = this.heads;
    const hashes = this.hashes;
    const capMask = this.capMask;
    for (let i = f & capMask; ; i = (i + 1) & capMask) {
      const head = heads[i];
      if (head === null) return null;
      if (hashes[i] === f && this.slotMatches(i, key)) {
        for (let e: Entry<R> | null = head; e !== null; e = e.next) {
          if (e.addVersion <= version && version < e.removeVersion) return e;
        }
        return null;
      }
    }
  }

  /** Whether slot i's bucket key equals `key` under this mask (`key` may be a rule's value). */
  private slotMatches(i: number, key: Uint32Array): boolean {
    const plan = this.plan;
    const keys = this.keys;
    const n = this.nWords;
    const k0 = i * n;
    for (let x = 0; x < n; x++) if ((key[plan[x]] & plan[n + x]) !== keys[k0 + x]) return false;
    return true;
  }

  private setSlotKey(i: number, value: Uint32Array): void {
    const n = this.nWords;
    for (let x = 0; x < n; x++) this.keys[i * n + x] = value[this.words[x]] & this.masks[x];
  }

  /** True when a trie proves no rule here can match; then ORs the trie's bits into wc. */
  private trieSkip(stage: number, key: Uint32Array, wc: Uint32Array | null): boolean {
    for (let c = 0; c < this.trieStage.length; c++) {
      if (this.trieStage[c] !== stage) continue;
      const bits = this.tries.skipBits(this.trieIdx[c], this.triePlen[c], this.trieSlot, key);
      if (bits < 0) continue;
      if (wc !== null) this.tries.orPrefix(this.trieIdx[c], bits, wc);
      return true;
    }
    return false;
  }

  /* -------------------------------------------------------------- mutation */

  /** Full hash of `value` (ANDed with this mask first). */
  hashOf(value: Uint32Array): number {
    let h = 0;
    for (let x = 0; x < this.words.length; x++) h = hashAddWord(h, value[this.words[x]] & this.masks[x]);
    return hashFinish(h, this.words.length) & this.hashMask;
  }

  /** The bucket (its head entry) whose match is `value` under this mask, if any. */
  bucket(value: Uint32Array): Entry<R> | null {
    return this.bucketOfHash(value, this.hashOf(value));
  }

  /** `bucket`, with `hf` = hashOf(value) already computed. */
  bucketOfHash(value: Uint32Array, hf: number): Entry<R> | null {
    for (let i = hf & this.capMask; ; i = (i + 1) & this.capMask) {
      const head = this.heads[i];
      if (head === null) return null;
      if (this.hashes[i] === hf && this.slotMatches(i, value)) return head;
    }
  }

  /** The entry of `rule` (by identity), if it is here. */
  entryOf(rule: R): Entry<R> | null {
    for (let e = this.bucket(rule.value); e !== null; e = e.next) if (e.rule === rule) return e;
    return null;
  }

  /** Adds an entry (hash already computed by `hashOf`); true when it opened a new bucket. */
  insert(e: Entry<R>): boolean {
    this.nEntries++;
    if (e.priority > this.maxPriority) this.maxPriority = e.priority;
    let i = e.hash & this.capMask;
    for (; ; i = (i + 1) & this.capMask) {
      const head = this.heads[i];
      if (head === null) break;
      if (this.hashes[i] !== e.hash || !this.slotMatches(i, e.value)) continue;
      // Same match: keep the list by descending priority, earlier first among equals.
      if (e.priority > head.priority) {
        e.next = head;
        this.heads[i] = e;
        return false;
      }
      let prev = head;
      while (prev.next !== null && prev.next.priority >= e.priority) prev = prev.next;
      e.next = prev.next;
      prev.next = e;
      return false;
    }
    this.heads[i] = e;
    this.hashes[i] = e.hash;
    this.setSlotKey(i, e.value);
    this.indexBucket(e.value, true);
    if (++this.nBuckets * 2 > this.capMask + 1) this.resize((this.capMask + 1) * 2);
    return true;
  }

  /** Removes an entry that is here. maxPriority stays an upper bound until `refreshMax`. */
  remove(e: Entry<R>): void {
    let i = e.hash & this.capMask;
    for (; ; i = (i + 1) & this.capMask) {
      const head = this.heads[i];
      if (head === null) throw new Error('Subtable.remove: entry not present');
      if (this.hashes[i] === e.hash && this.slotMatches(i, e.value)) break;
    }
    const head = this.heads[i] as Entry<R>;
    if (head === e) {
      if (e.next !== null) {
        this.heads[i] = e.next;
        e.next = null;
        this.nEntries--;
        return;
      }
    } else {
      let prev = head;
      while (prev.next !== null && prev.next !== e) prev = prev.next;
      if (prev.next !== e) throw new Error('Subtable.remove: entry not present');
      prev.next = e.next;
      e.next = null;
      this.nEntries--;
      return;
    }
    // The bucket is gone: unindex it and close the hole.
    this.nEntries--;
    this.indexBucket(e.value, false);
    this.deleteSlot(i);
    this.nBuckets--;
    const cap = this.capMask + 1;
    if (cap > MIN_CAPACITY && this.nBuckets * 8 < cap) this.resize(cap / 2);
  }

  /** Recomputes maxPriority exactly (after removals). */
  refreshMax(): void {
    let max = -Infinity;
    for (const head of this.heads) if (head !== null && head.priority > max) max = head.priority;
    this.maxPriority = max;
  }

  /** Calls cb for every entry, bucket by bucket (heads first within a bucket). */
  forEachEntry(cb: (e: Entry<R>) => void): void {
    for (const head of this.heads) for (let e = head; e !== null; e = e.next) cb(e);
  }

  /** Calls cb for the head of every bucket. */
  forEachBucket(cb: (head: Entry<R>) => void): void {
    for (const head of this.heads) if (head !== null) cb(head);
  }

  private indexBucket(value: Uint32Array, add: boolean): void {
    let h = 0;
    let j = 0;
    for (let s = 0; s < this.nStages - 1; s++) {
      const end = this.ends[s];
      for (; j < end; j++) h = hashAddWord(h, value[this.words[j]] & this.masks[j]);
      const sh = hashFinish(h, end) & this.hashMask;
      if (add) this.indices[s].add(sh);
      else this.indices[s].delete(sh);
    }
    for (let c = 0; c < this.trieIdx.length; c++) {
      const trie = this.tries.tries[this.trieIdx[c]];
      if (add) trie.insert(value, this.triePlen[c], this.trieSlot);
      else trie.remove(value, this.triePlen[c], this.trieSlot);
    }
  }

  private deleteSlot(i: number): void {
    const capMask = this.capMask;
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & capMask;
      const e = this.heads[j];
      if (e === null) break;
      const home = this.hashes[j] & capMask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      this.heads[hole] = e;
      this.hashes[hole] = this.hashes[j];
      this.keys.copyWithin(hole * this.nWords, j * this.nWords, (j + 1) * this.nWords);
      hole = j;
    }
    this.heads[hole] = null;
  }

  private resize(cap: number): void {
    const oldHeads = this.heads;
    const oldHashes = this.hashes;
    const oldKeys = this.keys;
    const n = this.nWords;
    this.heads = new Array<Entry<R> | null>(cap).fill(null);
    this.hashes = new Int32Array(cap);
    this.keys = new Int32Array(cap * n);
    this.capMask = cap - 1;
    for (let k = 0; k < oldHeads.length; k++) {
      const e = oldHeads[k];
      if (e === null) continue;
      let i = oldHashes[k] & this.capMask;
      while (this.heads[i] !== null) i = (i + 1) & this.capMask;
      this.heads[i] = e;
      this.hashes[i] = oldHashes[k];
      this.keys.set(oldKeys.subarray(k * n, (k + 1) * n), i * n);
    }
  }
}
