/**
 * A multiset of 32-bit hashes: the per-stage index of a subtable.
 *
 * A staged lookup only asks "could any rule of this subtable agree with the
 * packet on stages 0..k?", and a false "yes" is harmless (the next stage, or
 * the final full-key comparison, says no), so the index keeps hashes only,
 * never keys, with a reference count each (several buckets share a partial
 * key). A false "yes" costs breadth, not correctness: the lookup then
 * consults more bits than it needed, and the wildcards say so.
 *
 * Layout: one Int32Array of (hash, count) pairs, so a probe touches one
 * cache line; count 0 marks an empty slot. Open addressing with linear
 * probing, capacity a power of two kept at most half full so that a miss
 * (the common answer) ends after a probe or two; deletion shifts the
 * cluster back instead of leaving tombstones, so a long life of inserts and
 * deletes never slows probes down.
 */

const MIN_CAPACITY = 8;

export class HashCounts {
  /** table[2i] = hash, table[2i+1] = count (0: empty). */
  private table: Int32Array;
  private capMask: number;
  /** Distinct hashes held. */
  size = 0;

  constructor() {
    this.table = new Int32Array(2 * MIN_CAPACITY);
    this.capMask = MIN_CAPACITY - 1;
  }

  has(h: number): boolean {
    const table = this.table;
    const capMask = this.capMask;
    for (let i = h & capMask; ; i = (i + 1) & capMask) {
      if (table[2 * i + 1] === 0) return false;
      if (table[2 * i] === h) return true;
    }
  }

  add(h: number): void {
    const table = this.table;
    let i = h & this.capMask;
    for (; table[2 * i + 1] !== 0; i = (i + 1) & this.capMask) {
      if (table[2 * i] === h) {
        table[2 * i + 1]++;
        return;
      }
    }
    table[2 * i] = h;
    table[2 * i + 1] = 1;
    if (++this.size * 2 > this.capMask + 1) this.resize((this.capMask + 1) * 2);
  }

  /** Calls cb with every distinct hash held. */
  forEach(cb: (h: number) => void): void {
    for (let i = 0; i <= this.capMask; i++) if (this.table[2 * i + 1] !== 0) cb(this.table[2 * i]);
  }

  /** Drops one reference to `h`, which must be present. */
  delete(h: number): void {
    const table = this.table;
    const capMask = this.capMask;
    let i = h & capMask;
    for (; ; i = (i + 1) & capMask) {
      const c = table[2 * i + 1];
      if (c === 0) throw new Error('HashCounts.delete: hash not present');
      if (table[2 * i] !== h) continue;
      if (c > 1) {
        table[2 * i + 1] = c - 1;
        return;
      }
      break;
    }
    this.size--;
    // Backward-shift deletion: pull later members of the cluster into the
    // hole unless their home slot lies cyclically in (hole, j].
    let hole = i;
    for (let j = (i + 1) & capMask; table[2 * j + 1] !== 0; j = (j + 1) & capMask) {
      const home = table[2 * j] & capMask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      table[2 * hole] = table[2 * j];
      table[2 * hole + 1] = table[2 * j + 1];
      hole = j;
    }
    table[2 * hole + 1] = 0;
    const cap = capMask + 1;
    if (cap > MIN_CAPACITY && this.size * 8 < cap) this.resize(cap / 2);
  }

  private resize(cap: number): void {
    const old = this.table;
    this.table = new Int32Array(2 * cap);
    this.capMask = cap - 1;
    for (let k = 0; k < old.length; k += 2) {
      if (old[k + 1] === 0) continue;
      let i = old[k] & this.capMask;
      while (this.table[2 * i + 1] !== 0) i = (i + 1) & this.capMask;
      this.table[2 * i] = old[k];
      this.table[2 * i + 1] = old[k + 1];
    }
  }
}
