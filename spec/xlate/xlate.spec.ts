/**
 * Translation, end to end through the datapath: flow tables in ovs-ofctl
 * syntax, frames in, frames out. Expected frames are built from scratch
 * with the rewritten fields (spec/datapath/frames.ts, checksums computed
 * whole), never by the code under test, so a wrong incremental checksum
 * or a header written in the wrong place shows as a byte difference.
 */
import t from 'tap';
import { OFPP, OFPPC, OFPR, OFPT } from '../../lib/openflow/constants.js';
import type { OfpMessage } from '../../lib/openflow/types.js';
import { traceKey } from '../../lib/ctl/trace.js';
import { Extractor } from '../../lib/packet/extract.js';
import { newKey } from '../../lib/packet/flow-key.js';
import { formatOdpActions } from '../../lib/xlate/odp-format.js';
import { badChecksums, buildFrame, hex, type FrameSpec } from '../datapath/frames.js';
import { testSwitch, type TestSwitch } from '../datapath/harness.js';

const LOCAL = OFPP.LOCAL;

function keyOf(port: number, frame: Uint8Array): Uint32Array {
  const k = newKey();
  new Extractor().extract(frame, 0, frame.length, port, k);
  return k;
}

/** The datapath actions a fresh translation gives. */
function actionsFor(sw: TestSwitch, port: number, spec: FrameSpec): string {
  const res = sw.dp.translator.translate({ key: keyOf(port, buildFrame(spec)), sideEffects: false, now: sw.clock.now() });
  return formatOdpActions(res.actions, res.xc);
}

async function sw1(flows: string[], groups: string[] = []): Promise<TestSwitch> {
  const sw = testSwitch();
  await sw.groups(groups);
  await sw.flows(flows);
  return sw;
}

const TCP: FrameSpec = { l4: 'tcp', nwSrc: '10.0.0.1', nwDst: '10.0.0.2', tpSrc: 1000, tpDst: 80, ttl: 64 };

t.test('set_field rewrites keep every checksum right (compared with frames built afresh)', async (t) => {
  const cases: [string, FrameSpec, FrameSpec][] = [
    ['set_field:10.9.9.9->ip_src', TCP, { ...TCP, nwSrc: '10.9.9.9' }],
    ['set_field:172.16.0.1->ip_dst', TCP, { ...TCP, nwDst: '172.16.0.1' }],
    ['set_field:4444->tcp_src', TCP, { ...TCP, tpSrc: 4444 }],
    ['set_field:99->tcp_dst,set_field:1.2.3.4->ip_src', TCP, { ...TCP, tpDst: 99, nwSrc: '1.2.3.4' }],
    ['set_field:46->ip_dscp', TCP, { ...TCP, tos: 46 << 2 }],
    ['set_field:3->ip_ecn', TCP, { ...TCP, tos: 3 }],
    ['set_field:5353->udp_dst', { ...TCP, l4: 'udp' }, { ...TCP, l4: 'udp', tpDst: 5353 }],
    ['set_field:10.1.1.1->ip_dst', { ...TCP, l4: 'udp' }, { ...TCP, l4: 'udp', nwDst: '10.1.1.1' }],
    ['set_field:7777->sctp_dst', { ...TCP, l4: 'sctp' }, { ...TCP, l4: 'sctp', tpDst: 7777 }],
    ['set_field:0->icmp_type', { ...TCP, l4: 'icmp', icmpType: 8 }, { ...TCP, l4: 'icmp', icmpType: 0 }],
    ['set_field:00:11:22:33:44:55->eth_dst', TCP, { ...TCP, dst: '00:11:22:33:44:55' }],
    ['set_field:2001:db8::42->ipv6_src', { ...TCP, l3: 'ipv6', nwSrc: '2001:db8::1', nwDst: '2001:db8::2' }, { ...TCP, l3: 'ipv6', nwSrc: '2001:db8::42', nwDst: '2001:db8::2' }],
    ['set_field:443->tcp_dst', { ...TCP, l3: 'ipv6', nwSrc: '2001:db8::1', nwDst: '2001:db8::2' }, { ...TCP, l3: 'ipv6', nwSrc: '2001:db8::1', nwDst: '2001:db8::2', tpDst: 443 }],
    ['dec_ttl', TCP, { ...TCP, ttl: 63 }],
    ['dec_ttl', { ...TCP, l3: 'ipv6', nwSrc: '2001:db8::1', nwDst: '2001:db8::2' }, { ...TCP, l3: 'ipv6', nwSrc: '2001:db8::1', nwDst: '2001:db8::2', ttl: 63 }],
  ];
  for (const [actions, inSpec, outSpec] of cases) {
    const match = inSpec.l3 === 'ipv6' ? (inSpec.l4 === 'tcp' ? 'tcp6' : 'ipv6') : inSpec.l4 === 'icmp' ? 'icmp' : inSpec.l4 === 'sctp' ? 'sctp' : inSpec.l4 === 'udp' ? 'udp' : 'tcp';
    const sw = await sw1([`in_port=1,${match},actions=${actions},output:2`]);
    const out = sw.send(1, buildFrame(inSpec));
    t.same(out.get(2), [hex(buildFrame(outSpec))], actions);
    t.same(badChecksums(buildFrame(outSpec)), [], `${actions}: the expected frame itself is sound`);
    sw.dp.detach();
  }
});

t.test('a UDP checksum of 0 stays 0 when addresses and ports change', async (t) => {
  const sw = await sw1(['in_port=1,udp,actions=set_field:10.5.5.5->ip_src,set_field:9->udp_src,output:2']);
  const f = buildFrame({ ...TCP, l4: 'udp' });
  // Zero the UDP checksum (14 Ethernet + 20 IP + 6).
  f[40] = 0;
  f[41] = 0;
  const out = sw.send(1, f)!.get(2)![0]!;
  t.equal(out.slice(80, 84), '0000', 'still no checksum');
  t.same(badChecksums(Buffer.from(out, 'hex')), []);
});

t.test('push_vlan copies the outer tag (or uses 0), set_field sets it, pop_vlan removes it', async (t) => {
  const sw = await sw1([
    'in_port=1,actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:2',
    'in_port=2,actions=push_vlan:0x88a8,output:3',
    'in_port=3,dl_vlan=5,actions=pop_vlan,output:4',
    'in_port=4,dl_vlan=5,actions=set_field:4102->vlan_vid,set_field:6->vlan_pcp,output:1',
  ]);
  t.same(sw.send(1, buildFrame(TCP)).get(2), [hex(buildFrame({ ...TCP, vlans: [{ vid: 10 }] }))], 'pushed and set');
  t.equal(actionsFor(sw, 1, TCP), 'push_vlan(vid=10,pcp=0),2');
  t.same(sw.send(2, buildFrame({ ...TCP, vlans: [{ vid: 7, pcp: 3 }] })).get(3), [hex(buildFrame({ ...TCP, vlans: [{ vid: 7, pcp: 3, tpid: 0x88a8 }, { vid: 7, pcp: 3 }] }))], 'the new outer tag copies VID and PCP');
  t.same(sw.send(3, buildFrame({ ...TCP, vlans: [{ vid: 5 }] })).get(4), [hex(buildFrame(TCP))], 'popped');
  t.same(sw.send(4, buildFrame({ ...TCP, vlans: [{ vid: 5, pcp: 1 }] })).get(1), [hex(buildFrame({ ...TCP, vlans: [{ vid: 6, pcp: 6 }] }))], 'rewritten in place');
  t.equal(actionsFor(sw, 4, { ...TCP, vlans: [{ vid: 5, pcp: 1 }] }), 'set(vlan(vid=6,pcp=6)),1');
});

t.test('push_mpls takes the IP TTL, pop_mpls restores the packet, dec_mpls_ttl and set_mpls_ttl work on the label', async (t) => {
  const sw = await sw1([
    'in_port=1,ip,actions=push_mpls:0x8847,set_field:77->mpls_label,output:2',
    'in_port=2,mpls,mpls_label=77,actions=pop_mpls:0x0800,output:3',
    'in_port=3,mpls,actions=dec_mpls_ttl,output:4',
    'in_port=4,ip,actions=push_mpls:0x8847,set_mpls_ttl:9,pop_mpls:0x0800,output:1',
  ]);
  const mpls = sw.send(1, buildFrame(TCP)).get(2)!;
  t.same(mpls, [hex(buildFrame({ ...TCP, mpls: [{ label: 77, ttl: 64 }] }))], 'pushed: label 77, TTL from IP');
  t.equal(actionsFor(sw, 1, TCP), 'push_mpls(label=77,tc=0,ttl=64,bos=1,eth_type=0x8847),2');
  t.same(sw.send(2, Buffer.from(mpls[0]!, 'hex')).get(3), [hex(buildFrame(TCP))], 'popped back to the original');
  t.same(sw.send(3, buildFrame({ ...TCP, mpls: [{ label: 5, ttl: 9 }] })).get(4), [hex(buildFrame({ ...TCP, mpls: [{ label: 5, ttl: 8 }] }))], 'MPLS TTL decremented');
  t.same(sw.send(4, buildFrame(TCP)).get(1), [hex(buildFrame(TCP))], 'a push and pop with nothing output between cancel out');
  t.equal(actionsFor(sw, 4, TCP), '1');
});

t.test('push_pbb and pop_pbb round-trip a frame', async (t) => {
  const sw = await sw1(['in_port=1,actions=push_pbb:0x88e7,output:2', 'in_port=2,dl_type=0x88e7,actions=pop_pbb,output:3']);
  const f = buildFrame(TCP);
  const pbb = sw.send(1, f).get(2)![0]!;
  t.equal(pbb.slice(24, 28), '88e7', 'I-TAG TPID after the backbone addresses');
  t.equal(pbb.slice(36), hex(f), 'the customer frame follows the I-TAG intact');
  t.same(sw.send(2, Buffer.from(pbb, 'hex')).get(3), [hex(f)]);
});

t.test('the action set runs in the spec order at the end of the pipeline', async (t) => {
  const sw = await sw1([
    // Written output first and push last; the set must still push, rewrite, decrement, then output.
    'table=0,in_port=1,ip,actions=write_actions(output:2,set_field:00:00:00:00:00:09->eth_dst,dec_ttl,push_vlan:0x8100,set_field:4101->vlan_vid),goto_table:1',
    'table=1,ip,actions=write_actions(set_field:10.0.0.7->ip_src)',
  ]);
  const out = sw.send(1, buildFrame(TCP));
  t.same(out.get(2), [hex(buildFrame({ ...TCP, dst: '00:00:00:00:00:09', nwSrc: '10.0.0.7', ttl: 63, vlans: [{ vid: 5 }] }))]);
  t.equal(actionsFor(sw, 1, TCP), 'set(eth(dst=00:00:00:00:00:09)),set(ipv4(src=10.0.0.7,ttl=63)),push_vlan(vid=5,pcp=0),2');
});

t.test('a group in the action set wins over an output; clear_actions empties the set', async (t) => {
  const sw = await sw1(
    [
      'table=0,in_port=1,actions=write_actions(output:2,group:1),goto_table:1',
      'table=1,actions=output:4',
      'table=0,in_port=2,actions=write_actions(output:3),goto_table:2',
      'table=2,actions=output:4,clear_actions',
    ],
    ['group_id=1,type=all,bucket=output:3'],
  );
  t.same([...sw.send(1, buildFrame(TCP)).keys()].sort(), [3, 4], 'group (3) and the apply-action (4); not the output (2)');
  t.same([...sw.send(2, buildFrame(TCP)).keys()], [4], 'cleared: only the apply-action');
});

t.test('a table miss without a table-miss rule drops, and the action set with it', async (t) => {
  const sw = await sw1(['table=0,in_port=1,actions=output:3,write_actions(output:2),goto_table:1']);
  t.same([...sw.send(1, buildFrame(TCP)).keys()], [3], 'what apply-actions output stays output; the set is discarded');
  t.same([...sw.send(2, buildFrame(TCP)).keys()], [], 'no rule at all: dropped');
  t.equal(actionsFor(sw, 2, TCP), 'drop');
});

t.test('TTL expiry raises an INVALID_TTL packet-in and stops the packet', async (t) => {
  const sw = await sw1(['table=0,in_port=1,ip,cookie=0x77,actions=output:3,dec_ttl,output:2,write_actions(output:4)']);
  const out = sw.send(1, buildFrame({ ...TCP, ttl: 1 }));
  t.same([...out.keys()], [3], 'the output before the decrement happened, nothing after it');
  t.equal(sw.packetIns.length, 1);
  const pin = sw.packetIns[0]!;
  t.equal(pin.reason, OFPR.INVALID_TTL);
  t.equal(pin.table_id, 0);
  t.equal(pin.cookie, 0x77n);
  t.equal(pin.frame.toString('hex'), hex(buildFrame({ ...TCP, ttl: 1 })));
  t.same(pin.match, [{ field: 'in_port', value: 1 }]);
  t.same([...sw.send(1, buildFrame({ ...TCP, ttl: 2 })).keys()].sort(), [2, 3, 4], 'TTL 2 goes through');

  const m = await sw1(['in_port=1,mpls,actions=dec_mpls_ttl,output:2']);
  t.same([...m.send(1, buildFrame({ ...TCP, mpls: [{ label: 3, ttl: 1 }] })).keys()], []);
  t.equal(m.packetIns[0]?.reason, OFPR.INVALID_TTL, 'MPLS TTL too');
});

t.test('packet-ins carry reason, table, cookie, max_len, the metadata and the frame as modified', async (t) => {
  const sw = await sw1([
    'table=0,in_port=1,actions=set_field:00:00:00:00:00:42->eth_dst,write_metadata:0x5/0xff,goto_table:3',
    'table=3,cookie=0xabc,actions=CONTROLLER:100',
    'table=0,priority=0,actions=CONTROLLER:65535',
  ]);
  sw.send(1, buildFrame(TCP));
  const pin = sw.packetIns[0]!;
  t.equal(pin.reason, OFPR.ACTION);
  t.equal(pin.table_id, 3);
  t.equal(pin.cookie, 0xabcn);
  t.equal(pin.max_len, 100);
  t.same(pin.match, [
    { field: 'in_port', value: 1 },
    { field: 'metadata', value: 5n },
  ]);
  t.equal(pin.frame.toString('hex'), hex(buildFrame({ ...TCP, dst: '00:00:00:00:00:42' })));
  sw.send(2, buildFrame(TCP));
  t.equal(sw.packetIns[1]?.reason, OFPR.NO_MATCH, 'the table-miss rule reports a miss');
  t.equal(sw.packetIns[1]?.max_len, 65535);
});

t.test('reserved ports: IN_PORT, LOCAL, ALL/FLOOD, and no output back to the input port', async (t) => {
  const sw = await sw1(['in_port=1,actions=output:1,IN_PORT,LOCAL', 'in_port=2,actions=ALL', 'in_port=3,actions=FLOOD']);
  t.same([...sw.send(1, buildFrame(TCP)).keys()].sort(), [1, LOCAL].sort(), 'output:1 from port 1 skipped; IN_PORT sends');
  t.same([...sw.send(2, buildFrame(TCP)).keys()].sort((a, b) => a - b), [1, 3, 4, LOCAL]);
  t.same([...sw.send(3, buildFrame(TCP)).keys()].sort((a, b) => a - b), [1, 2, 4, LOCAL]);
  t.equal(actionsFor(sw, 2, TCP), '1,3,4,LOCAL');
});

t.test('set_queue shows as skb_priority and changes nothing else', async (t) => {
  const sw = await sw1(['in_port=1,actions=set_queue:3,output:2']);
  t.equal(actionsFor(sw, 1, TCP), 'set(skb_priority(0x3)),2');
  t.same(sw.send(1, buildFrame(TCP)).get(2), [hex(buildFrame(TCP))]);
});

async function portMod(sw: TestSwitch, port: number, config: number, mask: number): Promise<void> {
  const hw = sw.bridge.ports.get(port)!.netdev.hwAddr();
  await sw.handle({ type: OFPT.PORT_MOD, xid: 1, port_no: port, hw_addr: hw, config, mask, advertise: 0 } as OfpMessage);
}

t.test('port config bits: NO_FWD, PORT_DOWN, link down, NO_RECV, NO_PACKET_IN', async (t) => {
  const sw = await sw1(['in_port=1,actions=output:2,output:3', 'in_port=2,actions=ALL', 'in_port=3,actions=CONTROLLER:64', 'in_port=4,actions=output:1']);
  t.same([...sw.send(1, buildFrame(TCP)).keys()].sort(), [2, 3]);
  await portMod(sw, 2, OFPPC.NO_FWD, OFPPC.NO_FWD);
  t.same([...sw.send(1, buildFrame(TCP)).keys()], [3], 'NO_FWD: no output to port 2 (revalidated at once)');
  await portMod(sw, 2, 0, OFPPC.NO_FWD);
  await portMod(sw, 3, OFPPC.PORT_DOWN, OFPPC.PORT_DOWN);
  t.same([...sw.send(1, buildFrame(TCP)).keys()], [2], 'PORT_DOWN: no output to port 3');
  t.notOk([...sw.send(2, buildFrame(TCP)).keys()].includes(3), 'flooding skips it too');
  await portMod(sw, 3, 0, OFPPC.PORT_DOWN);
  sw.ports.get(2)!.setLink(false);
  t.same([...sw.send(1, buildFrame(TCP)).keys()], [3], 'link down: no output to port 2');
  sw.ports.get(2)!.setLink(true);
  await portMod(sw, 4, OFPPC.NO_RECV, OFPPC.NO_RECV);
  t.same([...sw.send(4, buildFrame(TCP)).keys()], [], 'NO_RECV: dropped on arrival');
  await portMod(sw, 3, OFPPC.NO_PACKET_IN, OFPPC.NO_PACKET_IN);
  sw.send(3, buildFrame(TCP));
  t.equal(sw.packetIns.length, 0, 'NO_PACKET_IN: no packet-in');
  await portMod(sw, 3, 0, OFPPC.NO_PACKET_IN);
  sw.send(3, buildFrame(TCP));
  t.equal(sw.packetIns.length, 1, 'and back');
});

t.test('groups: ALL clones, SELECT picks by flow, FAST_FAILOVER follows liveness, INDIRECT', async (t) => {
  const sw = await sw1(
    ['in_port=1,actions=group:1', 'in_port=2,tcp,actions=group:2', 'in_port=3,actions=group:3', 'in_port=4,actions=group:4', 'in_port=2,arp,actions=group:2'],
    [
      'group_id=1,type=all,bucket=set_field:10.9.9.9->ip_src,output:2,bucket=output:3',
      'group_id=2,type=select,bucket=weight=1,output:1,bucket=weight=1,output:3,bucket=weight=1,output:4',
      'group_id=3,type=ff,bucket=watch_port=1,output:1,bucket=watch_port=2,output:2',
      'group_id=4,type=indirect,bucket=set_field:00:00:00:00:00:05->eth_dst,output:1',
    ],
  );
  const out = sw.send(1, buildFrame(TCP));
  t.same(out.get(2), [hex(buildFrame({ ...TCP, nwSrc: '10.9.9.9' }))], 'bucket 0 rewrites its copy');
  t.same(out.get(3), [hex(buildFrame(TCP))], 'bucket 1 gets the original');
  t.equal(actionsFor(sw, 1, TCP), 'set(ipv4(src=10.9.9.9)),2,set(ipv4(src=10.0.0.1)),3');

  const picks = new Set<number>();
  for (let p = 1; p <= 40; p++) {
    const o = sw.send(2, buildFrame({ ...TCP, tpSrc: 2000 + p }));
    t.equal(o.size, 1, 'one bucket per packet');
    picks.add([...o.keys()][0]!);
    t.same([...sw.send(2, buildFrame({ ...TCP, tpSrc: 2000 + p })).keys()], [...o.keys()], 'the same flow takes the same bucket');
  }
  t.same([...picks].sort(), [1, 3, 4], 'flows spread over every bucket');

  // ARP between many addresses behind the same two MACs (the Ryu suite's
  // 01_SELECT_IP arp case): the protocol addresses spread it too.
  const arpPicks = new Set<number>();
  for (let p = 1; p <= 40; p++) {
    const arp: FrameSpec = { l3: 'arp', nwSrc: `10.1.0.${p}`, nwDst: `10.2.0.${41 - p}` };
    const o = sw.send(2, buildFrame(arp));
    t.equal(o.size, 1, 'one bucket per ARP packet');
    arpPicks.add([...o.keys()][0]!);
  }
  t.same([...arpPicks].sort(), [1, 3, 4], 'ARP flows spread over every bucket');

  t.same([...sw.send(3, buildFrame(TCP)).keys()], [1], 'first live bucket');
  sw.ports.get(1)!.setLink(false);
  t.same([...sw.send(3, buildFrame(TCP)).keys()], [2], 'fails over when port 1 goes down');
  sw.ports.get(1)!.setLink(true);
  t.same(sw.send(4, buildFrame(TCP)).get(1), [hex(buildFrame({ ...TCP, dst: '00:00:00:00:00:05' }))]);
});

t.test('fail mode standalone: NORMAL while no controller is connected, the pipeline once one is', async (t) => {
  const sw = testSwitch({ bridge: { failMode: 'standalone' } });
  await sw.flows(['actions=output:4']);
  t.same([...sw.send(1, buildFrame(TCP)).keys()].sort((a, b) => a - b), [2, 3, 4, LOCAL], 'floods as a learning switch');
  sw.bridge.setControllerConnected(true);
  t.same([...sw.send(1, buildFrame(TCP)).keys()], [4], 'the flow table, after revalidation');
});

t.test('packet-out: actions on the given frame, output:TABLE through the pipeline', async (t) => {
  const sw = await sw1(['in_port=1,actions=output:3']);
  sw.drain();
  await sw.handle({ type: OFPT.PACKET_OUT, xid: 1, buffer_id: 0xffffffff, in_port: OFPP.CONTROLLER, actions: [{ type: 0, port: 2, max_len: 0 }], data: Buffer.from(buildFrame(TCP)) } as OfpMessage);
  t.same(sw.drain().get(2), [hex(buildFrame(TCP))]);
  await sw.handle({ type: OFPT.PACKET_OUT, xid: 2, buffer_id: 0xffffffff, in_port: 1, actions: [{ type: 0, port: OFPP.TABLE, max_len: 0 }], data: Buffer.from(buildFrame(TCP)) } as OfpMessage);
  t.same([...sw.drain().keys()], [3], 'the table sends it to 3');
  t.equal(sw.dp.flows.length, 0, 'packet-outs install nothing');
});

t.test('ofproto/trace shows tables, rules, actions, the megaflow and the datapath actions', async (t) => {
  const sw = await sw1(['table=0,in_port=1,tcp,actions=set_field:10.0.0.9->ip_src,goto_table:1', 'table=1,cookie=0x5,actions=output:2']);
  const text = traceKey(sw.dp, 'br0', keyOf(1, buildFrame(TCP)));
  t.match(text, /^Flow: tcp,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10\.0\.0\.1,nw_dst=10\.0\.0\.2,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=1000,tp_dst=80,tcp_flags=0\n/);
  t.match(text, /\nbridge\("br0"\)\n-------------\n 0\. tcp,in_port=1, priority 32768\n {4}set_field:10\.0\.0\.9->ip_src\n {4}goto_table:1\n {5}1\. priority 32768, cookie 0x5\n {8}output:2\n/);
  t.match(text, /\nMegaflow: recirc_id=0,eth,tcp,in_port=1,nw_src=10\.0\.0\.1,nw_frag=no\n/);
  t.match(text, /\nDatapath actions: set\(ipv4\(src=10\.0\.0\.9\)\),2\n$/);
});

t.test('meters: a drop band limits the rate, a DSCP remark band raises the drop precedence', async (t) => {
  const sw = testSwitch();
  await sw.meters(['meter=1,pktps,burst,band=type=drop,rate=10,burst_size=3', 'meter=2,pktps,burst,band=type=dscp_remark,rate=10,burst_size=2,prec_level=1']);
  await sw.flows(['in_port=1,actions=meter:1,output:2', 'in_port=3,ip,actions=meter:2,output:4']);
  let passed = 0;
  for (let i = 0; i < 10; i++) passed += sw.send(1, buildFrame(TCP)).get(2)?.length ?? 0;
  t.equal(passed, 3, 'a burst of 3 at time 0, then drops');
  sw.clock.advance(500);
  passed = 0;
  for (let i = 0; i < 10; i++) passed += sw.send(1, buildFrame(TCP)).get(2)?.length ?? 0;
  t.equal(passed, 3, 'half a second refills 5 tokens, capped at the burst of 3');
  t.equal(actionsFor(sw, 1, TCP), 'meter(1),2');
  const af11 = { ...TCP, tos: 10 << 2 };
  const outs = [0, 1, 2].map(() => sw.send(3, buildFrame(af11)).get(4)![0]!);
  t.equal(outs[0], hex(buildFrame(af11)), 'within the rate: untouched');
  t.equal(outs[2], hex(buildFrame({ ...TCP, tos: 12 << 2 })), 'over the rate: AF11 remarked AF12, checksum right');
});

t.test('copy_ttl_out and copy_ttl_in between an MPLS entry and the IP header', async (t) => {
  const sw = await sw1([
    'in_port=1,ip,actions=push_mpls:0x8847,set_field:4->mpls_label,copy_ttl_out,output:2',
    'in_port=2,mpls,actions=set_mpls_ttl:33,copy_ttl_in,pop_mpls:0x0800,output:3',
  ]);
  t.same(sw.send(1, buildFrame({ ...TCP, ttl: 17 })).get(2), [hex(buildFrame({ ...TCP, ttl: 17, mpls: [{ label: 4, ttl: 17 }] }))]);
  t.same(sw.send(2, buildFrame({ ...TCP, ttl: 64, mpls: [{ label: 4, ttl: 9 }] })).get(3), [hex(buildFrame({ ...TCP, ttl: 33 }))], 'the IP TTL (and checksum) take the MPLS TTL');
});

t.test('a two-entry label stack: pop exposes the entry beneath, whose fields are then set blind', async (t) => {
  const sw = await sw1(['in_port=1,mpls,actions=pop_mpls:0x8847,set_field:9->mpls_label,dec_mpls_ttl,output:2']);
  const inner = { ...TCP, mpls: [{ label: 100, ttl: 30 }, { label: 200, ttl: 20 }] };
  t.same(sw.send(1, buildFrame(inner)).get(2), [hex(buildFrame({ ...TCP, mpls: [{ label: 9, ttl: 19 }] }))]);
  t.equal(actionsFor(sw, 1, inner), 'pop_mpls(eth_type=0x8847),set(mpls(label=9)),dec_mpls_ttl,2');
  t.same([...sw.send(1, buildFrame({ ...TCP, mpls: [{ label: 100, ttl: 30 }, { label: 200, ttl: 1 }] })).keys()], [], 'a TTL that runs out in the datapath drops the packet');
});
