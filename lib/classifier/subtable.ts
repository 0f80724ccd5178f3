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
 *  - heads[i] is null, or the highest-priority entry of a nonempty bucket;
 *    then rec[i*(1+n)..] is that bucket's full hash and masked key, and
 *    hp[i] its head's priority (EMPTY exactly when heads[i] is null);
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
 * stages. What passes comes to `find`, and its answer is that of a staged
 * lookup: hash the packet's words stage by stage (hashes of stage prefixes
 * shared with other subtables come from the lookup's memo,
 * lookup-scratch.ts); at the start of a later stage consult the tries that
 * cover a field in it; at the end of every stage but the last probe that
 * stage's index (exactly: the Bloom filter may have let a packet through
 * that the index turns away). A miss at stage k ORs only the mask words of
 * stages 0..k into the wildcards: those are all the bits the answer
 * depended on, since any packet equal to this one on them hashes
 * identically up to there and misses the same way (index collisions only
 * make it go further, never stop wrongly). A trie skip at stage k ORs the
 * stages before k and, of stage k, only the leading address bits the trie
 * needed (prefix-trie.ts says why those decide the miss). Reaching the last
 * stage ORs the whole mask and compares full keys, so hash collisions there
 * cost a probe, never a wrong rule.
 *
 * For a subtable with prefix-trie checks (which it passed, to get here),
 * `find` gets there in another order, for speed: it hashes all stages and
 * probes the table first. When the packet's masked key has a bucket, the
 * staged lookup would have passed every index and trie check (they hold
 * every bucket, at every version) and reached the last stage, so the
 * answer and the bits are the same; most subtables that get past the
 * tries are in that case (on bench/classifier's ACLs, 9 in 10 at 1,000
 * rules), and they skip one or two index probes. Only when there is no
 * bucket does `find` run the staged checks (hashing the stage prefixes
 * the lookup's memo does not hold yet) to learn which stage explains the
 * miss (`missBits`). Without tries, most subtables searched miss, and
 * the staged order is the cheaper one.
 *
 * Memory: an entry object per rule; per bucket one slot (pointer, rule
 * pointer, head priority, hash and the masked key's words) at a load
 * factor between 1/8 and 1/2; per distinct partial key one (hash, count)
 * pair in each stage index; per bucket a prefix in each applicable trie
 * (prefix-trie.ts).
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
  /** Whether `find` probes the table before the stage checks (see there): when tries apply. */
  private readonly optimistic: boolean;

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
  /** headRules[i] = heads[i].rule: the winner's rule without a load through its entry. */
  private headRules: (R | null)[];
  /**
   * Per slot, recStride = 1 + nWords words: the bucket's full hash, then
   * its masked key. Probes compare against this instead of reaching into
   * each rule's own value array (a cache miss per probe, measured), and
   * hash and key share a cache line.
   */
  private rec: Int32Array;
  private readonly recStride: number;
  /**
   * Per slot, the priority of the bucket's head entry, EMPTY for a free
   * slot. When every entry is visible at the lookup's version (the usual
   * case: LookupScratch.allVisible), `find` decides a hit from this and the
   * record alone, without loading the entry object (a dependent load, and
   * a cache miss, per subtable searched at 10,000 rules); the classifier
   * then loads only the winner's rule (headRules).
   */
  private hp: Float64Array;
  private capMask: number;
  /** After `find` returned a priority: the slot it came from, and the entry when it is not that slot's head. */
  foundSlot = 0;
  foundEntry: Entry<R> | null = null;
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
    this.optimistic = this.trieSlot >= 0;

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

    this.recStride = 1 + n;
    this.heads = new Array<Entry<R> | null>(MIN_CAPACITY).fill(null);
    this.headRules = new Array<R | null>(MIN_CAPACITY).fill(null);
    this.rec = new Int32Array(MIN_CAPACITY * this.recStride);
    this.hp = new Float64Array(MIN_CAPACITY).fill(EMPTY);
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
    else for (let i = 0; i <= this.capMask; i++) if (this.heads[i] !== null) cb(this.rec[i * this.recStride]);
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
   * The priority of the highest-priority entry visible at `version` whose
   * match the key satisfies (then `foundRule()` is its rule, until the
   * next `find`), or -Infinity when there is none; ORs the bits the answer
   * depended on into `wc`. The subtable vector's checks (Bloom filter,
   * first-stage tries) must have passed: `find` does not repeat the trie
   * checks of stages 0 and 1.
   */
  find(key: Uint32Array, version: number, wc: Uint32Array | null): number {
    const plan = this.plan;
    const n = this.nWords;
    const S = this.nStages;
    const scratch = this.scratch;
    const gen = scratch.gen;
    const memoGen = scratch.memoGen;
    const memoH = scratch.memoH;
    const memoF = scratch.memoF;
    let h = 0;
    let f = 0;
    let pid = 0;
    if (this.optimistic) {
      // A subtable that passed prefix-trie checks usually holds the answer:
      // hash the whole mask and probe the table straight away, without the
      // stage indexes and deep trie checks. For a key that has a bucket
      // those checks all pass (indexes and tries hold every bucket), so
      // they would only cost probes; a key without one needs them, to
      // learn how few bits explain its miss (missBits). The first stage's
      // hash is in the memo (the Bloom filters needed it); the later
      // stages' are not memoized here: only missBits needs them, and a
      // memo test per stage, which goes either way, cost more than the
      // hashing it saved.
      const pid0 = plan[2 * n + S];
      if (memoGen[pid0] !== gen) scratch.hashPrefix(pid0, key);
      h = memoH[pid0];
      for (let j = plan[2 * n]; j < n; j++) h = hashAddWord(h, key[plan[j]] & plan[n + j]);
      f = hashFinish(h, n) & this.hashMask;
      pid = plan[2 * n + 2 * S - 1];
    } else {
      // Other subtables (no address prefix in their mask, or no tries)
      // mostly miss here, and go stage by stage so that a miss costs only
      // the probes and hashing up to its stage.
      let j = 0;
      for (let s = 0; s < S; s++) {
        if (plan[2 * n + 2 * S + s] !== 0 && this.trieSkip(s, key, wc)) {
          if (wc !== null) scratch.orPrefix(pid, wc);
          return -Infinity;
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
        if (s !== S - 1 && !this.indices[s].has(f)) {
          if (wc !== null) scratch.orPrefix(pid, wc);
          return -Infinity;
        }
      }
    }
    const rec = this.rec;
    const hp = this.hp;
    const R = this.recStride;
    const capMask = this.capMask;
    for (let i = f & capMask; ; i = (i + 1) & capMask) {
      const pri = hp[i];
      if (pri === EMPTY) break;
      if (rec[i * R] !== f || !this.slotMatches(i, key)) continue;
      // The staged lookup would have reached the last stage: the whole mask.
      if (wc !== null) scratch.orPrefix(pid, wc);
      if (scratch.allVisible) {
        this.foundSlot = i;
        this.foundEntry = null;
        return pri;
      }
      // Some entry somewhere is invisible at this version (a change in progress): check them, the slow way.
      for (let e = this.heads[i]; e !== null; e = e.next) {
        if (e.addVersion <= version && version < e.removeVersion) {
          this.foundEntry = e;
          return e.priority;
        }
      }
      return -Infinity;
    }
    // No bucket: optimistic, find out why; staged, the last stage was reached.
    if (wc !== null) {
      if (this.optimistic) this.missBits(key, wc);
      else scratch.orPrefix(pid, wc);
    }
    return -Infinity;
  }

  /**
   * For a key with no bucket here (its first stage's hash already in the
   * lookup's memo): ORs into wc the bits of the staged lookup's verdict,
   * the first of a deep trie skip at stage k (stages before k, and the
   * trie's bits), a stage-k index miss (stages 0..k), or a miss at the last
   * stage (the whole mask).
   */
  private missBits(key: Uint32Array, wc: Uint32Array): void {
    const plan = this.plan;
    const n = this.nWords;
    const S = this.nStages;
    const scratch = this.scratch;
    const gen = scratch.gen;
    const memoGen = scratch.memoGen;
    const memoH = scratch.memoH;
    const memoF = scratch.memoF;
    let pid = 0;
    let h = 0;
    let j = 0;
    for (let s = 0; ; s++) {
      if (plan[2 * n + 2 * S + s] !== 0 && this.trieSkip(s, key, wc)) break;
      pid = plan[2 * n + S + s];
      if (s === S - 1) break;
      const end = plan[2 * n + s];
      let f: number;
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
      if (!this.indices[s].has(f)) break;
    }
    scratch.orPrefix(pid, wc);
  }

  /** The rule of the entry the last `find` that returned a priority found. */
  foundRule(): R {
    return this.foundEntry !== null ? this.foundEntry.rule : (this.headRules[this.foundSlot] as R);
  }

  /** Whether slot i's bucket key equals `key` under this mask (`key` may be a rule's value). */
  private slotMatches(i: number, key: Uint32Array): boolean {
    const plan = this.plan;
    const rec = this.rec;
    const n = this.nWords;
    const k0 = i * this.recStride + 1;
    for (let x = 0; x < n; x++) if ((key[plan[x]] & plan[n + x]) !== rec[k0 + x]) return false;
    return true;
  }

  /** Fills slot i with a new bucket whose head is e. */
  private setSlot(i: number, e: Entry<R>): void {
    const n = this.nWords;
    const k0 = i * this.recStride;
    this.rec[k0] = e.hash;
    for (let x = 0; x < n; x++) this.rec[k0 + 1 + x] = e.value[this.words[x]] & this.masks[x];
    this.setHead(i, e);
  }

  /** Copies the head entry's versions and priority to slot i's flat numbers. */
  private setHead(i: number, e: Entry<R>): void {
    this.heads[i] = e;
    this.headRules[i] = e.rule;
    this.hp[i] = e.priority;
  }

  /** The slot of the bucket whose match is `value` (hash hf), or -1. */
  private slotOf(value: Uint32Array, hf: number): number {
    const i = this.probe(value, hf);
    return i < 0 ? -1 : i;
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
    const i = this.slotOf(value, hf);
    return i < 0 ? null : this.heads[i];
  }

  /** The entry of `rule` (by identity), if it is here. */
  entryOf(rule: R): Entry<R> | null {
    for (let e = this.bucket(rule.value); e !== null; e = e.next) if (e.rule === rule) return e;
    return null;
  }

  /** Adds an entry (hash already computed by `hashOf`); true when it opened a new bucket. */
  insert(e: Entry<R>): boolean {
    const i = this.probe(e.value, e.hash);
    if (i < 0) {
      this.insertAt(~i, e);
      return true;
    }
    this.nEntries++;
    if (e.priority > this.maxPriority) this.maxPriority = e.priority;
    const head = this.heads[i] as Entry<R>;
    // Same match: keep the list by descending priority, earlier first among equals.
    if (e.priority > head.priority) {
      e.next = head;
      this.setHead(i, e);
      return false;
    }
    let prev = head;
    while (prev.next !== null && prev.next.priority >= e.priority) prev = prev.next;
    e.next = prev.next;
    prev.next = e;
    return false;
  }

  /**
   * The slot of the bucket whose match is `value` (hash hf) when there is
   * one, else ~i for the free slot i where the probe ended, which is where
   * `insertAt` opens that bucket (as long as the subtable does not change
   * in between: Classifier.findExact's miss, then insert, probe once).
   */
  probe(value: Uint32Array, hf: number): number {
    const R = this.recStride;
    const capMask = this.capMask;
    for (let i = hf & capMask; ; i = (i + 1) & capMask) {
      if (this.heads[i] === null) return ~i;
      if (this.rec[i * R] === hf && this.slotMatches(i, value)) return i;
    }
  }

  /** The head entry of slot i (a slot `probe` found). */
  headAt(i: number): Entry<R> | null {
    return this.heads[i];
  }

  /** Opens e's bucket in free slot i, where `probe` for e.value ended with no change since. */
  insertAt(i: number, e: Entry<R>): void {
    this.nEntries++;
    if (e.priority > this.maxPriority) this.maxPriority = e.priority;
    this.setSlot(i, e);
    this.indexBucket(e.value, true);
    if (++this.nBuckets * 2 > this.capMask + 1) this.resize((this.capMask + 1) * 2);
  }

  /** Makes room for `n` more buckets at once (Classifier.reserve): a hint, which changes no content. */
  reserve(n: number): void {
    let cap = this.capMask + 1;
    // The load factor `insert` keeps: at most one half.
    while ((this.nBuckets + n) * 2 > cap) cap *= 2;
    if (cap > this.capMask + 1) this.resize(cap);
  }

  /** Removes an entry that is here. maxPriority stays an upper bound until `refreshMax`. */
  remove(e: Entry<R>): void {
    const i = this.slotOf(e.value, e.hash);
    if (i < 0) throw new Error('Subtable.remove: entry not present');
    const head = this.heads[i] as Entry<R>;
    if (head === e) {
      if (e.next !== null) {
        this.setHead(i, e.next);
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
    const R = this.recStride;
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & capMask;
      const e = this.heads[j];
      if (e === null) break;
      const home = this.rec[j * R] & capMask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      this.heads[hole] = e;
      this.headRules[hole] = e.rule;
      this.rec.copyWithin(hole * R, j * R, (j + 1) * R);
      this.hp[hole] = this.hp[j];
      hole = j;
    }
    this.heads[hole] = null;
    this.headRules[hole] = null;
    this.hp[hole] = EMPTY;
  }

  private resize(cap: number): void {
    const oldHeads = this.heads;
    const oldRec = this.rec;
    const oldHp = this.hp;
    const R = this.recStride;
    this.heads = new Array<Entry<R> | null>(cap).fill(null);
    this.headRules = new Array<R | null>(cap).fill(null);
    this.rec = new Int32Array(cap * R);
    this.hp = new Float64Array(cap).fill(EMPTY);
    this.capMask = cap - 1;
    for (let k = 0; k < oldHeads.length; k++) {
      const e = oldHeads[k];
      if (e === null) continue;
      let i = oldRec[k * R] & this.capMask;
      while (this.heads[i] !== null) i = (i + 1) & this.capMask;
      this.heads[i] = e;
      this.headRules[i] = e.rule;
      this.rec.set(oldRec.subarray(k * R, (k + 1) * R), i * R);
      this.hp[i] = oldHp[k];
    }
  }
}

/** Subtable.hp of a free slot (priorities are finite). */
const EMPTY = -Infinity;
