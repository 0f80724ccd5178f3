/**
 * The words extraction fills beneath a PBB I-TAG (flow-key.ts words 36..41
 * and the L3/L4 words), checked against extraction of the frame a pop_pbb
 * would leave: the customer frame alone, from its C-DA on. Neither scapy's
 * field list nor Open vSwitch's flow has these words (OVS parses no PBB),
 * so the corpus specs (extract.spec.ts, ovs-oracle.spec.ts) take them from
 * here, as mpls-beneath.ts does beneath MPLS: `reconcileBeneathPbb` copies
 * them into the expected key only when they equal the customer frame's own
 * key, so any disagreement still fails there.
 */
import { extractKey } from '../../lib/packet/extract.js';
import { KW, PBB_CUSTOMER_TARGETS, PBB_CUSTOMER_WORDS, newKey } from '../../lib/packet/flow-key.js';

/** The customer frame of the PBB frame (first `len` bytes of `b`), or null when it has no whole I-TAG. */
export function customerFrame(b: Uint8Array, len: number): Uint8Array | null {
  let p = 12;
  for (let n = 0; n < 2 && p + 6 <= len && (((b[p]! << 8) | b[p + 1]!) === 0x8100 || ((b[p]! << 8) | b[p + 1]!) === 0x88a8); n++) p += 4;
  if (p + 2 > len || ((b[p]! << 8) | b[p + 1]!) !== 0x88e7) return null;
  // TPID, I-TCI, then C-DA C-SA and the customer type: the whole I-TAG as extraction wants it.
  if (len - p < 2 + 18) return null;
  return b.slice(p + 6, len);
}

/** Words 11..32 (the L3/L4 ones). */
const L3_WORDS = Array.from({ length: KW.IPV6_FLABEL - KW.IP_PROTO_TOS_TTL + 1 }, (_, i) => KW.IP_PROTO_TOS_TTL + i);

/**
 * For a PBB frame: when our key's customer words and L3/L4 words equal the
 * customer frame's own key (its L2 words and L3/L4 words), copies them into `want`.
 */
export function reconcileBeneathPbb(ours: Uint32Array, want: Uint32Array, b: Uint8Array, len: number): void {
  if (ours[KW.ETH_TYPE_VLAN]! >>> 16 !== 0x88e7) return;
  const c = customerFrame(b, len);
  if (c === null) return;
  const k = newKey();
  extractKey(c, c.length, ours[KW.IN_PORT]!, k);
  for (let i = 0; i < PBB_CUSTOMER_WORDS.length; i++) if (ours[PBB_CUSTOMER_WORDS[i]!] !== k[PBB_CUSTOMER_TARGETS[i]!]) return;
  const type = k[KW.ETH_TYPE_VLAN]! >>> 16;
  // A customer frame that is itself MPLS or PBB: its own words beneath are not ours to have.
  const l3 = type !== 0x8847 && type !== 0x8848 && type !== 0x88e7;
  for (const w of L3_WORDS) if (ours[w] !== (l3 ? k[w] : 0)) return;
  for (const w of PBB_CUSTOMER_WORDS) want[w] = ours[w]!;
  for (const w of L3_WORDS) want[w] = ours[w]!;
}
