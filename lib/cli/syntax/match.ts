/**
 * A match as ovs-ofctl builds it, and its OpenFlow 1.3 (OXM) encoding.
 *
 * Parsing writes bits into slots (see fields.ts for why several names share
 * one slot). Encoding then does what ovs-ofctl does in two steps:
 *
 * 1. Normalization. A field whose prerequisites the match does not pin is
 *    dropped: `tcp_dst=80` without `tcp` matches every packet, and
 *    `ip,tp_dst=80` is just `ip`. ovs-ofctl does this with a log message,
 *    not an error, and scripts depend on it; we do the same, and report
 *    every dropped field to the caller's warning sink.
 * 2. Emission in ovs-ofctl's order: in_port, Ethernet, VLAN, MPLS, L3, L4,
 *    ARP, tunnel id, metadata. The order is not semantic, but byte-for-byte
 *    equality with ovs-ofctl is what our tests hold us to.
 *
 * Two things OpenFlow 1.3 cannot say are handled differently from
 * ovs-ofctl. A mask on a field the spec calls unmaskable (`tp_dst=0x1000/
 * 0xf000`, `nd_target=.../64`) is sent exactly as ovs-ofctl sends it, as a
 * masked OXM of the standard class, with a warning, because Open vSwitch
 * accepts it and a stricter switch answers with OFPBMC_BAD_MASK; it cannot
 * go through the codec's typed `OxmBasic`, which rightly refuses such a mask,
 * so it is built as raw bytes. A partial mask on the VLAN priority bits,
 * which ovs-ofctl silently drops (matching more than asked), is an error.
 */
import { OFPXMC } from '../../openflow/constants.js';
import { OxmKind, oxmFieldByName } from '../../openflow/oxm.js';
import type { Match, OxmField, OxmName } from '../../openflow/types.js';
import { FlowSyntaxError, type WarningSink } from './errors.js';
import { parseFieldValue, type ValueContext } from './field-value.js';
import {
  ETH_TYPE_IPV4,
  ETH_TYPE_IPV6,
  ETH_TYPE_PBB,
  isArp,
  isIp,
  isMpls,
  type MatchField,
  type PacketFacts,
  type Slot,
} from './fields.js';
import { bitsToBuffer, formatIpv4, formatIpv6, formatMac } from './values.js';

interface Bits {
  value: bigint;
  mask: bigint;
}

const VLAN_CFI = 0x1000n;
const VLAN_VID_CFI = 0x1fffn;
const VLAN_PCP = 0xe000n;

export class MatchBuilder {
  private readonly slots = new Map<Slot, Bits>();
  /** The names the user wrote into each slot, for warnings. */
  private readonly written = new Map<Slot, Set<string>>();

  /** Sets `field` from its text form, as `field=text` in a flow. */
  setField(f: MatchField, name: string, text: string, ctx: ValueContext): void {
    if (f.name === 'dl_vlan') return this.setDlVlan(f, name, text, ctx);
    const bits = parseFieldValue(f, text, ctx);
    const widthOnes = (1n << BigInt(8 * f.bytes)) - 1n;
    const mask = bits.mask === undefined || bits.mask === widthOnes ? f.pins : bits.mask & f.valid;
    this.put(f.slot, bits.value & mask, mask, f.pins, f.shift, name);
    if (f.implied !== undefined && mask !== 0n) this.put(f.slot, f.implied.value, f.implied.mask, f.implied.mask, 0, name);
  }

  /** A shorthand such as `tcp`: eth_type and maybe ip_proto, exact. */
  setShorthand(name: string, dlType: number, nwProto: number | undefined): void {
    this.put('dl_type', BigInt(dlType), 0xffffn, 0xffffn, 0, name);
    if (nwProto !== undefined) this.put('nw_proto', BigInt(nwProto), 0xffn, 0xffn, 0, name);
  }

  /** OF1.0's `dl_vlan`: a 12-bit VID that implies a tag, or 0xffff for "no tag". */
  private setDlVlan(f: MatchField, name: string, text: string, ctx: ValueContext): void {
    const { value, mask } = parseFieldValue(f, text, ctx);
    if (mask === 0n) return this.put('vlan_tci', 0n, 0n, VLAN_VID_CFI, 0, name);
    if (value === 0xffffn) return this.put('vlan_tci', 0n, 0xffffn, 0xffffn, 0, name);
    if (value > 0xfffn) throw new FlowSyntaxError(`${text} is not a valid value for field dl_vlan`, text);
    this.put('vlan_tci', value | VLAN_CFI, VLAN_VID_CFI, VLAN_VID_CFI, 0, name);
  }

  /** Replaces bits `fieldMask << shift` of `slot` with value/mask. */
  private put(slot: Slot, value: bigint, mask: bigint, fieldMask: bigint, shift: number, name: string): void {
    const s = BigInt(shift);
    const old = this.slots.get(slot) ?? { value: 0n, mask: 0n };
    const clear = ~(fieldMask << s);
    this.slots.set(slot, { value: (old.value & clear) | (value << s), mask: (old.mask & clear) | (mask << s) });
    let names = this.written.get(slot);
    if (names === undefined) this.written.set(slot, (names = new Set()));
    names.add(name);
  }

  private get(slot: Slot): Bits | undefined {
    const b = this.slots.get(slot);
    return b === undefined || b.mask === 0n ? undefined : b;
  }

  /** The value of a slot if it is matched exactly over `ones`, else undefined. */
  private exact(slot: Slot, ones: bigint): number | undefined {
    const b = this.get(slot);
    return b !== undefined && (b.mask & ones) === ones ? Number(b.value & ones) : undefined;
  }

  /** What this match guarantees about a packet, for checking actions. */
  facts(): PacketFacts {
    const dlType = this.exact('dl_type', 0xffffn);
    const ip = isIp(dlType);
    const nwProto = ip ? this.exact('nw_proto', 0xffn) : undefined;
    const tpSrc = this.exact('tp_src', 0xffffn);
    const tci = this.get('vlan_tci');
    const tagged = tci !== undefined && (tci.mask & VLAN_CFI) !== 0n && (tci.value & VLAN_CFI) !== 0n;
    return {
      ...(dlType !== undefined ? { dlType } : {}),
      ...(nwProto !== undefined ? { nwProto } : {}),
      ...(tpSrc !== undefined && (nwProto === 1 || nwProto === 58) ? { icmpType: tpSrc } : {}),
      vlans: tagged ? 1 : 0,
    };
  }

  /** The OXM fields, normalized and in ovs-ofctl's order; see the essay. */
  toOxm(warn: WarningSink): Match {
    const out: OxmField[] = [];
    const used = new Set<Slot>();
    const emit = (oxm: OxmName, slot: Slot, shift = 0, width?: number): void => {
      const b = this.get(slot);
      if (b === undefined) return;
      used.add(slot);
      const info = oxmFieldByName(oxm)!;
      const bits = BigInt(width ?? info.len * 8);
      const ones = (1n << bits) - 1n;
      const mask = (b.mask >> BigInt(shift)) & ones;
      if (mask === 0n) return;
      const value = (b.value >> BigInt(shift)) & ones;
      out.push(oxmOf(oxm, value, mask === ones ? undefined : mask, info.len, warn));
    };

    emit('in_port', 'in_port');
    if (this.get('in_port') !== undefined) emit('in_phy_port', 'in_phy_port');
    emit('eth_src', 'dl_src');
    emit('eth_dst', 'dl_dst');
    emit('eth_type', 'dl_type');
    this.emitVlan(out, used);

    const dlType = this.exact('dl_type', 0xffffn);
    if (isMpls(dlType)) {
      emit('mpls_tc', 'mpls_lse', 9, 3);
      emit('mpls_bos', 'mpls_lse', 8, 1);
      emit('mpls_label', 'mpls_lse', 12, 20);
    } else if (dlType === ETH_TYPE_PBB) {
      emit('pbb_isid', 'pbb_isid');
    } else if (isIp(dlType)) {
      if (dlType === ETH_TYPE_IPV4) {
        emit('ipv4_src', 'nw_src');
        emit('ipv4_dst', 'nw_dst');
      } else {
        emit('ipv6_src', 'ipv6_src');
        emit('ipv6_dst', 'ipv6_dst');
        emit('ipv6_flabel', 'ipv6_label', 0, 20);
        emit('ipv6_exthdr', 'ipv6_exthdr', 0, 9);
      }
      emit('ip_dscp', 'nw_tos', 2, 6);
      emit('ip_ecn', 'nw_tos', 0, 2);
      emit('ip_proto', 'nw_proto');
      this.emitL4(dlType, emit);
    } else if (isArp(dlType)) {
      this.checkIcmpLike('nw_proto', 'arp_op', 0xffn);
      emit('arp_op', 'nw_proto', 0, 8);
      emit('arp_spa', 'nw_src');
      emit('arp_tpa', 'nw_dst');
      emit('arp_sha', 'arp_sha');
      emit('arp_tha', 'arp_tha');
    }
    emit('tunnel_id', 'tun_id');
    emit('metadata', 'metadata');

    for (const [slot, names] of this.written) {
      if (!used.has(slot) && this.get(slot) !== undefined) {
        warn(`${[...names].join(', ')}: ignored, the match does not satisfy its prerequisites (ovs-ofctl drops it too)`);
      }
    }
    return out;
  }

  private emitL4(dlType: number, emit: (oxm: OxmName, slot: Slot, shift?: number, width?: number) => void): void {
    const proto = this.exact('nw_proto', 0xffn);
    const pair = (src: OxmName, dst: OxmName): void => {
      emit(src, 'tp_src');
      emit(dst, 'tp_dst');
    };
    if (proto === 6) pair('tcp_src', 'tcp_dst');
    else if (proto === 17) pair('udp_src', 'udp_dst');
    else if (proto === 132) pair('sctp_src', 'sctp_dst');
    else if (proto === 1 && dlType === ETH_TYPE_IPV4) {
      this.checkIcmpLike('tp_src', 'icmp_type', 0xffffn);
      this.checkIcmpLike('tp_dst', 'icmp_code', 0xffffn);
      emit('icmpv4_type', 'tp_src', 0, 8);
      emit('icmpv4_code', 'tp_dst', 0, 8);
    } else if (proto === 58 && dlType === ETH_TYPE_IPV6) {
      this.checkIcmpLike('tp_src', 'icmp_type', 0xffffn);
      this.checkIcmpLike('tp_dst', 'icmp_code', 0xffffn);
      emit('icmpv6_type', 'tp_src', 0, 8);
      emit('icmpv6_code', 'tp_dst', 0, 8);
      const type = this.exact('tp_src', 0xffffn);
      if (type === 135 || type === 136) emit('ipv6_nd_target', 'nd_target');
      if (type === 135) emit('ipv6_nd_sll', 'arp_sha');
      if (type === 136) emit('ipv6_nd_tll', 'arp_tha');
    }
  }

  /**
   * An ICMP type or code, or the ARP opcode, comes out of a wider slot
   * (`tp_src` is 16 bits): only an exact value that fits can be sent.
   */
  private checkIcmpLike(slot: Slot, name: string, slotOnes: bigint): void {
    const b = this.get(slot);
    if (b === undefined) return;
    if (b.mask !== slotOnes || b.value > 0xffn) {
      const text = [...(this.written.get(slot) ?? [])].join(', ');
      throw new FlowSyntaxError(`${text}: ${name} must be an exact value from 0 to 255`, text);
    }
  }

  /**
   * VLAN: vlan_vid carries the VID and the "present" bit, masked if
   * partial; vlan_pcp is sent only for a tagged packet with all three
   * priority bits matched.
   */
  private emitVlan(out: OxmField[], used: Set<Slot>): void {
    const tci = this.get('vlan_tci');
    if (tci === undefined) return;
    used.add('vlan_tci');
    const vidMask = tci.mask & VLAN_VID_CFI;
    if (vidMask === VLAN_VID_CFI) out.push({ field: 'vlan_vid', value: Number(tci.value & VLAN_VID_CFI) });
    else if (vidMask !== 0n) out.push({ field: 'vlan_vid', value: Number(tci.value & vidMask), mask: Number(vidMask) });
    const pcpMask = tci.mask & VLAN_PCP;
    if (pcpMask === 0n) return;
    const tagged = (tci.mask & VLAN_CFI) !== 0n && (tci.value & VLAN_CFI) !== 0n;
    if (pcpMask === VLAN_PCP && tagged) {
      out.push({ field: 'vlan_pcp', value: Number((tci.value & VLAN_PCP) >> 13n) });
      return;
    }
    const untagged = (tci.mask & VLAN_CFI) !== 0n && (tci.value & VLAN_CFI) === 0n;
    if (untagged && (tci.value & VLAN_PCP) === 0n) return;
    const text = [...(this.written.get('vlan_tci') ?? [])].join(', ');
    throw new FlowSyntaxError(
      `${text}: OpenFlow 1.3 can match the VLAN priority only as a whole and only on a tagged packet`,
      text,
    );
  }
}

/** One OXM field from bits, typed as the codec wants it. */
function oxmOf(name: OxmName, value: bigint, mask: bigint | undefined, len: number, warn: WarningSink): OxmField {
  const info = oxmFieldByName(name)!;
  if (mask !== undefined && !info.maskable) {
    // See the essay: sent as Open vSwitch sends it, as raw bytes.
    warn(`${name}: OpenFlow 1.3 does not allow a mask on this field; Open vSwitch accepts it, other switches may refuse it`);
    return {
      field: 'other',
      oxm_class: OFPXMC.OPENFLOW_BASIC,
      oxm_field: info.code,
      hasmask: true,
      payload: Buffer.concat([bitsToBuffer(value, len), bitsToBuffer(mask, len)]),
    };
  }
  const v = oxmValue(info.kind, value);
  return mask === undefined ? { field: name, value: v } : { field: name, value: v, mask: oxmValue(info.kind, mask) };
}

/** Bits as an OxmBasic value of the given kind. */
export function oxmValue(kind: OxmKind, bits: bigint): number | bigint | string {
  switch (kind) {
    case OxmKind.UINT:
      return Number(bits);
    case OxmKind.U64:
      return bits;
    case OxmKind.MAC:
      return formatMac(bits);
    case OxmKind.IPV4:
      return formatIpv4(bits);
    case OxmKind.IPV6:
      return formatIpv6(bits);
    default: {
      const never: never = kind;
      return never;
    }
  }
}
