/**
 * set_field, and the other actions that write one header field, as
 * translation applies them to the flow (never to a packet: the datapath
 * learns of the change when it is committed).
 *
 * A set-field whose prerequisites (OpenFlow 1.3.5 Table 12) the flow does
 * not meet at that point is skipped, as Open vSwitch skips it ("unmet
 * prerequisites"): a write-actions set or a bucket may reach a packet of
 * another kind than the flow-mod checks could foresee. The prerequisite
 * fields looked at go into the wildcards; so does every bit of the field
 * written, because whether the datapath must rewrite it depends on the
 * packet's own value (commit.ts).
 */
import { oxmFieldByName } from '../openflow/oxm.js';
import type { OxmBasic, OxmName } from '../openflow/types.js';
import { FIELD_PLACES, KW } from '../packet/flow-key.js';
import { fieldToWords } from '../ofproto/match.js';
import type { XlateCtx } from './context.js';
import { ETH_TYPE_ARP, ETH_TYPE_IPV4, ETH_TYPE_IPV6, ETH_TYPE_PBB, ETH_TYPE_RARP, isIpType, isMplsType } from './flow-state.js';

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;

/** A set-field's value, converted once to key words (placed at the field's shift). */
export interface FieldWrite {
  readonly field: OxmName;
  readonly words: Uint32Array;
}

/** Converts a set-field's OXM value to key words (throws on a value the flow-mod checks would have refused). */
export function fieldWrite(f: OxmBasic): FieldWrite {
  const info = oxmFieldByName(f.field);
  if (info === undefined) throw new Error(`set_field: unknown field ${f.field}`);
  const words = new Uint32Array(4);
  fieldToWords(info, FIELD_PLACES[f.field], f.value, words, 0, 0);
  return { field: f.field, words };
}

/** The mask of a one-word field's bits. */
function bitsOf(field: OxmName): number {
  const p = FIELD_PLACES[field];
  return p.bits >= 32 ? -1 : (((1 << p.bits) - 1) << p.shift) | 0;
}

/** Marks every bit of `field` in the wildcards. */
export function markField(wc: Uint32Array, field: OxmName): void {
  const p = FIELD_PLACES[field];
  if (p.words > 1) {
    // Wide fields are right-aligned: the first word holds the high bits.
    const top = p.bits - 32 * (p.words - 1);
    wc[p.word] = (wc[p.word]! | (top === 32 ? -1 : (1 << top) - 1)) >>> 0;
    for (let i = 1; i < p.words; i++) wc[p.word + i] = 0xffffffff;
    return;
  }
  wc[p.word] = (wc[p.word]! | bitsOf(field)) >>> 0;
}

/** Marks the bits `mask` of word `w`. */
export function markBits(wc: Uint32Array, w: number, mask: number): void {
  wc[w] = (wc[w]! | mask) >>> 0;
}

/**
 * Marks the packet's whole VLAN stack (both tags the key holds). An action
 * that reads or changes tags can reach the inner one once the outer is
 * popped, and the count of tags decides what a pop or push commits, so
 * any VLAN action makes both tags part of the megaflow.
 */
export function markVlans(wc: Uint32Array): void {
  wc[KW.ETH_TYPE_VLAN] = (wc[KW.ETH_TYPE_VLAN]! | 0xffff) >>> 0;
  wc[KW.VLAN_INNER] = (wc[KW.VLAN_INNER]! | 0xffff) >>> 0;
}

/** Whether the flow meets `field`'s prerequisites; marks what it looked at. */
export function prereqsMet(ctx: XlateCtx, field: OxmName): boolean {
  const flow = ctx.flow;
  const wc = ctx.wc;
  const type = flow.ethType;
  markBits(wc, KW.ETH_TYPE_VLAN, 0xffff0000 | 0);
  const proto = (): number => {
    markBits(wc, KW.IP_PROTO_TOS_TTL, 0xff000000 | 0);
    return flow.ipProto;
  };
  switch (field) {
    case 'eth_dst':
    case 'eth_src':
    case 'eth_type':
    case 'tunnel_id':
      return true;
    case 'vlan_vid':
    case 'vlan_pcp':
      markVlans(wc);
      return flow.nVlans > 0;
    case 'ip_dscp':
    case 'ip_ecn':
    case 'ip_proto':
      return isIpType(type);
    case 'ipv4_src':
    case 'ipv4_dst':
      return type === ETH_TYPE_IPV4;
    case 'ipv6_src':
    case 'ipv6_dst':
    case 'ipv6_flabel':
      return type === ETH_TYPE_IPV6;
    case 'tcp_src':
    case 'tcp_dst':
      return isIpType(type) && proto() === IPPROTO_TCP;
    case 'udp_src':
    case 'udp_dst':
      return isIpType(type) && proto() === IPPROTO_UDP;
    case 'sctp_src':
    case 'sctp_dst':
      return isIpType(type) && proto() === IPPROTO_SCTP;
    case 'icmpv4_type':
    case 'icmpv4_code':
      return type === ETH_TYPE_IPV4 && proto() === IPPROTO_ICMP;
    case 'icmpv6_type':
    case 'icmpv6_code':
      return type === ETH_TYPE_IPV6 && proto() === IPPROTO_ICMPV6;
    case 'ipv6_nd_target':
    case 'ipv6_nd_sll':
    case 'ipv6_nd_tll': {
      if (type !== ETH_TYPE_IPV6 || proto() !== IPPROTO_ICMPV6) return false;
      markBits(wc, KW.TP_PORTS, 0x00ff00ff);
      const tp = flow.key[KW.TP_PORTS]!;
      const icmpType = (tp >>> 16) & 0xff;
      if ((tp & 0xff) !== 0) return false;
      if (field === 'ipv6_nd_sll') return icmpType === 135;
      if (field === 'ipv6_nd_tll') return icmpType === 136;
      return icmpType === 135 || icmpType === 136;
    }
    case 'arp_op':
    case 'arp_spa':
    case 'arp_tpa':
    case 'arp_sha':
    case 'arp_tha':
      return type === ETH_TYPE_ARP || type === ETH_TYPE_RARP;
    case 'mpls_label':
    case 'mpls_tc':
    case 'mpls_bos':
      return isMplsType(type) && flow.nMpls > 0;
    case 'pbb_isid':
      return type === ETH_TYPE_PBB;
    case 'in_port':
    case 'in_phy_port':
    case 'metadata':
    case 'ipv6_exthdr':
      return false;
    default: {
      const never: never = field;
      return never;
    }
  }
}

/** Applies a set-field to the flow; false (nothing changed) when its prerequisites are not met. */
export function applySetField(ctx: XlateCtx, w: FieldWrite): boolean {
  if (!prereqsMet(ctx, w.field)) return false;
  const flow = ctx.flow;
  const p = FIELD_PLACES[w.field];
  markField(ctx.wc, w.field);
  switch (w.field) {
    case 'vlan_vid':
      flow.vlanTci[0] = (flow.vlanTci[0]! & ~0x0fff) | (w.words[0]! & 0x0fff);
      flow.sync();
      return true;
    case 'vlan_pcp':
      flow.vlanTci[0] = (flow.vlanTci[0]! & 0x1fff) | (w.words[0]! & 0xe000);
      flow.sync();
      return true;
    case 'mpls_label':
    case 'mpls_tc':
    case 'mpls_bos':
      flow.setMplsTop(w.words[0]!, bitsOf(w.field));
      return true;
    default:
      break;
  }
  if (p.words > 1) {
    for (let i = 0; i < p.words; i++) flow.key[p.word + i] = w.words[i]!;
    return true;
  }
  const m = bitsOf(w.field);
  flow.key[p.word] = ((flow.key[p.word]! & ~m) | (w.words[0]! & m)) >>> 0;
  return true;
}
