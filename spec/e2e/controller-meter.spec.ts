/**
 * The virtual meter OFPM_CONTROLLER end to end (OpenFlow 1.3.5 §5.7: it
 * rate-limits the packets sent to the controller). ofswitchd runs with two
 * controllers (two TCP connections the test accepts) and one port, a veth
 * whose peer is host h1. The first controller installs a table-miss flow
 * to the controller and the meter: PKTPS, one DROP band at 10 packets per
 * second. h1 then sends 100 packets per second of table-miss traffic for
 * three seconds (UDP datagrams, paced, to a neighbour it has a static ARP
 * entry for, so nothing else leaves it), and each controller counts its packet-ins.
 *
 * Expected, from outside the switch: the packets h1 sent (its kernel's
 * tx_packets counter) all entered the meter (packet_in_count); each
 * controller received the same number N of packet-ins, about what a token
 * bucket of 10 tokens (one second's worth: no OFPMF_BURST, as in Open
 * vSwitch) refilled at 10 per second lets through in the sending time T:
 * 10 + 10 T. Tolerance: N must lie in [10 T / 2, 10 + 10 (T + 1)]. The
 * switch meters a packet when it handles it, which on a loaded machine
 * (2 cores shared by many tests) can lag the sender by a good fraction of
 * a second either way; the bounds still tell 30-odd packet-ins from the
 * ~300 sent. And the band's count is what the meter held back once, not
 * once per controller: sent - N.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { startDaemon } from '../helpers/daemon.js';
import { FakeController, type OfClient } from '../helpers/of-client.js';
import { Netns, netnsSkip } from '../helpers/netns.js';
import { OFP_NO_BUFFER, OFPCML, OFPG, OFPIT, OFPM, OFPMBT, OFPMF, OFPMP, OFPP, OFPT } from '../../lib/openflow/index.js';
import type { MeterStats, OfpMessage } from '../../lib/openflow/index.js';

const skip = netnsSkip('python3');
const IFACE = 'gapcm-p1';
const RATE = 10;
const PPS = 100;
const SECONDS = 3;

/**
 * UDP datagrams to 10.0.0.2:9 at a steady rate: argv[1] of them at argv[2]
 * per second, each at its own due time (a late one does not push the rest
 * back, so the average rate holds on a loaded machine); prints the seconds
 * it took. (ping -i 0.01 slipped to about 55 per second here.)
 */
const PACED_SENDER = `
import socket, sys, time
n, pps = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.monotonic()
for i in range(n):
    d = t0 + i / pps - time.monotonic()
    if d > 0:
        time.sleep(d)
    s.sendto(b'x' * 18, ('10.0.0.2', 9))
print(time.monotonic() - t0)
`;

function rootMust(...argv: string[]): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}

/** HELLO both ways; the switch's connection is then ready for asynchronous messages. */
async function hello(c: OfClient): Promise<void> {
  c.sendHello();
  await c.expect(OFPT.HELLO, undefined, 10_000);
}

t.test('OFPM_CONTROLLER with a 10 pps drop band under 100 pps of table-miss traffic, two controllers', { skip, timeout: 120_000 }, async (t) => {
  const h1 = await Netns.create('gap-cm-h1');
  t.teardown(() => h1.destroy());
  spawnSync('ip', ['link', 'del', IFACE]);
  // The switch's end stays in this namespace, so the daemon can reach the test's controllers on 127.0.0.1.
  rootMust('ip', 'link', 'add', IFACE, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h1.name);
  t.teardown(() => spawnSync('ip', ['link', 'del', IFACE]));
  rootMust('sysctl', '-qw', `net.ipv6.conf.${IFACE}.disable_ipv6=1`);
  rootMust('ip', 'link', 'set', IFACE, 'up');
  h1.must('ip', 'link', 'set', 'eth0', 'address', '02:00:00:00:00:01');
  h1.must('ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'eth0');
  h1.must('ip', 'link', 'set', 'eth0', 'up');
  h1.must('ip', 'neigh', 'replace', '10.0.0.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'eth0', 'nud', 'permanent');

  // Ephemeral ports: a fixed one may be taken by whatever else runs beside the tests.
  const ctrls = await Promise.all([0, 0].map(() => FakeController.listen(0)));
  t.teardown(() => Promise.all(ctrls.map((c) => c.close())));
  const d = await startDaemon([
    '--port', `1=${IFACE}`,
    '--fail-mode', 'secure',
    '--probe-interval', '0',
    ...ctrls.flatMap((c) => ['--controller', `tcp:127.0.0.1:${c.port}`]),
  ], {}, 15_000);
  t.teardown(() => d.stop('SIGKILL'));
  const [c1, c2] = await Promise.all(ctrls.map((c) => c.connection(1, 15_000)));
  await Promise.all([hello(c1!), hello(c2!)]);

  c1!.send({
    type: OFPT.METER_MOD, xid: 2, command: 0, flags: OFPMF.PKTPS | OFPMF.STATS, meter_id: OFPM.CONTROLLER,
    bands: [{ type: OFPMBT.DROP, rate: RATE, burst_size: 0 }],
  } as OfpMessage);
  c1!.send({
    type: OFPT.FLOW_MOD, xid: 3, cookie: 0n, cookie_mask: 0n, table_id: 0, command: 0, idle_timeout: 0, hard_timeout: 0,
    priority: 0, buffer_id: OFP_NO_BUFFER, out_port: OFPP.ANY, out_group: OFPG.ANY, flags: 0, match: [],
    instructions: [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: 0, port: OFPP.CONTROLLER, max_len: OFPCML.NO_BUFFER }] }],
  } as OfpMessage);
  c1!.send({ type: OFPT.BARRIER_REQUEST, xid: 4 });
  await c1!.expect(OFPT.BARRIER_REPLY, 4, 10_000);
  t.notOk(c1!.received.some((m) => m.type === OFPT.ERROR), 'the switch took the meter and the flow');

  const txBefore = Number(h1.must('cat', '/sys/class/net/eth0/statistics/tx_packets').trim());
  const p = await h1.run(['python3', '-c', PACED_SENDER, String(PPS * SECONDS), String(PPS)], 60_000);
  const seconds = Number(p.stdout.trim());
  const sent = Number(h1.must('cat', '/sys/class/net/eth0/statistics/tx_packets').trim()) - txBefore;
  t.equal(sent, PPS * SECONDS, `h1 sent ${sent} packets in ${seconds.toFixed(2)} s (${(sent / seconds).toFixed(0)} per second) ${p.stderr}`);
  // Let what the switch still holds arrive, then count.
  await new Promise((r) => setTimeout(r, 1500));
  const ins = [c1!, c2!].map((c) => c.received.filter((m) => m.type === OFPT.PACKET_IN).length);
  const lo = (RATE * seconds) / 2;
  const hi = RATE + RATE * (seconds + 1);
  t.comment(`packet-ins: ${ins.join(' and ')} of ${sent} sent in ${seconds.toFixed(2)} s; bounds [${lo.toFixed(1)}, ${hi.toFixed(1)}]`);
  for (const [i, n] of ins.entries()) t.ok(n >= lo && n <= hi, `controller ${i + 1} got ${n} packet-ins: within [${lo.toFixed(1)}, ${hi.toFixed(1)}]`);
  t.equal(ins[0], ins[1], 'both controllers got the same packet-ins (metered once, before the fan-out)');

  c1!.send({ type: OFPT.MULTIPART_REQUEST, xid: 5, flags: 0, mp_type: OFPMP.METER, body: { meter_id: OFPM.CONTROLLER } } as OfpMessage);
  const reply = (await c1!.expect(OFPT.MULTIPART_REPLY, 5, 10_000)) as unknown as { body: MeterStats[] };
  const s = reply.body[0]!;
  t.equal(s.meter_id, OFPM.CONTROLLER, 'meter stats for OFPM_CONTROLLER');
  t.equal(Number(s.packet_in_count), sent, 'packet_in_count: every packet h1 sent went into the meter');
  t.equal(Number(s.band_stats[0]!.packet_band_count), sent - ins[0]!, 'the drop band counted the rest, once (sent - N)');
  t.equal(s.flow_count, 0, 'no flow uses the meter');
});
