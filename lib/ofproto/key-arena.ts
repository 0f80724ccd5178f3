/**
 * Storage for the key words of installed rules.
 *
 * Every rule holds its match as KEY_WORDS 32-bit words. A `Uint32Array` of
 * that size has its own off-heap backing store, and allocating one costs
 * several microseconds and burdens every garbage collection with one more
 * external buffer to track: at 100,000 flow_mods that was most of the time
 * a flow_mod took. So rules' words live in slabs of `SLAB_KEYS` keys, each
 * rule getting a view of its slot, and slots of rules that left their table
 * go on a free list.
 *
 * Ownership: a slot belongs to the rule it was given to (and to the rule
 * that replaced it by MODIFY or by an ADD of the identical match, which
 * share it) until the pipeline commits that rule's removal for good; then
 * it is released and may hold another rule's key. The change listeners
 * (the datapath's revalidator) run right after that commit, before any
 * later flow_mod can take the slot, so they may still read the key of a
 * rule the commit removed; after that nobody does: lookups find only rules
 * in a table, and the datapath keeps rules only to credit them.
 */
import { KEY_WORDS } from '../packet/flow-key.js';

const SLAB_KEYS = 1024;

export class KeyArena {
  private slab = new Uint32Array(0);
  private used = SLAB_KEYS;
  private readonly free: Uint32Array[] = [];

  /** A slot holding a copy of `words`. */
  alloc(words: Uint32Array): Uint32Array {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === SLAB_KEYS) {
        this.slab = new Uint32Array(SLAB_KEYS * KEY_WORDS);
        this.used = 0;
      }
      const at = this.used++ * KEY_WORDS;
      slot = this.slab.subarray(at, at + KEY_WORDS);
    }
    slot.set(words);
    return slot;
  }

  /** Gives a slot back; `slot` must have come from `alloc` and be released once. */
  release(slot: Uint32Array): void {
    this.free.push(slot);
  }
}
