/**
 * Shared by the spec/packet tests: the recorded corpus (fixtures/packets,
 * written by scripts/record-packet-corpus), and the translation of its
 * expectations (OpenFlow field names and values as scapy and Open vSwitch
 * report them) into flow key words. That translation places fields with
 * FIELD_PLACES and the address parsers of lib/openflow/addr.ts; it shares
 * nothing with lib/packet/extract.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIpv4, parseIpv6, parseMac } from '../../lib/openflow/addr.js';
import type { OxmName } from '../../lib/openflow/types.js';
import { FIELD_PLACES, KEY_WORDS, KW, newKey } from '../../lib/packet/flow-key.js';
import { FIXTURES } from '../helpers/paths.js';

export const PACKETS = join(FIXTURES, 'packets');

export type FieldValue = number | string;

export interface ScapyLayer {
  layer: string;
  offset: number;
  fields: Record<string, FieldValue | string[]>;
}

export interface CorpusFrame {
  name: string;
  hex: string;
  /** OpenFlow fields (plus nw_ttl, nw_frag, mpls_ttl, vlan_inner, tcp_flags) the key must hold. */
  expect: Record<string, FieldValue>;
  expect_source: 'scapy' | 'hand';
  layers: ScapyLayer[];
  tshark: Record<string, string[]>;
  note?: string;
}

export function loadJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(PACKETS, name), 'utf8')) as T;
}

export const corpus = (): CorpusFrame[] => loadJson<{ frames: CorpusFrame[] }>('frames.json').frames;

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** The test's in_port, also what the recorded PACKET_INs carry. */
export const IN_PORT = 1;

const NW_FRAG_BITS: Record<string, number> = { no: 0, first: 1, later: 3 };

/** Right-aligned big-endian words of an address given as text. */
export function addrWords(kind: 'mac' | 'ipv4' | 'ipv6', text: string): number[] {
  const n = kind === 'mac' ? 6 : kind === 'ipv4' ? 4 : 16;
  const b = new Uint8Array(n);
  if (kind === 'mac') parseMac(text, b);
  else if (kind === 'ipv4') parseIpv4(text, b);
  else parseIpv6(text, b);
  const words: number[] = [];
  const first = n % 4 === 0 ? 4 : n % 4;
  let i = 0;
  for (let w = 0; i < n; w++) {
    const take = w === 0 ? first : 4;
    let v = 0;
    for (let k = 0; k < take; k++) v = v * 256 + b[i++];
    words.push(v >>> 0);
  }
  return words;
}

const ADDRESS_KIND: Partial<Record<OxmName, 'mac' | 'ipv4' | 'ipv6'>> = {
  eth_dst: 'mac',
  eth_src: 'mac',
  arp_sha: 'mac',
  arp_tha: 'mac',
  ipv6_nd_sll: 'mac',
  ipv6_nd_tll: 'mac',
  ipv4_src: 'ipv4',
  ipv4_dst: 'ipv4',
  arp_spa: 'ipv4',
  arp_tpa: 'ipv4',
  ipv6_src: 'ipv6',
  ipv6_dst: 'ipv6',
  ipv6_nd_target: 'ipv6',
};

/** ORs one expected field into `key`. tcp_flags is not a key field and is skipped. */
export function placeField(key: Uint32Array, name: string, v: FieldValue): void {
  switch (name) {
    case 'nw_ttl':
      key[KW.IP_PROTO_TOS_TTL] |= (Number(v) & 0xff) << 8;
      return;
    case 'nw_frag':
      key[KW.IP_PROTO_TOS_TTL] |= NW_FRAG_BITS[String(v)];
      return;
    case 'mpls_ttl':
      key[KW.MPLS_LSE] |= Number(v) & 0xff;
      return;
    case 'vlan_inner':
      key[KW.VLAN_INNER] |= Number(v);
      return;
    case 'tcp_flags':
      return;
    default:
      break;
  }
  const place = FIELD_PLACES[name as OxmName];
  if (place === undefined) throw new Error(`no such field ${name}`);
  const kind = ADDRESS_KIND[name as OxmName];
  if (kind !== undefined) {
    const words = addrWords(kind, String(v));
    for (let i = 0; i < place.words; i++) key[place.word + i] |= words[i];
    return;
  }
  key[place.word] |= (Number(v) << place.shift) >>> 0;
}

/** The key a frame with these fields, received on IN_PORT, must extract to. */
export function expectedKey(fields: Record<string, FieldValue>): Uint32Array {
  const key = newKey();
  key[KW.IN_PORT] = IN_PORT;
  key[KW.IN_PHY_PORT] = IN_PORT;
  for (const [name, v] of Object.entries(fields)) placeField(key, name, v);
  return key;
}

const WORD_NAMES: string[] = (() => {
  const names = new Array<string>(KEY_WORDS).fill('');
  for (const [f, p] of Object.entries(FIELD_PLACES)) {
    for (let i = 0; i < p.words; i++) names[p.word + i] = names[p.word + i] === '' ? f : names[p.word + i];
  }
  names[KW.IP_PROTO_TOS_TTL] = 'ip_proto/tos/ttl/frag';
  names[KW.TP_PORTS] = 'tp_src/tp_dst';
  names[KW.NW_SRC] = 'nw_src';
  names[KW.NW_DST] = 'nw_dst';
  names[KW.ARP_OP_EXTHDR] = 'arp_op/ipv6_exthdr';
  names[KW.VLAN_INNER] = 'vlan_inner';
  return names;
})();

/** The words where two keys differ, named, for assertion messages; '' when equal. */
export function keyDiff(got: Uint32Array, want: Uint32Array): string {
  const out: string[] = [];
  for (let i = 0; i < KEY_WORDS; i++) {
    if (got[i] !== want[i]) {
      out.push(`word ${i} (${WORD_NAMES[i]}): got 0x${got[i].toString(16)}, want 0x${want[i].toString(16)}`);
    }
  }
  return out.join('; ');
}

/* ------------------------------------------------------------ Open vSwitch */

const OVS_SHORTHAND: Record<string, [number, number]> = {
  ip: [0x0800, -1],
  icmp: [0x0800, 1],
  igmp: [0x0800, 2],
  tcp: [0x0800, 6],
  udp: [0x0800, 17],
  sctp: [0x0800, 132],
  ipv6: [0x86dd, -1],
  icmp6: [0x86dd, 58],
  tcp6: [0x86dd, 6],
  udp6: [0x86dd, 17],
  sctp6: [0x86dd, 132],
  arp: [0x0806, -1],
  rarp: [0x8035, -1],
  mpls: [0x8847, -1],
  mplsm: [0x8848, -1],
};

const OVS_TCP_FLAGS: Record<string, number> = {
  fin: 0x001,
  syn: 0x002,
  rst: 0x004,
  psh: 0x008,
  ack: 0x010,
  urg: 0x020,
  ece: 0x040,
  cwr: 0x080,
  ns: 0x100,
};

/** What an ofp-print summary line says, in the corpus's field names. */
export interface OvsFlow {
  fields: Record<string, FieldValue>;
  /** tcp_flags as a number, when printed. */
  tcpFlags?: number;
}

/**
 * Parses the flow summary Open vSwitch prints for a PACKET_IN (the line
 * after the header: "tcp,vlan_tci=0x0000,dl_src=...,tp_dst=80 tcp_csum:...").
 */
export function parseOvsFlow(line: string): OvsFlow {
  const fields: Record<string, FieldValue> = {};
  let tcpFlags: number | undefined;
  let proto = -1;
  const parts = line.split(' ')[0].split(',');
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      const sh = OVS_SHORTHAND[part];
      if (sh === undefined) throw new Error(`unknown shorthand ${part} in ${line}`);
      fields.eth_type = sh[0];
      proto = sh[1];
      if (proto >= 0) fields.ip_proto = proto;
      continue;
    }
    const k = part.slice(0, eq);
    const v = part.slice(eq + 1);
    const num = (): number => Number(v);
    const isV6 = fields.eth_type === 0x86dd;
    switch (k) {
      case 'dl_src':
        fields.eth_src = v;
        break;
      case 'dl_dst':
        fields.eth_dst = v;
        break;
      case 'dl_type':
        fields.eth_type = num();
        break;
      case 'vlan_tci':
        if (num() !== 0) throw new Error(`vlan_tci=${v}: expected dl_vlan for a tag`);
        break;
      case 'vlan_tci1':
        if (num() !== 0) throw new Error(`vlan_tci1=${v}: expected dl_vlan1 for a tag`);
        break;
      case 'dl_vlan':
        fields.vlan_vid = 0x1000 | num();
        break;
      case 'dl_vlan_pcp':
        fields.vlan_pcp = num();
        break;
      case 'dl_vlan1':
        fields.vlan_inner = ((Number(fields.vlan_inner ?? 0) & 0xe000) | 0x1000 | num()) >>> 0;
        break;
      case 'dl_vlan_pcp1':
        fields.vlan_inner = ((Number(fields.vlan_inner ?? 0) & 0x1fff) | (num() << 13)) >>> 0;
        break;
      case 'nw_src':
        fields.ipv4_src = v;
        break;
      case 'nw_dst':
        fields.ipv4_dst = v;
        break;
      case 'nw_proto':
        fields.ip_proto = num();
        break;
      case 'nw_tos':
        fields.ip_dscp = num() >> 2;
        break;
      case 'nw_ecn':
        fields.ip_ecn = num();
        break;
      case 'nw_ttl':
        fields.nw_ttl = num();
        break;
      case 'nw_frag':
        fields.nw_frag = v;
        break;
      case 'ipv6_src':
      case 'ipv6_dst':
        fields[k] = v;
        break;
      case 'ipv6_label':
        fields.ipv6_flabel = num();
        break;
      case 'tp_src':
        fields.tcp_src = num();
        break;
      case 'tp_dst':
        fields.tcp_dst = num();
        break;
      case 'icmp_type':
        fields[isV6 ? 'icmpv6_type' : 'icmpv4_type'] = num();
        break;
      case 'icmp_code':
        fields[isV6 ? 'icmpv6_code' : 'icmpv4_code'] = num();
        break;
      case 'nd_target':
        fields.ipv6_nd_target = v;
        break;
      case 'nd_sll':
        fields.ipv6_nd_sll = v;
        break;
      case 'nd_tll':
        fields.ipv6_nd_tll = v;
        break;
      case 'arp_spa':
      case 'arp_tpa':
      case 'arp_sha':
      case 'arp_tha':
        fields[k] = v;
        break;
      case 'arp_op':
        fields.arp_op = num();
        break;
      case 'mpls_label':
      case 'mpls_tc':
      case 'mpls_bos':
      case 'mpls_ttl':
        fields[k] = num();
        break;
      case 'mpls_lse1':
      case 'mpls_lse2':
        break; // deeper entries: not in an OpenFlow 1.3 key
      case 'tcp_flags':
        tcpFlags = /^\d+$/.test(v) ? Number(v) : v.split('|').reduce((a, f) => a | (OVS_TCP_FLAGS[f] ?? 0), 0);
        break;
      default:
        throw new Error(`unknown field ${k} in ${line}`);
    }
  }
  return { fields, tcpFlags };
}

/** Recorded runs [from, to, line] per frame: the OVS line for each truncation length. */
export function ovsLineAt(runs: [number, number, string][], n: number): string {
  for (const [from, to, line] of runs) if (n >= from && n <= to) return line;
  throw new Error(`no recorded line for length ${n}`);
}
