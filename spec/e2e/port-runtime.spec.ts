/**
 * Ports added and removed while ofswitchd runs: `port/add` and `port/del`
 * on the control socket (driven by Open vSwitch's ovs-appctl), an edited
 * config file, and the config file written back so that a restart comes
 * back with the same ports. What a controller hears (OFPT_PORT_STATUS) is
 * read by a controller stand-in, what the switch shows by ovs-ofctl, and
 * forwarding (as root) by what hosts in namespaces receive.
 */
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OFPPR, OFPT } from '../../lib/openflow/constants.js';
import type { OfpMessage, PortStatus } from '../../lib/openflow/types.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { makeLab, ovsOfctlIn, ping, waitUntil } from '../helpers/forwarding.js';
import { netnsSkip, type Netns } from '../helpers/netns.js';
import { FakeController, type OfClient } from '../helpers/of-client.js';
import { missing, ovsEnv, run } from '../helpers/peers.js';

const skipOvs = missing('ovs-ofctl', 'ovs-appctl');
/** TCP ports of this spec (tag p2's range). */
const CONTROLLER_PORT = 17110;

const env = ovsEnv();
const appctl = (d: RunningDaemon, ...args: string[]) => run('ovs-appctl', ['-t', d.ctl, ...args], { env });
const ofctl = (...args: string[]) => run('ovs-ofctl', ['-O', 'OpenFlow13', ...args], { env });

/** The port names ovs-ofctl show lists, e.g. ["1(p1)", "LOCAL(br0)"]. */
async function shownPorts(d: RunningDaemon): Promise<string[]> {
  const r = await ofctl('show', `tcp:127.0.0.1:${d.port}`);
  if (r.code !== 0) throw new Error(r.stderr);
  return [...r.stdout.matchAll(/^ (\S+\(\S+\)): addr:/gm)].map((m) => m[1]!);
}

/** The switch's connection to the stand-in controller, past HELLO and FEATURES. */
async function controllerConn(ctl: FakeController): Promise<OfClient> {
  const c = await ctl.connection(1, 10_000);
  await c.expect(OFPT.HELLO, undefined, 5000);
  c.sendHello();
  c.send({ type: OFPT.FEATURES_REQUEST, xid: 2 });
  await c.expect(OFPT.FEATURES_REPLY, 2, 5000);
  return c;
}

const isStatus = (reason: OFPPR, name: string) => (m: OfpMessage) =>
  m.type === OFPT.PORT_STATUS && (m as PortStatus).reason === reason && (m as PortStatus).desc.name === name;

function configFile(ports: unknown[], extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync('/tmp/p2-port-runtime-');
  const file = join(dir, 'ofswitchd.json');
  writeFileSync(file, `${JSON.stringify({ ...extra, bridges: [{ name: 'br0', failMode: 'secure', controllers: [`tcp:127.0.0.1:${CONTROLLER_PORT}`], ports }] }, null, 2)}\n`);
  return file;
}

t.test('port/add and port/del: PORT_STATUS ADD and DELETE, the port appears and goes; errors change nothing', { skip: skipOvs }, async (t) => {
  const ctl = await FakeController.listen(CONTROLLER_PORT);
  t.teardown(() => ctl.close());
  const d = await startDaemon(['--port', '1=p1:dummy', '--fail-mode', 'secure', '--controller', `tcp:127.0.0.1:${CONTROLLER_PORT}`, '--max-backoff', '1']);
  t.teardown(() => d.stop('SIGKILL'));
  const c = await controllerConn(ctl);

  const add = await appctl(d, 'port/add', 'br0', '2=p2:dummy');
  t.equal(add.code, 0, add.stderr);
  const st = (await c.next(isStatus(OFPPR.ADD, 'p2'), 3000)) as PortStatus;
  t.equal(st.desc.port_no, 2, 'PORT_STATUS ADD for port 2 (p2) reached the controller');
  t.same(await shownPorts(d), ['1(p1)', '2(p2)', 'LOCAL(br0)'], 'ovs-ofctl show lists it');

  // Refusals: each is an error reply (ovs-appctl exits 2) and nothing changes.
  const cases: Array<[string[], RegExp]> = [
    [['port/add', 'br9', '3=p3:dummy'], /no bridge named br9/],
    [['port/add', 'br0', '2=p9:dummy'], /port number 2 is in use by p2/],
    [['port/add', 'br0', '3=p1:dummy'], /interface p1 is already a port of bridge br0/],
    [['port/add', 'br0', '3=p2-no-such'], /no interface named p2-no-such/],
    [['port/add', 'br0', 'p3'], /expected "N=IFACE/],
    [['port/add', 'br0'], /"port\/add" command requires at least 2 arguments/],
    [['port/add', 'br0', '3=p3:dummy', 'x'], /"port\/add" command takes at most 2 arguments/],
    [['port/del', 'br0', '9'], /bridge br0 has no port 9/],
    [['port/del', 'br0', 'nope'], /bridge br0 has no port nope/],
    [['port/del', 'br0', 'LOCAL'], /LOCAL is the bridge's own port/],
    [['port/del', 'br9', '1'], /no bridge named br9/],
  ];
  for (const [args, want] of cases) {
    const r = await appctl(d, ...args);
    t.equal(r.code, 2, `${args.join(' ')}: ovs-appctl exits 2`);
    t.match(r.stderr, want, `${args.join(' ')}: ${r.stderr.trim()}`);
  }
  t.same(await shownPorts(d), ['1(p1)', '2(p2)', 'LOCAL(br0)'], 'the refusals changed nothing');
  t.notOk(c.received.some((m) => m.type === OFPT.PORT_STATUS), 'and sent no PORT_STATUS');

  const del = await appctl(d, 'port/del', 'br0', 'p2');
  t.equal(del.code, 0, del.stderr);
  const gone = (await c.next(isStatus(OFPPR.DELETE, 'p2'), 3000)) as PortStatus;
  t.equal(gone.desc.port_no, 2, 'PORT_STATUS DELETE for port 2');
  const delNo = await appctl(d, 'port/del', 'br0', '1');
  t.equal(delNo.code, 0, 'by number too');
  await c.next(isStatus(OFPPR.DELETE, 'p1'), 3000);
  t.same(await shownPorts(d), ['LOCAL(br0)']);
  const list = await appctl(d, 'list-commands');
  t.match(list.stdout, /port\/add\s+BRIDGE N=IFACE\[:TYPE\[:OPTIONS\]\]/);
  t.match(list.stdout, /port\/del\s+BRIDGE N\|IFACE/);
});

t.test('with --config: port/add and port/del are written back; a restart comes back with the same ports', { skip: skipOvs }, async (t) => {
  const file = configFile(['1=p1:dummy', { number: 2, iface: 'p2', type: 'dummy' }], { probeInterval: 7, packetInQueue: 50 });
  const before = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const d = await startDaemon(['--config', file]);
  t.teardown(() => d.stop('SIGKILL'));
  t.equal((await appctl(d, 'port/add', 'br0', '5=p5:dummy')).code, 0);
  t.equal((await appctl(d, 'port/del', 'br0', 'p1')).code, 0);
  const after = JSON.parse(readFileSync(file, 'utf8')) as { bridges: Array<Record<string, unknown>> } & Record<string, unknown>;
  t.same(after.bridges[0]!.ports, [{ number: 2, iface: 'p2', type: 'dummy' }, '5=p5:dummy'], 'the file lists the ports that run, entries kept as written');
  const { bridges: b0, ...rest0 } = before as { bridges: Array<Record<string, unknown>> };
  const { bridges: b1, ...rest1 } = after;
  t.same(rest1, rest0, 'every other top-level key is as it was');
  t.same({ ...b1[0], ports: null }, { ...b0[0]!, ports: null }, "and the bridge's other keys too");
  t.same(
    readdirSync(join(file, '..')).filter((n) => n !== 'ofswitchd.json'),
    [],
    'no temporary file is left beside it',
  );
  await new Promise((r) => setTimeout(r, 700));
  t.notOk(
    d.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('config file changed')),
    'its own write-backs do not come back as file changes',
  );
  const ports = await shownPorts(d);
  t.equal(await d.stop('SIGTERM'), 0);

  const again = await startDaemon(['--config', file]);
  t.teardown(() => again.stop('SIGKILL'));
  t.same(await shownPorts(again), ports, 'the restarted daemon has the same ports');
  t.same(ports, ['2(p2)', '5(p5)', 'LOCAL(br0)']);
});

t.test('editing the config file: ports are added and removed live; other keys wait for a restart; an invalid file changes nothing', { skip: skipOvs }, async (t) => {
  const ctl = await FakeController.listen(CONTROLLER_PORT + 1);
  t.teardown(() => ctl.close());
  const dir = mkdtempSync('/tmp/p2-port-edit-');
  const file = join(dir, 'ofswitchd.json');
  const write = (ports: unknown[], extra: Record<string, unknown> = {}) =>
    writeFileSync(file, JSON.stringify({ ...extra, bridges: [{ name: 'br0', failMode: 'secure', controllers: [`tcp:127.0.0.1:${CONTROLLER_PORT + 1}`], ports }] }, null, 2));
  write(['1=p1:dummy']);
  const d = await startDaemon(['--config', file, '--max-backoff', '1']);
  t.teardown(() => d.stop('SIGKILL'));
  const c = await controllerConn(ctl);

  write(['1=p1:dummy', '7=p7:dummy']);
  const st = (await c.next(isStatus(OFPPR.ADD, 'p7'), 5000)) as PortStatus;
  t.equal(st.desc.port_no, 7, 'the added line became port 7, and the controller heard of it');
  t.same(await shownPorts(d), ['1(p1)', '7(p7)', 'LOCAL(br0)']);

  write(['1=p1:dummy', '7=p7:dummy', 'eight']);
  t.ok(
    await waitUntil(() => d.logs.some((l) => l.level === 50 && String(l.problem).includes(`${file}: bridges[0].ports[2]: expected "N=IFACE`)), 5000),
    'an invalid file is logged with the file, the key and what was expected',
  );
  t.same(await shownPorts(d), ['1(p1)', '7(p7)', 'LOCAL(br0)'], 'and changes nothing');

  write(['7=p7:dummy'], { probeInterval: 9 });
  await c.next(isStatus(OFPPR.DELETE, 'p1'), 5000);
  t.ok(
    await waitUntil(() => d.logs.some((l) => l.level === 40 && Array.isArray(l.keys) && (l.keys as string[]).includes('probeIntervalMs')), 5000),
    'a changed setting other than ports is logged as needing a restart',
  );
  t.same(await shownPorts(d), ['7(p7)', 'LOCAL(br0)'], 'the removed line removed port 1');
});

t.test('--controller none with fail mode standalone forwards at once; port/add and port/del on system ports start and stop forwarding, releasing the socket', { skip: netnsSkip('ovs-ofctl', 'ovs-appctl', 'ping'), timeout: 90_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'p2-rt', ['10.0.0.1/24', '10.0.0.2/24']);
  const [h1] = hosts as [typeof sw];
  const d = await startDaemon(['--port', '1=p1', '--controller', 'none'], {}, 15_000, { netns: sw.name });
  t.teardown(() => d.stop('SIGKILL'));
  t.ok(d.logs.some((l) => l.msg === 'no controller: standalone forwarding'), 'no controller: standalone from the start');
  t.equal((await ping(h1, '10.0.0.2', 2)).received, 0, 'no port 2 yet: h2 is unreachable');

  const p2Index = Number(sw.must('cat', '/sys/class/net/p2/ifindex').trim());
  t.equal(packetSockets(sw, d.pid, p2Index), 0, 'no AF_PACKET socket on p2 yet');
  const add = await appctl(d, 'port/add', 'br0', '2=p2');
  t.equal(add.code, 0, add.stderr);
  t.equal(packetSockets(sw, d.pid, p2Index), 1, 'port/add opened an AF_PACKET socket bound to p2');
  // The failed pings left h2's neighbour entry FAILED; start afresh.
  h1.must('ip', 'neigh', 'flush', 'dev', 'eth0');
  const p = await ping(h1, '10.0.0.2', 3);
  t.equal(p.received, 3, `with port 2 added, h1 reaches h2 at once (NORMAL, no controller)\n${p.out}`);
  const desc = await ovsOfctlIn(sw, 'dump-ports-desc', `tcp:127.0.0.1:${d.port}`);
  t.match(desc.stdout, / 2\(p2\): addr:/);

  const del = await appctl(d, 'port/del', 'br0', '2');
  t.equal(del.code, 0, del.stderr);
  t.equal(packetSockets(sw, d.pid, p2Index), 0, 'port/del closed the socket');
  h1.must('ip', 'neigh', 'flush', 'dev', 'eth0');
  t.equal((await ping(h1, '10.0.0.2', 2)).received, 0, 'and forwarding to it stopped');
  const desc2 = await ovsOfctlIn(sw, 'dump-ports-desc', `tcp:127.0.0.1:${d.port}`);
  t.notMatch(desc2.stdout, /\(p2\)/);
  t.match(sw.must('ip', 'link', 'show', 'p2'), /p2@/, 'a system port\'s interface stays (it was never ours)');

  // A tap port's device is the daemon's: it exists while the port does.
  t.equal((await appctl(d, 'port/add', 'br0', '3=p2tap:tap')).code, 0);
  t.match(sw.must('ip', '-d', 'link', 'show', 'p2tap'), /tun type tap/, 'port/add made TAP device p2tap');
  t.equal((await appctl(d, 'port/del', 'br0', 'p2tap')).code, 0);
  t.not((await sw.run(['ip', 'link', 'show', 'p2tap'])).code, 0, 'port/del closed it, and the kernel removed it');
});

t.test('LOCAL=br0:internal: the bridge port is a TAP device named after the bridge, and the host reaches it through the switch', { skip: netnsSkip('ovs-ofctl', 'ping'), timeout: 90_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'p2-lo', ['10.0.1.1/24']);
  const [h1] = hosts as [typeof sw];
  const d = await startDaemon(['--port', '1=p1', '--port', 'LOCAL=br0:internal', '--controller', 'none'], {}, 15_000, { netns: sw.name });
  t.teardown(() => d.stop('SIGKILL'));
  const link = sw.must('ip', '-d', 'link', 'show', 'br0');
  t.match(link, /tun type tap/, 'br0 is a TAP device');
  const mac = /link\/ether (\S+)/.exec(link)![1]!;
  const show = await ovsOfctlIn(sw, 'show', `tcp:127.0.0.1:${d.port}`);
  t.match(show.stdout, new RegExp(` LOCAL\\(br0\\): addr:${mac}`), "ovs-ofctl shows LOCAL with the TAP device's address");
  sw.must('ip', 'addr', 'add', '10.0.1.254/24', 'dev', 'br0');
  sw.must('ip', 'link', 'set', 'br0', 'up');
  const p = await ping(h1, '10.0.1.254', 3);
  t.equal(p.received, 3, `h1 pings the bridge's own address through port 1 and LOCAL\n${p.out}`);
  t.equal(await d.stop('SIGTERM'), 0);
  const gone = await sw.run(['ip', 'link', 'show', 'br0']);
  t.not(gone.code, 0, 'the TAP device goes with the daemon');
});

/**
 * AF_PACKET sockets of process `pid` bound to interface `ifindex`: the
 * namespace's /proc/net/packet (one row per socket, with its interface and
 * inode) joined with the process's descriptors ("socket:[INODE]").
 */
function packetSockets(ns: Netns, pid: number, ifindex: number): number {
  const mine = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) mine.add(m[1]!);
    } catch {
      // Closed while we looked.
    }
  }
  const rows = ns.must('cat', '/proc/net/packet').trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  // Columns: sk RefCnt Type Proto Iface R Rmem User Inode.
  return rows.filter((r) => Number(r[4]) === ifindex && mine.has(r[8]!)).length;
}
