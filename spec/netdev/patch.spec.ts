/**
 * Patch ports between two bridges of one process: a frame output to one
 * end arrives on the other bridge's port, as a copy the other bridge may
 * rewrite; the link is up only while both ends exist; counters count; a
 * forwarding loop between two bridges neither recurses nor grows a queue.
 * Option parsing for patch and vxlan ports is here too.
 */
import t from 'tap';
import type { Test } from 'tap';
import { createNetdev, PortTypeError } from '../../lib/cli/daemon-ports.js';
import { checkPortOptions, formatPortSpec, parsePortSpec, ValueError } from '../../lib/cli/daemon-values.js';
import { parseDaemonArgs } from '../../lib/cli/daemon-config.js';
import { PatchNetdev, PatchRegistry } from '../../lib/netdev/patch.js';
import { OFPPS } from '../../lib/openflow/constants.js';
import { buildFrame, hex } from '../datapath/frames.js';
import { testSwitch, type TestSwitch } from '../datapath/harness.js';

const FRAME = buildFrame({ l4: 'udp', src: '00:00:00:00:00:01', dst: '00:00:00:00:00:02', nwSrc: '10.0.0.1', nwDst: '10.0.0.2', tpSrc: 1000, tpDst: 53 });

/** Waits until the patch ends have delivered (they deliver on the next turn of the event loop). */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function linkDown(sw: TestSwitch, no: number): boolean {
  return (sw.bridge.ports.get(no)!.state() & OFPPS.LINK_DOWN) !== 0;
}

function pair(t: Test): { a: TestSwitch; b: TestSwitch; pa: PatchNetdev; pb: PatchNetdev; reg: PatchRegistry } {
  const reg = new PatchRegistry();
  const a = testSwitch({ nPorts: 2 });
  const b = testSwitch({ nPorts: 2 });
  const pa = new PatchNetdev('patch-a', 'patch-b', reg);
  a.bridge.addPort(pa, 3);
  t.ok(linkDown(a, 3), 'an end without its peer is link down');
  const pb = new PatchNetdev('patch-b', 'patch-a', reg);
  b.bridge.addPort(pb, 3);
  t.teardown(() => {
    pa.close();
    pb.close();
  });
  return { a, b, pa, pb, reg };
}

t.test('a frame output to one end arrives as input on the peer bridge', async (t) => {
  const { a, b, pa, pb } = pair(t);
  t.notOk(linkDown(a, 3), 'both ends exist: link up');
  t.notOk(linkDown(b, 3));
  t.equal(pa.peerEnd(), pb);
  await a.flows(['in_port=1,actions=output:2,output:3']);
  // The far bridge rewrites the frame it got (a pushed tag needs headroom), which must not reach bridge a's port 2.
  await b.flows(['in_port=3,actions=push_vlan:0x8100,set_field:4097->vlan_vid,output:1']);
  const out = a.send(1, FRAME);
  t.same(out.get(2), [hex(FRAME)], 'port 2 of bridge a gets the frame unchanged');
  t.same(b.drain().size, 0, 'nothing crosses before the next turn of the event loop');
  await turn();
  b.dp.handleUpcalls();
  const got = b.drain().get(1);
  t.equal(got?.length, 1, 'one frame out of bridge b port 1');
  // The same frame with an 802.1Q tag, VID 1, after the MAC addresses.
  const tagged = hex(FRAME).slice(0, 24) + '81000001' + hex(FRAME).slice(24);
  t.equal(got?.[0], tagged);
  t.equal(pa.stats().tx_packets, 1n);
  t.equal(pa.stats().tx_bytes, BigInt(FRAME.length));
  t.equal(pb.stats().rx_packets, 1n);
  t.equal(pb.stats().rx_bytes, BigInt(FRAME.length));
  // The port stats the controller sees (OFPMP_PORT_STATS) are the device's.
  const stats = a.bridge.ports.stats(3);
  t.equal(stats[0]?.tx_packets, 1n);
});

t.test('frames are batched: many frames of one turn cross in one delivery', async (t) => {
  const { a, b, pb } = pair(t);
  await a.flows(['in_port=1,actions=output:3']);
  await b.flows(['in_port=3,actions=output:1']);
  let deliveries = 0;
  const dp = b.dp as unknown as { receiveBatch: (...args: unknown[]) => void };
  const orig = dp.receiveBatch.bind(b.dp);
  dp.receiveBatch = (...args: unknown[]) => {
    deliveries++;
    orig(...args);
  };
  for (let i = 0; i < 100; i++) a.send(1, FRAME);
  await turn();
  b.dp.handleUpcalls();
  t.equal(b.drain().get(1)?.length, 100, 'all 100 frames arrived');
  t.equal(deliveries, 1, 'in one batch');
  t.equal(pb.stats().rx_packets, 100n);
});

t.test('a batch full of frames drops the rest, counted at the sender; nothing grows', async (t) => {
  const { a, pa } = pair(t);
  await a.flows(['in_port=1,actions=output:3']);
  for (let i = 0; i < 300; i++) a.send(1, FRAME);
  t.equal(pa.stats().tx_packets, 256n, 'one batch holds 256 frames');
  t.equal(pa.stats().tx_dropped, 44n, 'the rest are dropped and counted');
  await turn();
});

t.test('a loop between two bridges neither recurses nor starves the event loop', async (t) => {
  const { a, b, pa, pb } = pair(t);
  // Everything that comes in goes back out of the patch: a frame bounces forever.
  await a.flows(['in_port=1,actions=output:3', 'in_port=3,actions=in_port']);
  await b.flows(['in_port=3,actions=in_port']);
  a.send(1, FRAME);
  let timerFired = false;
  setTimeout(() => (timerFired = true), 20);
  const start = Date.now();
  // At least a few turns as well as the timer: on a loaded machine 20 ms
  // can pass in only a turn or two.
  let turns = 0;
  while ((!timerFired || turns < 8) && Date.now() - start < 2000) {
    await turn();
    turns++;
  }
  t.ok(timerFired, 'timers still run while frames bounce');
  const bounces = Number(pa.stats().tx_packets);
  t.ok(bounces > 2, `the frame bounced ${bounces} times, one per turn`);
  t.ok(Number(pb.stats().tx_packets) >= bounces - 1);
  pb.close();
  t.ok(linkDown(a, 3), 'the peer closed: link down');
  const after = pa.stats().tx_packets;
  await turn();
  await turn();
  t.equal(pa.stats().tx_packets, after, 'nothing more crosses');
  t.equal(b.drain().size, 0);
});

t.test('link follows both ends: down when one closes, up again when it comes back', async (t) => {
  const { a, b, pb, reg } = pair(t);
  const statuses: string[] = [];
  a.bridge.onAsync((e) => {
    if (e.kind === 'port-status') statuses.push(`${e.msg.desc.port_no}:${(e.msg.desc.state & OFPPS.LINK_DOWN) !== 0 ? 'down' : 'up'}`);
  });
  pb.close();
  b.bridge.removePort(3);
  t.ok(linkDown(a, 3));
  const again = new PatchNetdev('patch-b', 'patch-a', reg);
  t.teardown(() => again.close());
  t.notOk(linkDown(a, 3), 'a new peer of that name: up again');
  t.same(statuses, ['3:down', '3:up'], 'PORT_STATUS told the controller each time');
  t.throws(() => new PatchNetdev('patch-b', 'x', reg), /a patch port named patch-b already exists/);
  const stranger = new PatchNetdev('patch-c', 'patch-a', reg);
  t.teardown(() => stranger.close());
  t.notOk(stranger.linkUp(), 'an end whose peer names another stays down');
});

t.test('port options: N=IFACE:TYPE:KEY=V+KEY=V, checked against the type', async (t) => {
  t.same(parsePortSpec('3=patch0:patch:peer=patch1'), { number: 3, iface: 'patch0', type: 'patch', options: { peer: 'patch1' } });
  t.same(parsePortSpec('4=vx0:vxlan:remote_ip=192.0.2.2+key=flow+dst_port=4790'), {
    number: 4,
    iface: 'vx0',
    type: 'vxlan',
    options: { remote_ip: '192.0.2.2', key: 'flow', dst_port: '4790' },
  });
  t.same(parsePortSpec('4=vx0:vxlan:remote_ip=2001:db8::2+local_ip=2001:db8::1').options, { remote_ip: '2001:db8::2', local_ip: '2001:db8::1' });
  t.same(parsePortSpec('1=eth1'), { number: 1, iface: 'eth1', type: 'system' }, 'no options: no options key');
  const spec = parsePortSpec('4=vx0:vxlan:remote_ip=192.0.2.2+key=0x10');
  t.equal(formatPortSpec(spec), '4=vx0:vxlan:remote_ip=192.0.2.2+key=0x10');
  t.same(JSON.parse(JSON.stringify(spec)), spec, 'a spec survives JSON as it is');
  const refused: Array<[string, RegExp]> = [
    ['3=patch0:patch', /^port 3=patch0:patch: missing option peer \(the interface name/],
    ['3=patch0:patch:peer=patch0', /^port 3=patch0:patch: option peer: expected another patch port's interface/],
    ['3=patch0:patch:peer=a+remote_ip=1.2.3.4', /^port 3=patch0:patch: unknown option "remote_ip" \(patch ports take peer\)/],
    ['4=vx0:vxlan', /^port 4=vx0:vxlan: missing option remote_ip/],
    ['4=vx0:vxlan:remote_ip=10.0.0', /^port 4=vx0:vxlan: option remote_ip: expected an IPv4 or IPv6 address, got "10.0.0"/],
    ['4=vx0:vxlan:remote_ip=192.0.2.2+local_ip=::1', /option local_ip: expected an IPv4 address \(the family of remote_ip\)/],
    ['4=vx0:vxlan:remote_ip=192.0.2.2+dst_port=70000', /option dst_port: expected a UDP port from 1 to 65535, got "70000"/],
    ['4=vx0:vxlan:remote_ip=192.0.2.2+key=16777216', /option key: expected "flow" or a VNI from 0 to 16777215/],
    ['4=vx0:vxlan:remote_ip=192.0.2.2+ttl=5', /unknown option "ttl" \(vxlan ports take remote_ip, local_ip, dst_port, key\)/],
    ['4=vx0:vxlan:remote_ip=192.0.2.2+remote_ip=192.0.2.3', /option remote_ip is given twice/],
    ['4=vx0:vxlan:remote_ip', /expected options KEY=VALUE separated by "\+", got "remote_ip"/],
    ['1=eth1:system:mtu=9000', /^port 1=eth1:system: unknown option "mtu" \(system ports take no options\)/],
  ];
  for (const [text, why] of refused) t.throws(() => parsePortSpec(text), why, text);
  const err = (() => {
    try {
      parsePortSpec('4=vx0:vxlan:local_ip=192.0.2.1');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  t.ok(err instanceof ValueError, 'a ValueError, which the callers turn into exit 2 with where the text came from');
  // A spec built in code gets the same checks when its device is made.
  t.throws(() => createNetdev({ number: 5, iface: 'p5', type: 'patch' }), new PortTypeError('port 5=p5:patch: missing option peer (the interface name of the patch port at the other end)'));
  t.throws(() => checkPortOptions({ number: 5, iface: 'p5', type: 'dummy', options: { x: 'y' } }), /dummy ports take no options/);
});

t.test('options on the command line, in OF_PORTS and in the config file; refusals exit 2', async (t) => {
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}, file?: unknown) =>
    parseDaemonArgs(argv, env, { readFile: () => JSON.stringify(file), isRoot: false });
  const ok = run(['--port', '3=vx0:vxlan:remote_ip=192.0.2.2+key=flow']);
  t.equal(ok.kind, 'run');
  if (ok.kind === 'run') t.same(ok.config.bridges[0]!.ports[0]!.options, { remote_ip: '192.0.2.2', key: 'flow' });
  const env = run([], { OF_PORTS: '1=p1:dummy,3=vx0:vxlan:remote_ip=192.0.2.2+key=5' });
  t.equal(env.kind, 'run');
  if (env.kind === 'run') t.same(env.config.bridges[0]!.ports.map((p) => p.options ?? null), [null, { remote_ip: '192.0.2.2', key: '5' }]);
  const comma = run([], { OF_PORTS: '3=vx0:vxlan:remote_ip=192.0.2.2,key=5' });
  t.equal(comma.kind, 'exit');
  if (comma.kind === 'exit') {
    t.equal(comma.code, 2);
    t.match(comma.stderr, /OF_PORTS: .*got "key=5" \(options of one port are separated by "\+", not ","\)/);
  }
  const file = {
    bridges: [
      { name: 'br0', ports: [{ number: 3, iface: 'vx0', type: 'vxlan', options: { remote_ip: '10.9.0.2', dst_port: 4790 } }, '4=pa:patch:peer=pb'] },
      { name: 'br1', ports: [{ number: 4, iface: 'pb', type: 'patch', options: { peer: 'pa' } }] },
    ],
  };
  const f = run(['--config', 'c.json'], {}, file);
  t.equal(f.kind, 'run');
  if (f.kind === 'run') {
    t.same(f.config.bridges[0]!.ports[0], { number: 3, iface: 'vx0', type: 'vxlan', options: { remote_ip: '10.9.0.2', dst_port: '4790' } });
    t.same(f.config.bridges[1]!.ports[0], { number: 4, iface: 'pb', type: 'patch', options: { peer: 'pa' } });
  }
  const bad = (ports: unknown[]) => run(['--config', 'c.json'], {}, { bridges: [{ name: 'br0', ports }] });
  const b1 = bad([{ number: 3, iface: 'vx0', type: 'vxlan', options: { remote_ip: 'far' } }]);
  t.equal(b1.kind === 'exit' && b1.code, 2);
  t.match(b1.kind === 'exit' ? b1.stderr : '', /c.json: bridges\[0\].ports\[0\]: port 3=vx0:vxlan: option remote_ip: expected an IPv4 or IPv6 address, got "far"/);
  const b2 = bad([{ number: 3, iface: 'vx0', type: 'vxlan', options: { remote_ip: ['x'] } }]);
  t.match(b2.kind === 'exit' ? b2.stderr : '', /bridges\[0\].ports\[0\].options.remote_ip: expected a string, got \["x"\]/);
  const b3 = bad([{ number: 3, iface: 'vx0', type: 'vxlan', options: 'remote_ip=1.2.3.4' }]);
  t.match(b3.kind === 'exit' ? b3.stderr : '', /bridges\[0\].ports\[0\].options: expected an object/);
  const help = parseDaemonArgs(['--help'], {});
  t.match(help.kind === 'exit' ? help.stdout : '', /separated by "\+"/, '--help documents the separator');
});
