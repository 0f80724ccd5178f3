/**
 * Link state, end to end: ofswitchd's system ports sit on veths whose other
 * ends are hosts in namespaces. Taking a host's interface down drops the
 * carrier of the switch's side; the switch must tell its controller
 * (OFPT_PORT_STATUS MODIFY with OFPPS_LINK_DOWN, read by os-ken), show it
 * (ovs-ofctl dump-ports-desc), and fast-failover groups must stop using the
 * port. Port counters are checked against the hosts' kernel counters.
 * Everything is judged from outside the switch.
 */
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { ifCounter, makeLab, ofctlIn, ovsOfctlIn, ping, waitUntil } from '../helpers/forwarding.js';
import { netnsSkip, type Netns } from '../helpers/netns.js';
import { ROOT } from '../helpers/paths.js';

const skip = netnsSkip('osken-manager', 'ovs-ofctl', 'ping');
/** TCP ports of this spec (tag p2's range). */
const CONTROLLER_PORT = 17130;

interface PortStatusEvent {
  event: string;
  reason?: string;
  port_no?: number;
  name?: string;
  state?: number;
  link_down?: boolean;
  live?: boolean;
}

/** osken-manager with apps/port_status.py in `ns`, listening on its loopback. */
function startOsken(t: Test, ns: Netns, port: number): { events: () => PortStatusEvent[]; stderr: () => string } {
  const osken = ns.spawn(['osken-manager', '--ofp-listen-host', '127.0.0.1', '--ofp-tcp-listen-port', String(port), join(ROOT, 'spec', 'e2e', 'apps', 'port_status.py')]);
  let out = '';
  let err = '';
  osken.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  osken.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  t.teardown(() => osken.kill('SIGKILL'));
  return {
    events: () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PortStatusEvent),
    stderr: () => err,
  };
}

/** Port counters as ovs-ofctl dump-ports prints them, by port number. */
interface Counts {
  rx: number;
  tx: number;
  rxBytes: number;
  txBytes: number;
}

async function dumpPorts(sw: Netns, d: RunningDaemon): Promise<Map<number, Counts>> {
  const r = await ovsOfctlIn(sw, 'dump-ports', `tcp:127.0.0.1:${d.port}`);
  if (r.code !== 0) throw new Error(r.stderr);
  const out = new Map<number, Counts>();
  for (const m of r.stdout.matchAll(/port\s+"?(\w+)"?:\s+rx pkts=(\d+), bytes=(\d+).*?\n\s+tx pkts=(\d+), bytes=(\d+)/g)) {
    if (/^\d+$/.test(m[1]!)) out.set(Number(m[1]), { rx: Number(m[2]), rxBytes: Number(m[3]), tx: Number(m[4]), txBytes: Number(m[5]) });
  }
  return out;
}

/** The `state:` line of port `no` in dump-ports-desc output. */
function stateOf(desc: string, no: number): string {
  const i = desc.indexOf(` ${no}(`);
  if (i < 0) return '(no such port)';
  return /state:\s+([^\n]*)/.exec(desc.slice(i))?.[1]?.trim() ?? '(no state line)';
}

t.test('a port whose peer goes down and up: PORT_STATUS MODIFY to the controller, dump-ports-desc, fast failover follows', { skip, timeout: 120_000 }, async (t) => {
  // h1 sends; h2 and h3 only receive (no addresses: they send nothing that would disturb the counts).
  const { sw, hosts } = await makeLab(t, 'p2-ls', ['10.0.2.1/24', null, null]);
  const [h1, h2, h3] = hosts as [Netns, Netns, Netns];
  const app = startOsken(t, sw, CONTROLLER_PORT);
  const d = await startDaemon(
    ['--port', '1=p1', '--port', '2=p2', '--port', '3=p3', '--fail-mode', 'secure', '--controller', `tcp:127.0.0.1:${CONTROLLER_PORT}`, '--max-backoff', '1'],
    {},
    15_000,
    { netns: sw.name },
  );
  t.teardown(() => d.stop('SIGKILL'));
  t.ok(await waitUntil(() => app.events().some((e) => e.event === 'connected'), 20_000), `os-ken saw the switch connect (stderr: ${app.stderr().slice(-800)})`);

  const target = `tcp:127.0.0.1:${d.port}`;
  const group = await ovsOfctlIn(sw, 'add-group', target, 'group_id=1,type=fast_failover,bucket=watch_port:2,actions=output:2,bucket=watch_port:3,actions=output:3');
  t.equal(group.code, 0, group.stderr);
  const flow = await ovsOfctlIn(sw, 'add-flow', target, 'in_port=1,actions=group:1');
  t.equal(flow.code, 0, flow.stderr);
  // A destination that needs no ARP: h1's frames go straight to the group.
  h1.must('ip', 'neigh', 'replace', '10.0.2.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'eth0');

  const rx = () => [ifCounter(h2, 'eth0', 'rx_packets'), ifCounter(h3, 'eth0', 'rx_packets')] as const;
  const send = async (n: number) => {
    const before = rx();
    await ping(h1, '10.0.2.9', n);
    const after = rx();
    return [after[0] - before[0], after[1] - before[1]] as const;
  };
  const statusFor = (port: number) => app.events().filter((e) => e.event === 'port_status' && e.port_no === port);

  t.same(await send(5), [5, 0], 'both links up: the first live bucket, port 2, carries every frame');

  h2.must('ip', 'link', 'set', 'eth0', 'down');
  t.ok(
    await waitUntil(() => statusFor(2).some((e) => e.reason === 'MODIFY' && e.link_down === true && e.live === false), 5000),
    `os-ken got PORT_STATUS MODIFY for port 2 with OFPPS_LINK_DOWN set (got ${JSON.stringify(statusFor(2))})`,
  );
  const descDown = await ovsOfctlIn(sw, 'dump-ports-desc', target);
  t.equal(stateOf(descDown.stdout, 2), 'LINK_DOWN', 'ovs-ofctl dump-ports-desc: port 2 LINK_DOWN');
  t.equal(stateOf(descDown.stdout, 3), 'LIVE', 'port 3 still LIVE');
  const ours = await ofctlIn(sw, '-O', 'OpenFlow13', 'dump-ports-desc', target);
  t.equal(stateOf(ours.stdout, 2), 'LINK_DOWN', "our ofctl shows the same");
  t.same(await send(5), [0, 5], 'port 2 down: the frames leave on port 3');

  const nBefore = statusFor(2).length;
  h2.must('ip', 'link', 'set', 'eth0', 'up');
  t.ok(
    await waitUntil(() => statusFor(2).slice(nBefore).some((e) => e.reason === 'MODIFY' && e.link_down === false && e.live === true), 5000),
    `os-ken got PORT_STATUS MODIFY for port 2 with OFPPS_LINK_DOWN cleared (got ${JSON.stringify(statusFor(2).slice(nBefore))})`,
  );
  const descUp = await ovsOfctlIn(sw, 'dump-ports-desc', target);
  t.equal(stateOf(descUp.stdout, 2), 'LIVE', 'ovs-ofctl dump-ports-desc: port 2 LIVE again');
  t.same(await send(5), [5, 0], 'port 2 up again: back on port 2');
  t.notOk(app.events().some((e) => e.event === 'port_status' && e.port_no !== 2), 'no PORT_STATUS about the ports whose links did not change');
});

t.test('port counters: ovs-ofctl dump-ports agrees with what the hosts sent and received', { skip, timeout: 120_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'p2-pc', ['10.0.3.1/24', '10.0.3.2/24']);
  const [h1, h2] = hosts as [Netns, Netns];
  const d = await startDaemon(['--port', '1=p1', '--port', '2=p2', '--controller', 'none'], {}, 15_000, { netns: sw.name });
  t.teardown(() => d.stop('SIGKILL'));
  const kernel = (ns: Netns) => ({
    tx: ifCounter(ns, 'eth0', 'tx_packets'),
    rx: ifCounter(ns, 'eth0', 'rx_packets'),
    txBytes: ifCounter(ns, 'eth0', 'tx_bytes'),
    rxBytes: ifCounter(ns, 'eth0', 'rx_bytes'),
  });
  const host = () => ({ h1: kernel(h1), h2: kernel(h2) });
  // Counters read while nothing moves: a warm-up ping, then quiet.
  await ping(h1, '10.0.3.2', 1);
  await new Promise((r) => setTimeout(r, 300));
  const sw0 = await dumpPorts(sw, d);
  const h0 = host();
  const p = await ping(h1, '10.0.3.2', 20);
  t.equal(p.received, 20, p.out);
  const big = await ping(h2, '10.0.3.1', 10);
  t.equal(big.received, 10, big.out);
  await new Promise((r) => setTimeout(r, 300));
  const sw1 = await dumpPorts(sw, d);
  const hN = host();
  const delta = (a: Map<number, Counts>, b: Map<number, Counts>, no: number): Counts => ({
    rx: b.get(no)!.rx - a.get(no)!.rx,
    tx: b.get(no)!.tx - a.get(no)!.tx,
    rxBytes: b.get(no)!.rxBytes - a.get(no)!.rxBytes,
    txBytes: b.get(no)!.txBytes - a.get(no)!.txBytes,
  });
  for (const [no, h] of [[1, 'h1'], [2, 'h2']] as const) {
    const sw = delta(sw0, sw1, no);
    const sent = { packets: hN[h].tx - h0[h].tx, bytes: hN[h].txBytes - h0[h].txBytes };
    const got = { packets: hN[h].rx - h0[h].rx, bytes: hN[h].rxBytes - h0[h].rxBytes };
    t.ok(sent.packets >= 30, `${h} sent ${sent.packets} frames`);
    t.same({ packets: sw.rx, bytes: sw.rxBytes }, sent, `port ${no} rx (${sw.rx} frames, ${sw.rxBytes} bytes) = what ${h} sent`);
    t.same({ packets: sw.tx, bytes: sw.txBytes }, got, `port ${no} tx (${sw.tx} frames, ${sw.txBytes} bytes) = what ${h} received`);
  }
});
