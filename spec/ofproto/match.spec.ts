/**
 * compileMatch(): OpenFlow 1.3.5 match validation (§7.2.3, Table 12) and
 * the (value, mask) it builds over the flow key.
 *
 * The prerequisite table below is transcribed from the spec's Table 12,
 * not from prereqs.ts, so the two are checked against each other.
 */
import t from 'tap';
import { compileMatch } from '../../lib/ofproto/match.js';
import { KEY_WORDS } from '../../lib/packet/flow-key.js';
import { OFPBMC, OFPET, OfpError, OFPP } from '../../lib/openflow/index.js';
import type { Match } from '../../lib/openflow/index.js';
import { errName, f } from './util.js';

function errorOf(m: Match): string {
  try {
    compileMatch(m);
    return 'ok';
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    return errName(e.type, e.code);
  }
}

const BAD = (code: OFPBMC): string => errName(OFPET.BAD_MATCH, code);

const IPV4 = f('eth_type', 0x0800);
const IPV6 = f('eth_type', 0x86dd);
const ARP = f('eth_type', 0x0806);
const MPLS = f('eth_type', 0x8847);

/** Table 12: a field, a legal value, and a minimal match of its prerequisites (in spec order). */
const TABLE_12: [string, Match, Match][] = [
  ['in_phy_port', [f('in_phy_port', 1)], [f('in_port', 1)]],
  ['vlan_pcp', [f('vlan_pcp', 3)], [f('vlan_vid', 0x1000 | 10)]],
  ['ip_dscp', [f('ip_dscp', 46)], [IPV4]],
  ['ip_ecn', [f('ip_ecn', 1)], [IPV6]],
  ['ip_proto', [f('ip_proto', 6)], [IPV4]],
  ['ipv4_src', [f('ipv4_src', '10.0.0.1')], [IPV4]],
  ['ipv4_dst', [f('ipv4_dst', '10.0.0.0', '255.0.0.0')], [IPV4]],
  ['tcp_src', [f('tcp_src', 80)], [IPV4, f('ip_proto', 6)]],
  ['tcp_dst', [f('tcp_dst', 80)], [IPV6, f('ip_proto', 6)]],
  ['udp_src', [f('udp_src', 53)], [IPV4, f('ip_proto', 17)]],
  ['udp_dst', [f('udp_dst', 53)], [IPV4, f('ip_proto', 17)]],
  ['sctp_src', [f('sctp_src', 9)], [IPV4, f('ip_proto', 132)]],
  ['sctp_dst', [f('sctp_dst', 9)], [IPV4, f('ip_proto', 132)]],
  ['icmpv4_type', [f('icmpv4_type', 8)], [IPV4, f('ip_proto', 1)]],
  ['icmpv4_code', [f('icmpv4_code', 0)], [IPV4, f('ip_proto', 1)]],
  ['arp_op', [f('arp_op', 1)], [ARP]],
  ['arp_spa', [f('arp_spa', '10.0.0.1')], [ARP]],
  ['arp_tpa', [f('arp_tpa', '10.0.0.2')], [ARP]],
  ['arp_sha', [f('arp_sha', '00:00:00:00:00:01')], [ARP]],
  ['arp_tha', [f('arp_tha', '00:00:00:00:00:02')], [ARP]],
  ['ipv6_src', [f('ipv6_src', '2001:db8::1')], [IPV6]],
  ['ipv6_dst', [f('ipv6_dst', '2001:db8::', 'ffff:ffff::')], [IPV6]],
  ['ipv6_flabel', [f('ipv6_flabel', 0x12345)], [IPV6]],
  ['icmpv6_type', [f('icmpv6_type', 128)], [IPV6, f('ip_proto', 58)]],
  ['icmpv6_code', [f('icmpv6_code', 0)], [IPV6, f('ip_proto', 58)]],
  ['ipv6_nd_target', [f('ipv6_nd_target', 'fe80::1')], [IPV6, f('ip_proto', 58), f('icmpv6_type', 135)]],
  ['ipv6_nd_sll', [f('ipv6_nd_sll', '00:00:00:00:00:03')], [IPV6, f('ip_proto', 58), f('icmpv6_type', 135)]],
  ['ipv6_nd_tll', [f('ipv6_nd_tll', '00:00:00:00:00:04')], [IPV6, f('ip_proto', 58), f('icmpv6_type', 136)]],
  ['mpls_label', [f('mpls_label', 100)], [MPLS]],
  ['mpls_tc', [f('mpls_tc', 5)], [f('eth_type', 0x8848)]],
  ['mpls_bos', [f('mpls_bos', 1)], [MPLS]],
  ['pbb_isid', [f('pbb_isid', 0x123456)], [f('eth_type', 0x88e7)]],
  ['ipv6_exthdr', [f('ipv6_exthdr', 0x40, 0x1c0)], [IPV6]],
];

/** Fields without prerequisites. */
const FREE: Match = [
  f('in_port', 1),
  f('metadata', 5n, 0xffn),
  f('eth_dst', '01:00:00:00:00:00', '01:00:00:00:00:00'),
  f('eth_src', '00:11:22:33:44:55'),
  f('eth_type', 0x0800),
  f('vlan_vid', 0x1000 | 5),
  f('tunnel_id', 7n),
];

t.test('compileMatch() accepts every field without prerequisites', async (t) => {
  for (const field of FREE) t.equal(errorOf([field]), 'ok', field.field as string);
});

t.test('compileMatch() enforces each Table 12 prerequisite', async (t) => {
  for (const [name, field, prereqs] of TABLE_12) {
    t.equal(errorOf([...prereqs, ...field]), 'ok', `${name} with its prerequisites`);
    t.equal(errorOf(field), BAD(OFPBMC.BAD_PREREQ), `${name} alone`);
    // Every proper subset of a chain of prerequisites is refused too.
    for (let i = 0; i < prereqs.length; i++) {
      const partial = prereqs.filter((_, j) => j !== i);
      t.equal(errorOf([...partial, ...field]), BAD(OFPBMC.BAD_PREREQ), `${name} without ${prereqs[i]!.field as string}`);
    }
  }
});

t.test('compileMatch() wants the prerequisite values, not just the fields', async (t) => {
  t.equal(errorOf([ARP, f('ipv4_src', '10.0.0.1')]), BAD(OFPBMC.BAD_PREREQ), 'ipv4_src under ARP');
  t.equal(errorOf([IPV4, f('ip_proto', 17), f('tcp_src', 80)]), BAD(OFPBMC.BAD_PREREQ), 'tcp_src under UDP');
  t.equal(errorOf([f('eth_type', 0x88cc), f('ip_proto', 6)]), BAD(OFPBMC.BAD_PREREQ), 'ip_proto under LLDP');
  t.equal(errorOf([IPV6, f('ip_proto', 58), f('icmpv6_type', 128), f('ipv6_nd_target', '::1')]), BAD(OFPBMC.BAD_PREREQ), 'nd_target under echo');
  t.equal(errorOf([IPV6, f('ip_proto', 58), f('icmpv6_type', 136), f('ipv6_nd_sll', '00:00:00:00:00:01')]), BAD(OFPBMC.BAD_PREREQ), 'nd_sll needs a solicitation');
  t.equal(errorOf([f('vlan_vid', 0), f('vlan_pcp', 1)]), BAD(OFPBMC.BAD_PREREQ), 'vlan_pcp on untagged (OFPVID_NONE)');
  t.equal(errorOf([f('vlan_vid', 0x1000, 0x1000), f('vlan_pcp', 1)]), 'ok', 'vlan_pcp on any tag (OFPVID_PRESENT/OFPVID_PRESENT)');
  t.equal(errorOf([f('vlan_vid', 5, 0xfff), f('vlan_pcp', 1)]), BAD(OFPBMC.BAD_PREREQ), 'vlan_pcp when the present bit is wildcarded');
  t.equal(errorOf([f('mpls_label', 1), f('eth_type', 0x8847)]), 'ok', 'prerequisite after the field (relaxed order, as OVS)');
});

t.test('compileMatch() refuses duplicate and foreign fields', async (t) => {
  t.equal(errorOf([f('in_port', 1), f('in_port', 2)]), BAD(OFPBMC.DUP_FIELD));
  t.equal(errorOf([IPV4, IPV4]), BAD(OFPBMC.DUP_FIELD));
  t.equal(
    errorOf([{ field: 'other', oxm_class: 0x0001, oxm_field: 0, hasmask: false, payload: Buffer.alloc(4) }]),
    BAD(OFPBMC.BAD_FIELD),
    'an NXM_1 register',
  );
  t.equal(
    errorOf([{ field: 'other', oxm_class: 0xffff, oxm_field: 1, hasmask: false, payload: Buffer.alloc(8) }]),
    BAD(OFPBMC.BAD_FIELD),
    'an experimenter field',
  );
});

t.test('compileMatch() refuses values the field cannot hold', async (t) => {
  const cases: [string, Match][] = [
    ['vlan_vid > 0x1fff', [f('vlan_vid', 0x2000)]],
    ['vlan_pcp > 7', [f('vlan_vid', 0x1001), f('vlan_pcp', 8)]],
    ['ip_dscp > 63', [IPV4, f('ip_dscp', 64)]],
    ['ip_ecn > 3', [IPV4, f('ip_ecn', 4)]],
    ['ipv6_flabel > 20 bits', [IPV6, f('ipv6_flabel', 0x100000)]],
    ['mpls_label > 20 bits', [MPLS, f('mpls_label', 0x100000)]],
    ['mpls_tc > 7', [MPLS, f('mpls_tc', 8)]],
    ['mpls_bos > 1', [MPLS, f('mpls_bos', 2)]],
    ['ipv6_exthdr > 9 bits', [IPV6, f('ipv6_exthdr', 0x200)]],
    ['in_port 0', [f('in_port', 0)]],
    ['in_port OFPP_ANY', [f('in_port', OFPP.ANY)]],
    ['in_port OFPP_ALL', [f('in_port', OFPP.ALL)]],
    ['in_port OFPP_TABLE', [f('in_port', OFPP.TABLE)]],
    ['in_port OFPP_FLOOD', [f('in_port', OFPP.FLOOD)]],
    ['in_port in the unassigned range', [f('in_port', 0xffffff01)]],
    ['a malformed address', [IPV4, f('ipv4_src', '10.0.0')]],
  ];
  for (const [what, m] of cases) t.equal(errorOf(m), BAD(OFPBMC.BAD_VALUE), what);
  t.equal(errorOf([f('in_port', OFPP.LOCAL)]), 'ok', 'in_port LOCAL');
  t.equal(errorOf([f('in_port', OFPP.CONTROLLER)]), 'ok', 'in_port CONTROLLER (packet-outs)');
  t.equal(errorOf([f('in_port', OFPP.MAX)]), 'ok', 'in_port OFPP_MAX');
});

t.test('compileMatch() checks masks', async (t) => {
  t.equal(errorOf([f('eth_type', 0x800, 0xffff)]), BAD(OFPBMC.BAD_MASK), 'eth_type takes no mask');
  t.equal(errorOf([IPV6, f('ipv6_flabel', 1, 0x1fffff)]), BAD(OFPBMC.BAD_MASK), 'a flow-label mask beyond 20 bits');
  t.equal(errorOf([IPV4, f('ipv4_src', '10.0.0.1', '255.255.255.0')]), BAD(OFPBMC.BAD_WILDCARDS), 'value bits outside the mask');
  t.equal(errorOf([f('metadata', 0x10n, 0x0fn)]), BAD(OFPBMC.BAD_WILDCARDS));
  t.equal(errorOf([f('eth_dst', '01:00:00:00:00:01', '01:00:00:00:00:00')]), BAD(OFPBMC.BAD_WILDCARDS));
  t.equal(errorOf([IPV4, f('ipv4_src', '10.1.0.0', '255.255.0.0')]), 'ok', 'a CIDR mask');
  t.equal(errorOf([IPV4, f('ipv4_src', '10.0.0.1', '255.0.255.255')]), 'ok', 'an arbitrary mask');
});

t.test('compileMatch() lays fields out as lib/packet/flow-key.ts says', async (t) => {
  const m = compileMatch([
    f('in_port', 7),
    f('metadata', 0x0102000005060000n, 0xffff0000ffff0000n),
    f('eth_dst', '0a:0b:0c:0d:0e:0f'),
    IPV4,
    f('vlan_vid', 0x1000 | 0x123),
    f('ip_proto', 6),
    f('ip_dscp', 46),
    f('ipv4_src', '192.168.1.0', '255.255.255.0'),
    f('tcp_dst', 443),
  ]);
  const want = new Uint32Array(KEY_WORDS);
  const wantMask = new Uint32Array(KEY_WORDS);
  want[0] = 7;
  wantMask[0] = 0xffffffff;
  want[2] = 0x01020000;
  wantMask[2] = 0xffff0000;
  want[3] = 0x05060000;
  wantMask[3] = 0xffff0000;
  want[6] = 0x0a0b;
  wantMask[6] = 0xffff;
  want[7] = 0x0c0d0e0f;
  wantMask[7] = 0xffffffff;
  want[10] = (0x0800 << 16) | 0x1123;
  wantMask[10] = (0xffff0000 | 0x1fff) >>> 0;
  want[11] = (6 << 24) | (46 << 18);
  wantMask[11] = (0xff000000 | (0x3f << 18)) >>> 0;
  want[12] = 0xc0a80100;
  wantMask[12] = 0xffffff00;
  want[14] = 443;
  wantMask[14] = 0xffff;
  t.same([...m.value], [...want], 'value');
  t.same([...m.mask], [...wantMask], 'mask');
  const v6 = compileMatch([IPV6, f('ipv6_src', '2001:db8::1'), f('ipv6_dst', 'ff02::', 'ffff::')]);
  t.same([...v6.value.subarray(20, 28)], [0x20010db8, 0, 0, 1, 0xff020000, 0, 0, 0]);
  t.same([...v6.mask.subarray(20, 28)], [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffff0000, 0, 0, 0]);
  t.same([...compileMatch([]).mask], new Array(KEY_WORDS).fill(0), 'the empty match wildcards everything');
});

t.test('compileMatch() reports what the match guarantees', async (t) => {
  const m = compileMatch([IPV6, f('ip_proto', 58), f('icmpv6_type', 135), f('vlan_vid', 0x1000, 0x1000), f('in_port', 1)]);
  t.same(m.facts, { ethType: 0x86dd, ipProto: 58, icmpv6Type: 135, vlan: true, inPort: true });
  t.equal(compileMatch([f('vlan_vid', 0)]).facts.vlan, false, 'OFPVID_NONE: no tag');
  t.equal(compileMatch([]).facts.vlan, undefined, 'no vlan field: unknown');
});
