/**
 * The flow key: every header field an OpenFlow 1.3 match can look at, plus
 * the pipeline metadata, in a fixed layout of 32-bit words.
 *
 * One layout serves the whole switch: the datapath extracts packets into it,
 * the classifier stores rules as (value, mask) pairs over it, and the
 * `Wildcards` accumulator of a lookup is a mask in the same shape, which is
 * why a megaflow is simply "key & wildcards". A key is a `Uint32Array` of
 * KEY_WORDS words, allocated once and reused; nothing on the packet path
 * builds objects for fields.
 *
 * Fields that can never be present together share words, as in Open
 * vSwitch: the transport ports hold TCP, UDP or SCTP ports, or the ICMP(v6)
 * type and code; the IPv4 addresses also hold ARP's SPA/TPA; the ARP
 * hardware addresses also hold ND's SLL/TLL. Which one a word means follows
 * from eth_type and ip_proto, which every such match must also constrain
 * (the OpenFlow prerequisites).
 *
 * Layout (word: bits):
 *   0  in_port
 *   1  in_phy_port
 *   2  metadata[63:32]        3  metadata[31:0]
 *   4  tunnel_id[63:32]       5  tunnel_id[31:0]
 *   6  eth_dst[47:32] (low 16) 7 eth_dst[31:0]
 *   8  eth_src[47:32] (low 16) 9 eth_src[31:0]
 *  10  eth_type[31:16] | vlan_pcp[15:13] | OFPVID_PRESENT[12] | vid[11:0]
 *  11  ip_proto[31:24] | ip_dscp[23:18] | ip_ecn[17:16] | nw_ttl[15:8] | nw_frag[1:0]
 *  12  ipv4_src / arp_spa
 *  13  ipv4_dst / arp_tpa
 *  14  tp_src[31:16] | tp_dst[15:0]   (tcp/udp/sctp ports, icmp type/code)
 *  15  arp_op[31:16] | ipv6_exthdr[8:0]
 *  16  arp_sha / nd_sll [47:32]  17 [31:0]
 *  18  arp_tha / nd_tll [47:32]  19 [31:0]
 *  20..23  ipv6_src (word 20 = most significant)
 *  24..27  ipv6_dst
 *  28..31  ipv6_nd_target
 *  32  ipv6_flabel[19:0]
 *  33  MPLS top label stack entry: label[31:12] | tc[11:9] | bos[8] | ttl[7:0]
 *  34  pbb_isid[23:0]; on an MPLS frame, bits 31:24 say what lies beneath
 *      the label stack (MPLS_BENEATH), whose fields words 11..32 then
 *      hold: the frame as a pop_mpls that ends the stack leaves it, so a
 *      later table can match it (OpenFlow 1.3.5 §5.12 applies pop_mpls
 *      before the next table's lookup). Not an OF1.3 match field.
 *  35  inner VLAN of a double-tagged frame: TCI | OFPVID_PRESENT in the
 *      low 16 bits, laid out as word 10's; 0 with fewer than two tags.
 *      Not an OF1.3 match field: it is there so that a pop_vlan followed
 *      by a match on vlan_vid in a later table can be translated from the
 *      key alone (and so that the exact-match cache tells QinQ flows that
 *      differ only in the inner tag apart). Formerly "reserved (0)".
 *  36..41  on a PBB frame (eth_type 0x88e7), the customer frame's L2
 *      header beneath the I-TAG, laid out as words 6..10 and 35: C-DA
 *      (36, 37), C-SA (38, 39), the customer EtherType and outer C-TCI
 *      (40, as word 10), the inner C-TCI (41, as word 35); 0 when the
 *      frame is not PBB or its I-TAG is cut short (so word 40's type is
 *      nonzero exactly when the customer frame was parsed). Its L3/L4
 *      fields go to the usual words 11..32, which the backbone frame
 *      leaves empty and which no match can reach before the pop (the OF
 *      prerequisites want eth_type IPv4/IPv6/ARP). Not OF1.3 match
 *      fields: pop_pbb moves them into words 6..10 and 35 in translation,
 *      so that a later table matches the customer frame as OpenFlow
 *      1.3.5 §5.12 wants, without recirculating (lib/xlate/encap-actions.ts),
 *      and moves the wildcards later lookups mark on 6..10 and 35 back
 *      here, so that a megaflow holds exactly the customer fields those
 *      lookups read. Words of their own, rather than recirculation (Open
 *      vSwitch's way), keep a PBB flow one datapath pass and one megaflow;
 *      the exact-match cache compares them only on frames that are not
 *      IPv4, so the common case pays nothing for them.
 *
 * vlan_vid follows OF1.3's encoding: OFPVID_PRESENT (0x1000) set when the
 * packet has a tag, so "no tag" is vid 0 without the present bit and a
 * match on vlan_vid=0x1000/0x1000 means "any tag".
 */
import type { OxmName } from '../openflow/types.js';

export const KEY_WORDS = 42;

/** Word indexes, named as the layout above. */
export const enum KW {
  IN_PORT = 0,
  IN_PHY_PORT = 1,
  METADATA_HI = 2,
  METADATA_LO = 3,
  TUNNEL_HI = 4,
  TUNNEL_LO = 5,
  ETH_DST_HI = 6,
  ETH_DST_LO = 7,
  ETH_SRC_HI = 8,
  ETH_SRC_LO = 9,
  ETH_TYPE_VLAN = 10,
  IP_PROTO_TOS_TTL = 11,
  NW_SRC = 12,
  NW_DST = 13,
  TP_PORTS = 14,
  ARP_OP_EXTHDR = 15,
  ARP_SHA_HI = 16,
  ARP_SHA_LO = 17,
  ARP_THA_HI = 18,
  ARP_THA_LO = 19,
  IPV6_SRC = 20,
  IPV6_DST = 24,
  ND_TARGET = 28,
  IPV6_FLABEL = 32,
  MPLS_LSE = 33,
  PBB_ISID = 34,
  /** Word 35 before it held the inner VLAN; kept so that existing code (the classifier's stages) still names it. */
  RESERVED = 35,
  /** The inner (second) VLAN tag: TCI | OFPVID_PRESENT, or 0. */
  VLAN_INNER = 35,
  /** The customer frame beneath a PBB I-TAG (words 36..41, laid out as 6..10 and 35). */
  C_ETH_DST_HI = 36,
  C_ETH_DST_LO = 37,
  C_ETH_SRC_HI = 38,
  C_ETH_SRC_LO = 39,
  C_ETH_TYPE_VLAN = 40,
  C_VLAN_INNER = 41,
}

/**
 * The customer words of a PBB frame and, at the same index, the words
 * pop_pbb moves them to.
 */
export const PBB_CUSTOMER_WORDS: readonly number[] = [KW.C_ETH_DST_HI, KW.C_ETH_DST_LO, KW.C_ETH_SRC_HI, KW.C_ETH_SRC_LO, KW.C_ETH_TYPE_VLAN, KW.C_VLAN_INNER];
export const PBB_CUSTOMER_TARGETS: readonly number[] = [KW.ETH_DST_HI, KW.ETH_DST_LO, KW.ETH_SRC_HI, KW.ETH_SRC_LO, KW.ETH_TYPE_VLAN, KW.VLAN_INNER];

/**
 * Word PBB_ISID's top byte on an MPLS frame: what extraction found beneath
 * the bottom of the label stack. TYPE_MASK bits: NONE (nothing parsed),
 * IPV4, IPV6 or ARP; above them, the stack's depth in entries (NONE for a
 * stack deeper than DEPTH_MAX), since the payload is what a pop exposes only once every
 * entry of the packet's stack has been popped.
 */
export const enum MPLS_BENEATH {
  SHIFT = 24,
  MASK = 0xff000000,
  TYPE_MASK = 3,
  NONE = 0,
  IPV4 = 1,
  IPV6 = 2,
  ARP = 3,
  DEPTH_SHIFT = 2,
  DEPTH_MAX = 63,
}

/** nw_frag bits in word 11 (not an OF1.3 match field; the datapath uses it). */
export const enum NW_FRAG {
  ANY = 1 << 0,
  LATER = 1 << 1,
}

/**
 * Where one OXM field lives: `words` consecutive words starting at `word`
 * (most significant first) for fields wider than 32 bits; otherwise
 * `bits` bits at `shift` within one word.
 */
export interface FieldPlace {
  readonly word: number;
  readonly words: number;
  readonly shift: number;
  readonly bits: number;
}

const one = (word: number, shift: number, bits: number): FieldPlace => ({ word, words: 1, shift, bits });
const wide = (word: number, words: number, bits: number): FieldPlace => ({ word, words, shift: 0, bits });

/** The place of every OF1.3 basic field in the key. */
export const FIELD_PLACES: Readonly<Record<OxmName, FieldPlace>> = {
  in_port: one(KW.IN_PORT, 0, 32),
  in_phy_port: one(KW.IN_PHY_PORT, 0, 32),
  metadata: wide(KW.METADATA_HI, 2, 64),
  tunnel_id: wide(KW.TUNNEL_HI, 2, 64),
  eth_dst: wide(KW.ETH_DST_HI, 2, 48),
  eth_src: wide(KW.ETH_SRC_HI, 2, 48),
  eth_type: one(KW.ETH_TYPE_VLAN, 16, 16),
  vlan_vid: one(KW.ETH_TYPE_VLAN, 0, 13),
  vlan_pcp: one(KW.ETH_TYPE_VLAN, 13, 3),
  ip_proto: one(KW.IP_PROTO_TOS_TTL, 24, 8),
  ip_dscp: one(KW.IP_PROTO_TOS_TTL, 18, 6),
  ip_ecn: one(KW.IP_PROTO_TOS_TTL, 16, 2),
  ipv4_src: one(KW.NW_SRC, 0, 32),
  ipv4_dst: one(KW.NW_DST, 0, 32),
  arp_spa: one(KW.NW_SRC, 0, 32),
  arp_tpa: one(KW.NW_DST, 0, 32),
  tcp_src: one(KW.TP_PORTS, 16, 16),
  tcp_dst: one(KW.TP_PORTS, 0, 16),
  udp_src: one(KW.TP_PORTS, 16, 16),
  udp_dst: one(KW.TP_PORTS, 0, 16),
  sctp_src: one(KW.TP_PORTS, 16, 16),
  sctp_dst: one(KW.TP_PORTS, 0, 16),
  icmpv4_type: one(KW.TP_PORTS, 16, 8),
  icmpv4_code: one(KW.TP_PORTS, 0, 8),
  icmpv6_type: one(KW.TP_PORTS, 16, 8),
  icmpv6_code: one(KW.TP_PORTS, 0, 8),
  arp_op: one(KW.ARP_OP_EXTHDR, 16, 16),
  ipv6_exthdr: one(KW.ARP_OP_EXTHDR, 0, 9),
  arp_sha: wide(KW.ARP_SHA_HI, 2, 48),
  arp_tha: wide(KW.ARP_THA_HI, 2, 48),
  ipv6_nd_sll: wide(KW.ARP_SHA_HI, 2, 48),
  ipv6_nd_tll: wide(KW.ARP_THA_HI, 2, 48),
  ipv6_src: wide(KW.IPV6_SRC, 4, 128),
  ipv6_dst: wide(KW.IPV6_DST, 4, 128),
  ipv6_nd_target: wide(KW.ND_TARGET, 4, 128),
  ipv6_flabel: one(KW.IPV6_FLABEL, 0, 20),
  mpls_label: one(KW.MPLS_LSE, 12, 20),
  mpls_tc: one(KW.MPLS_LSE, 9, 3),
  mpls_bos: one(KW.MPLS_LSE, 8, 1),
  pbb_isid: one(KW.PBB_ISID, 0, 24),
};

/** A zeroed key (or mask, or wildcards). */
export function newKey(): Uint32Array {
  return new Uint32Array(KEY_WORDS);
}
