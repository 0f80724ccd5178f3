/**
 * Checksums: every field setter leaves the frame byte for byte as scapy
 * builds it after making the same change and recomputing the checksums
 * (fixtures/packets/rewrites.json); completing CHECKSUM_PARTIAL frames
 * gives scapy's checksums (partial-csum.json); the full computations give
 * the checksums scapy wrote in the corpus; and incremental updates stay
 * equal to full recomputation under many random rewrites.
 */
import t from 'tap';
import {
  completePartialChecksum,
  crc32c,
  csumUpdate16,
  csumUpdate32,
  fillIpv4Checksum,
  fillL4Checksum,
  fillSctpChecksum,
  internetChecksum,
  ipv4PseudoSum,
  ipv6PseudoSum,
} from '../../lib/packet/checksum.js';
import { Extractor } from '../../lib/packet/extract.js';
import { KW, newKey } from '../../lib/packet/flow-key.js';
import { Icmpv4View } from '../../lib/packet/icmpv4.js';
import { Icmpv6View, ND_OPT } from '../../lib/packet/icmpv6.js';
import { IPPROTO } from '../../lib/packet/ip.js';
import { IPV4, Ipv4View } from '../../lib/packet/ipv4.js';
import { IPV6, Ipv6View } from '../../lib/packet/ipv6.js';
import { SctpView } from '../../lib/packet/sctp.js';
import { setIpv4Addr, setIpv6Addr } from '../../lib/packet/set-field.js';
import { TcpView } from '../../lib/packet/tcp.js';
import { UdpView } from '../../lib/packet/udp.js';
import { get16 } from '../../lib/packet/wire.js';
import { IN_PORT, addrWords, corpus, fromHex, loadJson, toHex } from './helpers.js';

interface Rewrite {
  frame: string;
  field: string;
  value: number | string;
  before: string;
  after: string;
}

const ex = new Extractor();
const key = newKey();
const ip4 = new Ipv4View();
const ip6 = new Ipv6View();
const tcp = new TcpView();
const udp = new UdpView();
const sctp = new SctpView();
const icmp = new Icmpv4View();
const icmp6 = new Icmpv6View();

/** Applies one OpenFlow set_field the way the datapath will: extract, then the setter for the field. */
function applyRewrite(b: Uint8Array, field: string, value: number | string): void {
  ex.extract(b, 0, b.length, IN_PORT, key);
  const l3 = ex.l3;
  const l4 = ex.l4;
  const v6 = key[KW.ETH_TYPE_VLAN] >>> 16 === 0x86dd;
  const l4Len = ex.l3End - l4;
  switch (field) {
    case 'ipv4_src':
    case 'ipv4_dst':
      setIpv4Addr(b, l3, field === 'ipv4_src' ? IPV4.SRC : IPV4.DST, addrWords('ipv4', String(value))[0], l4);
      return;
    case 'ipv6_src':
    case 'ipv6_dst': {
      const w = addrWords('ipv6', String(value));
      // A routed packet's pseudo-header holds the final destination, not this field.
      const csumL4 = field === 'ipv6_dst' && ex.routed ? -1 : l4;
      setIpv6Addr(b, l3, field === 'ipv6_src' ? IPV6.SRC : IPV6.DST, w[0], w[1], w[2], w[3], csumL4, key[KW.IP_PROTO_TOS_TTL] >>> 24);
      return;
    }
    case 'nw_ttl':
      if (v6) ip6.reset(b, l3, b.length - l3).setHopLimit(Number(value));
      else ip4.reset(b, l3, b.length - l3).setTtl(Number(value));
      return;
    case 'ip_dscp':
      if (v6) ip6.reset(b, l3, b.length - l3).setDscp(Number(value));
      else ip4.reset(b, l3, b.length - l3).setDscp(Number(value));
      return;
    case 'ip_ecn':
      if (v6) ip6.reset(b, l3, b.length - l3).setEcn(Number(value));
      else ip4.reset(b, l3, b.length - l3).setEcn(Number(value));
      return;
    case 'ipv6_flabel':
      ip6.reset(b, l3, b.length - l3).setFlowLabel(Number(value));
      return;
    case 'tcp_src':
      tcp.reset(b, l4, l4Len).setSrcPort(Number(value));
      return;
    case 'tcp_dst':
      tcp.reset(b, l4, l4Len).setDstPort(Number(value));
      return;
    case 'udp_src':
      udp.reset(b, l4, l4Len).setSrcPort(Number(value));
      return;
    case 'udp_dst':
      udp.reset(b, l4, l4Len).setDstPort(Number(value));
      return;
    case 'sctp_src':
      sctp.reset(b, l4, l4Len).setSrcPort(Number(value));
      return;
    case 'sctp_dst':
      sctp.reset(b, l4, l4Len).setDstPort(Number(value));
      return;
    case 'icmpv4_type':
      icmp.reset(b, l4, l4Len).setType(Number(value));
      return;
    case 'icmpv4_code':
      icmp.reset(b, l4, l4Len).setCode(Number(value));
      return;
    case 'icmpv6_type':
      icmp6.reset(b, l4, l4Len).setType(Number(value));
      return;
    case 'icmpv6_code':
      icmp6.reset(b, l4, l4Len).setCode(Number(value));
      return;
    case 'ipv6_nd_target': {
      const w = addrWords('ipv6', String(value));
      icmp6.reset(b, l4, l4Len).setTargetWords(w[0], w[1], w[2], w[3]);
      return;
    }
    case 'ipv6_nd_sll':
    case 'ipv6_nd_tll': {
      icmp6.reset(b, l4, l4Len);
      const opt = icmp6.findLinkAddrOption(field === 'ipv6_nd_sll' ? ND_OPT.SOURCE_LINKADDR : ND_OPT.TARGET_LINKADDR);
      const w = addrWords('mac', String(value));
      icmp6.setLinkAddr(opt, w[0], w[1]);
      return;
    }
    default:
      throw new Error(`no setter for ${field}`);
  }
}

t.test('every setter leaves the bytes scapy builds, checksums included', async (t) => {
  const rewrites = loadJson<{ rewrites: Rewrite[] }>('rewrites.json').rewrites;
  t.ok(rewrites.length >= 40);
  for (const r of rewrites) {
    const b = fromHex(r.before);
    applyRewrite(b, r.field, r.value);
    t.equal(toHex(b), r.after, `${r.frame}: set ${r.field}=${r.value}`);
  }
});

t.test('completePartialChecksum() finishes CHECKSUM_PARTIAL frames as scapy computes them', async (t) => {
  const cases = loadJson<{ cases: { name: string; partial: string; csum_start: number; csum_offset: number; complete: string }[] }>(
    'partial-csum.json',
  ).cases;
  for (const c of cases) {
    const b = fromHex(c.partial);
    // In a slot: the frame at an offset, with bytes after it that must not be summed.
    const slot = new Uint8Array(b.length + 100).fill(0x77);
    slot.set(b, 40);
    t.ok(completePartialChecksum(slot, 40, b.length, c.csum_start, c.csum_offset), c.name);
    t.equal(toHex(slot.subarray(40, 40 + b.length)), c.complete, c.name);
  }
  const b = fromHex(cases[0].partial);
  t.notOk(completePartialChecksum(b, 0, b.length, b.length - 1, 0), 'a checksum field past the frame');
  t.notOk(completePartialChecksum(b, 0, b.length, -1, 16), 'a negative start');
  t.equal(toHex(b), cases[0].partial, 'refused frames are unchanged');
});

t.test('the full computations give the checksums scapy wrote in the corpus', async (t) => {
  let n = 0;
  for (const f of corpus()) {
    if (f.expect_source !== 'scapy') continue;
    const orig = fromHex(f.hex);
    const b = orig.slice();
    ex.extract(b, 0, b.length, IN_PORT, key);
    if (ex.l3 < 0) continue;
    const ethType = key[KW.ETH_TYPE_VLAN] >>> 16;
    const proto = key[KW.IP_PROTO_TOS_TTL] >>> 24;
    const frag = key[KW.IP_PROTO_TOS_TTL] & 3;
    if (ethType === 0x0800 && (b[ex.l3] >>> 4) === 4) {
      fillIpv4Checksum(b, ex.l3);
      t.equal(get16(b, ex.l3 + 10), get16(orig, ex.l3 + 10), `${f.name}: IPv4 header checksum`);
      n++;
    }
    // A fragment's transport checksum covers the whole datagram; a Routing
    // header changes the pseudo-header's destination (checksum.ts).
    const routed = f.layers.some((l) => l.layer === 'IPv6ExtHdrRouting' && l.fields.segleft !== 0);
    if (ex.l4 < 0 || frag !== 0 || routed) continue;
    const l4Len = ex.l3End - ex.l4;
    if (proto === IPPROTO.SCTP) {
      fillSctpChecksum(b, ex.l4, l4Len);
      t.equal(toHex(b.subarray(ex.l4 + 8, ex.l4 + 12)), toHex(orig.subarray(ex.l4 + 8, ex.l4 + 12)), `${f.name}: SCTP CRC32c`);
      n++;
      continue;
    }
    const at = { 6: 16, 17: 6, 1: 2, 58: 2 }[proto];
    if (at === undefined || (proto === 17 && get16(orig, ex.l4 + 6) === 0)) continue;
    fillL4Checksum(b, ex.l3, ethType === 0x86dd, proto, ex.l4, l4Len);
    t.equal(get16(b, ex.l4 + at), get16(orig, ex.l4 + at), `${f.name}: transport checksum (proto ${proto})`);
    n++;
  }
  t.ok(n > 60, `${n} checksums recomputed`);
});

t.test('incremental updates equal full recomputation under random rewrites', async (t) => {
  let s = 0x9e3779b9;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const names = ['ipv4_tcp_payload', 'ipv4_udp_64', 'ipv4_icmp_echo', 'ipv6_tcp', 'ipv6_udp_tc', 'nd_na_tll_sll', 'vlan_ipv4_tcp', 'ipv4_options_rr_tcp'];
  const frames = corpus().filter((f) => names.includes(f.name));
  let bad = 0;
  let runs = 0;
  for (const f of frames) {
    const b = fromHex(f.hex);
    for (let i = 0; i < 300; i++) {
      ex.extract(b, 0, b.length, IN_PORT, key);
      const v6 = key[KW.ETH_TYPE_VLAN] >>> 16 === 0x86dd;
      const proto = key[KW.IP_PROTO_TOS_TTL] >>> 24;
      const l4Len = ex.l3End - ex.l4;
      switch (rnd() % 5) {
        case 0:
          if (v6) setIpv6Addr(b, ex.l3, rnd() & 1 ? IPV6.SRC : IPV6.DST, rnd(), rnd(), rnd(), rnd(), ex.l4, proto);
          else setIpv4Addr(b, ex.l3, rnd() & 1 ? IPV4.SRC : IPV4.DST, rnd(), ex.l4);
          break;
        case 1:
          if (!v6) ip4.reset(b, ex.l3, b.length - ex.l3).setTtl(rnd() & 0xff);
          break;
        case 2:
          if (!v6) ip4.reset(b, ex.l3, b.length - ex.l3).setTos(rnd() & 0xff);
          break;
        case 3:
          if (proto === 6) tcp.reset(b, ex.l4, l4Len).setSrcPort(rnd() & 0xffff);
          else if (proto === 17) udp.reset(b, ex.l4, l4Len).setDstPort(rnd() & 0xffff);
          else if (proto === 1) icmp.reset(b, ex.l4, l4Len).setCode(rnd() & 0xff);
          break;
        default:
          if (proto === 58) {
            icmp6.reset(b, ex.l4, l4Len);
            icmp6.setLinkAddr(icmp6.findLinkAddrOption(ND_OPT.TARGET_LINKADDR), rnd() & 0xffff, rnd());
            icmp6.setTargetWords(rnd(), rnd(), rnd(), rnd());
          }
      }
      // Verify: a header with a right checksum sums to 0xffff (checksum 0 over it).
      if (!v6 && internetChecksum(b, ex.l3, (b[ex.l3] & 15) * 4) !== 0) bad++;
      const pseudo = v6 ? ipv6PseudoSum(b, ex.l3, proto, l4Len) : ipv4PseudoSum(b, ex.l3, proto, l4Len);
      if (internetChecksum(b, ex.l4, l4Len, proto === 1 ? 0 : pseudo) !== 0) bad++;
      runs++;
    }
  }
  t.equal(bad, 0, `${runs} random rewrites, every checksum still verifies`);
});

t.test('csumUpdate16() replays RFC 1624 §4: eqn 3 gives 0x0000 where recomputation does', async (t) => {
  t.equal(csumUpdate16(0xdd2f, 0x5555, 0x3285), 0x0000);
  // The same header, recomputed: one word 0x3285 and the rest summing to ~0xdd2f - 0x5555.
  const rest = (0x22d0 + (~0x5555 & 0xffff)) % 0xffff;
  const b = new Uint8Array([0x32, 0x85, rest >>> 8, rest & 0xff]);
  t.equal(internetChecksum(b, 0, 4), 0x0000);
  t.equal(csumUpdate32(0x1234, 0xc0000201, 0xc0000201), 0x1234, 'an unchanged word changes nothing');
});

t.test('crc32c() gives RFC 3720 B.4 check values', async (t) => {
  t.equal(crc32c(new Uint8Array(32), 0, 32), 0x8a9136aa, '32 bytes of zeros');
  t.equal(crc32c(new Uint8Array(32).fill(0xff), 0, 32), 0x62a8ab43, '32 bytes of ones');
  const inc = Uint8Array.from({ length: 32 }, (_, i) => i);
  t.equal(crc32c(inc, 0, 32), 0x46dd794e, 'incrementing');
});

t.test('a rewrite keeps a wrong checksum wrong by the same amount (it forwards corruption, never launders it)', async (t) => {
  const f = corpus();
  const sctpFrame = fromHex(f.find((x) => x.name === 'ipv4_sctp_init')!.hex);
  ex.extract(sctpFrame, 0, sctpFrame.length, IN_PORT, key);
  sctp.reset(sctpFrame, ex.l4, ex.l3End - ex.l4);
  sctpFrame[ex.l4 + 8] ^= 0x5a; // corrupt the CRC
  const wrongBy = (sctp.checksum() ^ sctp.computeChecksum()) >>> 0;
  t.not(wrongBy, 0);
  sctp.setSrcPort(4242);
  t.equal((sctp.checksum() ^ sctp.computeChecksum()) >>> 0, wrongBy, 'SCTP: same CRC difference');

  const tcpFrame = fromHex(f.find((x) => x.name === 'ipv4_tcp_payload')!.hex);
  ex.extract(tcpFrame, 0, tcpFrame.length, IN_PORT, key);
  tcpFrame[ex.l4 + 17] ^= 0x01;
  const l4Len = ex.l3End - ex.l4;
  const residue = (): number => internetChecksum(tcpFrame, ex.l4, l4Len, ipv4PseudoSum(tcpFrame, ex.l3, 6, l4Len));
  const before = residue();
  t.not(before, 0);
  setIpv4Addr(tcpFrame, ex.l3, IPV4.SRC, 0x0a000001, ex.l4);
  tcp.reset(tcpFrame, ex.l4, l4Len).setDstPort(1);
  t.equal(residue(), before, 'TCP: same one\'s complement residue');
});
