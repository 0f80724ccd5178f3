/**
 * NXM / OXM field headers as Open vSwitch names them inside Nicira actions
 * (learn specs, ct zones, reg_load / reg_move / stack subfields).
 *
 * Those actions carry a bare 32-bit field header (class << 16 | field << 9 |
 * hasmask << 8 | length) and a bit range. Open vSwitch maps the header to
 * one of its own fields and prints it under the field's preferred wire name:
 * the NXM name when the field has one (an OXM eth_dst prints as
 * NXM_OF_ETH_DST), else the OXM name (OXM_OF_VLAN_VID, OXM_OF_IN_PORT); and
 * a value of the whole field under the field's own name (eth_dst=...).
 * `bits` is the field's width in Open vSwitch, which can be narrower than
 * its bytes: vlan_vid is 12 bits, ip_dscp 6, ipv6_label 20.
 *
 * Facts (header numbers, widths, names) from Open vSwitch's
 * include/openvswitch/meta-flow.h.
 */
import { formatIpv4, formatIpv6, formatMac } from './addr.js';
import { putHex } from './fields.js';
import type { PrintOptions } from './options.js';
import { formatPort } from './ports.js';

export type NxStyle = 'dec' | 'hex' | 'eth' | 'ipv4' | 'ipv6' | 'port16' | 'port32';

export interface NxField {
  /** The wire name printed in subfields: NXM_OF_ETH_DST, OXM_OF_VLAN_VID. */
  readonly wire: string;
  /** Open vSwitch's field name, printed before "=" for a whole-field value. */
  readonly name: string;
  readonly bytes: number;
  readonly bits: number;
  readonly style: NxStyle;
  /** Whether actions may write it (mf_check_dst). */
  readonly writable: boolean;
  /** A variable-length field (tun_metadata): any header length names it. */
  readonly variable?: boolean;
}

/** What a match must pin down before a field makes sense (Open vSwitch's MFP_*). */
export type NxPrereq = 'none' | 'vlan' | 'ip' | 'ipv4' | 'ipv6' | 'arp' | 'mpls' | 'tcp' | 'udp' | 'sctp' | 'icmpv4' | 'icmpv6' | 'nd' | 'nd_solicit' | 'nd_advert';

/** The part of a match (or of the flow a learn action is building) prerequisites look at; undefined = not matched exactly. */
export interface PrereqFlow {
  readonly dlType?: number;
  readonly nwProto?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** An 802.1Q header is present (the VLAN CFI bit is matched as 1). */
  readonly vlan?: boolean;
}

const PREREQS: Readonly<Record<string, NxPrereq>> = {
  vlan_pcp: 'vlan',
  nw_tos: 'ip', ip_dscp: 'ip', nw_ecn: 'ip', nw_ttl: 'ip', nw_proto: 'ip', ip_frag: 'ip',
  ip_src: 'ipv4', ip_dst: 'ipv4',
  ipv6_src: 'ipv6', ipv6_dst: 'ipv6', ipv6_label: 'ipv6',
  arp_op: 'arp', arp_spa: 'arp', arp_tpa: 'arp', arp_sha: 'arp', arp_tha: 'arp',
  mpls_label: 'mpls', mpls_tc: 'mpls', mpls_bos: 'mpls',
  tcp_src: 'tcp', tcp_dst: 'tcp', tcp_flags: 'tcp',
  udp_src: 'udp', udp_dst: 'udp',
  sctp_src: 'sctp', sctp_dst: 'sctp',
  icmp_type: 'icmpv4', icmp_code: 'icmpv4',
  icmpv6_type: 'icmpv6', icmpv6_code: 'icmpv6',
  nd_target: 'nd', nd_sll: 'nd_solicit', nd_tll: 'nd_advert',
};

const isIpAny = (f: PrereqFlow): boolean => f.dlType === 0x0800 || f.dlType === 0x86dd;

/** `mf_are_prereqs_ok` for one field against what is known of the flow. */
export function nxPrereqOk(field: NxField, f: PrereqFlow): boolean {
  switch (PREREQS[field.name] ?? 'none') {
    case 'none':
      return true;
    case 'vlan':
      return f.vlan === true;
    case 'ip':
      return isIpAny(f);
    case 'ipv4':
      return f.dlType === 0x0800;
    case 'ipv6':
      return f.dlType === 0x86dd;
    case 'arp':
      return f.dlType === 0x0806 || f.dlType === 0x8035;
    case 'mpls':
      return f.dlType === 0x8847 || f.dlType === 0x8848;
    case 'tcp':
      return isIpAny(f) && f.nwProto === 6;
    case 'udp':
      return isIpAny(f) && f.nwProto === 17;
    case 'sctp':
      return isIpAny(f) && f.nwProto === 132;
    case 'icmpv4':
      return f.dlType === 0x0800 && f.nwProto === 1;
    case 'icmpv6':
      return f.dlType === 0x86dd && f.nwProto === 58;
    case 'nd':
      return f.dlType === 0x86dd && f.nwProto === 58 && (f.icmpType === 135 || f.icmpType === 136) && f.icmpCode === 0;
    case 'nd_solicit':
      return f.dlType === 0x86dd && f.nwProto === 58 && f.icmpType === 135 && f.icmpCode === 0;
    case 'nd_advert':
      return f.dlType === 0x86dd && f.nwProto === 58 && f.icmpType === 136 && f.icmpCode === 0;
  }
}

const NXM_OF = 0x0000;
const NXM_NX = 0x0001;
const OXM_OF = 0x8000;
const OXM_PKT_REGS = 0x8001;

const FIELDS = new Map<number, NxField>();

function def(cls: number, field: number, wire: string, name: string, bytes: number, bits: number, style: NxStyle, writable = true): NxField {
  const f: NxField = { wire, name, bytes, bits, style, writable };
  FIELDS.set(cls * 128 + field, f);
  return f;
}

/** The same Open vSwitch field reached through a second (OXM) header. */
const alias = (cls: number, field: number, f: NxField): void => void FIELDS.set(cls * 128 + field, f);

// NXM_OF_* (class 0) and their OXM twins, which print under the NXM name.
def(NXM_OF, 0, 'NXM_OF_IN_PORT', 'in_port', 2, 16, 'port16');
alias(OXM_OF, 3, def(NXM_OF, 1, 'NXM_OF_ETH_DST', 'eth_dst', 6, 48, 'eth'));
alias(OXM_OF, 4, def(NXM_OF, 2, 'NXM_OF_ETH_SRC', 'eth_src', 6, 48, 'eth'));
alias(OXM_OF, 5, def(NXM_OF, 3, 'NXM_OF_ETH_TYPE', 'eth_type', 2, 16, 'hex', false));
def(NXM_OF, 4, 'NXM_OF_VLAN_TCI', 'vlan_tci', 2, 16, 'hex');
def(NXM_OF, 5, 'NXM_OF_IP_TOS', 'nw_tos', 1, 8, 'dec');
alias(OXM_OF, 10, def(NXM_OF, 6, 'NXM_OF_IP_PROTO', 'nw_proto', 1, 8, 'dec', false));
alias(OXM_OF, 11, def(NXM_OF, 7, 'NXM_OF_IP_SRC', 'ip_src', 4, 32, 'ipv4'));
alias(OXM_OF, 12, def(NXM_OF, 8, 'NXM_OF_IP_DST', 'ip_dst', 4, 32, 'ipv4'));
alias(OXM_OF, 13, def(NXM_OF, 9, 'NXM_OF_TCP_SRC', 'tcp_src', 2, 16, 'dec'));
alias(OXM_OF, 14, def(NXM_OF, 10, 'NXM_OF_TCP_DST', 'tcp_dst', 2, 16, 'dec'));
alias(OXM_OF, 15, def(NXM_OF, 11, 'NXM_OF_UDP_SRC', 'udp_src', 2, 16, 'dec'));
alias(OXM_OF, 16, def(NXM_OF, 12, 'NXM_OF_UDP_DST', 'udp_dst', 2, 16, 'dec'));
alias(OXM_OF, 19, def(NXM_OF, 13, 'NXM_OF_ICMP_TYPE', 'icmp_type', 1, 8, 'dec'));
alias(OXM_OF, 20, def(NXM_OF, 14, 'NXM_OF_ICMP_CODE', 'icmp_code', 1, 8, 'dec'));
alias(OXM_OF, 21, def(NXM_OF, 15, 'NXM_OF_ARP_OP', 'arp_op', 2, 16, 'dec'));
alias(OXM_OF, 22, def(NXM_OF, 16, 'NXM_OF_ARP_SPA', 'arp_spa', 4, 32, 'ipv4'));
alias(OXM_OF, 23, def(NXM_OF, 17, 'NXM_OF_ARP_TPA', 'arp_tpa', 4, 32, 'ipv4'));

// NXM_NX_* (class 1).
for (let i = 0; i < 16; i++) def(NXM_NX, i, `NXM_NX_REG${i}`, `reg${i}`, 4, 32, 'hex');
alias(OXM_OF, 38, def(NXM_NX, 16, 'NXM_NX_TUN_ID', 'tun_id', 8, 64, 'hex'));
alias(OXM_OF, 24, def(NXM_NX, 17, 'NXM_NX_ARP_SHA', 'arp_sha', 6, 48, 'eth'));
alias(OXM_OF, 25, def(NXM_NX, 18, 'NXM_NX_ARP_THA', 'arp_tha', 6, 48, 'eth'));
alias(OXM_OF, 26, def(NXM_NX, 19, 'NXM_NX_IPV6_SRC', 'ipv6_src', 16, 128, 'ipv6'));
alias(OXM_OF, 27, def(NXM_NX, 20, 'NXM_NX_IPV6_DST', 'ipv6_dst', 16, 128, 'ipv6'));
alias(OXM_OF, 29, def(NXM_NX, 21, 'NXM_NX_ICMPV6_TYPE', 'icmpv6_type', 1, 8, 'dec'));
alias(OXM_OF, 30, def(NXM_NX, 22, 'NXM_NX_ICMPV6_CODE', 'icmpv6_code', 1, 8, 'dec'));
alias(OXM_OF, 31, def(NXM_NX, 23, 'NXM_NX_ND_TARGET', 'nd_target', 16, 128, 'ipv6'));
alias(OXM_OF, 32, def(NXM_NX, 24, 'NXM_NX_ND_SLL', 'nd_sll', 6, 48, 'eth'));
alias(OXM_OF, 33, def(NXM_NX, 25, 'NXM_NX_ND_TLL', 'nd_tll', 6, 48, 'eth'));
def(NXM_NX, 26, 'NXM_NX_IP_FRAG', 'ip_frag', 1, 2, 'hex', false);
alias(OXM_OF, 28, def(NXM_NX, 27, 'NXM_NX_IPV6_LABEL', 'ipv6_label', 4, 20, 'hex'));
alias(OXM_OF, 9, def(NXM_NX, 28, 'NXM_NX_IP_ECN', 'nw_ecn', 1, 2, 'dec'));
def(NXM_NX, 29, 'NXM_NX_IP_TTL', 'nw_ttl', 1, 8, 'dec');
def(NXM_NX, 31, 'NXM_NX_TUN_IPV4_SRC', 'tun_src', 4, 32, 'ipv4');
def(NXM_NX, 32, 'NXM_NX_TUN_IPV4_DST', 'tun_dst', 4, 32, 'ipv4');
def(NXM_NX, 33, 'NXM_NX_PKT_MARK', 'pkt_mark', 4, 32, 'hex');
def(NXM_NX, 34, 'NXM_NX_TCP_FLAGS', 'tcp_flags', 2, 12, 'hex', false);
def(NXM_NX, 35, 'NXM_NX_DP_HASH', 'dp_hash', 4, 32, 'hex', false);
def(NXM_NX, 36, 'NXM_NX_RECIRC_ID', 'recirc_id', 4, 32, 'dec', false);
def(NXM_NX, 37, 'NXM_NX_CONJ_ID', 'conj_id', 4, 32, 'dec', false);
def(NXM_NX, 38, 'NXM_NX_TUN_GBP_ID', 'tun_gbp_id', 2, 16, 'dec');
def(NXM_NX, 39, 'NXM_NX_TUN_GBP_FLAGS', 'tun_gbp_flags', 1, 8, 'hex');
// Geneve option space: up to 124 bytes each, whatever length the header gives.
for (let i = 0; i < 64; i++) {
  FIELDS.set(NXM_NX * 128 + 40 + i, { wire: `NXM_NX_TUN_METADATA${i}`, name: `tun_metadata${i}`, bytes: 124, bits: 992, style: 'hex', writable: true, variable: true });
}
def(NXM_NX, 105, 'NXM_NX_CT_STATE', 'ct_state', 4, 32, 'hex', false);
def(NXM_NX, 106, 'NXM_NX_CT_ZONE', 'ct_zone', 2, 16, 'hex', false);
def(NXM_NX, 107, 'NXM_NX_CT_MARK', 'ct_mark', 4, 32, 'hex');
def(NXM_NX, 108, 'NXM_NX_CT_LABEL', 'ct_label', 16, 128, 'hex');
def(NXM_NX, 109, 'NXM_NX_TUN_IPV6_SRC', 'tun_ipv6_src', 16, 128, 'ipv6');
def(NXM_NX, 110, 'NXM_NX_TUN_IPV6_DST', 'tun_ipv6_dst', 16, 128, 'ipv6');
for (let i = 0; i < 4; i++) def(NXM_NX, 111 + i, `NXM_NX_XXREG${i}`, `xxreg${i}`, 16, 128, 'hex');
def(NXM_NX, 115, 'NXM_NX_CT_NW_PROTO', 'ct_nw_proto', 1, 8, 'dec', false);
def(NXM_NX, 116, 'NXM_NX_CT_NW_SRC', 'ct_nw_src', 4, 32, 'ipv4', false);
def(NXM_NX, 117, 'NXM_NX_CT_NW_DST', 'ct_nw_dst', 4, 32, 'ipv4', false);
def(NXM_NX, 118, 'NXM_NX_CT_IPV6_SRC', 'ct_ipv6_src', 16, 128, 'ipv6', false);
def(NXM_NX, 119, 'NXM_NX_CT_IPV6_DST', 'ct_ipv6_dst', 16, 128, 'ipv6', false);
def(NXM_NX, 120, 'NXM_NX_CT_TP_SRC', 'ct_tp_src', 2, 16, 'dec', false);
def(NXM_NX, 121, 'NXM_NX_CT_TP_DST', 'ct_tp_dst', 2, 16, 'dec', false);

// OXM-only fields: they print under their OXM names.
def(OXM_OF, 0, 'OXM_OF_IN_PORT', 'in_port_oxm', 4, 32, 'port32');
def(OXM_OF, 2, 'OXM_OF_METADATA', 'metadata', 8, 64, 'hex');
def(OXM_OF, 6, 'OXM_OF_VLAN_VID', 'vlan_vid', 2, 12, 'dec');
def(OXM_OF, 7, 'OXM_OF_VLAN_PCP', 'vlan_pcp', 1, 3, 'dec');
def(OXM_OF, 8, 'OXM_OF_IP_DSCP', 'ip_dscp', 1, 6, 'dec');
def(OXM_OF, 17, 'OXM_OF_SCTP_SRC', 'sctp_src', 2, 16, 'dec');
def(OXM_OF, 18, 'OXM_OF_SCTP_DST', 'sctp_dst', 2, 16, 'dec');
def(OXM_OF, 34, 'OXM_OF_MPLS_LABEL', 'mpls_label', 4, 20, 'dec');
def(OXM_OF, 35, 'OXM_OF_MPLS_TC', 'mpls_tc', 1, 3, 'dec');
def(OXM_OF, 36, 'OXM_OF_MPLS_BOS', 'mpls_bos', 1, 1, 'dec', false);
for (let i = 0; i < 8; i++) def(OXM_PKT_REGS, i, `OXM_OF_PKT_REG${i}`, `xreg${i}`, 8, 64, 'hex');

/**
 * The field a header names, as `nxm_field_by_header` finds it: a header with
 * the mask bit stands for its exact form (half the length); the length must
 * be the field's. Undefined for a field Open vSwitch does not have.
 */
export function nxFieldByHeader(header: number): NxField | undefined {
  header >>>= 0;
  const cls = header >>> 16;
  const field = (header >>> 9) & 0x7f;
  const hasMask = (header >>> 8) & 1;
  const length = hasMask ? (header & 0xff) / 2 : header & 0xff;
  const f = FIELDS.get(cls * 128 + field);
  return f !== undefined && (f.bytes === length || f.variable) ? f : undefined;
}

/** `mf_format_subfield`: NAME[], NAME[bit], NAME[first..last]. */
export function formatSubfield(f: NxField, ofs: number, nBits: number): string {
  if (ofs === 0 && nBits === f.bits) return `${f.wire}[]`;
  if (nBits === 1) return `${f.wire}[${ofs}]`;
  return `${f.wire}[${ofs}..${ofs + nBits - 1}]`;
}

/** `mf_format` of a whole-field value given as the field's big-endian bytes. */
export function formatNxValue(f: NxField, b: Uint8Array, opts?: PrintOptions): string {
  const int = (): bigint => (b.length ? BigInt('0x' + Buffer.from(b).toString('hex')) : 0n);
  switch (f.style) {
    case 'dec':
      return int().toString();
    case 'hex':
      return putHex(b);
    case 'eth':
      return formatMac(b);
    case 'ipv4':
      return formatIpv4(Number(int()));
    case 'ipv6':
      return formatIpv6(b);
    case 'port16': {
      // A 16-bit OpenFlow 1.0 port; the reserved ones are the OF1.1+ numbers minus 0xffff0000.
      const p = Number(int());
      return formatPort(p >= 0xff00 ? (0xffff0000 + p) >>> 0 : p, opts);
    }
    case 'port32':
      return formatPort(Number(int()), opts);
  }
}
