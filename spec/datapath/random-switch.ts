/**
 * Random switches and packets for the datapath's property tests: flow
 * tables written in ovs-ofctl syntax over a pool of realistic fields (so
 * counterexamples read like `ovs-ofctl add-flow` lines), groups of every
 * type, and frames drawn from the same pool so that rules hit often.
 *
 * Stateful behaviour is left out on purpose (NORMAL's MAC learning, meter
 * buckets): what is compared is a cache against a fresh translation, and
 * both must see the same switch. spec/xlate covers those separately.
 */
import fc from 'fast-check';
import type { FrameSpec } from './frames.js';

const MACS = ['00:00:00:00:00:01', '00:00:00:00:00:02', '00:00:00:00:00:03', 'ff:ff:ff:ff:ff:ff'];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.1.7', '192.168.1.1'];
const NETS = ['10.0.0.1', '10.0.0.2', '10.0.0.0/24', '10.0.1.0/24', '10.0.0.0/8', '192.168.0.0/16'];
const PORTS = [80, 53, 1000];

type Family = 'any' | 'ip' | 'tcp' | 'udp' | 'icmp' | 'arp' | 'ipv6' | 'tcp6' | 'mpls';

export interface RandomSwitch {
  flows: string[];
  groups: string[];
}

const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);

function matchArb(table: number): fc.Arbitrary<{ text: string; family: Family; tagged: boolean }> {
  return fc
    .record({
      family: pick<Family>(['any', 'ip', 'tcp', 'udp', 'icmp', 'arp', 'ipv6', 'tcp6', 'mpls']),
      mplsLabel: fc.option(pick([100, 200]), { freq: 2 }),
      inPort: fc.option(fc.integer({ min: 1, max: 4 }), { freq: 2 }),
      dlSrc: fc.option(pick(MACS.slice(0, 3)), { freq: 4 }),
      dlDst: fc.option(pick([...MACS, '01:00:00:00:00:00/01:00:00:00:00:00']), { freq: 3 }),
      vlan: fc.option(pick(['dl_vlan=5', 'dl_vlan=7', 'vlan_tci=0x0000/0x1000', 'vlan_tci=0x1000/0x1000']), { freq: 3 }),
      nwSrc: fc.option(pick(NETS), { freq: 2 }),
      nwDst: fc.option(pick(NETS), { freq: 2 }),
      tpDst: fc.option(pick(PORTS), { freq: 2 }),
      tpSrc: fc.option(pick(PORTS), { freq: 4 }),
      dscp: fc.option(pick([0, 8]), { freq: 5 }),
      arpOp: fc.option(pick([1, 2]), { freq: 2 }),
      metadata: fc.option(pick(['0x1/0xff', '0x2/0xff', '0/0xf0']), { freq: 2 }),
    })
    .map((r) => {
      const parts: string[] = [`table=${table}`];
      if (r.family !== 'any') parts.push(r.family);
      if (r.inPort !== null) parts.push(`in_port=${r.inPort}`);
      if (r.dlSrc !== null) parts.push(`dl_src=${r.dlSrc}`);
      if (r.dlDst !== null) parts.push(`dl_dst=${r.dlDst}`);
      if (r.vlan !== null) parts.push(r.vlan);
      const v4 = r.family === 'ip' || r.family === 'tcp' || r.family === 'udp' || r.family === 'icmp';
      if (v4 || r.family === 'arp') {
        if (r.nwSrc !== null) parts.push(`nw_src=${r.nwSrc}`);
        if (r.nwDst !== null) parts.push(`nw_dst=${r.nwDst}`);
      }
      if (v4 && r.dscp !== null) parts.push(`ip_dscp=${r.dscp}`);
      if (r.family === 'tcp' || r.family === 'udp' || r.family === 'tcp6') {
        if (r.tpDst !== null) parts.push(`tp_dst=${r.tpDst}`);
        if (r.tpSrc !== null) parts.push(`tp_src=${r.tpSrc}`);
      }
      if (r.family === 'icmp' && r.tpDst !== null) parts.push('icmp_type=8');
      if (r.family === 'arp' && r.arpOp !== null) parts.push(`arp_op=${r.arpOp}`);
      if (r.family === 'mpls' && r.mplsLabel !== null) parts.push(`mpls_label=${r.mplsLabel}`);
      if (table > 0 && r.metadata !== null) parts.push(`metadata=${r.metadata}`);
      const tagged = r.vlan === 'dl_vlan=5' || r.vlan === 'dl_vlan=7' || r.vlan === 'vlan_tci=0x1000/0x1000';
      return { text: parts.join(','), family: r.family, tagged };
    });
}

/** One action that makes sense for a flow of `family` (apply-actions are checked against the match). */
function actionArb(family: Family, tagged: boolean, groups: number): fc.Arbitrary<string> {
  const ip4 = family === 'ip' || family === 'tcp' || family === 'udp' || family === 'icmp';
  const ip = ip4 || family === 'ipv6' || family === 'tcp6';
  const choices: string[] = [
    'output:1',
    'output:2',
    'output:3',
    'output:4',
    'IN_PORT',
    'ALL',
    'CONTROLLER:64',
    'LOCAL',
    `set_field:${MACS[2]}->eth_dst`,
    `set_field:${MACS[0]}->eth_src`,
    'push_vlan:0x8100,set_field:4097->vlan_vid',
    'push_vlan:0x88a8',
    'set_queue:3',
  ];
  for (let g = 1; g <= groups; g++) choices.push(`group:${g}`);
  if (tagged) choices.push('pop_vlan', 'set_field:4100->vlan_vid', 'set_field:5->vlan_pcp');
  if (ip4) choices.push('set_field:10.9.9.9->ip_src', 'set_field:10.0.0.2->ip_dst', 'set_field:8->ip_dscp', 'set_field:2->ip_ecn', 'push_mpls:0x8847', 'push_mpls:0x8847,set_field:77->mpls_label');
  if (ip) choices.push('dec_ttl', 'set_field:9->nw_ttl'.replace('set_field:9->nw_ttl', 'dec_ttl'));
  if (family === 'tcp') choices.push('set_field:99->tcp_dst', 'set_field:1234->tcp_src');
  if (family === 'udp') choices.push('set_field:5353->udp_dst');
  if (family === 'icmp') choices.push('set_field:0->icmp_type');
  if (family === 'ipv6' || family === 'tcp6') choices.push('set_field:2001:db8::99->ipv6_src', 'set_field:7->ipv6_label');
  if (family === 'tcp6') choices.push('set_field:99->tcp_dst');
  if (family === 'arp') choices.push('set_field:2->arp_op', 'set_field:10.0.0.9->arp_spa');
  if (family === 'mpls') {
    choices.push(
      'pop_mpls:0x0800',
      'pop_mpls:0x8847',
      'set_field:9->mpls_label',
      'set_field:3->mpls_tc',
      'dec_mpls_ttl',
      'set_mpls_ttl:5',
      'push_mpls:0x8847',
      'copy_ttl_in',
      'copy_ttl_out',
    );
  }
  if (ip4) choices.push('push_mpls:0x8847,copy_ttl_out', 'push_mpls:0x8847,dec_mpls_ttl');
  return pick(choices);
}

function flowArb(table: number, nTables: number, groups: number): fc.Arbitrary<string> {
  return matchArb(table).chain((m) =>
    fc
      .record({
        priority: fc.integer({ min: 0, max: 4 }),
        apply: fc.array(actionArb(m.family, m.tagged, groups), { maxLength: 4 }),
        write: fc.option(fc.array(actionArb('any', false, groups), { minLength: 1, maxLength: 2 }), { freq: 3 }),
        clear: fc.boolean(),
        md: fc.option(pick(['0x1/0xff', '0x2/0xff', '0x10/0xf0']), { freq: 3 }),
        goto: fc.option(fc.integer({ min: table + 1, max: Math.max(table + 1, nTables - 1) }), { freq: 2 }),
      })
      .map((r) => {
        const ins: string[] = [];
        if (r.apply.length > 0) ins.push(r.apply.join(','));
        if (r.clear && r.write !== null) ins.push('clear_actions');
        if (r.write !== null) ins.push(`write_actions(${r.write.join(',')})`);
        if (r.md !== null) ins.push(`write_metadata:${r.md}`);
        if (r.goto !== null && table + 1 < nTables) ins.push(`goto_table:${r.goto}`);
        return `${m.text},priority=${r.priority * 100},actions=${ins.length === 0 ? 'drop' : ins.join(',')}`;
      }),
  );
}

/** Groups 1..4: all, select, fast failover, indirect; bucket actions from the same pool. */
const GROUPS = [
  'group_id=1,type=all,bucket=output:2,bucket=set_field:00:00:00:00:00:09->eth_dst,output:3,bucket=push_vlan:0x8100,set_field:4098->vlan_vid,output:4',
  'group_id=2,type=select,bucket=weight=1,output:1,bucket=weight=2,set_field:00:00:00:00:00:08->eth_src,output:2,bucket=weight=1,output:3',
  'group_id=3,type=ff,bucket=watch_port=2,output:2,bucket=watch_port=3,output:3',
  'group_id=4,type=indirect,bucket=set_field:00:00:00:00:00:07->eth_dst,group:1',
];

export function randomSwitch(nTables = 4): fc.Arbitrary<RandomSwitch> {
  return fc.integer({ min: 0, max: 4 }).chain((nGroups) =>
    fc
      .array(
        fc.integer({ min: 0, max: nTables - 1 }).chain((t) => flowArb(t, nTables, nGroups === 4 ? 4 : Math.min(nGroups, 3))),
        { minLength: 1, maxLength: 30 },
      )
      .map((flows) => ({ flows, groups: GROUPS.slice(0, nGroups) })),
  );
}

/** A frame and the port it arrives on. */
export interface RandomPacket {
  port: number;
  spec: FrameSpec;
}

export function randomPacket(): fc.Arbitrary<RandomPacket> {
  return fc
    .record({
      port: fc.integer({ min: 1, max: 4 }),
      l3: pick<'ipv4' | 'ipv6' | 'arp'>(['ipv4', 'ipv4', 'ipv4', 'ipv6', 'arp']),
      l4: pick<'tcp' | 'udp' | 'icmp' | 'sctp'>(['tcp', 'udp', 'icmp', 'tcp', 'sctp']),
      src: pick(MACS.slice(0, 3)),
      dst: pick(MACS),
      vlans: pick([[], [], [{ vid: 5 }], [{ vid: 7, pcp: 3 }], [{ vid: 5, tpid: 0x88a8 }, { vid: 7 }]]),
      nwSrc: pick(IPS),
      nwDst: pick(IPS),
      tpSrc: pick(PORTS),
      tpDst: pick(PORTS),
      ttl: pick([1, 2, 64]),
      tos: pick([0, 0x20, 0x23]),
      frag: pick<'first' | 'later' | undefined>([undefined, undefined, undefined, undefined, 'first', 'later']),
      icmpType: pick([8, 0]),
      arpOp: pick([1, 2]),
      payload: fc.integer({ min: 0, max: 64 }),
      mpls: pick([[], [], [], [{ label: 100, ttl: 9 }], [{ label: 100, ttl: 2 }, { label: 200, ttl: 1 }], [{ label: 200, ttl: 64 }, { label: 100, ttl: 5 }]]),
    })
    .map((r) => {
      const v6 = r.l3 === 'ipv6';
      const spec: FrameSpec = {
        src: r.src,
        dst: r.dst,
        vlans: r.vlans,
        l3: r.l3,
        l4: r.l4,
        nwSrc: v6 ? `2001:db8::${r.nwSrc.split('.')[3]}` : r.nwSrc,
        nwDst: v6 ? `2001:db8::${r.nwDst.split('.')[3]}` : r.nwDst,
        tpSrc: r.tpSrc,
        tpDst: r.tpDst,
        ttl: r.ttl,
        tos: r.tos,
        icmpType: r.icmpType,
        arpOp: r.arpOp,
        payload: r.payload,
        ...(v6 || r.frag === undefined ? {} : { frag: r.frag }),
        ...(r.l3 === 'arp' ? {} : { mpls: r.mpls }),
      };
      return { port: r.port, spec };
    });
}
