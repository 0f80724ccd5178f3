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
 * fresh, which is what tools that edit what they decode need. What the
 * cache holds is bounded: at most 4,096 instruction lists, 2^18 fields
 * with values below 2^16 (by value, in arrays: 256 entries per field code,
 * 64K for at most eight codes) and 65,536 others; past that, decodes are
 * fresh (what is in the cache stays correct).
 */
import type { Instruction, OxmField, OxmName } from './types.js';

const MAX_INSTRUCTION_LISTS = 4096;
/** Longer instruction lists are rarely repeated; they are decoded afresh. */
const MAX_INSTRUCTION_BYTES = 256;
const MAX_FIELDS = 1 << 16;
/** `field` keeps values below this in arrays (at most 64K entries per field code)... */
const SMALL_VALUES = 1 << 16;
/** ...of the basic field codes, all below this... */
const SMALL_CODES = 64;
/** ...with at most this many arrays of 64K entries (512 KiB each)... */
const MAX_FULL_ARRAYS = 8;
/** ...and at most this many field objects in them. */
const MAX_SMALL_FIELDS = 1 << 18;

/** One cached instruction list: its bytes (to confirm a hash hit) and the decoded list. */
interface ListEntry {
  readonly bytes: Uint8Array;
  readonly list: Instruction[];
}

export class DecodeCache {
  /**
   * By a hash of the list's bytes, compared byte for byte on a hit. Keyed
   * by a number rather than by the bytes as a string: making that string
   * was an allocation and a native call per flow_mod.
   */
  private readonly lists = new Map<number, ListEntry[]>();
  private nLists = 0;
  private readonly fields = new Map<number, OxmField>();
  /** Fields with values below SMALL_VALUES, by code, then value (`field`). */
  private readonly small: ((OxmField | undefined)[] | undefined)[] = [];
  /** Field objects in `small`, and how many of its arrays have all 64K entries. */
  private nSmall = 0;
  private nFull = 0;

  /** The shared instruction list encoded in buf[start, end), if one was kept (`keep`). */
  instructions(buf: Uint8Array, start: number, end: number): Instruction[] | undefined {
    if (end - start > MAX_INSTRUCTION_BYTES) return undefined;
    const bucket = this.lists.get(hashBytes(buf, start, end));
    if (bucket === undefined) return undefined;
    for (let k = 0; k < bucket.length; k++) {
      const e = bucket[k]!;
      if (sameBytes(e.bytes, buf, start, end)) return e.list;
    }
    return undefined;
  }

  /**
   * Field `code`'s array, long enough for `value`: 256 entries, or all
   * 64K. Made at its full length (holes), because an array written far
   * past its end turns into a slow dictionary.
   */
  private grow(code: number, value: number): (OxmField | undefined)[] | undefined {
    const old = this.small[code];
    if (value >= 256) {
      // Past the budget of full arrays, such values go to the map.
      if (this.nFull >= MAX_FULL_ARRAYS) return undefined;
      this.nFull++;
    }
    const byValue = new Array<OxmField | undefined>(value < 256 ? 256 : SMALL_VALUES);
    if (old !== undefined) for (let v = 0; v < old.length; v++) byValue[v] = old[v];
    this.small[code] = byValue;
    return byValue;
  }

  /** Keeps `list`, decoded (without error) from buf[start, end), for the next `instructions` of the same bytes. */
  keep(buf: Uint8Array, start: number, end: number, list: Instruction[]): void {
    if (end - start > MAX_INSTRUCTION_BYTES || this.nLists >= MAX_INSTRUCTION_LISTS) return;
    const h = hashBytes(buf, start, end);
    // A copy: a Buffer's slice() would be a view of the message's bytes.
    const bytes = new Uint8Array(end - start);
    for (let i = 0; i < bytes.length; i++) bytes[i] = buf[start + i]!;
    const entry: ListEntry = { bytes, list };
    const bucket = this.lists.get(h);
    if (bucket === undefined) this.lists.set(h, [entry]);
    else bucket.push(entry);
    this.nLists++;
  }

  /** The unmasked basic field `name` (code `code`) with the number `value`, as decodeOxm makes it, shared. */
  field(code: number, name: OxmName, value: number): OxmField {
    // Values below 2^16 (every 1- and 2-byte field: ports, eth_type, ...)
    // by index, in one array per field code: a Map lookup among tens of
    // thousands of entries (one per distinct tcp_dst, say) cost more
    // than the rest of decoding the field.
    if (value < SMALL_VALUES && code < SMALL_CODES) {
      let byValue = this.small[code];
      if (byValue === undefined || value >= byValue.length) byValue = this.grow(code, value);
      if (byValue !== undefined) {
        let f = byValue[value];
        if (f === undefined) {
          f = { field: name, value } as OxmField;
          if (this.nSmall >= MAX_SMALL_FIELDS) return f;
          byValue[value] = f;
          this.nSmall++;
        }
        return f;
      }
    }
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

/**
 * A hash of buf[start, end) (FNV-1a's step, over 32-bit words while they
 * last: instruction lists are multiples of 8 bytes), as a small integer (a
 * Map key that needs no heap number).
 */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    h = Math.imul(h ^ ((buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!), 0x01000193);
  }
  for (; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

function sameBytes(a: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}
