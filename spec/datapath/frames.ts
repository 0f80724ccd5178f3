/**
 * Frames for the datapath tests: a small builder over lib/packet's header
 * builders (Ethernet, VLAN tags, MPLS, IPv4/IPv6, TCP/UDP/SCTP/ICMP, ARP),
 * with every checksum filled in, and a checker that recomputes the IPv4
 * header and transport checksums from scratch (lib/packet/checksum.ts's
 * full-sum functions, not the incremental ones the datapath uses).
 */
import { buildArp } from '../../lib/packet/arp.js';
import { fillIpv4Checksum, fillL4Checksum, fillSctpChecksum, internetChecksum, ipv4PseudoSum, ipv6PseudoSum, crc32c } from '../../lib/packet/checksum.js';
import { buildEthernet } from '../../lib/packet/ethernet.js';
import { buildIcmpv4 } from '../../lib/packet/icmpv4.js';
import { buildIcmpv6 } from '../../lib/packet/icmpv6.js';
import { buildIpv4 } from '../../lib/packet/ipv4.js';
import { buildIpv6 } from '../../lib/packet/ipv6.js';
import { buildMpls, mplsLse } from '../../lib/packet/mpls.js';
import { buildSctp } from '../../lib/packet/sctp.js';
import { buildTcp } from '../../lib/packet/tcp.js';
import { buildUdp } from '../../lib/packet/udp.js';
import { buildVlanTag, vlanTci } from '../../lib/packet/vlan.js';
import { parseIpv4, parseIpv6, parseMac } from '../../lib/openflow/addr.js';

export interface FrameSpec {
  dst?: string;
  src?: string;
  vlans?: { vid: number; pcp?: number; tpid?: number }[];
  mpls?: { label: number; tc?: number; ttl?: number }[];
  /** Network layer; 'none' for a bare EtherType. */
  l3?: 'ipv4' | 'ipv6' | 'arp' | 'none';
  ethType?: number;
  nwSrc?: string;
  nwDst?: string;
  ttl?: number;
  tos?: number;
  /** IPv4 fragment: 'first' (MF), 'later' (offset 8). */
  frag?: 'first' | 'later';
  l4?: 'tcp' | 'udp' | 'sctp' | 'icmp' | 'none';
  tpSrc?: number;
  tpDst?: number;
  /** ICMP type/code, ARP op. */
  icmpType?: number;
  icmpCode?: number;
  arpOp?: number;
  payload?: number;
}

const mac = (s: string): Uint8Array => {
  const b = new Uint8Array(6);
  parseMac(s, b);
  return b;
};
const ip4 = (s: string): number => {
  const b = new Uint8Array(4);
  parseIpv4(s, b);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
};
const ip6 = (s: string): Uint8Array => {
  const b = new Uint8Array(16);
  parseIpv6(s, b);
  return b;
};

/** Builds the frame `s` describes, checksums filled in. */
export function buildFrame(s: FrameSpec): Uint8Array {
  const buf = new Uint8Array(2048);
  const l3 = s.l3 ?? 'ipv4';
  const v6 = l3 === 'ipv6';
  const innerType = l3 === 'ipv4' ? 0x0800 : l3 === 'ipv6' ? 0x86dd : l3 === 'arp' ? 0x0806 : (s.ethType ?? 0x88b5);
  const vlans = s.vlans ?? [];
  const mpls = s.mpls ?? [];
  let off = 0;
  const firstType = vlans.length > 0 ? (vlans[0]!.tpid ?? 0x8100) : mpls.length > 0 ? 0x8847 : innerType;
  off = buildEthernet(buf, 0, mac(s.dst ?? '00:00:00:00:00:02'), mac(s.src ?? '00:00:00:00:00:01'), firstType);
  for (let i = 0; i < vlans.length; i++) {
    const next = i + 1 < vlans.length ? (vlans[i + 1]!.tpid ?? 0x8100) : mpls.length > 0 ? 0x8847 : innerType;
    // buildVlanTag writes TPID+TCI where the type field is; rewind over the type written before.
    off = buildVlanTag(buf, off - 2, vlans[i]!.tpid ?? 0x8100, vlanTci(vlans[i]!.vid, vlans[i]!.pcp ?? 0)) ;
    buf[off] = next >>> 8;
    buf[off + 1] = next & 0xff;
    off += 2;
  }
  for (let i = 0; i < mpls.length; i++) {
    const m = mpls[i]!;
    off = buildMpls(buf, off, mplsLse(m.label, m.tc ?? 0, i === mpls.length - 1 ? 1 : 0, m.ttl ?? 64));
  }
  const payload = s.payload ?? 8;
  if (l3 === 'none') {
    for (let i = 0; i < payload; i++) buf[off + i] = i;
    return buf.slice(0, Math.max(60, off + payload));
  }
  if (l3 === 'arp') {
    off = buildArp(buf, off, {
      oper: s.arpOp ?? 1,
      sha: mac(s.src ?? '00:00:00:00:00:01'),
      spa: ip4(s.nwSrc ?? '10.0.0.1'),
      tha: mac('00:00:00:00:00:00'),
      tpa: ip4(s.nwDst ?? '10.0.0.2'),
    } as Parameters<typeof buildArp>[2]);
    return buf.slice(0, Math.max(60, off));
  }
  const l4 = s.l4 ?? 'udp';
  const proto = l4 === 'tcp' ? 6 : l4 === 'udp' ? 17 : l4 === 'sctp' ? 132 : l4 === 'icmp' ? (v6 ? 58 : 1) : 253;
  const l4Len = (l4 === 'tcp' ? 20 : l4 === 'udp' ? 8 : l4 === 'sctp' ? 12 : l4 === 'icmp' ? 8 : 0) + payload;
  const l3At = off;
  if (v6) {
    off = buildIpv6(buf, off, {
      trafficClass: s.tos ?? 0,
      flowLabel: 0,
      nextHeader: proto,
      hopLimit: s.ttl ?? 64,
      src: ip6(s.nwSrc ?? '2001:db8::1'),
      dst: ip6(s.nwDst ?? '2001:db8::2'),
      payloadLen: l4Len,
    });
  } else {
    off = buildIpv4(buf, off, {
      tos: s.tos ?? 0,
      ident: 1,
      flags: s.frag === 'first' ? 1 : 0,
      fragOffset: s.frag === 'later' ? 1 : 0,
      ttl: s.ttl ?? 64,
      protocol: proto,
      src: ip4(s.nwSrc ?? '10.0.0.1'),
      dst: ip4(s.nwDst ?? '10.0.0.2'),
      payloadLen: l4Len,
    });
  }
  const l4At = off;
  if (s.frag === 'later') {
    for (let i = 0; i < l4Len; i++) buf[off + i] = i;
    return buf.slice(0, Math.max(60, off + l4Len));
  }
  switch (l4) {
    case 'tcp':
      off = buildTcp(buf, off, { srcPort: s.tpSrc ?? 1000, dstPort: s.tpDst ?? 80, seq: 1, ack: 0, flags: 0x02, window: 1024, urgent: 0 });
      break;
    case 'udp':
      off = buildUdp(buf, off, s.tpSrc ?? 1000, s.tpDst ?? 53, payload);
      break;
    case 'sctp':
      off = buildSctp(buf, off, s.tpSrc ?? 1000, s.tpDst ?? 2000, 7);
      break;
    case 'icmp':
      off = v6 ? buildIcmpv6(buf, off, s.icmpType ?? 128, s.icmpCode ?? 0, 0x12340001) : buildIcmpv4(buf, off, s.icmpType ?? 8, s.icmpCode ?? 0, 0x12340001);
      break;
    case 'none':
      break;
  }
  for (let i = 0; i < payload; i++) buf[off + i] = (i * 7) & 0xff;
  off += payload;
  if (l4 === 'sctp') fillSctpChecksum(buf, l4At, l4Len);
  else if (l4 !== 'none') fillL4Checksum(buf, l3At, v6, proto, l4At, l4Len);
  if (!v6) fillIpv4Checksum(buf, l3At);
  return buf.slice(0, Math.max(60, off));
}

/** Recomputes every checksum of an Ethernet frame; returns the names of the wrong ones. */
export function badChecksums(frame: Uint8Array): string[] {
  const bad: string[] = [];
  let p = 12;
  let type = (frame[p]! << 8) | frame[p + 1]!;
  while (type === 0x8100 || type === 0x88a8) {
    p += 4;
    type = (frame[p]! << 8) | frame[p + 1]!;
  }
  p += 2;
  if (type === 0x8847 || type === 0x8848) {
    // Walk the label stack to its bottom; a stack that runs off the end of
    // the frame (random input may have no bottom-of-stack label) has no
    // payload to judge.
    let bottom = false;
    while (!bottom && p + 4 <= frame.length) {
      bottom = (frame[p + 2]! & 1) === 1;
      p += 4;
    }
    if (!bottom) return bad;
    const v = frame[p]! >>> 4;
    type = v === 4 ? 0x0800 : v === 6 ? 0x86dd : 0;
  }
  // A controller may label anything as anything (pop_mpls:0x0800 over IPv6): judge only what is what it says.
  const version = frame[p]! >>> 4;
  if (type === 0x0800 && version === 4) {
    const hl = (frame[p]! & 0xf) * 4;
    if (internetChecksum(frame, p, hl) !== 0) bad.push('ipv4');
    const total = (frame[p + 2]! << 8) | frame[p + 3]!;
    const proto = frame[p + 9]!;
    const frag = ((frame[p + 6]! << 8) | frame[p + 7]!) & 0x3fff;
    if (frag !== 0) return bad;
    const l4 = p + hl;
    const n = total - hl;
    checkL4(frame, proto, l4, n, proto === 1 ? 0 : ipv4PseudoSum(frame, p, proto, n), bad);
  } else if (type === 0x86dd && version === 6) {
    const proto = frame[p + 6]!;
    const n = (frame[p + 4]! << 8) | frame[p + 5]!;
    checkL4(frame, proto, p + 40, n, ipv6PseudoSum(frame, p, proto, n), bad);
  }
  return bad;
}

function checkL4(frame: Uint8Array, proto: number, l4: number, n: number, pseudo: number, bad: string[]): void {
  if (proto === 17 && ((frame[l4 + 6]! << 8) | frame[l4 + 7]!) === 0) return;
  if (proto === 6 || proto === 17 || proto === 1 || proto === 58) {
    if (internetChecksum(frame, l4, n, pseudo) !== 0) bad.push(proto === 6 ? 'tcp' : proto === 17 ? 'udp' : 'icmp');
  } else if (proto === 132) {
    const stored = (frame[l4 + 8]! | (frame[l4 + 9]! << 8) | (frame[l4 + 10]! << 16) | (frame[l4 + 11]! << 24)) >>> 0;
    const copy = frame.slice(l4, l4 + n);
    copy[8] = copy[9] = copy[10] = copy[11] = 0;
    if (crc32c(copy, 0, n) !== stored) bad.push('sctp');
  }
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
