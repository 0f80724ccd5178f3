/**
 * Test helpers for the classifier: building keys and matches by field name,
 * a pool of realistic masks, and fast-check arbitraries for rule sets and
 * packets drawn near them (so that lookups hit often and ties happen).
 */
import fc from 'fast-check';
import { FIELD_PLACES, KEY_WORDS, newKey } from '../../lib/packet/flow-key.js';
import type { OxmName } from '../../lib/openflow/types.js';
import type { ClsRule } from '../../lib/classifier/index.js';

export interface TestRule extends ClsRule {
  readonly name: string;
}

/** Sets `bits` (a number, or a bigint for fields over 32 bits) of field `f` in `arr`. */
export function setField(arr: Uint32Array, f: OxmName, v: number | bigint): void {
  const p = FIELD_PLACES[f];
  if (p.words === 1) {
    const width = p.bits === 32 ? 0xffffffff : (1 << p.bits) - 1;
    const n = Number(v) & width;
    arr[p.word] = ((arr[p.word] & ~((width << p.shift) >>> 0)) | ((n << p.shift) >>> 0)) >>> 0;
    return;
  }
  let big = BigInt(v);
  for (let i = p.words - 1; i >= 0; i--) {
    arr[p.word + i] = Number(big & 0xffffffffn);
    big >>= 32n;
  }
}

/** All-ones of field f, or its first `plen` bits (a CIDR prefix mask). */
export function fieldMask(f: OxmName, plen?: number): bigint {
  const bits = FIELD_PLACES[f].bits;
  const n = plen ?? bits;
  return ((1n << BigInt(n)) - 1n) << BigInt(bits - n);
}

/** A match under construction: `.f(name, value, mask?)`. */
export class MatchBuilder {
  readonly value = newKey();
  readonly mask = newKey();

  f(name: OxmName, v: number | bigint, m?: number | bigint): this {
    const mm = m ?? fieldMask(name);
    const tmp = newKey();
    setField(tmp, name, mm);
    for (let w = 0; w < KEY_WORDS; w++) this.mask[w] |= tmp[w];
    const tv = newKey();
    setField(tv, name, v);
    for (let w = 0; w < KEY_WORDS; w++) this.value[w] = ((this.value[w] & ~tmp[w]) | (tv[w] & tmp[w])) >>> 0;
    return this;
  }

  /** A prefix match: the first plen bits of `v`. */
  prefix(name: OxmName, v: number | bigint, plen: number): this {
    return this.f(name, v, fieldMask(name, plen));
  }

  rule(priority: number, name = `r${priority}`): TestRule {
    return { value: Uint32Array.from(this.value), mask: Uint32Array.from(this.mask), priority, name };
  }
}

export const match = (): MatchBuilder => new MatchBuilder();

/** A key built from fields (everything else zero). */
export function key(fields: Partial<Record<OxmName, number | bigint>>): Uint32Array {
  const k = newKey();
  for (const [name, v] of Object.entries(fields)) setField(k, name as OxmName, v as number | bigint);
  return k;
}

/* ---------------------------------------------------------------- masks */

type MaskSpec = readonly (readonly [OxmName, number?])[];

const ip4 = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

/** 40 masks over real fields, as tables of OpenFlow rules use them. [field, prefix length?] */
export const MASK_SPECS: readonly MaskSpec[] = [
  [],
  [['in_port']],
  [['in_port'], ['eth_type']],
  [['eth_type']],
  [['eth_dst']],
  [['eth_src']],
  [['eth_dst'], ['vlan_vid']],
  [['vlan_vid']],
  [['vlan_vid'], ['eth_type']],
  [['metadata']],
  [['metadata', 48]],
  [['metadata'], ['in_port']],
  [['eth_type'], ['ipv4_dst', 8]],
  [['eth_type'], ['ipv4_dst', 16]],
  [['eth_type'], ['ipv4_dst', 24]],
  [['eth_type'], ['ipv4_dst']],
  [['eth_type'], ['ipv4_src', 8]],
  [['eth_type'], ['ipv4_src', 24]],
  [['eth_type'], ['ipv4_src']],
  [['eth_type'], ['ipv4_src', 16], ['ipv4_dst', 16]],
  [['eth_type'], ['ipv4_src', 24], ['ipv4_dst']],
  [['eth_type'], ['ip_proto']],
  [['eth_type'], ['ip_proto'], ['tcp_dst']],
  [['eth_type'], ['ip_proto'], ['tcp_src']],
  [['eth_type'], ['ip_proto'], ['tcp_src'], ['tcp_dst']],
  [['eth_type'], ['ip_proto'], ['ipv4_dst', 24], ['tcp_dst']],
  [['eth_type'], ['ip_proto'], ['ipv4_src', 16], ['ipv4_dst'], ['tcp_dst']],
  [['eth_type'], ['ip_proto'], ['ipv4_dst'], ['tcp_dst', 8]],
  [['in_port'], ['eth_type'], ['ip_proto'], ['tcp_dst']],
  [['eth_type'], ['ip_dscp']],
  [['vlan_vid'], ['eth_type'], ['ip_proto'], ['udp_dst']],
  [['eth_type'], ['arp_op'], ['arp_tpa']],
  [['eth_type'], ['ipv6_dst', 64]],
  [['eth_type'], ['ipv6_src', 48], ['ip_proto']],
  [['metadata'], ['eth_type'], ['ipv4_dst', 20]],
  [['tunnel_id'], ['in_port']],
  [['eth_type'], ['ipv4_dst', -1]], // -1: a non-CIDR mask (0xff00ff00)
  [['eth_type'], ['mpls_label']],
  [['in_port'], ['eth_type'], ['ipv4_src', 12], ['ip_proto'], ['tcp_src', 4]],
  [['eth_type'], ['ipv4_src', 1]],
];

export const MASKS: readonly Uint32Array[] = MASK_SPECS.map((spec) => {
  const b = match();
  for (const [f, plen] of spec) {
    if (plen === -1) b.f(f, 0, 0xff00ff00);
    else b.f(f, 0, fieldMask(f, plen));
  }
  return b.mask;
});

/* --------------------------------------------------------- arbitraries */

/** Field values drawn from small alphabets, so that rules and packets meet. */
const ALPHABET: Partial<Record<OxmName, readonly (number | bigint)[]>> = {
  in_port: [1, 2, 3],
  metadata: [0n, 1n, 0xabcd0000_00000001n],
  tunnel_id: [0n, 5n],
  eth_dst: [0x0000_0000_0001n, 0xffff_ffff_ffffn, 0x0200_0000_0002n],
  eth_src: [0x0200_0000_0001n, 0x0200_0000_0003n],
  eth_type: [0x0800, 0x0800, 0x86dd, 0x0806, 0x8847],
  vlan_vid: [0, 0x1000 | 10, 0x1000 | 20],
  ip_proto: [6, 17, 1],
  ip_dscp: [0, 46],
  ipv4_src: [ip4(10, 0, 0, 1), ip4(10, 0, 1, 2), ip4(10, 1, 0, 3), ip4(192, 168, 1, 1), ip4(172, 16, 0, 9)],
  ipv4_dst: [ip4(10, 0, 0, 2), ip4(10, 0, 0, 130), ip4(10, 2, 3, 4), ip4(192, 168, 1, 7), ip4(8, 8, 8, 8)],
  tcp_src: [1024, 22, 80, 40000],
  tcp_dst: [22, 80, 443, 53],
  arp_op: [1, 2],
  ipv6_src: [0x2001_0db8_0000_0000_0000_0000_0000_0001n, 0xfe80_0000_0000_0000_0000_0000_0000_0001n],
  ipv6_dst: [0x2001_0db8_0000_0001_0000_0000_0000_0002n, 0x2001_0db8_0000_0000_0000_0000_0000_0003n],
  mpls_label: [16, 17],
};
const FIELDS = Object.keys(ALPHABET) as OxmName[];

/**
 * A key: each field from its alphabet, or (one time in five) random bits,
 * and one random word XORed with noise now and then, so that address bits
 * beyond the alphabet get exercised too.
 */
export const arbKey: fc.Arbitrary<Uint32Array> = fc
  .tuple(
    fc.array(fc.nat({ max: 9 }), { minLength: FIELDS.length, maxLength: FIELDS.length }),
    fc.array(fc.nat(), { minLength: FIELDS.length, maxLength: FIELDS.length }),
    fc.nat({ max: KEY_WORDS - 1 }),
    fc.oneof(fc.constant(0), fc.nat()),
  )
  .map(([picks, randoms, noiseWord, noise]) => {
    const k = newKey();
    FIELDS.forEach((f, i) => {
      const alphabet = ALPHABET[f] as readonly (number | bigint)[];
      const pick = picks[i];
      if (pick < 8) setField(k, f, alphabet[pick % alphabet.length]);
      else {
        const r = randoms[i];
        setField(k, f, typeof alphabet[0] === 'bigint' ? (BigInt(r) << 32n) | BigInt(r ^ 0x5a5a5a5a) : r);
      }
    });
    k[noiseWord] = (k[noiseWord] ^ noise) >>> 0;
    return k;
  });

export interface RuleSeed {
  readonly maskIndex: number;
  readonly key: Uint32Array;
  readonly priority: number;
}

/** Priorities from a small range, so equal priorities (ties) are common. */
export const arbRuleSeed = (maxPriority = 12): fc.Arbitrary<RuleSeed> =>
  fc.record({ maskIndex: fc.nat({ max: MASKS.length - 1 }), key: arbKey, priority: fc.nat({ max: maxPriority }) });

export function ruleFrom(seed: RuleSeed, name: string): TestRule {
  const mask = MASKS[seed.maskIndex];
  const value = new Uint32Array(KEY_WORDS);
  for (let w = 0; w < KEY_WORDS; w++) value[w] = seed.key[w] & mask[w];
  return { value, mask, priority: seed.priority, name };
}

/**
 * A packet near the rules: rule `ruleIndex`'s value with the wildcarded bits
 * taken from `noise` (so it matches that rule and maybe others), or `noise`
 * itself when `ruleIndex` is negative or there are no rules.
 */
export function packetNear(rules: readonly ClsRule[], ruleIndex: number, noise: Uint32Array): Uint32Array {
  if (ruleIndex < 0 || rules.length === 0) return Uint32Array.from(noise);
  const r = rules[ruleIndex % rules.length];
  const k = newKey();
  for (let w = 0; w < KEY_WORDS; w++) k[w] = (r.value[w] | (noise[w] & ~r.mask[w])) >>> 0;
  return k;
}

/** k' = (k & wc) | (other & ~wc): a key the wildcards say must get k's answer. */
export function sameUnderWildcards(k: Uint32Array, wc: Uint32Array, other: Uint32Array): Uint32Array {
  const out = newKey();
  for (let w = 0; w < KEY_WORDS; w++) out[w] = ((k[w] & wc[w]) | (other[w] & ~wc[w])) >>> 0;
  return out;
}

export const hex = (a: Uint32Array): string => Array.from(a, (w) => w.toString(16)).join('.');
