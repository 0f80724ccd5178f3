/**
 * One shared copy of each distinct mask.
 *
 * A controller's flows mostly come in a few shapes ("in_port and eth_dst",
 * "ip and nw_dst/24"), so 100,000 rules typically carry a handful of
 * distinct masks. Sharing them saves each rule a key-sized array, and lets
 * callers compile matches into scratch space: `intern` copies a mask only
 * the first time it sees it. A shared mask is never written: rules and the
 * classifier only read masks.
 *
 * Entries are never evicted: distinct masks are bounded by the distinct
 * match shapes controllers use, which stays small; past `limit` of them,
 * new shapes get private copies.
 */
import { hashWords } from '../classifier/hash.js';

const DEFAULT_LIMIT = 65536;

export class MaskInterner {
  private readonly byHash = new Map<number, Uint32Array[]>();
  private n = 0;
  /** The mask interned last: flow_mods in a row mostly share their shape. */
  private last: Uint32Array | null = null;

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  /** The shared array equal to `mask` (which the caller may go on reusing). */
  intern(mask: Uint32Array): Uint32Array {
    if (this.last !== null && equalWords(this.last, mask)) return this.last;
    const h = hashWords(mask, 0);
    const bucket = this.byHash.get(h);
    if (bucket !== undefined) {
      for (const m of bucket) if (equalWords(m, mask)) return (this.last = m);
    }
    const copy = Uint32Array.from(mask);
    this.last = copy;
    if (this.n < this.limit) {
      if (bucket === undefined) this.byHash.set(h, [copy]);
      else bucket.push(copy);
      this.n++;
    }
    return copy;
  }

  get size(): number {
    return this.n;
  }
}

function equalWords(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
