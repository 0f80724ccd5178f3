/**
 * OXM match → Open vSwitch's match model (`OvsMatch`), the way ovs-ofctl's
 * decoder builds it, refusals included.
 *
 * Each TLV is applied in wire order, and before it is applied ovs-ofctl
 * checks, in this order, and so do we:
 * - the field is one it knows (else OFPBMC_BAD_FIELD): the OpenFlow-basic
 *   fields except in_phy_port, pbb_isid and ipv6_exthdr, plus the Nicira
 *   and ONF extension fields listed in NX_FIELDS;
 * - a mask only on a maskable field (OFPBMC_BAD_MASK), and no value bits
 *   outside the mask (OFPBMC_BAD_WILDCARDS);
 * - the value is in range (OFPBMC_BAD_VALUE: a VID wider than 13 bits, a
 *   DSCP over 63, a port number OVS cannot hold, ...);
 * - its prerequisites are met by the fields already applied (OFPBMC_BAD_PREREQ:
 *   tcp_dst needs eth_type IPv4/IPv6 and ip_proto 6 earlier in the match);
 * - it was not already given (OFPBMC_DUP_FIELD).
 *
 * Open vSwitch accepts masks on transport ports and ND targets in OF1.3
 * (an extension of the spec); our codec may refuse those before we get here.
 */
import type { Match, OxmBasic, OxmField, OxmOther } from '../../openflow/types.js';
import { ipv4ToU32, ipv6ToBytes, macToBytes } from './addr.js';
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
import { isOvsPortNumber } from './ports.js';
import { reject } from './reject.js';

/** Prerequisites, as Open vSwitch's meta-flow names them. */
type Prereq = 'none' | 'vlan' | 'ip' | 'ipv4' | 'ipv6' | 'arp' | 'mpls' | 'tcp' | 'udp' | 'sctp' | 'icmpv4' | 'icmpv6' | 'nd' | 'nd_sol' | 'nd_adv';

function prereqOk(p: Prereq, m: OvsMatch): boolean {
  const t = m.dl_type ?? 0;
  const proto = m.nw_proto ?? 0;
  const ipAny = t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
  const icmp6Type = (): number => (t === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6 ? (m.tp_src?.value ?? 0) : -1);
  const nd = (): boolean => (icmp6Type() === 135 || icmp6Type() === 136) && (m.tp_dst?.value ?? 0) === 0;
  switch (p) {
    case 'none':
      return true;
    case 'vlan':
      return ((m.vlans?.[0]?.value ?? 0) & 0x1000) !== 0;
    case 'ip':
      return ipAny;
    case 'ipv4':
      return t === ETH_TYPE_IP;
    case 'ipv6':
      return t === ETH_TYPE_IPV6;
    case 'arp':
      return t === ETH_TYPE_ARP || t === ETH_TYPE_RARP;
    case 'mpls':
      return t === ETH_TYPE_MPLS || t === ETH_TYPE_MPLS_MCAST;
    case 'tcp':
      return ipAny && proto === IPPROTO_TCP;
    case 'udp':
      return ipAny && proto === IPPROTO_UDP;
    case 'sctp':
      return ipAny && proto === IPPROTO_SCTP;
    case 'icmpv4':
      return t === ETH_TYPE_IP && proto === IPPROTO_ICMP;
    case 'icmpv6':
      return t === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6;
    case 'nd':
      return nd();
    case 'nd_sol':
      return nd() && icmp6Type() === 135;
    case 'nd_adv':
      return nd() && icmp6Type() === 136;
  }
}

/** A field value in the form the model stores. */
type Raw = { kind: 'uint'; v: number; mask: number; full: number } | { kind: 'u64'; v: bigint; mask: bigint } | { kind: 'bytes'; v: Uint8Array; mask: Uint8Array };

/** How one field lands in the model. */
interface FieldRule {
  readonly prereq: Prereq;
  readonly maskable: boolean;
  /** Extra range check on the value (OFPBMC_BAD_VALUE when false). */
  readonly valid?: (v: number) => boolean;
  readonly apply: (m: OvsMatch, r: Raw) => void;
}

const m16 = (r: Raw): Masked<number> => ({ value: (r as { v: number }).v, mask: (r as { mask: number }).mask });
const m64 = (r: Raw): Masked<bigint> => ({ value: (r as { v: bigint }).v, mask: (r as { mask: bigint }).mask });
const mBytes = (r: Raw): Masked<Uint8Array> => ({ value: (r as { v: Uint8Array }).v, mask: (r as { mask: Uint8Array }).mask });
const num = (r: Raw): number => (r as { v: number }).v;

function setVlan(m: OvsMatch, value: number, mask: number, keep: number): void {
  const old = m.vlans?.[0] ?? { value: 0, mask: 0 };
  m.vlans = [{ value: ((old.value & keep) | value) & 0xffff, mask: (old.mask | mask) & 0xffff }];
}

function setTos(m: OvsMatch, value: number, mask: number): void {
  const old = m.nw_tos ?? { value: 0, mask: 0 };
  m.nw_tos = { value: (old.value & ~mask) | value, mask: old.mask | mask };
}

function setLse(m: OvsMatch, value: number, mask: number): void {
  const old = m.mpls_lse?.[0] ?? { value: 0, mask: 0 };
  m.mpls_lse = [{ value: ((old.value & ~mask) | value) >>> 0, mask: (old.mask | mask) >>> 0 }];
}

const RULES: Readonly<Record<string, FieldRule>> = {
  in_port: { prereq: 'none', maskable: false, valid: isOvsPortNumber, apply: (m, r) => (m.in_port = num(r) >>> 0) },
  metadata: { prereq: 'none', maskable: true, apply: (m, r) => (m.metadata = m64(r)) },
  tunnel_id: { prereq: 'none', maskable: true, apply: (m, r) => (m.tun_id = m64(r)) },
  eth_dst: { prereq: 'none', maskable: true, apply: (m, r) => (m.dl_dst = mBytes(r)) },
  eth_src: { prereq: 'none', maskable: true, apply: (m, r) => (m.dl_src = mBytes(r)) },
  eth_type: { prereq: 'none', maskable: false, apply: (m, r) => (m.dl_type = num(r)) },
  vlan_vid: {
    prereq: 'none',
    maskable: true,
    valid: (v) => (v & 0xe000) === 0,
    apply: (m, r) => setVlan(m, m16(r).value & 0x1fff, m16(r).mask & 0x1fff, 0xe000),
  },
  vlan_pcp: { prereq: 'vlan', maskable: false, valid: (v) => v < 8, apply: (m, r) => setVlan(m, (num(r) << 13) | 0x1000, 0xf000, 0x0fff) },
  ip_dscp: { prereq: 'ip', maskable: false, valid: (v) => v < 64, apply: (m, r) => setTos(m, num(r) << 2, 0xfc) },
  ip_ecn: { prereq: 'ip', maskable: false, valid: (v) => v < 4, apply: (m, r) => setTos(m, num(r), 0x03) },
  ip_proto: { prereq: 'ip', maskable: false, apply: (m, r) => (m.nw_proto = num(r)) },
  ipv4_src: { prereq: 'ipv4', maskable: true, apply: (m, r) => (m.nw_src = m16(r)) },
  ipv4_dst: { prereq: 'ipv4', maskable: true, apply: (m, r) => (m.nw_dst = m16(r)) },
  tcp_src: { prereq: 'tcp', maskable: true, apply: (m, r) => (m.tp_src = m16(r)) },
  tcp_dst: { prereq: 'tcp', maskable: true, apply: (m, r) => (m.tp_dst = m16(r)) },
  udp_src: { prereq: 'udp', maskable: true, apply: (m, r) => (m.tp_src = m16(r)) },
  udp_dst: { prereq: 'udp', maskable: true, apply: (m, r) => (m.tp_dst = m16(r)) },
  sctp_src: { prereq: 'sctp', maskable: true, apply: (m, r) => (m.tp_src = m16(r)) },
  sctp_dst: { prereq: 'sctp', maskable: true, apply: (m, r) => (m.tp_dst = m16(r)) },
  icmpv4_type: { prereq: 'icmpv4', maskable: false, apply: (m, r) => (m.tp_src = { value: num(r), mask: 0xffff }) },
  icmpv4_code: { prereq: 'icmpv4', maskable: false, apply: (m, r) => (m.tp_dst = { value: num(r), mask: 0xffff }) },
  arp_op: { prereq: 'arp', maskable: false, valid: (v) => v < 256, apply: (m, r) => (m.nw_proto = num(r)) },
  arp_spa: { prereq: 'arp', maskable: true, apply: (m, r) => (m.nw_src = m16(r)) },
  arp_tpa: { prereq: 'arp', maskable: true, apply: (m, r) => (m.nw_dst = m16(r)) },
  arp_sha: { prereq: 'arp', maskable: true, apply: (m, r) => (m.arp_sha = mBytes(r)) },
  arp_tha: { prereq: 'arp', maskable: true, apply: (m, r) => (m.arp_tha = mBytes(r)) },
  ipv6_src: { prereq: 'ipv6', maskable: true, apply: (m, r) => (m.ipv6_src = mBytes(r)) },
  ipv6_dst: { prereq: 'ipv6', maskable: true, apply: (m, r) => (m.ipv6_dst = mBytes(r)) },
  // The label has 20 bits; Open vSwitch counts the 12 unused mask bits as set.
  ipv6_flabel: { prereq: 'ipv6', maskable: true, valid: (v) => v >>> 0 < 0x100000, apply: (m, r) => (m.ipv6_label = { value: m16(r).value, mask: (m16(r).mask | 0xfff00000) >>> 0 }) },
  icmpv6_type: { prereq: 'icmpv6', maskable: false, apply: (m, r) => (m.tp_src = { value: num(r), mask: 0xffff }) },
  icmpv6_code: { prereq: 'icmpv6', maskable: false, apply: (m, r) => (m.tp_dst = { value: num(r), mask: 0xffff }) },
  ipv6_nd_target: { prereq: 'nd', maskable: true, apply: (m, r) => (m.nd_target = mBytes(r)) },
  ipv6_nd_sll: { prereq: 'nd_sol', maskable: true, apply: (m, r) => (m.arp_sha = mBytes(r)) },
  ipv6_nd_tll: { prereq: 'nd_adv', maskable: true, apply: (m, r) => (m.arp_tha = mBytes(r)) },
  mpls_label: { prereq: 'mpls', maskable: false, valid: (v) => v >>> 0 < 0x100000, apply: (m, r) => setLse(m, (num(r) << 12) >>> 0, 0xfffff000) },
  mpls_tc: { prereq: 'mpls', maskable: false, valid: (v) => v < 8, apply: (m, r) => setLse(m, num(r) << 9, 0xe00) },
  mpls_bos: { prereq: 'mpls', maskable: false, valid: (v) => v < 2, apply: (m, r) => setLse(m, num(r) << 8, 0x100) },
  // Nicira / ONF extension fields (see NX_FIELDS).
  pkt_mark: { prereq: 'none', maskable: true, apply: (m, r) => (m.pkt_mark = m16(r)) },
  tun_src: { prereq: 'none', maskable: true, apply: (m, r) => (m.tun_src = m16(r)) },
  tun_dst: { prereq: 'none', maskable: true, apply: (m, r) => (m.tun_dst = m16(r)) },
  conj_id: { prereq: 'none', maskable: false, apply: (m, r) => (m.conj_id = num(r)) },
  ct_state: { prereq: 'none', maskable: true, valid: (v) => v >>> 0 < 0x100, apply: (m, r) => (m.ct_state = m16(r)) },
  ct_zone: { prereq: 'none', maskable: false, apply: (m, r) => (m.ct_zone = num(r)) },
  ct_mark: { prereq: 'none', maskable: true, apply: (m, r) => (m.ct_mark = m16(r)) },
  nw_ttl: { prereq: 'ip', maskable: false, apply: (m, r) => (m.nw_ttl = num(r)) },
  ip_frag: { prereq: 'ip', maskable: true, valid: (v) => (v & ~3) === 0, apply: (m, r) => (m.nw_frag = { value: m16(r).value & 3, mask: m16(r).mask & 3 }) },
  tcp_flags: { prereq: 'tcp', maskable: true, valid: (v) => (v & ~0x0fff) === 0, apply: (m, r) => (m.tcp_flags = m16(r)) },
  ...Object.fromEntries(
    Array.from({ length: 16 }, (_, i) => [
      `reg${i}`,
      {
        prereq: 'none',
        maskable: true,
        apply: (m: OvsMatch, r: Raw) => {
          (m.regs ??= [])[i] = m16(r);
        },
      } satisfies FieldRule,
    ]),
  ),
};

/**
 * The extension fields ovs-ofctl decodes in OF1.3 matches that this printer
 * also models, by (class, field) or (experimenter, field): the Nicira
 * registers and the few fields Open vSwitch itself puts in OF1.3 flows.
 */
const NX_FIELDS: ReadonlyMap<string, { name: string; bytes: number }> = new Map([
  ...Array.from({ length: 16 }, (_, i) => [`1:${i}`, { name: `reg${i}`, bytes: 4 }] as const),
  ['1:16', { name: 'tunnel_id', bytes: 8 }],
  ['1:26', { name: 'ip_frag', bytes: 1 }],
  ['1:29', { name: 'nw_ttl', bytes: 1 }],
  ['1:31', { name: 'tun_src', bytes: 4 }],
  ['1:32', { name: 'tun_dst', bytes: 4 }],
  ['1:33', { name: 'pkt_mark', bytes: 4 }],
  ['1:34', { name: 'tcp_flags', bytes: 2 }],
  ['1:37', { name: 'conj_id', bytes: 4 }],
  ['1:105', { name: 'ct_state', bytes: 4 }],
  ['1:106', { name: 'ct_zone', bytes: 2 }],
  ['1:107', { name: 'ct_mark', bytes: 4 }],
  // ONF's OF1.3 extension for TCP flags (experimenter 0x4f4e4600, field 42).
  ['onf:42', { name: 'tcp_flags', bytes: 2 }],
]);

function readUint(b: Uint8Array): number {
  let v = 0;
  for (const x of b) v = v * 256 + x;
  return v;
}

/** An extension TLV as (name, raw value), or a refusal. */
function decodeOther(f: OxmOther): { name: string; raw: Raw } {
  let payload = f.payload;
  let key: string;
  if (f.oxm_class === 0xffff) {
    if (payload.length < 4) reject('OFPBMC_BAD_LEN');
    const exp = payload.readUInt32BE(0);
    payload = payload.subarray(4);
    key = exp === 0x4f4e4600 ? `onf:${f.oxm_field}` : `exp:${exp}:${f.oxm_field}`;
  } else {
    key = `${f.oxm_class}:${f.oxm_field}`;
  }
  const info = NX_FIELDS.get(key);
  if (info === undefined) return reject('OFPBMC_BAD_FIELD', `OXM class ${f.oxm_class} field ${f.oxm_field}`);
  if (payload.length !== info.bytes * (f.hasmask ? 2 : 1)) reject('OFPBMC_BAD_LEN');
  const v = payload.subarray(0, info.bytes);
  const mask = f.hasmask ? payload.subarray(info.bytes) : new Uint8Array(info.bytes).fill(0xff);
  if (info.bytes === 8) {
    const big = (b: Uint8Array): bigint => BigInt('0x' + Buffer.from(b).toString('hex'));
    return { name: info.name, raw: { kind: 'u64', v: big(v), mask: big(mask) } };
  }
  return { name: info.name, raw: { kind: 'uint', v: readUint(v), mask: readUint(mask), full: 2 ** (8 * info.bytes) - 1 } };
}

const FULL: Readonly<Record<string, number>> = { 1: 0xff, 2: 0xffff, 3: 0xffffff, 4: 0xffffffff };
const UINT_BYTES: Readonly<Record<string, number>> = {
  in_port: 4,
  vlan_vid: 2,
  eth_type: 2,
  tcp_src: 2,
  tcp_dst: 2,
  udp_src: 2,
  udp_dst: 2,
  sctp_src: 2,
  sctp_dst: 2,
  arp_op: 2,
  ipv6_flabel: 4,
  mpls_label: 4,
};

/** A basic TLV's value as the model stores it. */
function decodeBasic(f: OxmBasic): Raw {
  const { value, mask } = f;
  if (typeof value === 'bigint') return { kind: 'u64', v: value, mask: typeof mask === 'bigint' ? mask : 0xffffffffffffffffn };
  if (typeof value === 'number') {
    const full = FULL[UINT_BYTES[f.field] ?? 1]!;
    return { kind: 'uint', v: value >>> 0, mask: typeof mask === 'number' ? mask >>> 0 : full, full };
  }
  if (value.includes('.') && !value.includes(':')) {
    return { kind: 'uint', v: ipv4ToU32(value), mask: typeof mask === 'string' ? ipv4ToU32(mask) : 0xffffffff, full: 0xffffffff };
  }
  if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(value)) {
    return { kind: 'bytes', v: macToBytes(value), mask: typeof mask === 'string' ? macToBytes(mask) : new Uint8Array(6).fill(0xff) };
  }
  return { kind: 'bytes', v: ipv6ToBytes(value), mask: typeof mask === 'string' ? ipv6ToBytes(mask) : new Uint8Array(16).fill(0xff) };
}

function hasStrayBits(r: Raw): boolean {
  switch (r.kind) {
    case 'uint':
      return (r.v & ~r.mask) >>> 0 !== 0;
    case 'u64':
      return (r.v & ~r.mask) !== 0n;
    case 'bytes':
      return r.v.some((b, i) => (b & ~r.mask[i]!) !== 0);
  }
}

/** A field Open vSwitch has no place for, as lenient printing shows it. */
function describe(f: OxmField): string {
  if (f.field !== 'other') {
    const v = (x: unknown): string => (typeof x === 'number' || typeof x === 'bigint' ? `0x${x.toString(16)}` : String(x));
    return `${f.field}=${v(f.value)}${f.mask === undefined ? '' : `/${v(f.mask)}`}`;
  }
  return `oxm(0x${f.oxm_class.toString(16)},${f.oxm_field}${f.hasmask ? ',masked' : ''})=0x${f.payload.toString('hex')}`;
}

/**
 * One OXM field applied to `m` as ovs-ofctl applies it; `seen` tracks the
 * fields already given, for the duplicate check. Not strict: nothing is
 * refused, and fields Open vSwitch cannot hold go to `m.extra`.
 */
export function applyOxm(m: OvsMatch, f: OxmField, seen: Set<string>, strict = true): void {
  let name: string;
  let raw: Raw;
  try {
    if (f.field === 'other') {
      ({ name, raw } = decodeOther(f));
    } else {
      if (f.field === 'in_phy_port' || f.field === 'pbb_isid' || f.field === 'ipv6_exthdr') reject('OFPBMC_BAD_FIELD', f.field);
      name = f.field;
      raw = decodeBasic(f);
    }
  } catch (e) {
    if (strict) throw e;
    (m.extra ??= []).push(describe(f));
    return;
  }
  const rule = RULES[name];
  if (rule === undefined) return reject('OFPBMC_BAD_FIELD', name);
  if (strict) {
    const masked = f.field === 'other' ? f.hasmask : f.mask !== undefined;
    if (masked && !rule.maskable) reject('OFPBMC_BAD_MASK', name);
    if (masked && hasStrayBits(raw)) reject('OFPBMC_BAD_WILDCARDS', name);
    if (rule.valid && raw.kind === 'uint' && !rule.valid(raw.v)) reject('OFPBMC_BAD_VALUE', name);
    if (!prereqOk(rule.prereq, m)) reject('OFPBMC_BAD_PREREQ', name);
    if (seen.has(name)) reject('OFPBMC_DUP_FIELD', name);
  }
  seen.add(name);
  rule.apply(m, raw);
}

/**
 * The whole match. Strict (the default): an `OvsReject` names the first
 * field ovs-ofctl would refuse. Lenient: every field is shown somehow.
 */
export function ovsMatchFromOxm(match: Match, strict = true): OvsMatch {
  const m: OvsMatch = {};
  const seen = new Set<string>();
  for (const f of match) applyOxm(m, f, seen, strict);
  return m;
}
