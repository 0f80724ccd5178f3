/**
 * The exact-match cache: full flow key → megaflow, in front of the
 * megaflow classifier, as Open vSwitch's EMC (dpif-netdev.c).
 *
 * What
 * ----
 * A fixed table of `entries` (a power of two, 8192 by default) holding
 * whole keys. A key has two candidate slots, from two parts of its hash; a
 * lookup compares the hash, then the words, in both (all KEY_WORDS, or for
 * IPv4 only the 16 that extraction can set: see `match`). A hit costs one
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
 * I-SID, a PBB frame's customer L2 words): 22 of the 42 words. The whole
 * key is still compared on a hit; a field left out can only make two flows
 * share candidate slots.
 *
 * Each word is multiplied by its own odd constant and the products summed,
 * then one finalizer mixes the sum (MurmurHash3's fmix32). The products do
 * not depend on each other, so the CPU runs them side by side; a chain
 * that mixes word after word into the running hash waits for each multiply
 * in turn, and cost three times as much (a quarter of an EMC hit's time in
 * a profile). Two keys collide in the sum only when the constants weigh
 * their differences to a multiple of 2^32, which related keys (ports or
 * addresses a few apart) do not do.
 */
export function hashKey(k: Uint32Array): number {
  let h =
    Math.imul(k[KW.IN_PORT]!, 0x9e3779b1) +
    Math.imul(k[KW.TUNNEL_LO]!, 0x85ebca77) +
    Math.imul(k[KW.ETH_DST_HI]!, 0xc2b2ae3d) +
    Math.imul(k[KW.ETH_DST_LO]!, 0x27d4eb2f) +
    Math.imul(k[KW.ETH_SRC_HI]!, 0x165667b1) +
    Math.imul(k[KW.ETH_SRC_LO]!, 0xd3a2646d) +
    Math.imul(k[KW.ETH_TYPE_VLAN]!, 0xfd7046c5) +
    Math.imul(k[KW.IP_PROTO_TOS_TTL]!, 0xb55a4f09);
  h =
    (h +
      Math.imul(k[KW.NW_SRC]!, 0x7feb352d) +
      Math.imul(k[KW.NW_DST]!, 0x846ca68b) +
      Math.imul(k[KW.TP_PORTS]!, 0x5bd1e995) +
      Math.imul(k[KW.ARP_OP_EXTHDR]!, 0x1b873593) +
      Math.imul(k[KW.MPLS_LSE]!, 0xcc9e2d51) +
      Math.imul(k[KW.VLAN_INNER]!, 0xe6546b65)) |
    0;
  h =
    (h +
      Math.imul(k[KW.IPV6_SRC]!, 0x2c1b3c6d) +
      Math.imul(k[KW.IPV6_SRC + 1]!, 0x297a2d39) +
      Math.imul(k[KW.IPV6_SRC + 2]!, 0x68e31da5) +
      Math.imul(k[KW.IPV6_SRC + 3]!, 0xb5297a4d) +
      Math.imul(k[KW.IPV6_DST]!, 0x1b56c4e9) +
      Math.imul(k[KW.IPV6_DST + 1]!, 0x7a646e19) +
      Math.imul(k[KW.IPV6_DST + 2]!, 0xa136aaad) +
      Math.imul(k[KW.IPV6_DST + 3]!, 0x9e485565)) |
    0;
  return fmix(h);
}

/** MurmurHash3's 32-bit finalizer: every input bit affects every output bit. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class ExactMatchCache {
  readonly entries: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly hashes: Int32Array;
  private readonly flows: (Megaflow | null)[];
  /** Inserting threshold on a 32-bit random number (0: never). */
  private readonly threshold: number;
  /** emc-insert-inv-prob: a megaflow hit is inserted with probability 1/insertInvProb; 0 never (the cache is off). */
  readonly insertInvProb: number;
  /** Whether the cache is in use at all (insertInvProb > 0): when not, lookups are skipped, as Open vSwitch skips them. */
  readonly enabled: boolean;
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
    this.insertInvProb = Math.max(0, Math.floor(insertInvProb));
    this.enabled = this.insertInvProb > 0;
    this.threshold = this.enabled ? Math.floor(0xffffffff / this.insertInvProb) : 0;
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
    // Words 0..14 (ports, metadata, tunnel, Ethernet, VLAN, IP, transport) and the inner tag always.
    for (let w = 0; w <= KW.TP_PORTS; w++) if (keys[base + w] !== key[w]) return null;
    if (keys[base + KW.VLAN_INNER] !== key[KW.VLAN_INNER]) return null;
    // Words 15..34 and 36..41 (ARP, IPv6, ND, flow label, MPLS, PBB and its customer frame) only when
    // they may be set. Both keys come from extraction, which leaves them 0 in an IPv4 packet unless it
    // carries ICMPv6 (whose ND fields it reads whatever the IP version); the two keys' eth_type and
    // ip_proto are equal by now. For the commonest packets that more than halves the words a hit compares.
    const w11 = key[KW.IP_PROTO_TOS_TTL]!;
    if (key[KW.ETH_TYPE_VLAN]! >>> 16 !== 0x0800 || w11 >>> 24 === 58) {
      for (let w = KW.TP_PORTS + 1; w < KW.VLAN_INNER; w++) if (keys[base + w] !== key[w]) return null;
      for (let w = KW.C_ETH_DST_HI; w < KEY_WORDS; w++) if (keys[base + w] !== key[w]) return null;
    }
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
