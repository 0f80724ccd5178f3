/**
 * Prefix tracking: binary tries over address fields, which let a lookup
 * rule out a subtable after looking at only as many leading address bits as
 * it takes to see that no rule's prefix of the subtable's length can match.
 *
 * Why: a subtable with, say, ipv4_dst/24 that misses at the L3 stage would
 * otherwise put all 24 bits (and the rest of the stage) into the megaflow's
 * mask, although often the first few bits already differ from every /24 in
 * the table. Open vSwitch's classifier has the same idea; this is our own
 * path-compressed trie.
 *
 * What a trie holds: for one field (a run of key words, most significant
 * first: ipv4_src, ipv4_dst, ipv6_src, ipv6_dst by default), the prefix of
 * every rule whose subtable masks the field with a CIDR mask of length > 0,
 * whatever the rule's versions (a superset is safe: it can only make a
 * lookup skip less). A subtable whose mask on the field is not a prefix is
 * never skipped by the trie and its rules are not in it.
 *
 * Each prefix is recorded with the subtable it comes from (a small "slot"
 * number per subtable), not just counted: all rules of a subtable have the
 * same prefix length L on the field, and the question a lookup asks is
 * whether any rule *of this subtable* has a prefix equal to the packet's
 * first L bits. (Open vSwitch's tries answer "any rule of length L", which
 * lets through every subtable of that length as soon as one of them has a
 * matching prefix; with the subtable recorded, the ClassBench-like ACLs of
 * bench/classifier.ts hash a third to a quarter as many subtables.)
 *
 * Lookup: walking the packet's field from the most significant bit yields
 * (1) the set of subtables with a rule whose prefix equals the packet's
 * first L bits (L that subtable's length), and (2) `maskbits`, the number
 * of leading bits the walk examined. Invariant used by the classifier: any
 * packet that agrees with this one on its first `maskbits` bits walks the
 * same path and gets the same set, and whether a subtable of length L is in
 * the set depends only on the first L bits. So if a subtable is not in the
 * set, none of its rules can match, and min(maskbits, L) leading bits of
 * the field are a sufficient reason for the miss, wherever the packet
 * differs otherwise.
 *
 * Nodes: each carries up to 32 bits of prefix (left-aligned), the prefixes
 * that end exactly at its end (as (slot, count) pairs, a subtable holding
 * one per bucket, and as a bitset of slots, which is what a walk ORs into
 * its answer), and two children chosen by the bit that follows; a child's
 * bits start with that bit. Only the root may have zero bits. A node
 * without prefixes has two children, or one child whose bits would not fit
 * in it (removal merges otherwise), so the trie stays compact under churn.
 * Nodes live in one Int32Array (five words each) rather than as objects:
 * a walk reads one cache line per node (with the slot bitsets, this cut
 * the walk's cost by more than half at 10,000 rules). A root table holds
 * the walk's state after the first 8 to 10 bits (more for larger tries)
 * for each of their values, so a walk starts a few nodes down (this cut
 * the whole lookup by a third on the 1,000-rule ACL, and going from 8 to
 * 10 bits another tenth or so at 1,000 and 10,000 rules). Only the entries
 * a change can affect are recomputed, lazily (see `markRoot`).
 *
 * Concurrency: none; per-lookup results live in `PrefixTries`
 * (prefix-tries.ts), owned by one classifier, and a walk is remembered by
 * stamping it with the lookup's generation instead of clearing anything.
 */

/** A field tracked by a trie: `words` consecutive key words from `word`, most significant first. */
export interface PrefixField {
  readonly word: number;
  readonly words: number;
}

/** Node layout in PrefixTrie.nodes: NODE_SIZE words per node, then the node's slot bitset (`slotWords` words). */
const PREFIX = 0; // up to 32 bits of prefix, left-aligned
const NBITS = 1; // how many (0 only at the root)
const ZERO = 2; // child index for a following 0 bit, or -1
const ONE = 3; // child index for a following 1 bit, or -1 (must be ZERO + 1)
const HAS_SUBS = 4; // 1 when prefixes end here (counted in subSlot/subCount, extraSubs)
const NODE_SIZE = 5;
const NIL = -1;

/**
 * The root table: the walk's state after the first `rootBits` bits, for
 * each of their 2^rootBits values, so that a lookup starts a few nodes
 * down instead of at the root (the first levels are where every walk goes,
 * one dependent load per node). Entry layout: one word for where the
 * walk goes on, (node + 1) << 8 | bits matched before that node (node
 * NIL: the walk is over, and the low byte is its answer, maskbits), then
 * the slot bitset of the prefixes passed so far. A walk that passed a
 * node ending exactly at `rootBits` goes on at that node again, before
 * its bits: comparing them again costs less than telling one more kind
 * of entry apart (a branch that would go either way from one packet to
 * the next), and ORing its slots again changes nothing. 1 + slotWords
 * words an entry: 12 bytes with two slot words (the old layout's 24 made
 * two tries' tables at 1,024 entries fill most of a 32 KiB L1 cache).
 *
 * Its size follows the trie's: ROOT_BITS_MIN bits (256 entries) while the
 * trie is small, up to ROOT_BITS_MAX (1,024 entries, 12 KiB with two slot
 * words) from 512 nodes on. Larger tables start walks deeper but fall out
 * of the CPU caches (on bench/classifier's ACLs, 12 bits was slower than
 * 10 at 10,000 rules, and 16 slower than 8 at 1,000), and cost memory in
 * every table that has addresses in its rules.
 */
const ROOT_BITS_MIN = 8;
const ROOT_BITS_MAX = 10;
const RT_AT = 0; // (node + 1) << 8 | matchLen (fields have at most 128 bits; nodes number fewer than 2^24)
const RT_BITS = 1;

/** The first n bits of a 32-bit word, as a mask. */
export function leftMask(n: number): number {
  return n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
}

export class PrefixTrie {
  readonly field: PrefixField;
  readonly fieldBits: number;
  private root = NIL;
  /**
   * All nodes in one Int32Array (`stride` words each: NODE_SIZE words,
   * then the slot bitset of the prefixes ending there), so that a walk
   * reads one cache line per node instead of chasing objects.
   */
  private nodes: Int32Array;
  /**
   * Words per node. The slot bitset (what a walk ORs into its answer) sits
   * in the node's record rather than in an array of its own: one cache
   * line per node visited instead of two.
   */
  private stride: number;
  /**
   * Per node with HAS_SUBS, the (slot, count) pairs of the prefixes ending
   * there (the bitset has no counts): the first in subSlot / subCount
   * (count 0: none), any others in extraSubs. Flat, because nearly every
   * node has one pair or none, and a two-element array per node was an
   * object per distinct address, kept for as long as its rules, for the
   * collector to copy and trace (100,000 of them for 100,000 /32 rules).
   */
  private subSlot = new Int32Array(16);
  private subCount = new Int32Array(16);
  private readonly extraSubs = new Map<number, number[]>();
  private slotWords: number;
  /** Allocated by the first lookup (a table that is never looked up pays nothing). */
  private rootTable: Int32Array = new Int32Array(0);
  private rootBits = ROOT_BITS_MIN;
  /** 32 - rootBits: a key word shifted right by this is its root table index. */
  private rootShift = 32 - ROOT_BITS_MIN;
  /** field.word, for the walk without a load through `field`. */
  private readonly word: number;
  /** Root table entries [dirtyLo, dirtyHi) are stale (see `markRoot`); rootDirty when that range is not empty. */
  private rootDirty = true;
  private dirtyLo = 0;
  private dirtyHi = 1 << ROOT_BITS_MAX;
  private nNodes = 0;
  private freeNodes: number[] = [];
  /**
   * The finger: the path from the root to the node where the last
   * `insert` put its prefix (fNode[i] starting at bit fStart[i], for
   * i < fLen; fLen 0 when unknown), and that prefix's field words. The
   * next insert resumes below the nodes whose bits end before the first
   * bit where its value differs from that one: its walk would pass them
   * anyway. Bulk inserts mostly come in address order (generated flow
   * tables, a sorted dump), and then most of each walk is skipped; the
   * nodes it would have read are cache misses once the trie is large.
   * Only `remove` (tidying merges and frees nodes) makes the path stale.
   */
  private readonly fNode: Int32Array;
  private readonly fStart: Int32Array;
  private fLen = 0;
  private readonly fValue: Uint32Array;

  constructor(field: PrefixField, slotWords = 1) {
    this.field = field;
    this.word = field.word;
    this.fieldBits = field.words * 32;
    this.slotWords = slotWords;
    this.stride = NODE_SIZE + slotWords;
    this.nodes = new Int32Array(16 * this.stride);
    // Every node below the root holds at least one bit.
    this.fNode = new Int32Array(this.fieldBits + 2);
    this.fStart = new Int32Array(this.fieldBits + 2);
    this.fValue = new Uint32Array(field.words);
  }

  /** Widens the per-node slot bitsets (when the classifier hands out more slots). */
  setSlotWords(slotWords: number): void {
    const old = this.nodes;
    const oldW = this.slotWords;
    const oldS = this.stride;
    this.slotWords = slotWords;
    this.stride = NODE_SIZE + slotWords;
    this.nodes = new Int32Array((old.length / oldS) * this.stride);
    for (let n = 0; n < this.nNodes; n++) {
      for (let k = 0; k < NODE_SIZE; k++) this.nodes[n * this.stride + k] = old[n * oldS + k];
      for (let w = 0; w < Math.min(oldW, slotWords); w++) this.nodes[n * this.stride + NODE_SIZE + w] = old[n * oldS + NODE_SIZE + w];
    }
    // The entry layout changed: the next lookup reallocates and rebuilds it all.
    this.rootTable = new Int32Array(0);
    this.markRoot(null, 0);
  }

  /**
   * Root table entries go stale when a change touches a node that their
   * walks reach: marks stale every entry whose first bits agree with
   * `value` on the first `depth` bits (all of them for a null value), where
   * `depth` is at most the start of the shallowest node changed (its
   * bits, children or prefixes). Walks that leave the path above that
   * depth never see the change. The next lookup recomputes the marked
   * range: an insert between lookups (a flow_mod while packets flow)
   * costs a few entries, not the whole table.
   */
  private markRoot(value: Uint32Array | null, depth: number): void {
    const R = this.rootBits;
    let lo = 0;
    let hi = 1 << R;
    if (value !== null && depth > 0) {
      const k = depth < R ? depth : R;
      lo = ((value[this.field.word] >>> (32 - k)) << (R - k)) >>> 0;
      hi = lo + (1 << (R - k));
    }
    if (!this.rootDirty) {
      this.dirtyLo = lo;
      this.dirtyHi = hi;
      this.rootDirty = true;
    } else {
      if (lo < this.dirtyLo) this.dirtyLo = lo;
      if (hi > this.dirtyHi) this.dirtyHi = hi;
    }
  }

  /** 32 bits of the field from bit `ofs` on, left-aligned; zeros past the field's end. */
  private bitsAt(key: Uint32Array, ofs: number): number {
    const w = ofs >>> 5;
    const s = ofs & 31;
    const base = this.field.word;
    const hi = key[base + w] << s;
    const lo = s !== 0 && w + 1 < this.field.words ? key[base + w + 1] >>> (32 - s) : 0;
    return (hi | lo) >>> 0;
  }

  private bitAt(key: Uint32Array, ofs: number): number {
    return (key[this.field.word + (ofs >>> 5)] >>> (31 - (ofs & 31))) & 1;
  }

  /** How many leading bits of node `n` equal the field's bits from `ofs`. */
  private equalBits(n: number, key: Uint32Array, ofs: number): number {
    const nodes = this.nodes;
    const eq = Math.clz32((nodes[n * this.stride + PREFIX] ^ this.bitsAt(key, ofs)) >>> 0);
    const nBits = nodes[n * this.stride + NBITS];
    return eq < nBits ? eq : nBits;
  }

  private newNode(prefix: number, nBits: number): number {
    let n = this.freeNodes.length !== 0 ? (this.freeNodes.pop() as number) : -1;
    if (n < 0) {
      n = this.nNodes++;
      if ((n + 1) * this.stride > this.nodes.length) {
        const grown = new Int32Array(this.nodes.length * 2);
        grown.set(this.nodes);
        this.nodes = grown;
      }
      if (n >= this.subCount.length) {
        const slots = new Int32Array(this.subCount.length * 2);
        slots.set(this.subSlot);
        this.subSlot = slots;
        const counts = new Int32Array(this.subCount.length * 2);
        counts.set(this.subCount);
        this.subCount = counts;
      }
    }
    const b = n * this.stride;
    this.nodes[b + PREFIX] = prefix | 0;
    this.nodes[b + NBITS] = nBits;
    this.nodes[b + ZERO] = NIL;
    this.nodes[b + ONE] = NIL;
    this.nodes[b + HAS_SUBS] = 0;
    this.subCount[n] = 0;
    // A loop: fill() on a range this short costs more than it writes.
    for (let k = b + NODE_SIZE; k < b + this.stride; k++) this.nodes[k] = 0;
    return n;
  }

  private freeNode(n: number): void {
    this.subCount[n] = 0;
    this.extraSubs.delete(n);
    this.freeNodes.push(n);
  }

  private child(n: number, dir: number): number {
    return this.nodes[n * this.stride + (dir === 0 ? ZERO : ONE)];
  }

  private link(parent: number, dir: number, n: number): void {
    if (parent === NIL) this.root = n;
    else this.nodes[parent * this.stride + (dir === 0 ? ZERO : ONE)] = n;
  }

  private addSub(n: number, slot: number): void {
    this.nodes[n * this.stride + HAS_SUBS] = 1;
    this.nodes[n * this.stride + NODE_SIZE + (slot >>> 5)] |= 1 << (slot & 31);
    if (this.subCount[n] === 0) {
      this.subSlot[n] = slot;
      this.subCount[n] = 1;
      return;
    }
    if (this.subSlot[n] === slot) {
      this.subCount[n]++;
      return;
    }
    const extra = this.extraSubs.get(n);
    if (extra === undefined) {
      this.extraSubs.set(n, [slot, 1]);
      return;
    }
    for (let k = 0; k < extra.length; k += 2) {
      if (extra[k] === slot) {
        extra[k + 1]++;
        return;
      }
    }
    extra.push(slot, 1);
  }

  private removeSub(n: number, slot: number): void {
    if (this.subCount[n] !== 0 && this.subSlot[n] === slot) {
      if (--this.subCount[n] !== 0) return;
      this.nodes[n * this.stride + NODE_SIZE + (slot >>> 5)] &= ~(1 << (slot & 31));
      // The first pair is gone: another (if any) takes its place.
      const extra = this.extraSubs.get(n);
      if (extra === undefined) {
        this.nodes[n * this.stride + HAS_SUBS] = 0;
        return;
      }
      this.subSlot[n] = extra[0]!;
      this.subCount[n] = extra[1]!;
      extra.splice(0, 2);
      if (extra.length === 0) this.extraSubs.delete(n);
      return;
    }
    const extra = this.extraSubs.get(n);
    if (extra !== undefined) {
      for (let k = 0; k < extra.length; k += 2) {
        if (extra[k] !== slot) continue;
        if (--extra[k + 1]! === 0) {
          extra.splice(k, 2);
          this.nodes[n * this.stride + NODE_SIZE + (slot >>> 5)] &= ~(1 << (slot & 31));
          if (extra.length === 0) this.extraSubs.delete(n);
        }
        return;
      }
    }
    throw new Error('PrefixTrie.remove: prefix not present');
  }

  /** A chain of nodes holding bits [ofs, plen) of `value`, ending in one prefix of `slot`. */
  private chain(value: Uint32Array, ofs: number, plen: number, slot: number): number {
    const nb = Math.min(32, plen - ofs);
    const n = this.newNode((this.bitsAt(value, ofs) & leftMask(nb)) >>> 0, nb);
    if (ofs + nb === plen) this.addSub(n, slot);
    else {
      const dir = this.bitAt(value, ofs + nb);
      const c = this.chain(value, ofs + nb, plen, slot);
      this.link(n, dir, c);
    }
    return n;
  }

  /** Adds the first `plen` (> 0) bits of `value` as a prefix of subtable `slot`. */
  insert(value: Uint32Array, plen: number, slot: number): void {
    const fNode = this.fNode;
    const fStart = this.fStart;
    const nodes = this.nodes;
    const S = this.stride;
    // Path nodes kept from the last insert (see fNode).
    let k = 0;
    if (this.fLen > 0) {
      const common = Math.min(this.commonBits(value), plen);
      while (k < this.fLen && fStart[k] + nodes[fNode[k] * S + NBITS] < common) k++;
    }
    let parent = NIL;
    let dir = 0;
    let n = this.root;
    let ofs = 0;
    // Where the parent's bits start: the parent's children change below.
    let parentOfs = 0;
    if (k > 0) {
      parent = fNode[k - 1];
      parentOfs = fStart[k - 1];
      ofs = parentOfs + nodes[parent * S + NBITS];
      dir = this.bitAt(value, ofs);
      n = this.child(parent, dir);
    }
    let depth = k;
    for (;;) {
      if (n === NIL) {
        const c = this.chain(value, ofs, plen, slot);
        this.link(parent, dir, c);
        depth = this.recordChain(c, value, ofs, plen, depth);
        this.markRoot(value, parentOfs);
        break;
      }
      const b = n * this.stride;
      const nBits = this.nodes[b + NBITS];
      const eq = Math.min(this.equalBits(n, value, ofs), plen - ofs);
      if (eq < nBits) {
        // The new prefix leaves (or ends inside) this node's bits: split it.
        const prefix = this.nodes[b + PREFIX] >>> 0;
        const top = this.newNode((prefix & leftMask(eq)) >>> 0, eq);
        const oldDir = (prefix >>> (31 - eq)) & 1;
        this.nodes[b + PREFIX] = prefix << eq;
        this.nodes[b + NBITS] = nBits - eq;
        this.link(top, oldDir, n);
        fNode[depth] = top;
        fStart[depth] = ofs;
        depth++;
        if (ofs + eq === plen) this.addSub(top, slot);
        else {
          const c = this.chain(value, ofs + eq, plen, slot);
          this.link(top, 1 - oldDir, c);
          depth = this.recordChain(c, value, ofs + eq, plen, depth);
        }
        this.link(parent, dir, top);
        this.markRoot(value, parentOfs);
        break;
      }
      fNode[depth] = n;
      fStart[depth] = ofs;
      depth++;
      parentOfs = ofs;
      ofs += nBits;
      if (ofs === plen) {
        this.addSub(n, slot);
        this.markRoot(value, parentOfs);
        break;
      }
      parent = n;
      dir = this.bitAt(value, ofs);
      n = this.child(n, dir);
    }
    this.fLen = depth;
    for (let w = 0; w < this.fValue.length; w++) this.fValue[w] = value[this.word + w];
  }

  /** How many leading field bits `value` shares with the last insert's (fValue). */
  private commonBits(value: Uint32Array): number {
    const fv = this.fValue;
    for (let w = 0; w < fv.length; w++) {
      const x = (value[this.word + w] ^ fv[w]) >>> 0;
      if (x !== 0) return w * 32 + Math.clz32(x);
    }
    return this.fieldBits;
  }

  /** Appends to the finger the nodes of a chain `chain` made, from node c starting at bit ofs; returns the new depth. */
  private recordChain(c: number, value: Uint32Array, ofs: number, plen: number, depth: number): number {
    for (let m = c; ; ) {
      this.fNode[depth] = m;
      this.fStart[depth] = ofs;
      depth++;
      ofs += this.nodes[m * this.stride + NBITS];
      if (ofs === plen) return depth;
      m = this.child(m, this.bitAt(value, ofs));
    }
  }

  /** Removes one prefix, which must have been inserted with the same `plen` and `slot`. */
  remove(value: Uint32Array, plen: number, slot: number): void {
    // Tidying below frees and merges nodes: the last insert's path may not survive it.
    this.fLen = 0;
    const path: number[] = [];
    const dirs: number[] = [];
    /** Where each node of `path` starts (for the root table, see markRoot). */
    const starts: number[] = [];
    let n = this.root;
    let ofs = 0;
    let dir = 0;
    let nStart = 0;
    for (;;) {
      if (n === NIL) throw new Error('PrefixTrie.remove: prefix not present');
      const nBits = this.nodes[n * this.stride + NBITS];
      if (this.equalBits(n, value, ofs) < Math.min(nBits, plen - ofs)) throw new Error('PrefixTrie.remove: prefix not present');
      nStart = ofs;
      ofs += nBits;
      if (ofs === plen) break;
      if (ofs > plen) throw new Error('PrefixTrie.remove: prefix not present');
      path.push(n);
      dirs.push(dir);
      starts.push(nStart);
      dir = this.bitAt(value, ofs);
      n = this.child(n, dir);
    }
    this.removeSub(n, slot);
    // Tidy from the node upwards: drop empty leaves, merge single children.
    // The shallowest node changed is the last parent linked to (or n).
    let changed = nStart;
    let cur = n;
    let curDir = dir;
    for (let depth = path.length; cur !== NIL; depth--) {
      const parent = depth > 0 ? path[depth - 1] : NIL;
      const replacement = this.tidy(cur);
      if (replacement === cur) break;
      this.link(parent, curDir, replacement);
      changed = depth > 0 ? starts[depth - 1] : 0;
      cur = parent;
      curDir = depth > 0 ? dirs[depth - 1] : 0;
    }
    this.markRoot(value, changed);
  }

  /** What should stand in place of node `n`: itself, its merged child, or NIL. */
  private tidy(n: number): number {
    const b = n * this.stride;
    const nodes = this.nodes;
    if (nodes[b + HAS_SUBS] !== 0) return n;
    const zero = nodes[b + ZERO];
    const one = nodes[b + ONE];
    if (zero === NIL && one === NIL) {
      this.freeNode(n);
      return NIL;
    }
    if (zero !== NIL && one !== NIL) return n;
    const c = zero !== NIL ? zero : one;
    const cb = c * this.stride;
    const nBits = nodes[b + NBITS];
    if (nBits + nodes[cb + NBITS] > 32) return n;
    nodes[cb + PREFIX] = (nodes[b + PREFIX] >>> 0) | (nBits === 0 ? nodes[cb + PREFIX] >>> 0 : (nodes[cb + PREFIX] >>> 0) >>> nBits);
    nodes[cb + NBITS] += nBits;
    this.freeNode(n);
    return c;
  }

  /**
   * Recomputes the stale entries of the root table (see ROOT_BITS_MIN): the
   * walk of each `rootBits`-bit start, cut where it needs more bits. Resizes
   * the table first, rebuilding all of it, when the trie has outgrown it
   * (or shrunk well below it: hysteresis, so that churn around a size does
   * not rebuild the whole table each time).
   */
  private rebuildRoot(): void {
    const W = this.slotWords;
    const S = RT_BITS + W;
    // About one entry per node: most walks then start at or next to their last node.
    const live = this.nNodes - this.freeNodes.length;
    let want = 32 - Math.clz32(live);
    want = want < ROOT_BITS_MIN ? ROOT_BITS_MIN : want > ROOT_BITS_MAX ? ROOT_BITS_MAX : want;
    let R = this.rootBits;
    let lo = this.dirtyLo;
    let hi = this.dirtyHi;
    if (this.rootTable.length === 0 || want > R || want < R - 1) {
      R = want;
      this.rootBits = R;
      this.rootShift = 32 - R;
      this.rootTable = new Int32Array((1 << R) * S);
      lo = 0;
      hi = 1 << R;
    }
    if (hi > 1 << R) hi = 1 << R;
    // Top-down over the trie rather than one walk per entry: the entries
    // sharing a node's path are filled as a run, so rebuilding all of it
    // costs about an entry write each (a burst of inserts pays one).
    this.fillRoot(this.root, NIL, 0, 0, 1 << R, new Int32Array(W), lo, hi);
    this.rootDirty = false;
  }

  /**
   * Fills the root table entries [lo, hi) (an aligned run of entries that
   * share their first p = rootBits - log2(hi - lo) bits, p >= matchLen,
   * which agree with node n's first p - matchLen bits), whose walks reach
   * node n (NIL: fell off below `prev`) after matchLen bits, having passed
   * the slots in `acc`; only entries within [dlo, dhi) are written. The
   * verdict of each entry is that of `lookup`'s walk over its bits.
   */
  private fillRoot(n: number, prev: number, matchLen: number, lo: number, hi: number, acc: Int32Array, dlo: number, dhi: number): void {
    if (lo >= dhi || hi <= dlo) return;
    const nodes = this.nodes;
    const NS = this.stride;
    if (n === NIL) {
      const pb = prev * NS;
      // Fell off a missing branch: the bit there was examined only if the other branch exists.
      const mb = prev === NIL || (nodes[pb + ZERO] === NIL && nodes[pb + ONE] === NIL) ? matchLen : matchLen + 1;
      this.fillEntries(lo, hi, NIL, mb, acc, dlo, dhi);
      return;
    }
    const R = this.rootBits;
    const b = n * NS;
    const nBits = nodes[b + NBITS];
    const prefix = nodes[b + PREFIX];
    const known = R - matchLen;
    const k = nBits < known ? nBits : known;
    // Entries that leave the node's bits at bit eq (those before are shared by the whole run).
    let base = lo;
    for (let eq = R - 31 + Math.clz32(hi - lo) - matchLen; eq < k; eq++) {
      const half = 1 << (known - eq - 1);
      const other = ((prefix >>> (31 - eq)) & 1) === 0 ? base + half : base;
      this.fillEntries(other, other + half, NIL, matchLen + eq + 1, acc, dlo, dhi);
      if (other === base) base += half;
    }
    if (nBits > known) {
      // Deciding this node needs bits past the table's: one entry.
      this.fillEntries(base, base + 1, n, matchLen, acc, dlo, dhi);
      return;
    }
    const acc2 = acc.slice();
    for (let w = 0; w < acc2.length; w++) acc2[w] |= nodes[b + NODE_SIZE + w];
    const ml = matchLen + nBits;
    if (ml >= R) {
      // Choosing the child needs bit ml, past the table's: one entry, which
      // goes on at this node again (see ROOT_BITS_MIN).
      this.fillEntries(base, base + 1, n, matchLen, acc2, dlo, dhi);
      return;
    }
    const half = 1 << (R - ml - 1);
    this.fillRoot(nodes[b + ZERO], n, ml, base, base + half, acc2, dlo, dhi);
    this.fillRoot(nodes[b + ONE], n, ml, base + half, base + 2 * half, acc2, dlo, dhi);
  }

  /**
   * Writes one root table verdict into the entries [from, to) that lie
   * within [dlo, dhi): go on at `node` after `len` bits, or (node NIL) the
   * walk's answer is `len`.
   */
  private fillEntries(from: number, to: number, node: number, len: number, acc: Int32Array, dlo: number, dhi: number): void {
    const rt = this.rootTable;
    const W = acc.length;
    const S = RT_BITS + W;
    if (from < dlo) from = dlo;
    if (to > dhi) to = dhi;
    for (let x = from; x < to; x++) {
      const e = x * S;
      rt[e + RT_AT] = ((node + 1) << 8) | len;
      for (let w = 0; w < W; w++) rt[e + RT_BITS + w] = acc[w];
    }
  }

  /**
   * Walks the packet's field: sets, in the bitset of `slotWords` words at
   * matched[ofs], the bit of every subtable slot with a prefix equal to the
   * packet's first bits (clearing the others), and returns the number of
   * leading bits examined (see the essay for what that guarantees). The
   * first `rootBits` bits come from the root table.
   */
  lookup(key: Uint32Array, matched: Int32Array, ofs = 0): number {
    if (this.rootDirty) this.rebuildRoot();
    const nodes = this.nodes;
    const W = this.slotWords;
    const NS = this.stride;
    const v = key[this.word];
    const rt = this.rootTable;
    const e = (v >>> this.rootShift) * (RT_BITS + W);
    for (let w = 0; w < W; w++) matched[ofs + w] = rt[e + RT_BITS + w];
    const at = rt[e + RT_AT];
    let matchLen = at & 0xff;
    let n = (at >>> 8) - 1;
    let prev = NIL;
    const wide = this.field.words !== 1;
    const fieldBits = this.fieldBits;
    while (n !== NIL) {
      const b = n * NS;
      const nBits = nodes[b + NBITS];
      const bits = wide ? this.bitsAt(key, matchLen) : v << matchLen;
      let eq = Math.clz32(nodes[b + PREFIX] ^ bits);
      if (eq > nBits) eq = nBits;
      matchLen += eq;
      if (eq < nBits) return matchLen + 1;
      // No test of HAS_SUBS: the bitset of a node without prefixes is
      // zero, and ORing it costs less than a mispredicted branch.
      for (let w = 0; w < W; w++) matched[ofs + w] |= nodes[b + NODE_SIZE + w];
      if (matchLen >= fieldBits) return fieldBits;
      prev = n;
      n = nodes[b + ZERO + (wide ? this.bitAt(key, matchLen) : (v >>> (31 - matchLen)) & 1)];
    }
    // Fell off a missing branch: the bit there was examined only if the
    // other branch exists.
    if (prev === NIL) return matchLen;
    const pb = prev * NS;
    return nodes[pb + ZERO] === NIL && nodes[pb + ONE] === NIL ? matchLen : matchLen + 1;
  }
}

/**
 * The prefix length of `mask` over `field`, if the mask is a CIDR prefix
 * there (leading ones, then zeros); 0 when the field is not masked or the
 * mask is not a prefix (the trie cannot help such a subtable).
 */
export function prefixLength(mask: Uint32Array, field: PrefixField): number {
  let plen = 0;
  let ended = false;
  for (let i = 0; i < field.words; i++) {
    const m = mask[field.word + i];
    if (ended) {
      if (m !== 0) return 0;
      continue;
    }
    const ones = Math.clz32(~m >>> 0);
    if (ones < 32 && (m << ones) !== 0) return 0;
    plen += ones;
    if (ones < 32) ended = true;
  }
  return plen;
}
