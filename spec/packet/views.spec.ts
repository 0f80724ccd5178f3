/**
 * Every header view against scapy's dissection of the corpus frames
 * (fixtures/packets/frames.json, `layers`: each layer's class, offset and
 * field values as scapy 2.5 reports them), and the PBB view against
 * tshark's, since scapy has no PBB layer. Each view is `reset` onto the
 * layer's offset with the rest of the frame as its window, must `check()`
 * OK, and each accessor must return scapy's value.
 *
 * Layers we have no view for are listed (NO_VIEW) so that a new layer in
 * the corpus cannot go unchecked unnoticed.
 */
import t, { type Test } from 'tap';
import { ArpView } from '../../lib/packet/arp.js';
import { EthernetView } from '../../lib/packet/ethernet.js';
import { Icmpv4View } from '../../lib/packet/icmpv4.js';
import { Icmpv6View, ND_OPT } from '../../lib/packet/icmpv6.js';
import { IPPROTO } from '../../lib/packet/ip.js';
import { Ipv4View } from '../../lib/packet/ipv4.js';
import { Ipv6ExtView } from '../../lib/packet/ipv6-ext.js';
import { Ipv6View } from '../../lib/packet/ipv6.js';
import { MplsView } from '../../lib/packet/mpls.js';
import { PbbView } from '../../lib/packet/pbb.js';
import { SctpView } from '../../lib/packet/sctp.js';
import { TcpView } from '../../lib/packet/tcp.js';
import { UdpView } from '../../lib/packet/udp.js';
import { VlanView } from '../../lib/packet/vlan.js';
import { WireError, get32, wireErrorName } from '../../lib/packet/wire.js';
import { addrWords, corpus, fromHex, type ScapyLayer } from './helpers.js';

const frames = corpus();

const mac = (hi: number, lo: number): string =>
  (hi.toString(16).padStart(4, '0') + lo.toString(16).padStart(8, '0')).replace(/(..)(?!$)/g, '$1:');
const ipv4 = (a: number): string => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
const v6 = (w: (i: number) => number): number[] => [w(0), w(1), w(2), w(3)];

/** Layers without a view of ours (the payloads and options scapy also shows as layers). */
const NO_VIEW = new Set([
  'LLC', 'SNAP', 'STP', 'ESP', 'GRE', 'BOOTP', 'SCTPChunkInit', 'PadN', 'Pad1', 'HBHOptUnknown',
  'IPOption_EOL', 'IPOption_NOP', 'IPOption_RR', 'IPOption_Security', 'ICMPv6NDOptMTU',
]);

/**
 * Layers whose payload scapy dissects as something our views are not meant
 * to read there: GRE's payload (the corpus's GRE frames carry zeros, which
 * scapy dutifully dissects as an inner IP header).
 */
const OPAQUE = new Set(['GRE']);

/**
 * ND options scapy shows but the ND option walk (icmpv6.ts) does not reach,
 * by design: each frame is in the corpus to show the walk stopping.
 */
const WALK_STOPS: Record<string, string> = {
  nd_ns_zero_len_opt: 'a zero-length option ends the walk',
  nd_ns_sll_len2: 'a 16-byte link-layer option is not an Ethernet address',
  nd_ns_opt_overrun: 'an option running past the message ends the walk',
};

const eth = new EthernetView();
const vlan = new VlanView();
const mpls = new MplsView();
const arp = new ArpView();
const ip4 = new Ipv4View();
const ip6 = new Ipv6View();
const ext = new Ipv6ExtView();
const tcp = new TcpView();
const udp = new UdpView();
const sctp = new SctpView();
const icmp = new Icmpv4View();
const icmp6 = new Icmpv6View();

interface Ctx {
  frame: string;
  /** Offset and type of the last ICMPv6 message seen. */
  icmp6: number;
  icmp6Type: number;
}

type Check = (t: Test, b: Uint8Array, l: ScapyLayer, ctx: Ctx) => void;

const ok = (t: Test, e: WireError, what: string): void => {
  t.equal(wireErrorName(e), wireErrorName(WireError.OK), `${what}: check()`);
};

const CHECKS: Record<string, Check> = {
  Ether: (t, b, l) => {
    eth.reset(b, l.offset, b.length - l.offset);
    ok(t, eth.check(), 'Ether');
    t.equal(mac(eth.dstHi(), eth.dstLo()), l.fields.dst);
    t.equal(mac(eth.srcHi(), eth.srcLo()), l.fields.src);
    t.equal(eth.etherType(), l.fields.type);
  },
  Dot3: (t, b, l) => {
    eth.reset(b, l.offset, b.length - l.offset);
    ok(t, eth.check(), 'Dot3');
    t.equal(mac(eth.dstHi(), eth.dstLo()), l.fields.dst);
    t.equal(eth.etherType(), l.fields.len, '802.3 length in the type field');
  },
  Dot1Q: (t, b, l) => {
    vlan.reset(b, l.offset, b.length - l.offset);
    ok(t, vlan.check(), 'Dot1Q');
    t.equal(vlan.pcp(), l.fields.prio);
    t.equal(vlan.dei(), l.fields.id);
    t.equal(vlan.vid(), l.fields.vlan);
    t.equal(vlan.innerType(), l.fields.type);
  },
  MPLS: (t, b, l) => {
    mpls.reset(b, l.offset, b.length - l.offset);
    ok(t, mpls.check(), 'MPLS');
    t.equal(mpls.label(), l.fields.label);
    t.equal(mpls.tc(), l.fields.cos);
    t.equal(mpls.bos(), l.fields.s);
    t.equal(mpls.ttl(), l.fields.ttl);
  },
  ARP: (t, b, l) => {
    arp.reset(b, l.offset, b.length - l.offset);
    t.equal(arp.htype(), l.fields.hwtype);
    t.equal(arp.ptype(), l.fields.ptype);
    t.equal(arp.hlen(), l.fields.hwlen);
    t.equal(arp.plen(), l.fields.plen);
    t.equal(arp.oper(), l.fields.op);
    if (l.fields.hwtype !== 1) {
      t.equal(arp.check(), WireError.UNSUPPORTED, 'not Ethernet hardware');
      return;
    }
    ok(t, arp.check(), 'ARP');
    t.equal(mac(arp.shaHi(), arp.shaLo()), l.fields.hwsrc);
    t.equal(ipv4(arp.spa()), l.fields.psrc);
    t.equal(mac(arp.thaHi(), arp.thaLo()), l.fields.hwdst);
    t.equal(ipv4(arp.tpa()), l.fields.pdst);
  },
  IP: (t, b, l) => {
    ip4.reset(b, l.offset, b.length - l.offset);
    ok(t, ip4.check(), 'IP');
    t.equal(ip4.version(), l.fields.version);
    t.equal(ip4.ihl(), l.fields.ihl);
    t.equal(ip4.tos(), l.fields.tos);
    t.equal(ip4.dscp() << 2 | ip4.ecn(), l.fields.tos);
    t.equal(ip4.totalLen(), l.fields.len);
    t.equal(ip4.ident(), l.fields.id);
    t.equal(ip4.flags(), l.fields.flags);
    t.equal(ip4.moreFrags(), (Number(l.fields.flags) & 1) === 1);
    t.equal(ip4.dontFrag(), (Number(l.fields.flags) & 2) === 2);
    t.equal(ip4.fragOffset(), l.fields.frag);
    t.equal(ip4.ttl(), l.fields.ttl);
    t.equal(ip4.protocol(), l.fields.proto);
    t.equal(ip4.checksum(), l.fields.chksum);
    // (ipv4_version_6 had its version nibble changed after scapy built it.)
    if (ip4.version() === 4) t.ok(ip4.checksumOk(), 'scapy computed a header checksum that verifies');
    t.equal(ipv4(ip4.src()), l.fields.src);
    t.equal(ipv4(ip4.dst()), l.fields.dst);
    t.equal(ip4.headerLen(), Number(l.fields.ihl) * 4);
  },
  IPv6: (t, b, l) => {
    ip6.reset(b, l.offset, b.length - l.offset);
    ok(t, ip6.check(), 'IPv6');
    t.equal(ip6.version(), l.fields.version);
    t.equal(ip6.trafficClass(), l.fields.tc);
    t.equal(ip6.flowLabel(), l.fields.fl);
    t.equal(ip6.payloadLen(), l.fields.plen);
    t.equal(ip6.nextHeader(), l.fields.nh);
    t.equal(ip6.hopLimit(), l.fields.hlim);
    t.same(v6((i) => ip6.srcWord(i)), addrWords('ipv6', String(l.fields.src)));
    t.same(v6((i) => ip6.dstWord(i)), addrWords('ipv6', String(l.fields.dst)));
  },
  IPv6ExtHdrHopByHop: (t, b, l) => extHeader(t, b, l, IPPROTO.HOPOPTS),
  IPv6ExtHdrDestOpt: (t, b, l) => extHeader(t, b, l, IPPROTO.DSTOPTS),
  IPv6ExtHdrRouting: (t, b, l) => {
    extHeader(t, b, l, IPPROTO.ROUTING);
    t.equal(ext.routingType(), l.fields.type);
    t.equal(ext.segmentsLeft(), l.fields.segleft);
  },
  IPv6ExtHdrFragment: (t, b, l) => {
    ext.resetExt(b, l.offset, b.length - l.offset, IPPROTO.FRAGMENT);
    ok(t, ext.check(), 'Fragment');
    t.equal(ext.nextHeader(), l.fields.nh);
    t.equal(ext.headerLen(), 8);
    t.equal(ext.fragOffset(), l.fields.offset);
    t.equal(ext.moreFrags(), l.fields.m === 1);
    t.equal(ext.fragIdent(), l.fields.id);
  },
  AH: (t, b, l) => {
    ext.resetExt(b, l.offset, b.length - l.offset, IPPROTO.AH);
    ok(t, ext.check(), 'AH');
    t.equal(ext.nextHeader(), l.fields.nh);
    t.equal(ext.hdrExtLen(), l.fields.payloadlen);
    t.equal(ext.headerLen(), (Number(l.fields.payloadlen) + 2) * 4);
    t.equal(ext.spi(), l.fields.spi);
    t.equal(ext.seq(), l.fields.seq);
  },
  TCP: (t, b, l) => {
    tcp.reset(b, l.offset, b.length - l.offset);
    ok(t, tcp.check(), 'TCP');
    t.equal(tcp.srcPort(), l.fields.sport);
    t.equal(tcp.dstPort(), l.fields.dport);
    t.equal(tcp.seq(), l.fields.seq);
    t.equal(tcp.ack(), l.fields.ack);
    t.equal(tcp.dataOffset(), l.fields.dataofs);
    t.equal(tcp.flags(), l.fields.flags);
    t.equal(tcp.window(), l.fields.window);
    t.equal(tcp.checksum(), l.fields.chksum);
    t.equal(tcp.urgent(), l.fields.urgptr);
  },
  UDP: (t, b, l) => {
    udp.reset(b, l.offset, b.length - l.offset);
    t.equal(udp.srcPort(), l.fields.sport);
    t.equal(udp.dstPort(), l.fields.dport);
    t.equal(udp.length(), l.fields.len);
    t.equal(udp.checksum(), l.fields.chksum);
    // A first fragment's UDP length covers the whole datagram, not this packet.
    t.equal(udp.check(), Number(l.fields.len) > udp.len ? WireError.OVERRUN : WireError.OK);
  },
  SCTP: (t, b, l) => {
    sctp.reset(b, l.offset, b.length - l.offset);
    ok(t, sctp.check(), 'SCTP');
    t.equal(sctp.srcPort(), l.fields.sport);
    t.equal(sctp.dstPort(), l.fields.dport);
    t.equal(sctp.vtag(), l.fields.tag);
    t.equal(get32(b, l.offset + 8), l.fields.chksum, 'the checksum bytes scapy wrote');
    t.ok(sctp.checksumOk(), 'our CRC32c equals the one scapy computed');
  },
  ICMP: (t, b, l) => {
    icmp.reset(b, l.offset, b.length - l.offset);
    ok(t, icmp.check(), 'ICMP');
    t.equal(icmp.type(), l.fields.type);
    t.equal(icmp.code(), l.fields.code);
    t.equal(icmp.checksum(), l.fields.chksum);
    if (l.fields.id !== undefined) t.equal(icmp.ident(), l.fields.id);
    if (l.fields.seq !== undefined) t.equal(icmp.seq(), l.fields.seq);
  },
  ICMPv6: (t, b, l, ctx) => {
    icmp6.reset(b, l.offset, b.length - l.offset);
    ctx.icmp6 = l.offset;
    ctx.icmp6Type = Number(l.fields.type);
    ok(t, icmp6.check(), l.layer);
    t.equal(icmp6.type(), l.fields.type);
    t.equal(icmp6.code(), l.fields.code);
    t.equal(icmp6.checksum(), l.fields.cksum);
    if (l.fields.tgt !== undefined) {
      t.ok(icmp6.isNeighborDiscovery() || icmp6.code() !== 0);
      t.same(v6((i) => icmp6.targetWord(i)), addrWords('ipv6', String(l.fields.tgt)));
    }
    if (l.fields.R !== undefined) {
      t.equal(icmp6.ndRouter(), l.fields.R);
      t.equal(icmp6.ndSolicited(), l.fields.S);
      t.equal(icmp6.ndOverride(), l.fields.O);
    }
  },
  NDOpt: (t, b, l, ctx) => {
    const type = l.layer === 'ICMPv6NDOptSrcLLAddr' ? ND_OPT.SOURCE_LINKADDR : ND_OPT.TARGET_LINKADDR;
    t.equal(l.fields.type, type);
    // findLinkAddrOption reads NS/NA options (at 24); other messages' options start elsewhere.
    if (ctx.icmp6Type !== 135 && ctx.icmp6Type !== 136) return;
    icmp6.reset(b, ctx.icmp6, b.length - ctx.icmp6);
    const at = icmp6.findLinkAddrOption(type);
    if (at === l.offset) {
      t.equal(mac(icmp6.linkAddrHi(at), icmp6.linkAddrLo(at)), l.fields.lladdr, `${l.layer} address`);
    } else if (at >= 0) {
      t.ok(at < l.offset, `${l.layer} at ${l.offset}: an earlier one of its type is at ${at}`);
    } else {
      t.ok(WALK_STOPS[ctx.frame], `${l.layer} at ${l.offset} not reached: ${WALK_STOPS[ctx.frame] ?? 'unexplained'}`);
    }
  },
};
CHECKS.Dot1AD = CHECKS.Dot1Q;
CHECKS.IPerror = CHECKS.IP;
CHECKS.UDPerror = CHECKS.UDP;
CHECKS.TCPerror = CHECKS.TCP;
CHECKS.ICMPv6NDOptSrcLLAddr = CHECKS.NDOpt;
CHECKS.ICMPv6NDOptDstLLAddr = CHECKS.NDOpt;

function extHeader(t: Test, b: Uint8Array, l: ScapyLayer, type: number): void {
  ext.resetExt(b, l.offset, b.length - l.offset, type);
  ok(t, ext.check(), l.layer);
  t.equal(ext.nextHeader(), l.fields.nh);
  t.equal(ext.hdrExtLen(), l.fields.len);
  t.equal(ext.headerLen(), (Number(l.fields.len) + 1) * 8);
}

t.test('every view reads what scapy reads, on every layer of every well-formed corpus frame', async (t) => {
  const seen = new Map<string, number>();
  const unknown = new Set<string>();
  for (const f of frames) {
    if (f.expect_source !== 'scapy') continue;
    const b = fromHex(f.hex);
    const ctx: Ctx = { frame: f.name, icmp6: -1, icmp6Type: -1 };
    for (const l of f.layers) {
      if (OPAQUE.has(l.layer)) break;
      const check = CHECKS[l.layer] ?? (/^ICMPv6(ND_|Echo|Dest|Param|Time|Packet|ML|Router)/.test(l.layer) ? CHECKS.ICMPv6 : undefined);
      if (check === undefined) {
        if (!NO_VIEW.has(l.layer)) unknown.add(l.layer);
        continue;
      }
      await t.test(`${f.name}: ${l.layer} at ${l.offset}`, async (t) => check(t, b, l, ctx));
      seen.set(l.layer, (seen.get(l.layer) ?? 0) + 1);
    }
  }
  t.same([...unknown], [], 'every layer in the corpus has a view or is listed as having none');
  t.comment(`layers checked: ${[...seen].map(([k, n]) => `${k} ${n}`).join(', ')}`);
});

t.test('PbbView reads what tshark reads (scapy has no PBB layer)', async (t) => {
  const pbb = new PbbView();
  let n = 0;
  for (const f of frames) {
    const ts = f.tshark;
    if (ts['ieee8021ah.isid'] === undefined || f.expect_source !== 'hand' || f.expect.pbb_isid === undefined) continue;
    const b = fromHex(f.hex);
    // The I-TAG follows the backbone addresses and any B-tags.
    let at = 12;
    while (((b[at] << 8) | b[at + 1]) !== 0x88e7) at += 4;
    pbb.reset(b, at + 2, b.length - at - 2);
    ok(t, pbb.check(), f.name);
    t.equal(pbb.isid(), Number(ts['ieee8021ah.isid'][0]), `${f.name}: I-SID`);
    t.equal(pbb.ipcp(), Number(ts['ieee8021ah.priority'][0]), `${f.name}: I-PCP`);
    t.equal(pbb.idei(), Number(ts['ieee8021ah.drop'][0]), `${f.name}: I-DEI`);
    t.equal(pbb.uca(), Number(ts['ieee8021ah.nca'][0]), `${f.name}: UCA`);
    t.equal(mac(pbb.cDstHi(), pbb.cDstLo()), ts['ieee8021ah.cdst'][0], `${f.name}: C-DA`);
    t.equal(mac(pbb.cSrcHi(), pbb.cSrcLo()), ts['ieee8021ah.csrc'][0], `${f.name}: C-SA`);
    // tshark's etype list holds the I-TAG's customer type last.
    const etypes = ts['ieee8021ah.etype'];
    t.equal(pbb.innerType(), Number(etypes[etypes.length - 1]), `${f.name}: customer EtherType`);
    n++;
  }
  t.equal(n, 2, 'both PBB frames checked');
});

t.test('MplsView.next() walks a label stack as tshark lists it', async (t) => {
  for (const f of frames) {
    const labels = f.tshark['mpls.label'];
    if (labels === undefined || f.expect_source !== 'scapy') continue;
    const b = fromHex(f.hex);
    // scapy binds only 0x8847 to its MPLS layer; the 0x8848 frame's stack starts after the Ethernet header.
    const first = f.layers.find((l) => l.layer === 'MPLS')?.offset ?? 14 + 4 * f.layers.filter((l) => /^Dot1/.test(l.layer)).length;
    mpls.reset(b, first, b.length - first);
    const got: number[][] = [];
    do got.push([mpls.label(), mpls.tc(), mpls.bos(), mpls.ttl()]);
    while (mpls.next());
    const want = labels.map((lab, i) => [
      Number(lab),
      Number(f.tshark['mpls.exp'][i]),
      Number(f.tshark['mpls.bottom'][i]),
      Number(f.tshark['mpls.ttl'][i]),
    ]);
    t.same(got, want, f.name);
  }
});

t.test('check() returns the error for each truncation and lying length', async (t) => {
  const b = new Uint8Array(64);
  t.equal(eth.reset(b, 0, 13).check(), WireError.TRUNCATED, 'Ethernet of 13 bytes');
  b[0] = 0x44; // IHL 4
  t.equal(ip4.reset(b, 0, 64).check(), WireError.BAD_LENGTH, 'IPv4 IHL 4');
  b[0] = 0x4f; // IHL 15 = 60 bytes
  b[3] = 60;
  t.equal(ip4.reset(b, 0, 40).check(), WireError.OVERRUN, 'IPv4 IHL past the window');
  b[0] = 0x45;
  b[3] = 19;
  t.equal(ip4.reset(b, 0, 64).check(), WireError.BAD_LENGTH, 'IPv4 total length below IHL');
  b[3] = 65;
  t.equal(ip4.reset(b, 0, 64).check(), WireError.OVERRUN, 'IPv4 total length past the window');
  t.equal(ip4.reset(b, 0, 19).check(), WireError.TRUNCATED, 'IPv4 of 19 bytes');
  b.fill(0);
  b[5] = 25; // payload length 25
  t.equal(ip6.reset(b, 0, 64).check(), WireError.OVERRUN, 'IPv6 payload length past the window');
  t.equal(ip6.reset(b, 0, 39).check(), WireError.TRUNCATED);
  b[12] = 0x40; // data offset 4
  t.equal(tcp.reset(b, 0, 64).check(), WireError.BAD_LENGTH, 'TCP data offset 4');
  b[12] = 0xf0;
  t.equal(tcp.reset(b, 0, 59).check(), WireError.OVERRUN, 'TCP data offset past the window');
  b.fill(0);
  b[5] = 7;
  t.equal(udp.reset(b, 0, 64).check(), WireError.BAD_LENGTH, 'UDP length 7');
  b[5] = 9;
  t.equal(udp.reset(b, 0, 8).check(), WireError.OVERRUN, 'UDP length past the window');
  t.equal(sctp.reset(b, 0, 11).check(), WireError.TRUNCATED);
  t.equal(icmp.reset(b, 0, 7).check(), WireError.TRUNCATED);
  t.equal(icmp6.reset(b, 0, 7).check(), WireError.TRUNCATED);
  b[1] = 2; // Hdr Ext Len 2: 24 bytes
  t.equal(ext.resetExt(b, 0, 23, IPPROTO.HOPOPTS).check(), WireError.OVERRUN);
  t.equal(ext.resetExt(b, 0, 23, IPPROTO.AH).check(), WireError.OK, 'AH counts 4-byte units: 16 bytes');
  t.equal(ext.resetExt(b, 0, 7, IPPROTO.FRAGMENT).check(), WireError.TRUNCATED);
  t.equal(arp.reset(b, 0, 7).check(), WireError.TRUNCATED);
  t.equal(eth.reset(b, 60, 100).len, 4, 'reset() clamps the window to the buffer');
});

t.test('setters without a checksum write what their accessors read back', async (t) => {
  const b = new Uint8Array(64);
  eth.reset(b, 0, 64);
  eth.setDst(0x0102, 0x03040506);
  eth.setSrc(0xa1a2, 0xa3a4a5a6);
  eth.setEtherType(0x88cc);
  t.same([eth.dstHi(), eth.dstLo(), eth.srcHi(), eth.srcLo(), eth.etherType()], [0x0102, 0x03040506, 0xa1a2, 0xa3a4a5a6, 0x88cc]);
  vlan.reset(b, 14, 50);
  vlan.setTci(0xffff);
  vlan.setVid(0x123);
  vlan.setPcp(2);
  t.same([vlan.pcp(), vlan.dei(), vlan.vid()], [2, 1, 0x123], 'VID and PCP setters keep DEI');
  mpls.reset(b, 20, 44);
  mpls.setLse(0);
  mpls.setLabel(0xabcde);
  mpls.setTc(5);
  mpls.setBos(1);
  mpls.setTtl(200);
  t.same([mpls.label(), mpls.tc(), mpls.bos(), mpls.ttl()], [0xabcde, 5, 1, 200]);
  const pbb = new PbbView().reset(b, 24, 40);
  pbb.setItci(0xffffffff);
  pbb.setIsid(0x010203);
  pbb.setIpcp(1);
  t.same([pbb.isid(), pbb.ipcp(), pbb.idei(), pbb.uca()], [0x010203, 1, 1, 1]);
  arp.reset(b, 0, 64);
  arp.setOper(2);
  arp.setSpa(0x0a000001);
  arp.setTpa(0xc0a80101);
  arp.setSha(0x1111, 0x22223333);
  arp.setTha(0x4444, 0x55556666);
  t.same([arp.oper(), arp.spa(), arp.tpa(), arp.shaHi(), arp.shaLo(), arp.thaHi(), arp.thaLo()], [2, 0x0a000001, 0xc0a80101, 0x1111, 0x22223333, 0x4444, 0x55556666]);
  ip6.reset(b, 0, 64);
  ip6.setTrafficClass(0xff);
  ip6.setFlowLabel(0xfffff);
  ip6.setDscp(1);
  ip6.setEcn(2);
  ip6.setFlowLabel(0x12345);
  t.same([ip6.trafficClass(), ip6.flowLabel()], [(1 << 2) | 2, 0x12345], 'traffic class and flow label do not overlap');
  ip6.setHopLimit(1);
  t.equal(ip6.decHopLimit(), 0);
  t.equal(ip6.decHopLimit(), -1, 'a hop limit of 0 stays 0');
});
