/**
 * Open vSwitch's names and value formats for the OpenFlow-basic OXM fields
 * (its "meta-flow" fields): what `set_field:VALUE->NAME` prints, and the
 * names table-features and `--sort=FIELD` use.
 *
 * The names are not the OXM names: ipv4_src is "ip_src", ip_ecn "nw_ecn",
 * icmpv4_type "icmp_type", ipv6_flabel "ipv6_label", tunnel_id "tun_id".
 * Each field prints in one style: decimal, hexadecimal (`ds_put_hex`: 0x and
 * no leading zeros), or as an address.
 */
import type { OxmName, OxmValue } from '../../openflow/types.js';
import { formatIpv4, formatIpv6, formatMac, ipv4ToU32, ipv6ToBytes, macToBytes } from './addr.js';

export type FieldStyle = 'dec' | 'hex' | 'eth' | 'ipv4' | 'ipv6';

export interface OvsField {
  /** Open vSwitch's name, as printed after "->" and in table features. */
  readonly name: string;
  readonly style: FieldStyle;
  /** Value width in bytes. */
  readonly bytes: number;
  /** Whether OF1.3 set_field may write it (otherwise OFPBAC_BAD_SET_ARGUMENT). */
  readonly writable: boolean;
}

const f = (name: string, style: FieldStyle, bytes: number, writable = true): OvsField => ({ name, style, bytes, writable });

/** The OpenFlow-basic fields Open vSwitch implements; the others (in_phy_port, pbb_isid, ipv6_exthdr) it does not know. */
export const OVS_FIELDS: Readonly<Partial<Record<OxmName, OvsField>>> = {
  in_port: f('in_port_oxm', 'dec', 4, false),
  metadata: f('metadata', 'hex', 8),
  eth_dst: f('eth_dst', 'eth', 6),
  eth_src: f('eth_src', 'eth', 6),
  eth_type: f('eth_type', 'hex', 2, false),
  vlan_vid: f('vlan_vid', 'dec', 2),
  vlan_pcp: f('vlan_pcp', 'dec', 1),
  ip_dscp: f('ip_dscp', 'dec', 1),
  ip_ecn: f('nw_ecn', 'dec', 1),
  ip_proto: f('nw_proto', 'dec', 1, false),
  ipv4_src: f('ip_src', 'ipv4', 4),
  ipv4_dst: f('ip_dst', 'ipv4', 4),
  tcp_src: f('tcp_src', 'dec', 2),
  tcp_dst: f('tcp_dst', 'dec', 2),
  udp_src: f('udp_src', 'dec', 2),
  udp_dst: f('udp_dst', 'dec', 2),
  sctp_src: f('sctp_src', 'dec', 2),
  sctp_dst: f('sctp_dst', 'dec', 2),
  icmpv4_type: f('icmp_type', 'dec', 1),
  icmpv4_code: f('icmp_code', 'dec', 1),
  arp_op: f('arp_op', 'dec', 2),
  arp_spa: f('arp_spa', 'ipv4', 4),
  arp_tpa: f('arp_tpa', 'ipv4', 4),
  arp_sha: f('arp_sha', 'eth', 6),
  arp_tha: f('arp_tha', 'eth', 6),
  ipv6_src: f('ipv6_src', 'ipv6', 16),
  ipv6_dst: f('ipv6_dst', 'ipv6', 16),
  ipv6_flabel: f('ipv6_label', 'hex', 4),
  icmpv6_type: f('icmpv6_type', 'dec', 1),
  icmpv6_code: f('icmpv6_code', 'dec', 1),
  ipv6_nd_target: f('nd_target', 'ipv6', 16),
  ipv6_nd_sll: f('nd_sll', 'eth', 6),
  ipv6_nd_tll: f('nd_tll', 'eth', 6),
  mpls_label: f('mpls_label', 'dec', 4),
  mpls_tc: f('mpls_tc', 'dec', 1),
  mpls_bos: f('mpls_bos', 'dec', 1, false),
  tunnel_id: f('tun_id', 'hex', 8),
};

/** C's `%#x` of a big-endian value: "0x" and the digits without leading zeros; "0" for zero. */
export function putHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (s === '') {
      if (b) s = `0x${b.toString(16)}`;
    } else {
      s += b.toString(16).padStart(2, '0');
    }
  }
  return s === '' ? '0' : s;
}

/** A value as big-endian bytes of the field's width. */
export function valueBytes(field: OvsField, v: OxmValue): Uint8Array {
  switch (field.style) {
    case 'eth':
      return macToBytes(String(v));
    case 'ipv6':
      return ipv6ToBytes(String(v));
    case 'ipv4':
    case 'dec':
    case 'hex': {
      // An IPv4 address is a 4-byte integer.
      if (typeof v === 'string') v = ipv4ToU32(v);
      const out = new Uint8Array(field.bytes);
      let n = BigInt(v);
      for (let i = field.bytes - 1; i >= 0; i--) {
        out[i] = Number(n & 0xffn);
        n >>= 8n;
      }
      return out;
    }
  }
}

/** `mf_format` of an exact value: decimal, hex, or an address. */
export function formatFieldValue(field: OvsField, v: OxmValue): string {
  const b = valueBytes(field, v);
  switch (field.style) {
    case 'dec':
      return BigInt('0x' + (Buffer.from(b).toString('hex') || '0')).toString();
    case 'hex':
      return putHex(b);
    case 'eth':
      return formatMac(b);
    case 'ipv4':
      return formatIpv4(((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0);
    case 'ipv6':
      return formatIpv6(b);
  }
}
