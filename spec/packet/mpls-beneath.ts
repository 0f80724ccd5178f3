/**
 * The words extraction fills beneath an MPLS stack (flow-key.ts
 * MPLS_BENEATH), checked against extraction of the frame a pop_mpls that
 * ends the stack would leave: the same bytes with the label stack cut out
 * and the payload's EtherType in its place. Neither scapy's field list nor
 * Open vSwitch's flow has these words (OVS parses nothing beneath MPLS), so
 * the corpus specs (extract.spec.ts, ovs-oracle.spec.ts) take them from
 * here: `reconcileBeneathMpls` copies them into the expected key only when
 * they equal the popped frame's, so any disagreement still fails there.
 */
import { extractKey } from '../../lib/packet/extract.js';
import { KW, MPLS_BENEATH, newKey } from '../../lib/packet/flow-key.js';

const TYPES: Record<number, number> = {
  [MPLS_BENEATH.IPV4]: 0x0800,
  [MPLS_BENEATH.IPV6]: 0x86dd,
  [MPLS_BENEATH.ARP]: 0x0806,
};

/** The frame (first `len` bytes of `b`) with its label stack popped, or null when it has none to pop. */
export function poppedFrame(b: Uint8Array, len: number, payloadType: number): Uint8Array | null {
  let p = 12;
  while (p + 4 <= len && (((b[p]! << 8) | b[p + 1]!) === 0x8100 || ((b[p]! << 8) | b[p + 1]!) === 0x88a8)) p += 4;
  if (p + 2 > len) return null;
  const type = (b[p]! << 8) | b[p + 1]!;
  if (type !== 0x8847 && type !== 0x8848) return null;
  let q = p + 2;
  for (;;) {
    if (q + 4 > len) return null;
    const bos = b[q + 2]! & 1;
    q += 4;
    if (bos === 1) break;
  }
  const out = new Uint8Array(p + 2 + (len - q));
  out.set(b.subarray(0, p), 0);
  out[p] = payloadType >>> 8;
  out[p + 1] = payloadType & 0xff;
  out.set(b.subarray(q, len), p + 2);
  return out;
}

/** Words 11..32 (the L3/L4 ones). */
const L3_WORDS = Array.from({ length: KW.IPV6_FLABEL - KW.IP_PROTO_TOS_TTL + 1 }, (_, i) => KW.IP_PROTO_TOS_TTL + i);

/**
 * For an MPLS frame: when our key's beneath words equal the popped frame's
 * key (and its kind names that frame's type), copies them into `want`.
 */
export function reconcileBeneathMpls(ours: Uint32Array, want: Uint32Array, b: Uint8Array, len: number): void {
  const type = ours[KW.ETH_TYPE_VLAN]! >>> 16;
  if (type !== 0x8847 && type !== 0x8848) return;
  const beneath = ours[KW.PBB_ISID]! >>> MPLS_BENEATH.SHIFT;
  const kind = beneath & MPLS_BENEATH.TYPE_MASK;
  const popped = kind === MPLS_BENEATH.NONE ? null : poppedFrame(b, len, TYPES[kind]!);
  if (popped === null) return;
  const k = newKey();
  extractKey(popped, popped.length, ours[KW.IN_PORT]!, k);
  for (const w of L3_WORDS) if (k[w] !== ours[w]) return;
  for (const w of L3_WORDS) want[w] = ours[w]!;
  want[KW.PBB_ISID] = ((want[KW.PBB_ISID]! & 0xffffff) | (ours[KW.PBB_ISID]! & MPLS_BENEATH.MASK)) >>> 0;
}
