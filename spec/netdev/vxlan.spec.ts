/**
 * VXLAN ports over real UDP sockets on the loopback: the datagrams we send
 * are decoded by tshark, the datagrams scapy builds are decoded by us; the
 * VNI goes into tunnel_id on the way in and comes from it (set_field) on
 * the way out; sockets are shared and demultiplexed by remote and VNI.
 * Ports 17060-17069 (UDP), addresses 127.0.0.1 and 127.0.0.2.
 */
import t from 'tap';
import type { Test } from 'tap';
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetdev, portReady, PortTypeError } from '../../lib/cli/daemon-ports.js';
import { parsePortSpec } from '../../lib/cli/daemon-values.js';
import { dumpFlows } from '../../lib/ctl/dpctl.js';
import type { FrameBatch } from '../../lib/netdev/ring.js';
import { KEY_FLOW, readVxlanVni, VxlanEndpoints, VxlanNetdev, writeVxlanHeader } from '../../lib/netdev/vxlan.js';
import { OFPPS } from '../../lib/openflow/constants.js';
import { missing } from '../helpers/peers.js';
import { buildFrame, hex } from '../datapath/frames.js';
import { testSwitch } from '../datapath/harness.js';

const PYTHON = '/usr/bin/python3';
const noScapy = !existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import scapy.all']).status !== 0 ? `needs scapy under ${PYTHON}` : false;
const noTshark = missing('tshark');

const FRAME = buildFrame({ l4: 'udp', src: '00:00:00:00:00:01', dst: '00:00:00:00:00:02', nwSrc: '10.0.0.1', nwDst: '10.0.0.2', tpSrc: 1000, tpDst: 53 });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A plain UDP socket on 127.0.0.2:port that records what it gets. */
async function listener(t: Test, port: number): Promise<{ sock: dgram.Socket; got: Array<{ data: Buffer; from: dgram.RemoteInfo }> }> {
  const sock = dgram.createSocket('udp4');
  const got: Array<{ data: Buffer; from: dgram.RemoteInfo }> = [];
  sock.on('message', (data, from) => got.push({ data, from }));
  await new Promise<void>((r) => sock.bind(port, '127.0.0.2', r));
  t.teardown(() => sock.close());
  return { sock, got };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const start = Date.now();
  while (!cond() && Date.now() - start < ms) await sleep(5);
}

/** Frames a port delivers, copied out of its ring, with their tunnel ids. */
function collect(p: VxlanNetdev): Array<{ frame: string; vni: number }> {
  const out: Array<{ frame: string; vni: number }> = [];
  p.onReceive((ring: FrameBatch) => {
    for (let i = 0; i < ring.count; i++) out.push({ frame: hex(ring.frame(i)), vni: p.rxTunnel[2 * i + 1]! });
  });
  return out;
}

/** A pcap of one Ethernet/IPv4/UDP(4789) packet around `payload`, for tshark. */
function pcapOf(payload: Uint8Array): Buffer {
  const udpLen = 8 + payload.length;
  const ipLen = 20 + udpLen;
  const pkt = Buffer.alloc(14 + ipLen);
  Buffer.from('020000000002020000000001', 'hex').copy(pkt, 0);
  pkt.writeUInt16BE(0x0800, 12);
  pkt.writeUInt8(0x45, 14);
  pkt.writeUInt16BE(ipLen, 16);
  pkt.writeUInt8(64, 22);
  pkt.writeUInt8(17, 23);
  Buffer.from([127, 0, 0, 1, 127, 0, 0, 2]).copy(pkt, 26);
  pkt.writeUInt16BE(50000, 34);
  pkt.writeUInt16BE(4789, 36);
  pkt.writeUInt16BE(udpLen, 38);
  Buffer.from(payload).copy(pkt, 42);
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(pkt.length, 8);
  rec.writeUInt32LE(pkt.length, 12);
  return Buffer.concat([head, rec, pkt]);
}

/** The bytes of each scapy expression (one python run: scapy takes seconds to start). */
function scapyBytes(exprs: readonly string[]): Buffer[] {
  const script = `from scapy.all import *\nfor p in [${exprs.join(', ')}]: print(bytes(p).hex())`;
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split('\n').map((l) => Buffer.from(l, 'hex'));
}

const INNER = "Ether(dst='00:00:00:00:00:02',src='00:00:00:00:00:01')/IP(src='10.0.0.1',dst='10.0.0.2')/ICMP()";

t.test('header bytes: ours decoded by tshark', { skip: noTshark }, async (t) => {
  const payload = new Uint8Array(8 + FRAME.length);
  writeVxlanHeader(payload, 0, 0x123456);
  payload.set(FRAME, 8);
  const dir = mkdtempSync(join(tmpdir(), 'p1-vxlan-'));
  const file = join(dir, 'one.pcap');
  writeFileSync(file, pcapOf(payload));
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=;', '-e', 'vxlan.flag_i', '-e', 'vxlan.flags', '-e', 'vxlan.vni', '-e', 'eth.dst', '-e', 'ip.dst', '-e', 'udp.dstport'], { encoding: 'utf8' });
  t.equal(r.status, 0, `tshark read the capture ${r.stderr}`);
  // Outer and inner Ethernet/IP/UDP fields are listed outer first.
  t.equal(r.stdout.trim(), '1;0x0800;1193046;02:00:00:00:00:02,00:00:00:00:00:02;127.0.0.2,10.0.0.2;4789,53');
});

t.test('header bytes: scapy-built datagrams decoded by us', { skip: noScapy }, async (t) => {
  const [good, big, gpe, noI, inner] = scapyBytes([
    `VXLAN(flags=0x08, vni=5)/${INNER}`,
    `VXLAN(flags=0x08, vni=0xabcdef)/${INNER}`,
    // scapy's default header is VXLAN-GPE's (I and P flags, next protocol 3).
    `VXLAN(vni=5)/${INNER}`,
    `VXLAN(flags=0x00, vni=5)/${INNER}`,
    INNER,
  ]) as [Buffer, Buffer, Buffer, Buffer, Buffer];
  t.equal(readVxlanVni(good, 0, good.length), 5);
  t.equal(good.subarray(8).toString('hex'), inner.toString('hex'), 'the inner frame starts right after 8 bytes');
  t.equal(readVxlanVni(big, 0, big.length), 0xabcdef);
  t.equal(gpe[0], 0x0c);
  t.equal(readVxlanVni(gpe, 0, gpe.length), -1, 'VXLAN-GPE is not plain VXLAN: dropped, as Linux and Open vSwitch drop it');
  t.equal(readVxlanVni(noI, 0, noI.length), -1, 'without the I flag');
  t.equal(readVxlanVni(good, 0, 20), -1, 'too short for a header and an Ethernet header');
});

t.test('send: VNI from tunnel_id (key=flow) or the fixed key, to remote_ip:dst_port', async (t) => {
  const { got } = await listener(t, 17061);
  const eps = new VxlanEndpoints();
  const flow = new VxlanNetdev('vxf', { remoteIp: '127.0.0.2', localIp: '127.0.0.1', dstPort: 17061, key: KEY_FLOW }, eps);
  const fixed = new VxlanNetdev('vxk', { remoteIp: '127.0.0.2', localIp: '127.0.0.1', dstPort: 17061, key: 77 }, eps);
  t.teardown(() => {
    flow.close();
    fixed.close();
  });
  t.notOk(flow.linkUp(), 'down until its sockets are bound');
  await Promise.all([flow.ready, fixed.ready]);
  t.ok(flow.linkUp());
  t.equal(eps.size, 1, 'two ports on one local address and port share one socket');
  const bytes = new Uint8Array(4096);
  bytes.set(FRAME, 128);
  bytes.set(FRAME, 2048 + 128);
  const desc = Int32Array.of(128, FRAME.length, 2048 + 128, FRAME.length);
  t.equal(flow.sendFrames(bytes, desc, 2, Uint32Array.of(0, 5, 0, 0x1000006)), 2);
  t.equal(fixed.sendFrames(bytes, desc, 1, Uint32Array.of(0, 5)), 1);
  await until(() => got.length === 3);
  t.same(
    got.map((g) => readVxlanVni(g.data, 0, g.data.length)),
    [5, 6, 77],
    'VNIs: 5, the low 24 bits of the tunnel id, and the fixed key',
  );
  t.equal(got[0]!.data.subarray(8).toString('hex'), hex(FRAME));
  t.equal(got[0]!.from.address, '127.0.0.1', 'sent from local_ip');
  t.equal(flow.stats().tx_packets, 2n);
  t.equal(flow.stats().tx_bytes, BigInt(2 * FRAME.length));
});

t.test('receive: demultiplexed by remote and VNI, batched, checked', { skip: noScapy }, async (t) => {
  const eps = new VxlanEndpoints();
  const fixed = new VxlanNetdev('vx5', { remoteIp: '127.0.0.2', localIp: '127.0.0.1', dstPort: 17062, key: 5 }, eps);
  const flow = new VxlanNetdev('vxf', { remoteIp: '127.0.0.2', localIp: '127.0.0.1', dstPort: 17062, key: KEY_FLOW }, eps);
  t.teardown(() => {
    fixed.close();
    flow.close();
  });
  await Promise.all([fixed.ready, flow.ready]);
  t.throws(() => new VxlanNetdev('vx5b', { remoteIp: '127.0.0.2', localIp: '127.0.0.1', dstPort: 17062, key: 5 }, eps), /vxlan port vx5 already receives from 127.0.0.2 with key=5/);
  const gotFixed = collect(fixed);
  const gotFlow = collect(flow);
  let batches = 0;
  const h = (fixed as unknown as { handler: (r: FrameBatch) => void }).handler;
  fixed.onReceive((r) => {
    batches++;
    h(r);
  });
  const [v5, v9, gpe5, innerBytes] = scapyBytes([`VXLAN(flags=0x08, vni=5)/${INNER}`, `VXLAN(flags=0x08, vni=9)/${INNER}`, `VXLAN(vni=5)/${INNER}`, INNER]) as [Buffer, Buffer, Buffer, Buffer];
  const innerHex = innerBytes.toString('hex');
  const far = dgram.createSocket('udp4');
  await new Promise<void>((r) => far.bind(0, '127.0.0.2', r));
  const other = dgram.createSocket('udp4');
  await new Promise<void>((r) => other.bind(0, '127.0.0.3', r));
  t.teardown(() => {
    far.close();
    other.close();
  });
  const send = (s: dgram.Socket, b: Buffer) => new Promise<void>((r) => s.send(b, 17062, '127.0.0.1', () => r()));
  for (let i = 0; i < 3; i++) await send(far, v5);
  await send(far, v9);
  await send(far, gpe5);
  await send(other, v5);
  await until(() => gotFixed.length === 3 && gotFlow.length === 1 && fixed.rxErrors === 1);
  await sleep(50);
  t.same(gotFixed, Array(3).fill({ frame: innerHex, vni: 5 }), 'VNI 5 to the key=5 port, tunnel id 5');
  t.same(gotFlow, [{ frame: innerHex, vni: 9 }], 'another VNI to the key=flow port');
  t.equal(fixed.stats().rx_errors, 1n, "a VXLAN-GPE header is an error (counted on the remote's first port)");
  t.equal(fixed.stats().rx_packets, 3n);
  t.ok(batches <= 3 && batches >= 1, `${batches} batch(es)`);
  t.equal(gotFixed.length + gotFlow.length, 4, 'nothing from an address no port names');
});

t.test('through the datapath: set_field:5->tunnel_id out, tunnel_id=5 in', async (t) => {
  const { sock, got } = await listener(t, 17063);
  const sw = testSwitch({ nPorts: 2 });
  const vx = createNetdev(parsePortSpec('3=vx0:vxlan:remote_ip=127.0.0.2+local_ip=127.0.0.1+dst_port=17063+key=flow'));
  t.teardown(() => (vx as VxlanNetdev).close());
  sw.bridge.addPort(vx, 3);
  t.ok((sw.bridge.ports.get(3)!.state() & OFPPS.LINK_DOWN) !== 0, 'link down before the sockets are bound');
  await portReady(parsePortSpec('3=vx0:vxlan:remote_ip=127.0.0.2'), vx);
  t.equal(sw.bridge.ports.get(3)!.state() & OFPPS.LINK_DOWN, 0, 'then up');
  await sw.flows(['in_port=1,actions=set_field:5->tunnel_id,output:3', 'priority=10,in_port=3,tunnel_id=5,actions=output:1', 'priority=5,in_port=3,actions=output:2']);
  sw.send(1, FRAME);
  await until(() => got.length === 1);
  t.equal(readVxlanVni(got[0]!.data, 0, got[0]!.data.length), 5);
  t.equal(got[0]!.data.subarray(8).toString('hex'), hex(FRAME));
  t.match(dumpFlows(sw.dp), /in_port\(1\).* actions:set\(tunnel\(tun_id=0x5\)\),3/);
  // Back: VNI 5 matches tunnel_id=5, VNI 6 does not.
  const dg = (vni: number) => {
    const b = Buffer.alloc(8 + FRAME.length);
    writeVxlanHeader(b, 0, vni);
    b.set(FRAME, 8);
    return b;
  };
  await new Promise<void>((r) => sock.send(dg(5), 17063, '127.0.0.1', () => r()));
  await new Promise<void>((r) => sock.send(dg(6), 17063, '127.0.0.1', () => r()));
  await until(() => sw.ports.get(1)!.sent.length + sw.ports.get(2)!.sent.length >= 2);
  sw.dp.handleUpcalls();
  t.same(sw.ports.get(1)!.sent.map((b) => b.toString('hex')), [hex(FRAME)], 'VNI 5: tunnel_id=5 matched, out of port 1');
  t.same(sw.ports.get(2)!.sent.map((b) => b.toString('hex')), [hex(FRAME)], 'VNI 6: the other flow');
  t.match(dumpFlows(sw.dp), /in_port\(3\),tunnel\(tun_id=0x5\).* actions:1/);
  t.equal(vx.stats().rx_packets, 2n);
  t.equal(vx.stats().tx_packets, 1n);
  // Without set_field a key=flow port sends the tunnel id the packet came with (0 from port 1).
  await sw.flows(['in_port=2,actions=output:3']);
  sw.send(2, FRAME);
  await until(() => got.length === 2);
  t.equal(readVxlanVni(got[1]!.data, 0, got[1]!.data.length), 0);
});

t.test('a port that cannot bind is refused with why', async (t) => {
  const holder = dgram.createSocket('udp4');
  await new Promise<void>((r) => holder.bind(17064, '127.0.0.1', r));
  t.teardown(() => holder.close());
  const spec = parsePortSpec('3=vx9:vxlan:remote_ip=127.0.0.2+local_ip=127.0.0.1+dst_port=17064');
  const vx = createNetdev(spec);
  t.teardown(() => (vx as VxlanNetdev).close());
  await t.rejects(portReady(spec, vx), new PortTypeError('port 3=vx9:vxlan: cannot listen on UDP 127.0.0.1:17064: EADDRINUSE'));
  t.notOk(vx.linkUp());
});
