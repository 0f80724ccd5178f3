/**
 * The prefix tries of one classifier (prefix-trie.ts says what a trie
 * answers and why that is enough for the wildcards) and the state of the
 * current lookup's walks, in flat arrays the lookup loop reads directly.
 */
import { leftMask, PrefixTrie, type PrefixField } from './prefix-trie.js';

/**
 * A classifier's tries, with the per-lookup context: each trie is walked at
 * most once per lookup, on demand, its answer kept in flat typed arrays
 * that the classifier's lookup loop reads directly:
 *
 *   doneGen[t] === gen      trie t has been walked in this lookup, and then
 *   maskbits[t]             the leading bits the walk examined,
 *   bit `slot` of the bitset at matched[t * slotWords]
 *                           subtable `slot` has a matching prefix;
 *   the bitset of the pseudo-trie t = tries.length is all ones (an
 *   always-passing check, which lets the lookup loop test two checks per
 *   subtable without branching on how many it has).
 *
 * Slots are small integers handed to subtables (`allocSlot`) and reused
 * after `freeSlot`; the bitsets widen with them, never during a lookup.
 */
export class PrefixTries {
  readonly tries: readonly PrefixTrie[];
  gen = 0;
  readonly doneGen: Float64Array;
  readonly maskbits: Int32Array;
  matched: Int32Array;
  slotWords = 1;
  /** orGen[t] === gen when orBits[t] leading bits of trie t's field are already in this lookup's wildcards. */
  readonly orGen: Float64Array;
  readonly orBits: Int32Array;
  /** Each trie's field.word, flat (orPrefix runs in every lookup). */
  private readonly fieldWord: Int32Array;
  private nextSlot = 0;
  private freeSlots: number[] = [];

  constructor(fields: readonly PrefixField[]) {
    this.tries = fields.map((f) => new PrefixTrie(f, this.slotWords));
    this.doneGen = new Float64Array(fields.length);
    this.maskbits = new Int32Array(fields.length);
    this.matched = new Int32Array((fields.length + 1) * this.slotWords).fill(-1, fields.length * this.slotWords);
    this.orGen = new Float64Array(fields.length);
    this.orBits = new Int32Array(fields.length);
    this.fieldWord = Int32Array.from(fields, (f) => f.word);
  }

  /** A slot for a new subtable. */
  allocSlot(): number {
    const slot = this.freeSlots.pop() ?? this.nextSlot++;
    if (slot >= this.slotWords * 32) {
      this.slotWords *= 2;
      for (const trie of this.tries) trie.setSlotWords(this.slotWords);
      this.matched = new Int32Array((this.tries.length + 1) * this.slotWords).fill(-1, this.tries.length * this.slotWords);
      this.doneGen.fill(0);
    }
    return slot;
  }

  /** Gives back a slot whose subtable is gone (its prefixes all removed). */
  freeSlot(slot: number): void {
    this.freeSlots.push(slot);
  }

  /** Starts a lookup: forgets every answer of the previous one. */
  begin(): void {
    this.gen++;
  }

  /** Walks trie `t` for `key` in this lookup (see the class comment for where the answer goes). */
  walk(t: number, key: Uint32Array): void {
    this.maskbits[t] = this.tries[t].lookup(key, this.matched, t * this.slotWords);
    this.doneGen[t] = this.gen;
  }

  /**
   * For subtable `slot`, whose mask on trie `t`'s field is a prefix of
   * length `plen`: -1 when the trie cannot rule the subtable out, otherwise
   * the number of leading field bits that justify skipping it.
   */
  skipBits(t: number, plen: number, slot: number, key: Uint32Array): number {
    if (this.doneGen[t] !== this.gen) this.walk(t, key);
    if (((this.matched[t * this.slotWords + (slot >>> 5)] >>> (slot & 31)) & 1) !== 0) return -1;
    const mb = this.maskbits[t];
    return mb < plen ? mb : plen;
  }

  /** ORs the first `bits` bits of trie `t`'s field into `wc` (skipped when this lookup already did as many). */
  orPrefix(t: number, bits: number, wc: Uint32Array): void {
    if (this.orGen[t] === this.gen && this.orBits[t] >= bits) return;
    this.orGen[t] = this.gen;
    this.orBits[t] = bits;
    const word = this.fieldWord[t];
    for (let i = 0; bits > 0; i++, bits -= 32) wc[word + i] |= leftMask(bits < 32 ? bits : 32);
  }
}
