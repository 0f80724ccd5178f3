/**
 * The match fields ovs-ofctl knows that OpenFlow 1.3 can carry, by name.
 *
 * Open vSwitch does not store a match as a list of OXM fields but as one
 * flow structure with a mask, in which several names share storage: `nw_src`
 * is the IPv4 source of an IP packet *and* the sender address of an ARP
 * packet; `tp_src` is the TCP, UDP or SCTP source port *and* the ICMP type;
 * `arp_op` is kept in the IP protocol byte; `vlan_tci` holds the VLAN id,
 * priority and the "tag present" bit. Which OXM field comes out is only
 * decided when the match is encoded, from `eth_type` and `ip_proto`. That is
 * why `arp,nw_src=10.0.0.1` sends `arp_spa`, and `tcp,icmp_type=3` sends
 * `tcp_src=3`. We reproduce this by parsing every name into a *slot* (the
 * shared storage) at a bit offset, and choosing the OXM fields at the end
 * (`match.ts`).
 *
 * Each field records what ovs-ofctl's messages need (its canonical name, its
 * width in bytes), whether ovs-ofctl lets it carry an arbitrary mask, which
 * bits are meaningful (ovs-ofctl truncates the others silently; we refuse
 * them), and, for `set_field`, which OXM field it writes and what the packet
 * must be for the write to make sense.
 *
 * Not here: Open vSwitch's extension fields (registers, conntrack, tunnel
 * metadata, `nw_ttl`, `ip_frag`, `tcp_flags`...), which OpenFlow 1.3 has no
 * OXM for; ovs-ofctl would send them as Nicira extensions. Besides the names
 * ovs-ofctl knows, the OF1.3 spec's own OXM names (`ipv4_src`,
 * `ipv6_flabel`, `icmpv4_type`...) are accepted as aliases, and three OXM
 * fields that ovs-ofctl lacks entirely (`in_phy_port`, `pbb_isid`,
 * `ipv6_exthdr`) are provided.
 */
import type { OxmName } from '../../openflow/types.js';

/** Where a field's bits live; see the essay above. */
export type Slot =
  | 'in_port'
  | 'in_phy_port'
  | 'metadata'
  | 'tun_id'
  | 'dl_src'
  | 'dl_dst'
  | 'dl_type'
  | 'vlan_tci'
  | 'mpls_lse'
  | 'pbb_isid'
  | 'nw_src'
  | 'nw_dst'
  | 'ipv6_src'
  | 'ipv6_dst'
  | 'ipv6_label'
  | 'ipv6_exthdr'
  | 'nw_proto'
  | 'nw_tos'
  | 'tp_src'
  | 'tp_dst'
  | 'arp_sha'
  | 'arp_tha'
  | 'nd_target';

/** How a value is written. */
export type FieldFormat = 'int' | 'mac' | 'ipv4' | 'ipv6' | 'port';

/**
 * What the packet must be for a field to exist: checked when a match is
 * normalized and when a set_field is applied to the flow as it is then.
 */
export type Prereq =
  | 'none'
  | 'vlan'
  | 'mpls'
  | 'pbb'
  | 'ipv4'
  | 'ipv6'
  | 'ip'
  | 'arp'
  | 'tcp'
  | 'udp'
  | 'sctp'
  | 'icmpv4'
  | 'icmpv6'
  | 'nd'
  | 'nd_solicit'
  | 'nd_advert';

export interface MatchField {
  /** The name ovs-ofctl uses in messages (`tcp_dst` also for `tp_dst`). */
  readonly name: string;
  readonly slot: Slot;
  /** Bit offset of the field's value within its slot. */
  readonly shift: number;
  /** The bits of the value that mean something; others are refused. */
  readonly valid: bigint;
  /**
   * The slot bits an exact match pins, at `shift`: usually `valid`, but an
   * ICMP type pins all 16 bits of tp_src (its high byte is zero), which is
   * why `tcp,icmp_type=3` is an exact `tcp_src=3`.
   */
  readonly pins: bigint;
  /** ovs-ofctl's width in bytes, for "value too large for N-byte field". */
  readonly bytes: number;
  readonly format: FieldFormat;
  /** Whether ovs-ofctl accepts an arbitrary bitwise mask. */
  readonly maskable: boolean;
  /** Slot bits that matching this field also pins (the VLAN "present" bit). */
  readonly implied?: { value: bigint; mask: bigint };
  /** The OXM field a set_field to this name writes; none: not settable in OF1.3. */
  readonly oxm?: OxmName;
  /** ovs-ofctl refuses `set_field` to it with "NAME is read-only". */
  readonly readOnly?: boolean;
  /** What a set_field to this field needs of the packet. */
  readonly prereq: Prereq;
}

const CFI = { value: 0x1000n, mask: 0x1000n };
const ones = (bits: number): bigint => (1n << BigInt(bits)) - 1n;

interface Def {
  names: string[];
  slot: Slot;
  shift?: number;
  valid: bigint;
  pins?: bigint;
  bytes: number;
  format?: FieldFormat;
  maskable?: boolean;
  implied?: { value: bigint; mask: bigint };
  oxm?: OxmName;
  readOnly?: boolean;
  prereq: Prereq;
}

/* The first name of each is the one ovs-ofctl prints in messages. */
const DEFS: Def[] = [
  { names: ['in_port', 'in_port_oxm'], slot: 'in_port', valid: ones(32), bytes: 4, format: 'port', oxm: 'in_port', prereq: 'none' },
  { names: ['in_phy_port'], slot: 'in_phy_port', valid: ones(32), bytes: 4, format: 'port', readOnly: true, prereq: 'none' },
  { names: ['metadata'], slot: 'metadata', valid: ones(64), bytes: 8, maskable: true, oxm: 'metadata', prereq: 'none' },
  { names: ['tun_id', 'tunnel_id'], slot: 'tun_id', valid: ones(64), bytes: 8, maskable: true, oxm: 'tunnel_id', prereq: 'none' },
  { names: ['eth_src', 'dl_src'], slot: 'dl_src', valid: ones(48), bytes: 6, format: 'mac', maskable: true, oxm: 'eth_src', prereq: 'none' },
  { names: ['eth_dst', 'dl_dst'], slot: 'dl_dst', valid: ones(48), bytes: 6, format: 'mac', maskable: true, oxm: 'eth_dst', prereq: 'none' },
  { names: ['eth_type', 'dl_type'], slot: 'dl_type', valid: ones(16), bytes: 2, readOnly: true, prereq: 'none' },
  { names: ['vlan_tci'], slot: 'vlan_tci', valid: ones(16), bytes: 2, maskable: true, prereq: 'none' },
  // OF1.0's 12-bit VID, or 0xffff for "no VLAN"; match.ts turns it into TCI bits.
  { names: ['dl_vlan'], slot: 'vlan_tci', valid: ones(16), bytes: 2, prereq: 'vlan' },
  { names: ['vlan_vid'], slot: 'vlan_tci', valid: ones(13), bytes: 2, maskable: true, oxm: 'vlan_vid', prereq: 'vlan' },
  { names: ['vlan_pcp', 'dl_vlan_pcp'], slot: 'vlan_tci', shift: 13, valid: ones(3), bytes: 1, implied: CFI, oxm: 'vlan_pcp', prereq: 'vlan' },
  { names: ['mpls_label'], slot: 'mpls_lse', shift: 12, valid: ones(20), bytes: 4, oxm: 'mpls_label', prereq: 'mpls' },
  { names: ['mpls_tc'], slot: 'mpls_lse', shift: 9, valid: ones(3), bytes: 1, oxm: 'mpls_tc', prereq: 'mpls' },
  { names: ['mpls_bos'], slot: 'mpls_lse', shift: 8, valid: ones(1), bytes: 1, oxm: 'mpls_bos', readOnly: true, prereq: 'mpls' },
  { names: ['pbb_isid'], slot: 'pbb_isid', valid: ones(24), bytes: 3, maskable: true, oxm: 'pbb_isid', prereq: 'pbb' },
  { names: ['ip_src', 'nw_src', 'ipv4_src'], slot: 'nw_src', valid: ones(32), bytes: 4, format: 'ipv4', maskable: true, oxm: 'ipv4_src', prereq: 'ipv4' },
  { names: ['ip_dst', 'nw_dst', 'ipv4_dst'], slot: 'nw_dst', valid: ones(32), bytes: 4, format: 'ipv4', maskable: true, oxm: 'ipv4_dst', prereq: 'ipv4' },
  { names: ['ipv6_src'], slot: 'ipv6_src', valid: ones(128), bytes: 16, format: 'ipv6', maskable: true, oxm: 'ipv6_src', prereq: 'ipv6' },
  { names: ['ipv6_dst'], slot: 'ipv6_dst', valid: ones(128), bytes: 16, format: 'ipv6', maskable: true, oxm: 'ipv6_dst', prereq: 'ipv6' },
  { names: ['ipv6_label', 'ipv6_flabel'], slot: 'ipv6_label', valid: ones(20), bytes: 4, maskable: true, oxm: 'ipv6_flabel', prereq: 'ipv6' },
  { names: ['ipv6_exthdr'], slot: 'ipv6_exthdr', valid: ones(9), bytes: 2, maskable: true, readOnly: true, prereq: 'ipv6' },
  { names: ['nw_proto', 'ip_proto'], slot: 'nw_proto', valid: ones(8), bytes: 1, readOnly: true, prereq: 'ip' },
  // nw_tos is the whole TOS byte; its two low bits are ECN, which ovs-ofctl drops.
  { names: ['nw_tos'], slot: 'nw_tos', valid: 0xfcn, bytes: 1, prereq: 'ip' },
  { names: ['ip_dscp'], slot: 'nw_tos', shift: 2, valid: ones(6), bytes: 1, oxm: 'ip_dscp', prereq: 'ip' },
  { names: ['nw_ecn', 'ip_ecn'], slot: 'nw_tos', valid: ones(2), bytes: 1, oxm: 'ip_ecn', prereq: 'ip' },
  // ovs-ofctl keeps the ARP opcode in the IP protocol byte, so only 8 bits survive.
  { names: ['arp_op'], slot: 'nw_proto', valid: ones(8), bytes: 2, oxm: 'arp_op', prereq: 'arp' },
  { names: ['arp_spa'], slot: 'nw_src', valid: ones(32), bytes: 4, format: 'ipv4', maskable: true, oxm: 'arp_spa', prereq: 'arp' },
  { names: ['arp_tpa'], slot: 'nw_dst', valid: ones(32), bytes: 4, format: 'ipv4', maskable: true, oxm: 'arp_tpa', prereq: 'arp' },
  { names: ['arp_sha'], slot: 'arp_sha', valid: ones(48), bytes: 6, format: 'mac', maskable: true, oxm: 'arp_sha', prereq: 'arp' },
  { names: ['arp_tha'], slot: 'arp_tha', valid: ones(48), bytes: 6, format: 'mac', maskable: true, oxm: 'arp_tha', prereq: 'arp' },
  { names: ['tcp_src', 'tp_src'], slot: 'tp_src', valid: ones(16), bytes: 2, maskable: true, oxm: 'tcp_src', prereq: 'tcp' },
  { names: ['tcp_dst', 'tp_dst'], slot: 'tp_dst', valid: ones(16), bytes: 2, maskable: true, oxm: 'tcp_dst', prereq: 'tcp' },
  { names: ['udp_src'], slot: 'tp_src', valid: ones(16), bytes: 2, maskable: true, oxm: 'udp_src', prereq: 'udp' },
  { names: ['udp_dst'], slot: 'tp_dst', valid: ones(16), bytes: 2, maskable: true, oxm: 'udp_dst', prereq: 'udp' },
  { names: ['sctp_src'], slot: 'tp_src', valid: ones(16), bytes: 2, maskable: true, oxm: 'sctp_src', prereq: 'sctp' },
  { names: ['sctp_dst'], slot: 'tp_dst', valid: ones(16), bytes: 2, maskable: true, oxm: 'sctp_dst', prereq: 'sctp' },
  { names: ['icmp_type', 'icmpv4_type'], slot: 'tp_src', valid: ones(8), pins: ones(16), bytes: 1, oxm: 'icmpv4_type', prereq: 'icmpv4' },
  { names: ['icmp_code', 'icmpv4_code'], slot: 'tp_dst', valid: ones(8), pins: ones(16), bytes: 1, oxm: 'icmpv4_code', prereq: 'icmpv4' },
  { names: ['icmpv6_type'], slot: 'tp_src', valid: ones(8), pins: ones(16), bytes: 1, oxm: 'icmpv6_type', prereq: 'icmpv6' },
  { names: ['icmpv6_code'], slot: 'tp_dst', valid: ones(8), pins: ones(16), bytes: 1, oxm: 'icmpv6_code', prereq: 'icmpv6' },
  { names: ['nd_target', 'ipv6_nd_target'], slot: 'nd_target', valid: ones(128), bytes: 16, format: 'ipv6', maskable: true, oxm: 'ipv6_nd_target', prereq: 'nd' },
  { names: ['nd_sll', 'ipv6_nd_sll'], slot: 'arp_sha', valid: ones(48), bytes: 6, format: 'mac', maskable: true, oxm: 'ipv6_nd_sll', prereq: 'nd_solicit' },
  { names: ['nd_tll', 'ipv6_nd_tll'], slot: 'arp_tha', valid: ones(48), bytes: 6, format: 'mac', maskable: true, oxm: 'ipv6_nd_tll', prereq: 'nd_advert' },
];

const BY_NAME: ReadonlyMap<string, MatchField> = new Map(
  DEFS.flatMap((d) => {
    const f: MatchField = {
      name: d.names[0]!,
      slot: d.slot,
      shift: d.shift ?? 0,
      valid: d.valid,
      pins: d.pins ?? d.valid,
      bytes: d.bytes,
      format: d.format ?? 'int',
      maskable: d.maskable ?? false,
      ...(d.implied ? { implied: d.implied } : {}),
      ...(d.oxm ? { oxm: d.oxm } : {}),
      ...(d.readOnly ? { readOnly: true } : {}),
      prereq: d.prereq,
    };
    return d.names.map((n) => [n, f] as const);
  }),
);

/** The field called `name` (any of its aliases), or undefined. */
export function fieldByName(name: string): MatchField | undefined {
  return BY_NAME.get(name);
}

/**
 * Open vSwitch fields that OpenFlow 1.3 has no OXM for; ovs-ofctl would
 * send them as Nicira extensions. Naming them lets us say why we refuse
 * them instead of calling them unknown.
 */
const OVS_EXTENSION_FIELDS: ReadonlySet<string> = new Set([
  'nw_ttl', 'ip_frag', 'nw_frag', 'tcp_flags', 'mpls_ttl', 'skb_priority', 'pkt_mark', 'conj_id', 'recirc_id',
  'dp_hash', 'actset_output', 'packet_type', 'tun_src', 'tun_dst', 'tun_ipv6_src', 'tun_ipv6_dst', 'tun_flags',
  'tun_tos', 'tun_ttl', 'tun_gbp_id', 'tun_gbp_flags', 'nd_reserved', 'nd_options_type', 'ct_state', 'ct_zone',
  'ct_mark', 'ct_label', 'ct_nw_src', 'ct_nw_dst', 'ct_ipv6_src', 'ct_ipv6_dst', 'ct_nw_proto', 'ct_tp_src',
  'ct_tp_dst', 'dl_vlan_pcp1', 'vlan_tci1',
]);

/** Whether `name` is an Open vSwitch extension field (`reg3`, `ct_state`, ...). */
export function isOvsExtensionField(name: string): boolean {
  return OVS_EXTENSION_FIELDS.has(name) || /^(x{0,2}reg[0-9]+|tun_metadata[0-9]+|nsh_\w+|tun_erspan_\w+|tun_gtpu_\w+)$/.test(name);
}

/** ovs-ofctl's match shorthands: eth_type, and ip_proto where given. */
export const SHORTHANDS: ReadonlyMap<string, { dlType: number; nwProto?: number }> = new Map([
  ['ip', { dlType: 0x0800 }],
  ['ipv4', { dlType: 0x0800 }],
  ['ipv6', { dlType: 0x86dd }],
  ['ip6', { dlType: 0x86dd }],
  ['icmp', { dlType: 0x0800, nwProto: 1 }],
  ['icmp6', { dlType: 0x86dd, nwProto: 58 }],
  ['tcp', { dlType: 0x0800, nwProto: 6 }],
  ['tcp6', { dlType: 0x86dd, nwProto: 6 }],
  ['udp', { dlType: 0x0800, nwProto: 17 }],
  ['udp6', { dlType: 0x86dd, nwProto: 17 }],
  ['sctp', { dlType: 0x0800, nwProto: 132 }],
  ['sctp6', { dlType: 0x86dd, nwProto: 132 }],
  ['arp', { dlType: 0x0806 }],
  ['rarp', { dlType: 0x8035 }],
  ['mpls', { dlType: 0x8847 }],
  ['mplsm', { dlType: 0x8848 }],
]);

/* -------------------------------------------------------- prerequisites */

/** What is known of a packet: from a match, then as actions change it. */
export interface PacketFacts {
  dlType?: number;
  nwProto?: number;
  /** ICMP(v6) type, where the match pins it exactly. */
  icmpType?: number;
  /** VLAN headers known to be present (0 to 2). */
  vlans: number;
}

export const ETH_TYPE_IPV4 = 0x0800;
export const ETH_TYPE_IPV6 = 0x86dd;
export const ETH_TYPE_ARP = 0x0806;
export const ETH_TYPE_RARP = 0x8035;
export const ETH_TYPE_MPLS = 0x8847;
export const ETH_TYPE_MPLS_MCAST = 0x8848;
export const ETH_TYPE_PBB = 0x88e7;

export const isIp = (t: number | undefined): t is number => t === ETH_TYPE_IPV4 || t === ETH_TYPE_IPV6;
export const isArp = (t: number | undefined): t is number => t === ETH_TYPE_ARP || t === ETH_TYPE_RARP;
export const isMpls = (t: number | undefined): t is number => t === ETH_TYPE_MPLS || t === ETH_TYPE_MPLS_MCAST;

/** Whether a packet with these facts is sure to have what `p` asks for. */
export function prereqHolds(p: Prereq, f: PacketFacts): boolean {
  switch (p) {
    case 'none':
      return true;
    case 'vlan':
      return f.vlans > 0;
    case 'mpls':
      return isMpls(f.dlType);
    case 'pbb':
      return f.dlType === ETH_TYPE_PBB;
    case 'ipv4':
      return f.dlType === ETH_TYPE_IPV4;
    case 'ipv6':
      return f.dlType === ETH_TYPE_IPV6;
    case 'ip':
      return isIp(f.dlType);
    case 'arp':
      return isArp(f.dlType);
    case 'tcp':
      return isIp(f.dlType) && f.nwProto === 6;
    case 'udp':
      return isIp(f.dlType) && f.nwProto === 17;
    case 'sctp':
      return isIp(f.dlType) && f.nwProto === 132;
    case 'icmpv4':
      return f.dlType === ETH_TYPE_IPV4 && f.nwProto === 1;
    case 'icmpv6':
      return f.dlType === ETH_TYPE_IPV6 && f.nwProto === 58;
    case 'nd':
      return prereqHolds('icmpv6', f) && (f.icmpType === 135 || f.icmpType === 136);
    case 'nd_solicit':
      return prereqHolds('icmpv6', f) && f.icmpType === 135;
    case 'nd_advert':
      return prereqHolds('icmpv6', f) && f.icmpType === 136;
    default: {
      const never: never = p;
      return never;
    }
  }
}
