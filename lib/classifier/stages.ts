/**
 * Stage boundaries of the staged lookup, over the flow key's word layout
 * (lib/packet/flow-key.ts).
 *
 * A subtable looks a packet up one stage at a time, cheapest-to-reject and
 * outermost first, and a packet that fails at stage k has only looked at
 * the mask bits of stages 0..k. The stages follow the headers, as Open
 * vSwitch's do:
 *
 *   0  metadata   in_port, in_phy_port, metadata, tunnel_id (+ the spare word)
 *   1  L2         eth_dst, eth_src, eth_type, vlan, MPLS, PBB I-SID
 *   2  L3         ip_proto/dscp/ecn/ttl/frag, IPv4 (ARP SPA/TPA), arp_op,
 *                 ipv6_exthdr, ARP SHA/THA (ND SLL/TLL), IPv6 src/dst,
 *                 ND target, flow label
 *   3  L4         tp_src/tp_dst (TCP, UDP, SCTP ports; ICMP type/code)
 *
 * Only the transport ports are L4: they are the field whose wildcarding
 * matters most to megaflow breadth (one megaflow per connection otherwise),
 * and the fields that share words with ND (SLL/TLL, target) are rare enough
 * not to deserve a stage of their own.
 */
import { KEY_WORDS, KW } from '../packet/flow-key.js';

/** A stage layout: for each stage, the key words it covers. */
export type StageLayout = readonly (readonly number[])[];

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

export const DEFAULT_STAGES: StageLayout = [
  [KW.IN_PORT, KW.IN_PHY_PORT, KW.METADATA_HI, KW.METADATA_LO, KW.TUNNEL_HI, KW.TUNNEL_LO, KW.RESERVED],
  [
    KW.ETH_DST_HI,
    KW.ETH_DST_LO,
    KW.ETH_SRC_HI,
    KW.ETH_SRC_LO,
    KW.ETH_TYPE_VLAN,
    KW.MPLS_LSE,
    KW.PBB_ISID,
    // A PBB frame's customer L2 words: no OXM field lives there (rules never mask them), but every word needs a stage.
    ...range(KW.C_ETH_DST_HI, 6),
  ],
  [
    KW.IP_PROTO_TOS_TTL,
    KW.NW_SRC,
    KW.NW_DST,
    KW.ARP_OP_EXTHDR,
    ...range(KW.ARP_SHA_HI, 4),
    ...range(KW.IPV6_SRC, 4),
    ...range(KW.IPV6_DST, 4),
    ...range(KW.ND_TARGET, 4),
    KW.IPV6_FLABEL,
  ],
  [KW.TP_PORTS],
];

/**
 * Checks that `stages` covers every key word exactly once and returns, for
 * each word, the stage it belongs to.
 */
export function stageOfWords(stages: StageLayout): Int32Array {
  const stageOf = new Int32Array(KEY_WORDS).fill(-1);
  if (stages.length === 0) throw new RangeError('classifier: at least one stage is needed');
  stages.forEach((words, s) => {
    for (const w of words) {
      if (!Number.isInteger(w) || w < 0 || w >= KEY_WORDS) throw new RangeError(`classifier: stage ${s} names word ${w}, outside the key`);
      if (stageOf[w] !== -1) throw new RangeError(`classifier: key word ${w} is in stages ${stageOf[w]} and ${s}`);
      stageOf[w] = s;
    }
  });
  const missing = stageOf.indexOf(-1);
  if (missing !== -1) throw new RangeError(`classifier: key word ${missing} is in no stage`);
  return stageOf;
}

/**
 * How a subtable walks a key: the words its mask cares about, grouped by
 * stage (stages whose mask is all-zero are left out, they would only cost a
 * probe that cannot fail).
 */
export interface StagePlan {
  /** Key word indexes with a nonzero mask, stage by stage. */
  readonly words: Int32Array;
  /** The mask of each entry of `words`. */
  readonly masks: Uint32Array;
  /** ends[i]: end (exclusive) in `words` of the i-th nonempty stage; at least one entry. */
  readonly ends: Int32Array;
  /** stage[i]: which layout stage the i-th nonempty stage is. */
  readonly stage: Int32Array;
}

export function planStages(mask: Uint32Array, stages: StageLayout): StagePlan {
  const words: number[] = [];
  const masks: number[] = [];
  const ends: number[] = [];
  const stage: number[] = [];
  stages.forEach((ws, s) => {
    const sorted = [...ws].sort((a, b) => a - b);
    let nonzero = false;
    for (const w of sorted) {
      if (mask[w] === 0) continue;
      words.push(w);
      masks.push(mask[w]);
      nonzero = true;
    }
    if (nonzero) {
      ends.push(words.length);
      stage.push(s);
    }
  });
  if (ends.length === 0) {
    // The catch-all mask: one empty stage, whose only key is the empty one.
    ends.push(0);
    stage.push(stages.length - 1);
  }
  return {
    words: Int32Array.from(words),
    masks: Uint32Array.from(masks),
    ends: Int32Array.from(ends),
    stage: Int32Array.from(stage),
  };
}
