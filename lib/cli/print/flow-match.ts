/**
 * The match as Open vSwitch holds it, and `match_format`, the function that
 * turns it into ovs-ofctl's text (`priority=10,tcp,nw_src=10.0.0.0/8,...`).
 *
 * Why a model of its own. ovs-ofctl never prints OXM fields in wire order:
 * it decodes them into a `struct flow` plus a mask of the same shape, then
 * prints that in one fixed order, under its own names (dl_src, nw_src,
 * tp_dst), folding several OXM fields into one (vlan_vid and vlan_pcp
 * become one TCI, ip_dscp and ip_ecn one ToS byte, icmpv4_type is tp_src),
 * and abbreviating eth_type + ip_proto into `tcp,`, `udp6,`, `arp,`.
 * Two sources feed this model, OXM matches (oxm-match.ts) and frames
 * (packet-summary.ts, for packet-in and packet-out), so the printing lives
 * here once.
 *
 * Invariants: a value is already ANDed with its mask (OVS zeroes wildcarded
 * bits); an absent field is fully wildcarded; `dl_type` and `nw_proto` are
 * exact-or-absent, as in OVS, and read as 0 when absent.
 */
import { formatIpv4Masked, formatIpv6Masked, formatMacMasked } from './addr.js';
import type { PrintOptions } from './options.js';
import { formatPort } from './ports.js';

export interface Masked<T> {
  readonly value: T;
  readonly mask: T;
}

export interface OvsMatch {
  pkt_mark?: Masked<number>;
  conj_id?: number;
  /** Connection-tracking state bits (CS_*), zone and mark. */
  ct_state?: Masked<number>;
  ct_zone?: number;
  ct_mark?: Masked<number>;
  /** NXM registers 0..15 (sparse). */
  regs?: (Masked<number> | undefined)[];
  tun_id?: Masked<bigint>;
  tun_src?: Masked<number>;
  tun_dst?: Masked<number>;
  metadata?: Masked<bigint>;
  /** OpenFlow port number (32-bit form). */
  in_port?: number;
  /** 802.1Q TCIs, outermost first, with OVS's "present" bit 0x1000; stops at the first unmatched tag. */
  vlans?: Masked<number>[];
  dl_src?: Masked<Uint8Array>;
  dl_dst?: Masked<Uint8Array>;
  dl_type?: number;
  ipv6_src?: Masked<Uint8Array>;
  ipv6_dst?: Masked<Uint8Array>;
  ipv6_label?: Masked<number>;
  /** IPv4 source and destination, or ARP SPA / TPA. */
  nw_src?: Masked<number>;
  nw_dst?: Masked<number>;
  /** IP protocol, or the low byte of the ARP opcode. */
  nw_proto?: number;
  /** ARP SHA / THA, or ND source / target link-layer address. */
  arp_sha?: Masked<Uint8Array>;
  arp_tha?: Masked<Uint8Array>;
  /** The whole ToS byte: DSCP in 0xfc, ECN in 0x03. */
  nw_tos?: Masked<number>;
  nw_ttl?: number;
  /** MPLS label stack entries, outermost first. */
  mpls_lse?: (Masked<number> | undefined)[];
  /** FLOW_NW_FRAG_ANY (1) | FLOW_NW_FRAG_LATER (2). */
  nw_frag?: Masked<number>;
  /** L4 ports, or ICMP type (tp_src) and code (tp_dst). */
  tp_src?: Masked<number>;
  tp_dst?: Masked<number>;
  nd_target?: Masked<Uint8Array>;
  tcp_flags?: Masked<number>;
  /**
   * Fields Open vSwitch cannot represent, already as text ("pbb_isid=0x5"),
   * printed last. Only lenient printing (our own switch's state) fills it;
   * ovs-ofctl refuses such matches.
   */
  extra?: string[];
}

export const ETH_TYPE_IP = 0x0800;
export const ETH_TYPE_ARP = 0x0806;
export const ETH_TYPE_RARP = 0x8035;
export const ETH_TYPE_IPV6 = 0x86dd;
export const ETH_TYPE_MPLS = 0x8847;
export const ETH_TYPE_MPLS_MCAST = 0x8848;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;
export const FLOW_NW_FRAG_ANY = 1;
export const FLOW_NW_FRAG_LATER = 2;

const OFP_DEFAULT_PRIORITY = 0x8000;
const VLAN_CFI = 0x1000;

/* ------------------------------------------------------ field printers */

const hx = (n: number | bigint): string => n.toString(16);

/** `format_be16_masked`: decimal when exact, "0x../0x.." otherwise. */
const be16 = (name: string, m: Masked<number> | undefined): string =>
  m === undefined || m.mask === 0 ? '' : m.mask === 0xffff ? `${name}=${m.value},` : `${name}=0x${hx(m.value)}/0x${hx(m.mask)},`;

/** `format_uint32_masked` and `format_be64_masked`: "%#x", "/%#x" unless exact. */
function alt(n: number | bigint): string {
  return n === 0 || n === 0n ? '0' : `0x${hx(n)}`;
}
const u32 = (name: string, m: Masked<number> | undefined): string =>
  m === undefined || m.mask === 0 ? '' : `${name}=${alt(m.value >>> 0)}${m.mask >>> 0 === 0xffffffff ? '' : `/${alt(m.mask >>> 0)}`},`;
const u64 = (name: string, m: Masked<bigint> | undefined): string =>
  m === undefined || m.mask === 0n ? '' : `${name}=${alt(m.value)}${m.mask === 0xffffffffffffffffn ? '' : `/${alt(m.mask)}`},`;

const eth = (name: string, m: Masked<Uint8Array> | undefined): string =>
  m === undefined || m.mask.every((b) => b === 0) ? '' : `${name}=${formatMacMasked(m.value, m.mask)},`;
const ip4 = (name: string, m: Masked<number> | undefined): string =>
  m === undefined || m.mask === 0 ? '' : `${name}=${formatIpv4Masked(m.value, m.mask)},`;
const ip6 = (name: string, m: Masked<Uint8Array> | undefined): string =>
  m === undefined || m.mask.every((b) => b === 0) ? '' : `${name}=${formatIpv6Masked(m.value, m.mask)},`;

const TCP_FLAG_NAMES: ReadonlyMap<number, string> = new Map([
  [0x001, 'fin'],
  [0x002, 'syn'],
  [0x004, 'rst'],
  [0x008, 'psh'],
  [0x010, 'ack'],
  [0x020, 'urg'],
  [0x040, 'ece'],
  [0x080, 'cwr'],
  [0x100, 'ns'],
  [0x200, '[200]'],
  [0x400, '[400]'],
  [0x800, '[800]'],
]);

/** `format_flags`: names joined by `sep`, unnamed bits as one hex number, "0" for none. */
export function formatFlags(flags: number, name: (bit: number) => string | undefined, sep: string): string {
  if (!flags) return '0';
  const parts: string[] = [];
  let bad = 0;
  for (let bit = 1; flags; bit <<= 1) {
    if (!(flags & bit)) continue;
    const n = name(bit);
    if (n !== undefined) parts.push(n);
    else bad |= bit;
    flags &= ~bit;
  }
  if (bad) parts.push(`0x${hx(bad >>> 0)}`);
  return parts.join(sep);
}

/**
 * `format_flags_masked`: with a full mask, the set flags joined by '|';
 * otherwise "+name" / "-name" for each bit the mask covers.
 */
export function formatFlagsMasked(flags: number, mask: number, maxMask: number, name: (bit: number) => string | undefined): string {
  if (mask === maxMask) return formatFlags(flags, name, '|');
  if (!mask) return '0/0';
  let s = '';
  for (let bit = 1; mask; bit <<= 1) {
    if (!(mask & bit)) continue;
    s += `${flags & bit ? '+' : '-'}${name(bit) ?? `0x${hx(bit)}`}`;
    mask &= ~bit;
  }
  return s;
}

export const tcpFlagName = (bit: number): string | undefined => TCP_FLAG_NAMES.get(bit);

const CT_STATE_NAMES = ['new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat'];
const ctStateName = (bit: number): string | undefined => CT_STATE_NAMES[Math.log2(bit)];

/* ------------------------------------------------------- match_format */

/**
 * A match in ovs-ofctl's canonical form, led by `priority=N,` unless N is
 * the default 32768. Empty for a catch-all at default priority.
 */
export function formatOvsMatch(m: OvsMatch, priority: number, opts?: PrintOptions): string {
  let s = '';
  if (priority !== OFP_DEFAULT_PRIORITY) s += `priority=${priority},`;
  s += u32('pkt_mark', m.pkt_mark);
  if (m.conj_id !== undefined) s += `conj_id=${m.conj_id >>> 0},`;
  if (m.ct_state && m.ct_state.mask & 0xff) {
    const { value, mask } = m.ct_state;
    s += (mask & 0xff) === 0xff ? `ct_state=${formatFlags(value & 0xff, ctStateName, '|')},` : `ct_state=${formatFlagsMasked(value & 0xff, mask & 0xff, 0xff, ctStateName)},`;
  }
  if (m.ct_zone !== undefined) s += `ct_zone=${m.ct_zone},`;
  s += u32('ct_mark', m.ct_mark);

  const dlType = m.dl_type ?? 0;
  const nwProto = m.nw_proto ?? 0;
  let skipType = false;
  let skipProto = false;
  if (m.dl_type !== undefined) {
    skipType = true;
    if (dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) {
      const v6 = dlType === ETH_TYPE_IPV6;
      const base = v6 ? 'ipv6' : 'ip';
      if (m.nw_proto !== undefined) {
        skipProto = true;
        const short =
          nwProto === (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)
            ? v6
              ? 'icmp6'
              : 'icmp'
            : nwProto === IPPROTO_TCP
              ? 'tcp'
              : nwProto === IPPROTO_UDP
                ? 'udp'
                : nwProto === IPPROTO_SCTP
                  ? 'sctp'
                  : undefined;
        if (short === undefined) {
          s += `${base},`;
          skipProto = false;
        } else {
          s += short === 'icmp6' || !v6 ? `${short},` : `${short}6,`;
        }
      } else {
        s += `${base},`;
      }
    } else if (dlType === ETH_TYPE_ARP) s += 'arp,';
    else if (dlType === ETH_TYPE_RARP) s += 'rarp,';
    else if (dlType === ETH_TYPE_MPLS) s += 'mpls,';
    else if (dlType === ETH_TYPE_MPLS_MCAST) s += 'mplsm,';
    else skipType = false;
  }

  m.regs?.forEach((r, i) => (s += u32(`reg${i}`, r)));
  s += u64('tun_id', m.tun_id);
  s += ip4('tun_src', m.tun_src);
  s += ip4('tun_dst', m.tun_dst);
  s += u64('metadata', m.metadata);
  if (m.in_port !== undefined) s += `in_port=${formatPort(m.in_port, opts)},`;

  (m.vlans ?? []).some((tag, i) => {
    if (!tag.mask) return true;
    const idx = i === 0 ? '' : String(i);
    const vidMask = tag.mask & 0x0fff;
    const pcpMask = tag.mask & 0xe000;
    const cfi = tag.mask & VLAN_CFI;
    if (
      cfi &&
      tag.value & VLAN_CFI &&
      (!vidMask || vidMask === 0x0fff) &&
      (!pcpMask || pcpMask === 0xe000) &&
      (vidMask || pcpMask)
    ) {
      if (vidMask) s += `dl_vlan${idx}=${tag.value & 0x0fff},`;
      if (pcpMask) s += `dl_vlan_pcp${idx}=${tag.value >> 13},`;
    } else if (tag.mask === 0xffff) {
      s += `vlan_tci${idx}=0x${hx(tag.value).padStart(4, '0')},`;
    } else {
      s += `vlan_tci${idx}=0x${hx(tag.value).padStart(4, '0')}/0x${hx(tag.mask).padStart(4, '0')},`;
    }
    return false;
  });

  s += eth('dl_src', m.dl_src);
  s += eth('dl_dst', m.dl_dst);
  if (!skipType && m.dl_type !== undefined) s += `dl_type=0x${hx(dlType).padStart(4, '0')},`;

  const isArp = dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP;
  if (dlType === ETH_TYPE_IPV6) {
    s += ip6('ipv6_src', m.ipv6_src);
    s += ip6('ipv6_dst', m.ipv6_dst);
    const l = m.ipv6_label;
    if (l && l.mask) {
      const p5 = (n: number): string => `0x${hx(n >>> 0).padStart(5, '0')}`;
      s += l.mask >>> 0 === 0xffffffff ? `ipv6_label=${p5(l.value)},` : `ipv6_label=${p5(l.value)}/${p5(l.mask)},`;
    }
  } else if (isArp) {
    s += ip4('arp_spa', m.nw_src);
    s += ip4('arp_tpa', m.nw_dst);
  } else {
    s += ip4('nw_src', m.nw_src);
    s += ip4('nw_dst', m.nw_dst);
  }
  if (!skipProto && m.nw_proto !== undefined) s += isArp ? `arp_op=${nwProto},` : `nw_proto=${nwProto},`;
  if (isArp) {
    s += eth('arp_sha', m.arp_sha);
    s += eth('arp_tha', m.arp_tha);
  }
  if (m.nw_tos) {
    if (m.nw_tos.mask & 0xfc) s += `nw_tos=${m.nw_tos.value & 0xfc},`;
    if (m.nw_tos.mask & 0x03) s += `nw_ecn=${m.nw_tos.value & 0x03},`;
  }
  if (m.nw_ttl !== undefined) s += `nw_ttl=${m.nw_ttl},`;

  const lse0 = m.mpls_lse?.[0];
  if (lse0) {
    if (lse0.mask & 0xfffff000) s += `mpls_label=${lse0.value >>> 12},`;
    if (lse0.mask & 0x00000e00) s += `mpls_tc=${(lse0.value >>> 9) & 7},`;
    if (lse0.mask & 0x000000ff) s += `mpls_ttl=${lse0.value & 0xff},`;
    if (lse0.mask & 0x00000100) s += `mpls_bos=${(lse0.value >>> 8) & 1},`;
  }
  for (const i of [1, 2]) {
    const lse = m.mpls_lse?.[i];
    if (lse && lse.mask) {
      s +=
        lse.mask >>> 0 === 0xffffffff
          ? `mpls_lse${i}=${lse.value >>> 0},`
          : `mpls_lse${i}=0x${hx(lse.value >>> 0).padStart(8, '0')}/0x${hx(lse.mask >>> 0).padStart(8, '0')},`;
    }
  }

  const frag = m.nw_frag;
  if (frag) {
    const f = frag.value;
    if (frag.mask === (FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER)) {
      s += `nw_frag=${f & FLOW_NW_FRAG_ANY ? (f & FLOW_NW_FRAG_LATER ? 'later' : 'first') : f & FLOW_NW_FRAG_LATER ? '<error>' : 'no'},`;
    } else if (frag.mask === FLOW_NW_FRAG_ANY) {
      s += `nw_frag=${f & FLOW_NW_FRAG_ANY ? 'yes' : 'no'},`;
    } else if (frag.mask === FLOW_NW_FRAG_LATER) {
      s += `nw_frag=${f & FLOW_NW_FRAG_LATER ? 'later' : 'not_later'},`;
    }
  }

  if ((dlType === ETH_TYPE_IP && nwProto === IPPROTO_ICMP) || (dlType === ETH_TYPE_IPV6 && nwProto === IPPROTO_ICMPV6)) {
    s += be16('icmp_type', m.tp_src);
    s += be16('icmp_code', m.tp_dst);
    if (dlType === ETH_TYPE_IPV6) {
      s += ip6('nd_target', m.nd_target);
      s += eth('nd_sll', m.arp_sha);
      s += eth('nd_tll', m.arp_tha);
    }
  } else {
    s += be16('tp_src', m.tp_src);
    s += be16('tp_dst', m.tp_dst);
  }
  if ((dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) && nwProto === IPPROTO_TCP && m.tcp_flags && m.tcp_flags.mask & 0x0fff) {
    s += `tcp_flags=${formatFlagsMasked(m.tcp_flags.value & 0x0fff, m.tcp_flags.mask & 0x0fff, 0x0fff, tcpFlagName)},`;
  }
  for (const x of m.extra ?? []) s += `${x},`;
  return s.endsWith(',') ? s.slice(0, -1) : s;
}
