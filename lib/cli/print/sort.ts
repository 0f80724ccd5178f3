/**
 * `dump-flows --sort[=FIELD]` / `--rsort[=FIELD]`: the order ovs-ofctl
 * prints flows in when asked to sort them.
 *
 * Each criterion compares one field: priority, or a match field by Open
 * vSwitch's name (nw_src, tcp_dst, dl_vlan, ...). A flow that does not
 * match on the field (or whose match makes the field meaningless) sorts
 * after every flow that does, in both directions; otherwise the field's
 * value in the flow decides, as big-endian bytes, zero where the match
 * leaves it unset (so an ARP flow's sender address counts as its nw_src
 * among the flows without one, as in Open vSwitch). Descending priority breaks the
 * remaining ties, and the sort is stable, so flows equal in every respect
 * keep the switch's order. `--sort` with no field sorts by ascending
 * priority.
 */
import type { FlowStats } from '../../openflow/types.js';
import {
  ETH_TYPE_ARP,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  ETH_TYPE_MPLS,
  ETH_TYPE_MPLS_MCAST,
  ETH_TYPE_RARP,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Masked,
  type OvsMatch,
} from './flow-match.js';
import { ovsMatchFromOxm } from './oxm-match.js';

export interface SortCriterion {
  /** "priority" or an Open vSwitch field name. */
  readonly field: string;
  readonly order: 'asc' | 'desc';
}

/**
 * A sortable field: its value in the flow (zeros where the match does not
 * set it, as in Open vSwitch's flow structure) and whether the match
 * meaningfully matches on it (prerequisites met, not fully wildcarded).
 */
interface SortField {
  readonly bytes: number;
  readonly value: (m: OvsMatch) => Uint8Array | undefined;
  readonly present: (m: OvsMatch) => boolean;
}

const be = (n: number, bytes: number): Uint8Array => {
  const out = new Uint8Array(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = n & 0xff;
    n = Math.floor(n / 256);
  }
  return out;
};
const be64 = (n: bigint): Uint8Array => {
  const out = new Uint8Array(8);
  for (let i = 7; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
};

const isIp = (m: OvsMatch): boolean => m.dl_type === ETH_TYPE_IP || m.dl_type === ETH_TYPE_IPV6;
const isArp = (m: OvsMatch): boolean => m.dl_type === ETH_TYPE_ARP || m.dl_type === ETH_TYPE_RARP;
const isMpls = (m: OvsMatch): boolean => m.dl_type === ETH_TYPE_MPLS || m.dl_type === ETH_TYPE_MPLS_MCAST;
const proto = (p: number) => (m: OvsMatch): boolean => isIp(m) && m.nw_proto === p;
const always = (): boolean => true;

function num(bytes: number, get: (m: OvsMatch) => Masked<number> | undefined, prereq: (m: OvsMatch) => boolean = always, shift = 0, maskBits = -1): SortField {
  return {
    bytes,
    value: (m) => {
      const f = get(m);
      return f ? be(((f.value & maskBits) >>> shift) >>> 0, bytes) : undefined;
    },
    present: (m) => prereq(m) && ((get(m)?.mask ?? 0) & maskBits) !== 0,
  };
}
function addr(get: (m: OvsMatch) => Masked<Uint8Array> | undefined, prereq: (m: OvsMatch) => boolean = always): SortField {
  return { bytes: 16, value: (m) => get(m)?.value, present: (m) => prereq(m) && (get(m)?.mask.some((b) => b) ?? false) };
}
function exact(bytes: number, get: (m: OvsMatch) => number | undefined, prereq: (m: OvsMatch) => boolean = always): SortField {
  return { bytes, value: (m) => (get(m) === undefined ? undefined : be(get(m)!, bytes)), present: (m) => prereq(m) && get(m) !== undefined };
}
function u64(get: (m: OvsMatch) => Masked<bigint> | undefined): SortField {
  return { bytes: 8, value: (m) => (get(m) ? be64(get(m)!.value) : undefined), present: (m) => (get(m)?.mask ?? 0n) !== 0n };
}

const v4 = (m: OvsMatch): boolean => m.dl_type === ETH_TYPE_IP;
const v6 = (m: OvsMatch): boolean => m.dl_type === ETH_TYPE_IPV6;
const icmp4 = (m: OvsMatch): boolean => v4(m) && m.nw_proto === IPPROTO_ICMP;
const icmp6 = (m: OvsMatch): boolean => v6(m) && m.nw_proto === IPPROTO_ICMPV6;

const FIELDS: Readonly<Record<string, SortField>> = {
  in_port: exact(4, (m) => m.in_port),
  metadata: u64((m) => m.metadata),
  tun_id: u64((m) => m.tun_id),
  dl_src: addr((m) => m.dl_src),
  dl_dst: addr((m) => m.dl_dst),
  dl_type: exact(2, (m) => m.dl_type),
  vlan_tci: num(2, (m) => m.vlans?.[0]),
  dl_vlan: num(2, (m) => m.vlans?.[0], always, 0, 0x0fff),
  dl_vlan_pcp: num(1, (m) => m.vlans?.[0], always, 13, 0xe000),
  nw_src: num(4, (m) => m.nw_src, v4),
  nw_dst: num(4, (m) => m.nw_dst, v4),
  nw_proto: exact(1, (m) => m.nw_proto, isIp),
  nw_tos: num(1, (m) => m.nw_tos, isIp, 0, 0xfc),
  nw_ecn: num(1, (m) => m.nw_tos, isIp, 0, 0x03),
  nw_ttl: exact(1, (m) => m.nw_ttl, isIp),
  arp_spa: num(4, (m) => m.nw_src, isArp),
  arp_tpa: num(4, (m) => m.nw_dst, isArp),
  arp_op: exact(2, (m) => m.nw_proto, isArp),
  arp_sha: addr((m) => m.arp_sha, isArp),
  arp_tha: addr((m) => m.arp_tha, isArp),
  ipv6_src: addr((m) => m.ipv6_src, v6),
  ipv6_dst: addr((m) => m.ipv6_dst, v6),
  ipv6_label: num(4, (m) => m.ipv6_label, v6),
  tcp_src: num(2, (m) => m.tp_src, proto(IPPROTO_TCP)),
  tcp_dst: num(2, (m) => m.tp_dst, proto(IPPROTO_TCP)),
  udp_src: num(2, (m) => m.tp_src, proto(IPPROTO_UDP)),
  udp_dst: num(2, (m) => m.tp_dst, proto(IPPROTO_UDP)),
  sctp_src: num(2, (m) => m.tp_src, proto(IPPROTO_SCTP)),
  sctp_dst: num(2, (m) => m.tp_dst, proto(IPPROTO_SCTP)),
  icmp_type: num(1, (m) => m.tp_src, icmp4),
  icmp_code: num(1, (m) => m.tp_dst, icmp4),
  icmpv6_type: num(1, (m) => m.tp_src, icmp6),
  icmpv6_code: num(1, (m) => m.tp_dst, icmp6),
  nd_target: addr((m) => m.nd_target, icmp6),
  mpls_label: num(4, (m) => m.mpls_lse?.[0], isMpls, 12, 0xfffff000),
  pkt_mark: num(4, (m) => m.pkt_mark),
};

/** Open vSwitch's other names for the same fields. */
const ALIASES: Readonly<Record<string, string>> = {
  ip_src: 'nw_src',
  ip_dst: 'nw_dst',
  ip_proto: 'nw_proto',
  eth_src: 'dl_src',
  eth_dst: 'dl_dst',
  eth_type: 'dl_type',
  tp_src: 'tcp_src',
  tp_dst: 'tcp_dst',
  vlan_vid: 'dl_vlan',
  vlan_pcp: 'dl_vlan_pcp',
  nw_ecn: 'nw_ecn',
  tun_id: 'tun_id',
  tunnel_id: 'tun_id',
};

/** Whether `--sort=FIELD` names a field this module can sort by. */
export const isSortField = (field: string): boolean => field === 'priority' || (ALIASES[field] ?? field) in FIELDS;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The flows in the order `--sort` / `--rsort` prints them. */
export function sortFlowStats(flows: readonly FlowStats[], criteria: readonly SortCriterion[]): FlowStats[] {
  const all = [...criteria, { field: 'priority', order: 'desc' } as const];
  const keyed = flows.map((fs, i) => ({ fs, i, m: ovsMatchFromOxm(fs.match, false) }));
  keyed.sort((a, b) => {
    for (const c of all) {
      let ret: number;
      if (c.field === 'priority') {
        ret = a.fs.priority - b.fs.priority;
      } else {
        const f = FIELDS[ALIASES[c.field] ?? c.field];
        if (f === undefined) continue;
        const ina = f.present(a.m);
        const inb = f.present(b.m);
        // Flows that do not match on the field go last in either direction.
        if (ina !== inb) return ina ? -1 : 1;
        // Otherwise the field's value in the flow decides, set or not.
        ret = compareBytes(f.value(a.m) ?? new Uint8Array(f.bytes), f.value(b.m) ?? new Uint8Array(f.bytes));
      }
      if (ret) return c.order === 'asc' ? ret : -ret;
    }
    return a.i - b.i;
  });
  return keyed.map((k) => k.fs);
}
