/**
 * SET_CONFIG's fragment handling through the datapath (OpenFlow 1.3.5
 * §7.3.2): with OFPC_FRAG_DROP, IP fragments, first and later, IPv4 and
 * IPv6, are dropped before any table is consulted, while other packets
 * still go through the tables; megaflows depend on nw_frag, and a mode
 * change reaches the megaflows already installed (revalidation), both ways.
 * OFPC_FRAG_REASM is refused and leaves the mode as it was, as Open vSwitch
 * does (ofproto/trace and get-frags on Open vSwitch 3.1 show the same:
 * "Packets are IP fragments and the fragment handling mode is "drop"",
 * megaflow `...,nw_frag=later`, actions drop; `set-frags reassemble`
 * fails and get-frags still says the old mode).
 */
import t from 'tap';
import { dumpFlows } from '../../lib/ctl/dpctl.js';
import { parseTraceFlow, traceKey } from '../../lib/ctl/trace.js';
import { OFPC_FRAG } from '../../lib/openflow/constants.js';
import { buildFrame, type FrameSpec } from './frames.js';
import { testSwitch, type TestSwitch } from './harness.js';

const UDP: FrameSpec = { l3: 'ipv4', nwSrc: '10.0.0.1', nwDst: '10.0.0.2', l4: 'udp', tpSrc: 1000, tpDst: 2000, payload: 64 };
const FIRST: FrameSpec = { ...UDP, frag: 'first' };
const LATER: FrameSpec = { ...UDP, frag: 'later' };

/** Which ports sent something when `spec` came in on port 1. */
const outPorts = (sw: TestSwitch, spec: FrameSpec | Uint8Array): number[] => [...sw.send(1, spec instanceof Uint8Array ? spec : buildFrame(spec)).keys()];

/** An IPv6 fragment (RFC 8200 §4.5) of a UDP datagram: the first (offset 0, M set) or a later one (offset 8 bytes, M clear). */
function ipv6Fragment(which: 'first' | 'later'): Uint8Array {
  const data = Buffer.alloc(32, 0xab);
  const frag = Buffer.from([17, 0, 0, which === 'first' ? 0x01 : 0x08, 0x12, 0x34, 0x56, 0x78]);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(frag.length + data.length, 4);
  ip[6] = 44; // Fragment header
  ip[7] = 64;
  ip[8] = 0xfe;
  ip[9] = 0x80;
  ip[23] = 1;
  ip[24] = 0xfe;
  ip[25] = 0x80;
  ip[39] = 2;
  const eth = Buffer.from('020000000002' + '020000000001' + '86dd', 'hex');
  return Buffer.concat([eth, ip, frag, data]);
}

t.test('OFPC_FRAG_DROP drops IPv4 fragments, first and later, and a mode change reaches installed megaflows', async (t) => {
  const sw = testSwitch();
  t.teardown(() => sw.dp.detach());
  await sw.flows('priority=0,actions=output:2');
  t.equal(sw.bridge.fragHandling, OFPC_FRAG.NORMAL, 'NORMAL at start');
  for (const f of [UDP, FIRST, LATER]) t.same(outPorts(sw, f), [2], `NORMAL: ${f.frag ?? 'unfragmented'} is forwarded`);
  const installed = dumpFlows(sw.dp);
  t.match(installed, /frag=first/, 'a megaflow for first fragments');
  t.match(installed, /frag=later/, 'one for later fragments');
  t.match(installed, /frag=no/, 'and one for unfragmented packets');

  t.equal(sw.bridge.setFragHandling(OFPC_FRAG.DROP), true, 'DROP is supported');
  // The same keys again: their megaflows exist and must have been revalidated.
  t.same(outPorts(sw, FIRST), [], 'DROP: a first fragment is dropped');
  t.same(outPorts(sw, LATER), [], 'DROP: a later fragment is dropped');
  t.same(outPorts(sw, UDP), [2], 'DROP: an unfragmented packet is still forwarded');
  const dropped = dumpFlows(sw.dp)
    .split('\n')
    .filter((l) => /frag=(first|later)/.test(l));
  t.equal(dropped.length, 2, `two fragment megaflows\n${dropped.join('\n')}`);
  for (const l of dropped) t.match(l, /actions:drop$/, 'whose action is now drop');

  t.equal(sw.bridge.setFragHandling(OFPC_FRAG.REASM), false, 'REASM is refused');
  t.equal(sw.bridge.fragHandling, OFPC_FRAG.DROP, 'and the mode stays DROP');
  t.same(outPorts(sw, FIRST), [], 'fragments are still dropped');

  t.equal(sw.bridge.setFragHandling(OFPC_FRAG.NORMAL), true);
  t.same(outPorts(sw, FIRST), [2], 'back to NORMAL: a first fragment is forwarded again');
  t.same(outPorts(sw, LATER), [2], 'and a later one');
});

t.test('OFPC_FRAG_DROP drops IPv6 fragments too, and only IP', async (t) => {
  const sw = testSwitch();
  t.teardown(() => sw.dp.detach());
  await sw.flows('priority=0,actions=output:2');
  t.equal(sw.bridge.setFragHandling(OFPC_FRAG.DROP), true);
  const v6: FrameSpec = { l3: 'ipv6', nwSrc: 'fe80::1', nwDst: 'fe80::2', l4: 'udp', tpSrc: 1, tpDst: 2, payload: 32 };
  t.same(outPorts(sw, v6), [2], 'an unfragmented IPv6 packet is forwarded');
  t.same(outPorts(sw, ipv6Fragment('first')), [], 'a first IPv6 fragment is dropped');
  t.same(outPorts(sw, ipv6Fragment('later')), [], 'a later IPv6 fragment is dropped');
  t.equal(sw.bridge.setFragHandling(OFPC_FRAG.NORMAL), true);
  t.same(outPorts(sw, ipv6Fragment('first')), [2], 'NORMAL: a first IPv6 fragment is forwarded');
  t.same(outPorts(sw, ipv6Fragment('later')), [2], 'NORMAL: a later one too');
  t.same(outPorts(sw, { l3: 'arp', arpOp: 1, nwSrc: '10.0.0.1', nwDst: '10.0.0.2' }), [2], 'ARP is not IP: forwarded');
  t.same(outPorts(sw, { l3: 'none', ethType: 0x88b5, payload: 40 }), [2], 'nor is a bare EtherType');
});

t.test('ofproto/trace explains the drop and shows the megaflow on nw_frag', async (t) => {
  const sw = testSwitch();
  t.teardown(() => sw.dp.detach());
  await sw.flows('priority=0,actions=output:2');
  sw.bridge.setFragHandling(OFPC_FRAG.DROP);
  const out = traceKey(sw.dp, 'br0', parseTraceFlow('in_port=1,ip,nw_frag=later,nw_src=1.1.1.1'));
  t.match(out, /Packets are IP fragments and the fragment handling mode is "drop"\./);
  t.match(out, /Megaflow: .*nw_frag=later/);
  t.match(out, /Datapath actions: drop/);
});
