/**
 * The exact-match cache: full flow key → megaflow, in front of the
 * megaflow classifier, as Open vSwitch's EMC (dpif-netdev.c).
 *
 * What
 * ----
 * A fixed table of `entries` (a power of two, 8192 by default) holding
 * whole keys. A key has two candidate slots, from two parts of its hash; a
 * lookup compares the hash, then the words, in both. A hit costs one
 * hash and one key comparison, however many masks the classifier has.
 *
 * Insertion is probabilistic: after a classifier hit the key goes in with
 * probability 1/insertInvProb (Open vSwitch's emc-insert-inv-prob, 100 by
 * default; 1 inserts always, 0 never). A flow worth caching sends many
 * packets and gets in soon; a flood of one-packet flows (a scan, a DoS)
 * mostly does not, and so cannot evict the flows that matter. Of the two
 * candidates, an empty or stale slot is taken first, else the one with the
 * smaller hash (an arbitrary but fixed choice, Open vSwitch's).
 *
 * Staleness: an entry points at a megaflow object; a deleted megaflow is
 * marked dead and its entries are cleared when met. A megaflow whose
 * actions were fixed by revalidation is the same object, so its entries
 * stay right. `flush` empties the table.
 *
 * Nothing here allocates after construction.
 */
import { KEY_WORDS, KW } from '../packet/flow-key.js';
import type { Megaflow } from './megaflow.js';

/**
 * Hash of a key for the cache and the upcall queue's pending set. It reads
 * the words where flows differ in practice (ports, addresses, EtherType and
 * VLAN, IP protocol and TTL, transport ports, the MPLS entry, the inner
 * tag, the tunnel id) and not those that follow from them or stay 0
 * (in_phy_port, metadata, ARP hardware addresses, ND fields, flow label,
 * I-SID): 22 of the 36 words, which is most of a hit's hashing cost saved.
 * The whole key is still compared on a hit; a field left out can only make
 * two flows share candidate slots.
 */
export function hashKey(k: Uint32Array): number {
  let h = 0x2f0ec4b1;
  h = mix(h, k[KW.IN_PORT]!);
  h = mix(h, k[KW.TUNNEL_LO]!);
  h = mix(h, k[KW.ETH_DST_HI]!);
  h = mix(h, k[KW.ETH_DST_LO]!);
  h = mix(h, k[KW.ETH_SRC_HI]!);
  h = mix(h, k[KW.ETH_SRC_LO]!);
  h = mix(h, k[KW.ETH_TYPE_VLAN]!);
  h = mix(h, k[KW.IP_PROTO_TOS_TTL]!);
  h = mix(h, k[KW.NW_SRC]!);
  h = mix(h, k[KW.NW_DST]!);
  h = mix(h, k[KW.TP_PORTS]!);
  h = mix(h, k[KW.ARP_OP_EXTHDR]!);
  for (let w = KW.IPV6_SRC; w < KW.IPV6_SRC + 8; w++) h = mix(h, k[w]!);
  h = mix(h, k[KW.MPLS_LSE]!);
  h = mix(h, k[KW.VLAN_INNER]!);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function mix(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x5bd1e995);
  return h ^ (h >>> 15);
}

export class ExactMatchCache {
  readonly entries: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly hashes: Int32Array;
  private readonly flows: (Megaflow | null)[];
  /** Inserting threshold on a 32-bit random number (0: never). */
  private readonly threshold: number;
  private rng = 0x9e3779b9;
  /** Live entries (approximate: stale ones count until met). */
  used = 0;

  constructor(entries = 8192, insertInvProb = 100) {
    if (entries < 2 || (entries & (entries - 1)) !== 0) throw new RangeError(`EMC size must be a power of two, not ${entries}`);
    this.entries = entries;
    this.mask = entries - 1;
    this.keys = new Uint32Array(entries * KEY_WORDS);
    this.hashes = new Int32Array(entries);
    this.flows = new Array<Megaflow | null>(entries).fill(null);
    this.threshold = insertInvProb <= 0 ? 0 : Math.floor(0xffffffff / insertInvProb);
  }

  lookup(key: Uint32Array, h: number): Megaflow | null {
    const i1 = h & this.mask;
    const f1 = this.match(i1, key, h);
    if (f1 !== null) return f1;
    return this.match((h >>> 16) & this.mask, key, h);
  }

  private match(i: number, key: Uint32Array, h: number): Megaflow | null {
    const f = this.flows[i]!;
    if (f === null || this.hashes[i] !== h) return null;
    const keys = this.keys;
    const base = i * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) if (keys[base + w] !== key[w]) return null;
    if (f.dead) {
      this.flows[i] = null;
      this.used--;
      return null;
    }
    return f;
  }

  /** Inserts (key → mf) with the configured probability. */
  maybeInsert(key: Uint32Array, h: number, mf: Megaflow): void {
    if (this.threshold === 0) return;
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x;
    if (x >>> 0 > this.threshold) return;
    this.insert(key, h, mf);
  }

  /** Inserts unconditionally. */
  insert(key: Uint32Array, h: number, mf: Megaflow): void {
    const i1 = h & this.mask;
    const i2 = (h >>> 16) & this.mask;
    let i: number;
    const f1 = this.flows[i1]!;
    const f2 = this.flows[i2]!;
    if (f1 === null || f1.dead) i = i1;
    else if (f2 === null || f2.dead) i = i2;
    else i = this.hashes[i1]! <= this.hashes[i2]! ? i1 : i2;
    if (this.flows[i] === null) this.used++;
    this.flows[i] = mf;
    this.hashes[i] = h;
    this.keys.set(key, i * KEY_WORDS);
  }

  flush(): void {
    this.flows.fill(null);
    this.used = 0;
  }
}
