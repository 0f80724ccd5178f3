/**
 * Two ofswitchd, each in its own namespace with a host attached by a veth,
 * joined by a VXLAN tunnel over a third veth between the two switch
 * namespaces (the underlay, 10.9.0.1 <-> 10.9.0.2, UDP 4789). The flows put
 * h1's frames in VNI 5 (set_field:5->tunnel_id) and take only VNI 5 back
 * (tunnel_id=5). Judged by the hosts (ping), by tshark's decoding of what
 * crossed the underlay, and by ovs-ofctl's port counters.
 * Namespaces p1-vx-*.
 */
import t from 'tap';
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';
import { hostMac, ovsOfctlIn, ping } from '../helpers/forwarding.js';
import { attachHost, Netns, netnsSkip } from '../helpers/netns.js';

const skip = netnsSkip('ping', 'ovs-ofctl', 'tcpdump', 'tshark');
const skipOvs = netnsSkip('ping', 'ovs-ofctl', 'ovs-vsctl', 'ovs-vswitchd', 'ovsdb-server', 'ovsdb-tool', 'ethtool');
const SCHEMA = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'].find((p) => existsSync(p));

/** Two switch namespaces with a host each and the underlay veth u1 (10.9.0.1, in s1) <-> u2 (in s2). */
async function lab(t: Test, prefix: string): Promise<[Netns, Netns, Netns, Netns]> {
  const names = ['s1', 's2', 'h1', 'h2'].map((x) => `${prefix}-${x}`);
  const [s1, s2, h1, h2] = (await Promise.all(names.map((n) => Netns.create(n)))) as [Netns, Netns, Netns, Netns];
  for (const ns of [s1, s2, h1, h2]) t.teardown(() => ns.destroy());
  attachHost(s1, 'p1', h1, '10.0.0.1/24', hostMac(1));
  attachHost(s2, 'p1', h2, '10.0.0.2/24', hostMac(2));
  s1.must('ip', 'link', 'add', 'u1', 'type', 'veth', 'peer', 'name', 'u2', 'netns', s2.name);
  s1.must('ip', 'addr', 'add', '10.9.0.1/24', 'dev', 'u1');
  s1.must('ip', 'link', 'set', 'u1', 'up');
  s2.must('ip', 'link', 'set', 'u2', 'up');
  return [s1, s2, h1, h2];
}

/** tcpdump writing a pcap file in `ns` until stopped. */
async function pcap(ns: Netns, iface: string, file: string): Promise<() => Promise<void>> {
  // --immediate-mode: without it packets still in the kernel's capture ring when tcpdump stops are never written.
  const c = ns.spawn(['tcpdump', '--immediate-mode', '-U', '-i', iface, '-w', file, 'udp']);
  let err = '';
  const exited = new Promise<void>((r) => c.on('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump not listening: ${err}`)), 5000);
    c.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return async () => {
    c.kill('SIGINT');
    await exited;
  };
}

t.test('hosts on two switches joined by a vxlan port ping each other in VNI 5', { skip, timeout: 120_000 }, async (t) => {
  const [s1, s2, h1] = await lab(t, 'p1-vx');
  s2.must('ip', 'addr', 'add', '10.9.0.2/24', 'dev', 'u2');

  const flows = ['in_port=1,actions=set_field:5->tunnel_id,output:2', 'in_port=2,tunnel_id=5,actions=output:1'];
  const daemons = [];
  for (const [sw, local, remote] of [
    [s1, '10.9.0.1', '10.9.0.2'],
    [s2, '10.9.0.2', '10.9.0.1'],
  ] as const) {
    const d = await startDaemon(
      ['--port', '1=p1', '--port', `2=vx0:vxlan:remote_ip=${remote}+local_ip=${local}+key=flow`, '--fail-mode', 'secure', '--controller', 'none'],
      {},
      15_000,
      { netns: sw.name },
    );
    t.teardown(() => d.stop('SIGKILL'));
    daemons.push(d);
    const target = `tcp:127.0.0.1:${d.port}`;
    for (const f of flows) {
      const r = await ovsOfctlIn(sw, 'add-flow', target, f);
      t.equal(r.code, 0, `${sw.name}: add-flow ${f}: ${r.stderr}`);
    }
    const show = await ovsOfctlIn(sw, 'show', target);
    t.match(show.stdout, / 2\(vx0\): addr:/, `${sw.name}: ovs-ofctl show lists the vxlan port`);
  }

  const file = join(mkdtempSync('/tmp/p1-vxlan-e2e-'), 'underlay.pcap');
  const stop = await pcap(s2, 'u2', file);
  const p = await ping(h1, '10.0.0.2', 3);
  t.equal(p.received, 3, `h1 pings h2 through the tunnel\n${p.out}`);
  await stop();

  // What crossed the underlay, as tshark decodes it: VXLAN (UDP 4789) with VNI 5 carrying the ICMP both ways.
  const r = spawnSync('tshark', ['-r', file, '-Y', 'vxlan && icmp', '-T', 'fields', '-E', 'separator=;', '-e', 'udp.dstport', '-e', 'vxlan.vni', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'icmp.type'], { encoding: 'utf8' });
  t.equal(r.status, 0, "tshark read the capture");
  const lines = r.stdout.trim().split('\n');
  const req = lines.filter((l) => l === '4789;5;10.9.0.1,10.0.0.1;10.9.0.2,10.0.0.2;8');
  const rep = lines.filter((l) => l === '4789;5;10.9.0.2,10.0.0.2;10.9.0.1,10.0.0.1;0');
  t.equal(req.length, 3, `3 echo requests in VNI 5 from 10.9.0.1 to 10.9.0.2:4789\n${r.stdout}`);
  t.equal(rep.length, 3, `3 echo replies in VNI 5 the other way\n${r.stdout}`);
  t.equal(lines.length, 6, 'no other ICMP crossed');

  for (const [sw, d] of [
    [s1, daemons[0]!],
    [s2, daemons[1]!],
  ] as const) {
    const ports = await ovsOfctlIn(sw, 'dump-ports', `tcp:127.0.0.1:${d.port}`, '2');
    const rx = Number(/rx pkts=(\d+)/.exec(ports.stdout)?.[1] ?? -1);
    const tx = Number(/tx pkts=(\d+)/.exec(ports.stdout)?.[1] ?? -1);
    t.ok(rx >= 4 && tx >= 4, `${sw.name}: the vxlan port counted the ARP and ICMP frames each way: ${ports.stdout}`);
  }
  for (const d of daemons) t.equal(await d.stop(), 0, 'the daemon stops cleanly');
});

t.test('interoperates with Open vSwitch: ofswitchd in s1, ovs-vswitchd (userspace tunnel) in s2', { skip: skipOvs || (SCHEMA === undefined && 'needs the vswitch schema'), timeout: 120_000 }, async (t) => {
  const [s1, s2, h1] = await lab(t, 'p1-vo');
  // Open vSwitch's userspace datapath does not complete the partial UDP
  // checksums a veth leaves to offload, and drops what fails its check:
  // our side sends with checksums computed in software.
  s1.must('ethtool', '-K', 'u1', 'tx', 'off');
  const d = await startDaemon(
    ['--port', '1=p1', '--port', '2=vx0:vxlan:remote_ip=10.9.0.2+local_ip=10.9.0.1+key=flow', '--fail-mode', 'secure', '--controller', 'none'],
    {},
    15_000,
    { netns: s1.name },
  );
  t.teardown(() => d.stop('SIGKILL'));
  const flows = ['in_port=1,actions=set_field:5->tunnel_id,output:2', 'in_port=2,tunnel_id=5,actions=output:1'];
  for (const f of flows) t.equal((await ovsOfctlIn(s1, 'add-flow', `tcp:127.0.0.1:${d.port}`, f)).code, 0);

  // A private Open vSwitch in s2: br-int (host port 1, vxlan port 2), br-phy (the underlay, with 10.9.0.2 on its own port).
  const dir = mkdtempSync('/tmp/p1-ovs-vxlan-');
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
  const db = `unix:${join(dir, 'db.sock')}`;
  const run = (argv: string[]) => {
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env, timeout: 30_000 });
    if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  run(['ovsdb-tool', 'create', join(dir, 'conf.db'), SCHEMA!]);
  run(['ovsdb-server', join(dir, 'conf.db'), `--remote=punix:${join(dir, 'db.sock')}`, `--pidfile=${join(dir, 'ovsdb.pid')}`, `--unixctl=${join(dir, 'ovsdb.ctl')}`, `--log-file=${join(dir, 'ovsdb.log')}`, '--detach']);
  t.teardown(() => {
    spawnSync('ovs-appctl', ['-t', join(dir, 'vswitchd.ctl'), 'exit'], { env, timeout: 10_000 });
    spawnSync('ovs-appctl', ['-t', join(dir, 'ovsdb.ctl'), 'exit'], { env, timeout: 10_000 });
  });
  const vsctl = (...a: string[]) => run(['ovs-vsctl', `--db=${db}`, '--timeout=20', ...a]);
  vsctl('--no-wait', 'init');
  run(['ip', 'netns', 'exec', s2.name, 'ovs-vswitchd', db, `--pidfile=${join(dir, 'vswitchd.pid')}`, `--unixctl=${join(dir, 'vswitchd.ctl')}`, `--log-file=${join(dir, 'vswitchd.log')}`, '--disable-system', '--detach']);
  vsctl('add-br', 'br-int', '--', 'set', 'bridge', 'br-int', 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure',
    '--', 'add-port', 'br-int', 'p1', '--', 'set', 'interface', 'p1', 'ofport_request=1',
    '--', 'add-port', 'br-int', 'vx0', '--', 'set', 'interface', 'vx0', 'type=vxlan', 'options:remote_ip=10.9.0.1', 'options:key=flow', 'ofport_request=2');
  vsctl('add-br', 'br-phy', '--', 'set', 'bridge', 'br-phy', 'datapath_type=netdev', '--', 'add-port', 'br-phy', 'u2');
  s2.must('ip', 'addr', 'add', '10.9.0.2/24', 'dev', 'br-phy');
  s2.must('ip', 'link', 'set', 'br-phy', 'up');
  const mgmt = `unix:${join(dir, 'br-int.mgmt')}`;
  for (const f of flows) run(['ovs-ofctl', '-O', 'OpenFlow13', 'add-flow', mgmt, f]);

  // Open vSwitch learns its route to 10.9.0.0/24 from the kernel a moment after br-phy gets its address.
  let p = await ping(h1, '10.0.0.2', 3);
  for (let i = 0; i < 5 && p.received < 3; i++) p = await ping(h1, '10.0.0.2', 3);
  t.equal(p.received, 3, `h1 (ofswitchd) pings h2 (Open vSwitch) over VNI 5\n${p.out}`);
  // Open vSwitch pushes datapath statistics to its rules about once a second.
  let ovsFlows = '';
  let n = 0;
  for (let i = 0; i < 30 && n < 3; i++, await new Promise((r) => setTimeout(r, 200))) {
    ovsFlows = run(['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', mgmt]);
    n = Number(/n_packets=(\d+),[^\n]*tun_id=0x5,in_port=2/.exec(ovsFlows)?.[1] ?? 0);
  }
  t.ok(n >= 3, `Open vSwitch matched our frames as tun_id=0x5 from its vxlan port: ${ovsFlows}`);
  t.equal(await d.stop(), 0);
});
