/**
 * The builders against scapy: frames written with buildEthernet,
 * buildVlanTag, buildMpls, buildPbbItag, buildArp, buildIpv4, buildIpv6,
 * buildTcp, buildUdp, buildSctp, buildIcmpv4, buildIcmpv6 and
 * buildNdLinkAddrOption plus the checksum fillers must equal the bytes
 * scapy built for the same corpus frames (fixtures/packets/frames.json).
 */
import t from 'tap';
import { parseIpv6, parseMac } from '../../lib/openflow/addr.js';
import { buildArp } from '../../lib/packet/arp.js';
import { fillL4Checksum, fillSctpChecksum } from '../../lib/packet/checksum.js';
import { buildEthernet } from '../../lib/packet/ethernet.js';
import { buildIcmpv4 } from '../../lib/packet/icmpv4.js';
import { buildIcmpv6, buildNdLinkAddrOption, ND_OPT } from '../../lib/packet/icmpv6.js';
import { buildIpv4, type Ipv4Repr } from '../../lib/packet/ipv4.js';
import { buildIpv6 } from '../../lib/packet/ipv6.js';
import { buildMpls, mplsLse } from '../../lib/packet/mpls.js';
import { buildPbbItag, pbbItci } from '../../lib/packet/pbb.js';
import { buildSctp } from '../../lib/packet/sctp.js';
import { buildTcp, TCP_FLAG } from '../../lib/packet/tcp.js';
import { buildUdp } from '../../lib/packet/udp.js';
import { buildVlanTag, vlanTci } from '../../lib/packet/vlan.js';
import { addrWords, corpus, toHex } from './helpers.js';

const byName = new Map(corpus().map((f) => [f.name, f.hex]));
const mac = (s: string): Uint8Array => {
  const b = new Uint8Array(6);
  parseMac(s, b);
  return b;
};
const v6 = (s: string): Uint8Array => {
  const b = new Uint8Array(16);
  parseIpv6(s, b);
  return b;
};
const v4 = (s: string): number => addrWords('ipv4', s)[0];
const DST = mac('00:11:22:33:44:55');
const SRC = mac('66:77:88:99:aa:bb');
const ip4 = (proto: number, payloadLen: number, extra: Partial<Ipv4Repr> = {}): Ipv4Repr => ({
  tos: 0, ident: 0x1234, flags: 0, fragOffset: 0, ttl: 64, protocol: proto,
  src: v4('192.0.2.1'), dst: v4('198.51.100.7'), payloadLen, ...extra,
});
const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

t.test('buildIpv4 + buildUdp + checksum = scapy (ipv4_udp_64)', async (t) => {
  const b = new Uint8Array(64);
  let p = buildEthernet(b, 0, DST, SRC, 0x0800);
  const l3 = p;
  p = buildIpv4(b, p, ip4(17, 8 + 22));
  const l4 = p;
  p = buildUdp(b, p, 1234, 5678, 22);
  b.set(ascii('x'.repeat(22)), p);
  fillL4Checksum(b, l3, false, 17, l4, 30);
  t.equal(toHex(b), byName.get('ipv4_udp_64'));
});

t.test('buildVlanTag + buildTcp = scapy (vlan_ipv4_tcp)', async (t) => {
  const b = new Uint8Array(58);
  let p = buildEthernet(b, 0, DST, SRC, 0x8100) - 2; // the tag's TPID is the Ethernet type field
  p = buildVlanTag(b, p, 0x8100, vlanTci(100, 5));
  b[p] = 0x08;
  b[p + 1] = 0x00;
  p += 2;
  const l3 = p;
  p = buildIpv4(b, p, ip4(6, 20));
  buildTcp(b, p, { srcPort: 1025, dstPort: 80, seq: 0, ack: 0, flags: TCP_FLAG.ACK, window: 8192, urgent: 0 });
  fillL4Checksum(b, l3, false, 6, p, 20);
  t.equal(toHex(b), byName.get('vlan_ipv4_tcp'));
});

t.test('buildIpv4 with options = scapy (ipv4_options_rr_tcp)', async (t) => {
  const want = byName.get('ipv4_options_rr_tcp')!;
  const b = new Uint8Array(want.length / 2);
  let p = buildEthernet(b, 0, DST, SRC, 0x0800);
  const l3 = p;
  // Record Route, length 11, pointer 4, two routes, then End of Options padding.
  const opts = Uint8Array.from([7, 11, 4, 10, 0, 0, 1, 10, 0, 0, 2, 0]);
  p = buildIpv4(b, p, ip4(6, 20, { options: opts }));
  buildTcp(b, p, { srcPort: 179, dstPort: 33000, seq: 0, ack: 0, flags: TCP_FLAG.ACK, window: 8192, urgent: 0 });
  fillL4Checksum(b, l3, false, 6, p, 20);
  t.equal(toHex(b), want);
});

t.test('buildIpv6 + buildUdp = scapy (ipv6_udp_tc)', async (t) => {
  const want = byName.get('ipv6_udp_tc')!;
  const b = new Uint8Array(want.length / 2);
  let p = buildEthernet(b, 0, DST, SRC, 0x86dd);
  const l3 = p;
  p = buildIpv6(b, p, { trafficClass: 0xb9, flowLabel: 0, nextHeader: 17, hopLimit: 3, src: v6('2001:db8::1'), dst: v6('2001:db8:0:1::ff'), payloadLen: 9 });
  const l4 = p;
  p = buildUdp(b, p, 53, 33333, 1);
  b[p] = 0x71; // 'q'
  fillL4Checksum(b, l3, true, 17, l4, 9);
  t.equal(toHex(b), want);
});

t.test('buildArp = scapy (arp_reply)', async (t) => {
  const want = byName.get('arp_reply')!;
  const b = new Uint8Array(want.length / 2);
  const p = buildEthernet(b, 0, DST, SRC, 0x0806);
  buildArp(b, p, { oper: 2, sha: mac('de:ad:be:ef:00:01'), spa: v4('10.0.0.254'), tha: SRC, tpa: v4('10.0.0.1') });
  t.equal(toHex(b), want);
});

t.test('buildMpls = scapy (mpls_stack3_tcp, the label stack)', async (t) => {
  const want = byName.get('mpls_stack3_tcp')!;
  const b = new Uint8Array(26);
  let p = buildEthernet(b, 0, DST, SRC, 0x8847);
  p = buildMpls(b, p, mplsLse(1000, 1, 0, 10));
  p = buildMpls(b, p, mplsLse(2000, 2, 0, 20));
  buildMpls(b, p, mplsLse(0xfffff, 7, 1, 255));
  t.equal(toHex(b), want.slice(0, 52));
});

t.test('buildIcmpv4 + checksum = scapy (ipv4_icmp_echo)', async (t) => {
  const want = byName.get('ipv4_icmp_echo')!;
  const b = new Uint8Array(want.length / 2);
  let p = buildEthernet(b, 0, DST, SRC, 0x0800);
  const l3 = p;
  p = buildIpv4(b, p, ip4(1, 12));
  const l4 = p;
  p = buildIcmpv4(b, p, 8, 0, (0x4242 << 16) | 3);
  b.set(ascii('ping'), p);
  fillL4Checksum(b, l3, false, 1, l4, 12);
  t.equal(toHex(b), want);
});

t.test('buildSctp + CRC32c = scapy (ipv4_sctp_init)', async (t) => {
  const want = byName.get('ipv4_sctp_init')!;
  const b = new Uint8Array(want.length / 2);
  let p = buildEthernet(b, 0, DST, SRC, 0x0800);
  const chunkLen = b.length - 14 - 20 - 12;
  p = buildIpv4(b, p, ip4(132, 12 + chunkLen));
  const l4 = p;
  p = buildSctp(b, p, 2905, 2906, 0);
  b.set(Buffer.from(want, 'hex').subarray(p), p); // the INIT chunk: payload, not ours to build
  fillSctpChecksum(b, l4, 12 + chunkLen);
  t.equal(toHex(b), want);
});

t.test('buildIcmpv6 + buildNdLinkAddrOption = scapy (nd_ns_sll)', async (t) => {
  const want = byName.get('nd_ns_sll')!;
  const b = new Uint8Array(want.length / 2);
  let p = buildEthernet(b, 0, mac('33:33:ff:00:00:02'), SRC, 0x86dd);
  const l3 = p;
  p = buildIpv6(b, p, { trafficClass: 0, flowLabel: 0, nextHeader: 58, hopLimit: 255, src: v6('fe80::1'), dst: v6('ff02::1:ff00:2'), payloadLen: 32 });
  const l4 = p;
  p = buildIcmpv6(b, p, 135, 0, 0);
  b.set(v6('fe80::2'), p);
  p += 16;
  const w = addrWords('mac', '02:00:00:00:00:01');
  buildNdLinkAddrOption(b, p, ND_OPT.SOURCE_LINKADDR, w[0], w[1]);
  fillL4Checksum(b, l3, true, 58, l4, 32);
  t.equal(toHex(b), want);
});

t.test('buildPbbItag = the PBB frame tshark dissects (pbb_ipv4_udp)', async (t) => {
  const want = byName.get('pbb_ipv4_udp')!;
  const b = new Uint8Array(want.length / 2);
  buildEthernet(b, 0, mac('02:00:00:00:00:01'), mac('02:00:00:00:00:02'), 0);
  let p = buildPbbItag(b, 12, pbbItci(0x123456, 3, 0, 1), mac('0a:0b:0c:0d:0e:0f'), mac('1a:1b:1c:1d:1e:1f'));
  b[p] = 0x08;
  b[p + 1] = 0x00;
  p += 2;
  const l3 = p;
  p = buildIpv4(b, p, ip4(17, 8));
  buildUdp(b, p, 53, 5353, 0);
  fillL4Checksum(b, l3, false, 17, p, 8);
  t.equal(toHex(b), want);
});
