/**
 * OpenFlow 1.3.5 match field prerequisites (§7.2.3.6, Table 12), as one
 * table that both the match validator and the action checker read.
 *
 * A field's prerequisite is a statement about other header fields: tcp_src
 * may only be matched when ip_proto is 6, which may only be matched when
 * eth_type is IPv4 or IPv6. The spec asks that the prerequisite be matched
 * exactly, and transitively, in the same match; we check it against `Facts`,
 * what a match (or a packet about to be rewritten) is known to carry:
 * - building Facts from a match: the exact eth_type, ip_proto, icmpv6_type;
 *   whether vlan_vid pins OFPVID_PRESENT; whether in_port is given;
 * - building Facts for actions (see check-actions.ts): the match's facts,
 *   updated by push/pop actions as they apply, as Open vSwitch does when it
 *   checks a set_field against "the flow the action will see".
 *
 * The spec words prerequisites as "preceded by" but lets a switch relax
 * them; like Open vSwitch we check the whole match regardless of field
 * order, which accepts every match the strict reading accepts.
 *
 * Transitivity is written out rather than recursed: each entry names the
 * whole chain, which keeps the table readable beside the spec's.
 */
import type { OxmName } from '../openflow/types.js';
import { oxmFieldByName } from '../openflow/oxm.js';

export const ETH_TYPE_IPV4 = 0x0800;
export const ETH_TYPE_ARP = 0x0806;
export const ETH_TYPE_IPV6 = 0x86dd;
export const ETH_TYPE_MPLS = 0x8847;
export const ETH_TYPE_MPLS_MCAST = 0x8848;
export const ETH_TYPE_PBB = 0x88e7;
export const ETH_TYPE_VLAN = 0x8100;
export const ETH_TYPE_VLAN_8021AD = 0x88a8;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;

/** What is known of a packet's headers; `undefined` means "could be anything". */
export interface Facts {
  ethType: number | undefined;
  ipProto: number | undefined;
  icmpv6Type: number | undefined;
  /** true: a VLAN tag is present; false: none; undefined: unknown. */
  vlan: boolean | undefined;
  inPort: boolean;
}

export function unknownFacts(): Facts {
  return { ethType: undefined, ipProto: undefined, icmpv6Type: undefined, vlan: undefined, inPort: false };
}

const isIp = (f: Facts): boolean => f.ethType === ETH_TYPE_IPV4 || f.ethType === ETH_TYPE_IPV6;
const ipWith = (proto: number) => (f: Facts): boolean => isIp(f) && f.ipProto === proto;
const ethIs = (type: number) => (f: Facts): boolean => f.ethType === type;
const isMpls = (f: Facts): boolean => f.ethType === ETH_TYPE_MPLS || f.ethType === ETH_TYPE_MPLS_MCAST;
const icmpv6 = ipWith(IPPROTO_ICMPV6);

/** Table 12's prerequisite column; fields without an entry have none. */
const PREREQS: Partial<Record<OxmName, (f: Facts) => boolean>> = {
  in_phy_port: (f) => f.inPort,
  vlan_pcp: (f) => f.vlan === true,
  ip_dscp: isIp,
  ip_ecn: isIp,
  ip_proto: isIp,
  ipv4_src: ethIs(ETH_TYPE_IPV4),
  ipv4_dst: ethIs(ETH_TYPE_IPV4),
  tcp_src: ipWith(IPPROTO_TCP),
  tcp_dst: ipWith(IPPROTO_TCP),
  udp_src: ipWith(IPPROTO_UDP),
  udp_dst: ipWith(IPPROTO_UDP),
  sctp_src: ipWith(IPPROTO_SCTP),
  sctp_dst: ipWith(IPPROTO_SCTP),
  icmpv4_type: ipWith(IPPROTO_ICMP),
  icmpv4_code: ipWith(IPPROTO_ICMP),
  arp_op: ethIs(ETH_TYPE_ARP),
  arp_spa: ethIs(ETH_TYPE_ARP),
  arp_tpa: ethIs(ETH_TYPE_ARP),
  arp_sha: ethIs(ETH_TYPE_ARP),
  arp_tha: ethIs(ETH_TYPE_ARP),
  ipv6_src: ethIs(ETH_TYPE_IPV6),
  ipv6_dst: ethIs(ETH_TYPE_IPV6),
  ipv6_flabel: ethIs(ETH_TYPE_IPV6),
  icmpv6_type: icmpv6,
  icmpv6_code: icmpv6,
  ipv6_nd_target: (f) => icmpv6(f) && (f.icmpv6Type === ND_NEIGHBOR_SOLICIT || f.icmpv6Type === ND_NEIGHBOR_ADVERT),
  ipv6_nd_sll: (f) => icmpv6(f) && f.icmpv6Type === ND_NEIGHBOR_SOLICIT,
  ipv6_nd_tll: (f) => icmpv6(f) && f.icmpv6Type === ND_NEIGHBOR_ADVERT,
  mpls_label: isMpls,
  mpls_tc: isMpls,
  mpls_bos: isMpls,
  pbb_isid: ethIs(ETH_TYPE_PBB),
  ipv6_exthdr: ethIs(ETH_TYPE_IPV6),
};

/** Whether `facts` satisfy the prerequisites of `field`. */
export function prereqsHold(field: OxmName, facts: Facts): boolean {
  const p = PREREQS[field];
  return p === undefined || p(facts);
}

/** PREREQS by OXM code: an array index costs less than a property load by name. */
const PREREQS_BY_CODE: ((f: Facts) => boolean)[] = [];
for (const [name, p] of Object.entries(PREREQS)) PREREQS_BY_CODE[oxmFieldByName(name)!.code] = p!;

/** prereqsHold for the basic field with OFPXMT code `code`. */
export function prereqsHoldCode(code: number, facts: Facts): boolean {
  const p = PREREQS_BY_CODE[code];
  return p === undefined || p(facts);
}

export { isIp as factsAreIp, isMpls as factsAreMpls };
