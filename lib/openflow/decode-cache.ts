/**
 * Shared decodings for a switch that keeps what it decodes: one object for
 * every flow_mod that carries the same instruction bytes, and one for every
 * match field with the same small exact value (eth_type=0x0800, ip_proto=6,
 * in_port=1, ...).
 *
 * Why: a flow entry keeps its match and instructions as decoded. Most
 * entries of a table share a handful of action lists and most of their
 * match fields; decoded afresh, 100,000 entries kept 100,000 copies of
 * each, and the collector traced and copied all of them (a quarter to a
 * third of the daemon's time under `ovs-ofctl --bundle add-flows`). Decoded
 * values are immutable (the switch replaces an entry, never edits it; the
 * translation caches keyed by action objects say as much), so sharing them
 * changes nothing but memory.
 *
 * Opt-in: `decodeMessage(buf, cache)`. Without a cache every decode is
 * fresh, which is what tools that edit what they decode need. Both maps
 * stop growing at their limit (what is in them stays correct).
 */
import type { Instruction, OxmField, OxmName } from './types.js';

const MAX_INSTRUCTION_LISTS = 4096;
/** Longer instruction lists are rarely repeated; they are decoded afresh. */
const MAX_INSTRUCTION_BYTES = 256;
const MAX_FIELDS = 1 << 16;

export class DecodeCache {
  private readonly lists = new Map<string, Instruction[]>();
  private readonly fields = new Map<number, OxmField>();

  /**
   * The instruction list encoded in buf[start, end): the shared one, or
   * `decode()`'s (which throws the list's error, so a bad list is never kept).
   */
  instructions(buf: Buffer, start: number, end: number, decode: () => Instruction[]): Instruction[] {
    if (end - start > MAX_INSTRUCTION_BYTES) return decode();
    const key = buf.toString('latin1', start, end);
    let list = this.lists.get(key);
    if (list === undefined) {
      list = decode();
      if (this.lists.size < MAX_INSTRUCTION_LISTS) this.lists.set(key, list);
    }
    return list;
  }

  /** The unmasked basic field `name` (code `code`) with the number `value`, as decodeOxm makes it, shared. */
  field(code: number, name: OxmName, value: number): OxmField {
    // Keys that stay small integers (code < 128, value < 2^24) hash fastest.
    if (value >= 0x1000000) return { field: name, value } as OxmField;
    const key = (code << 24) | value;
    let f = this.fields.get(key);
    if (f === undefined) {
      f = { field: name, value } as OxmField;
      if (this.fields.size < MAX_FIELDS) this.fields.set(key, f);
    }
    return f;
  }
}
