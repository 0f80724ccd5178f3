/**
 * bench/vxlan: two switches joined by a VXLAN tunnel (VNI 5) over a veth
 * underlay, ofswitchd against Open vSwitch's userspace tunnelling, in the
 * same run, on the same topology, with the same flows and traffic:
 *
 *   [h1 eth0]==veth==[p1 sw1 vx0] ==u1/u2 10.9.0.1<->10.9.0.2== [vx0 sw2 p1]==veth==[eth0 h2]
 *
 * Flows on both switches: in_port=1 -> set_field:5->tunnel_id,output:2 and
 * in_port=2,tunnel_id=5 -> output:1. Figures: TCP throughput (iperf3
 * h1 -> h2, one stream, 5 s) and ping round-trip time (100 pings, 10 ms
 * apart), the median of ROUNDS runs per switch, alternating.
 *
 * Open vSwitch: a private instance per switch namespace (ovs-vswitchd
 * --disable-system, datapath_type=netdev), br-int with the host port and
 * the vxlan port, br-phy with the underlay veth and the tunnel address on
 * its own port, as its userspace-tunnelling guide sets it up. Its userspace
 * datapath neither completes partial checksums nor segments TSO frames, so
 * for its runs the hosts get `ethtool -K eth0 tx off` (as bench/forward.ts
 * does); ofswitchd's runs keep the kernel's offloads.
 *
 * Needs root, Open vSwitch, iperf3, ethtool; prints a note and exits 0
 * otherwise. Namespaces p1-bv-*, TCP ports 17040-17049.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROUNDS = Number(process.env.VXLAN_BENCH_ROUNDS ?? 3);
const IPERF_SECONDS = 5;
const IPERF_PORT = 17041;
const OF_PORT = 17042;
const TMP = mkdtempSync(join(tmpdir(), 'p1-bench-vxlan-'));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const S = ['p1-bv-s1', 'p1-bv-s2'] as const;
const H1 = 'p1-bv-h1';
const H2 = 'p1-bv-h2';
const UNDERLAY = ['10.9.0.1', '10.9.0.2'] as const;
const SCHEMAS = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'];
const FLOWS = ['in_port=1,actions=set_field:5->tunnel_id,output:2', 'in_port=2,tunnel_id=5,actions=output:1'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const inNs = (ns: string, argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];

function sh(argv: string[], env: NodeJS.ProcessEnv = process.env, check = true): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env, timeout: 60_000 });
  if (check && r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout ?? '';
}

async function waitFor(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(100)) if (ok()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** Fresh namespaces each time: Open vSwitch leaves tap devices (br-phy) behind. */
function topology(): void {
  for (const n of [...S, H1, H2]) {
    spawnSync('ip', ['netns', 'del', n]);
    sh(['ip', 'netns', 'add', n]);
    sh(inNs(n, ['ip', 'link', 'set', 'lo', 'up']));
    sh(inNs(n, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']));
  }
  const hosts = [
    [S[0], H1, '02:fd:00:00:00:01', '10.0.0.1', '10.0.0.2', '02:fd:00:00:00:02'],
    [S[1], H2, '02:fd:00:00:00:02', '10.0.0.2', '10.0.0.1', '02:fd:00:00:00:01'],
  ] as const;
  for (const [sw, h, mac, ip, peerIp, peerMac] of hosts) {
    sh(inNs(sw, ['ip', 'link', 'add', 'p1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h]));
    sh(inNs(sw, ['ip', 'link', 'set', 'p1', 'up']));
    sh(inNs(h, ['ip', 'link', 'set', 'eth0', 'address', mac]));
    sh(inNs(h, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']));
    sh(inNs(h, ['ip', 'link', 'set', 'eth0', 'up']));
    sh(inNs(h, ['ip', 'neigh', 'replace', peerIp, 'lladdr', peerMac, 'dev', 'eth0', 'nud', 'permanent']));
  }
  sh(inNs(S[0], ['ip', 'link', 'add', 'u1', 'type', 'veth', 'peer', 'name', 'u2', 'netns', S[1]]));
  // Room for the 50 bytes of outer headers around a full 1500-byte inner packet, as tunnel
  // underlays are set up: Open vSwitch never fragments (it would drop), the kernel would for us.
  sh(inNs(S[0], ['ip', 'link', 'set', 'u1', 'mtu', '1600', 'up']));
  sh(inNs(S[1], ['ip', 'link', 'set', 'u2', 'mtu', '1600', 'up']));
}

interface Switch {
  label: string;
  offloadOff: boolean;
  stop(): Promise<void>;
}

async function startOfswitchd(): Promise<Switch> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const children: ChildProcess[] = [];
  for (const i of [0, 1]) {
    const sw = S[i];
    const u = `u${i + 1}`;
    sh(inNs(sw, ['ip', 'addr', 'add', `${UNDERLAY[i]}/24`, 'dev', u]));
    const child = spawn(
      'ip',
      ['netns', 'exec', sw, process.execPath, join(ROOT, 'bin/ofswitchd'), '--port', '1=p1', '--port', `2=vx0:vxlan:remote_ip=${UNDERLAY[1 - i]}+local_ip=${UNDERLAY[i]}+key=flow`,
        '--fail-mode', 'secure', '--controller', 'none', '--listen', `ptcp:${OF_PORT}:127.0.0.1`, '--ctl', join(TMP, `of${i}.ctl`), '--log-level', 'warn'],
      { env, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    children.push(child);
    const target = `tcp:127.0.0.1:${OF_PORT}`;
    await waitFor('ofswitchd to listen', () => spawnSync('ip', inNs(sw, ['ovs-ofctl', '-O', 'OpenFlow13', '-t', '2', 'probe', target]).slice(1)).status === 0);
    for (const f of FLOWS) sh(inNs(sw, ['ovs-ofctl', '-O', 'OpenFlow13', 'add-flow', target, f]));
  }
  return {
    label: 'ofswitchd',
    offloadOff: false,
    stop: async () => {
      for (const c of children) {
        const gone = new Promise((r) => c.on('exit', r));
        c.kill('SIGTERM');
        await Promise.race([gone, sleep(3000)]);
        c.kill('SIGKILL');
      }
    },
  };
}

async function startOvs(): Promise<Switch> {
  const stops: Array<() => void> = [];
  for (const i of [0, 1]) {
    const sw = S[i];
    const d = join(TMP, `ovs${i}`);
    mkdirSync(d, { recursive: true });
    const env = { ...process.env, OVS_RUNDIR: d, OVS_LOGDIR: d, OVS_DBDIR: d, OVS_SYSCONFDIR: d };
    const db = `unix:${join(d, 'db.sock')}`;
    const vsctl = (...a: string[]): string => sh(['ovs-vsctl', `--db=${db}`, '--timeout=20', ...a], env);
    sh(['ovsdb-tool', 'create', join(d, 'conf.db'), SCHEMAS.find((p) => existsSync(p))!], env);
    sh(['ovsdb-server', join(d, 'conf.db'), `--remote=punix:${join(d, 'db.sock')}`, `--pidfile=${join(d, 'ovsdb.pid')}`, `--unixctl=${join(d, 'ovsdb.ctl')}`, `--log-file=${join(d, 'ovsdb.log')}`, '--detach'], env);
    vsctl('--no-wait', 'init');
    sh(inNs(sw, ['ovs-vswitchd', db, `--pidfile=${join(d, 'vswitchd.pid')}`, `--unixctl=${join(d, 'vswitchd.ctl')}`, `--log-file=${join(d, 'vswitchd.log')}`, '--disable-system', '--detach']), env);
    stops.push(() => {
      for (const c of ['vswitchd.ctl', 'ovsdb.ctl']) spawnSync('ovs-appctl', ['-t', join(d, c), 'exit'], { env, timeout: 10_000 });
      for (const p of ['vswitchd.pid', 'ovsdb.pid']) {
        try {
          process.kill(Number(readFileSync(join(d, p), 'utf8').trim()), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      spawnSync('rm', ['-rf', d]);
    });
    vsctl('add-br', 'br-int', '--', 'set', 'bridge', 'br-int', 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure', 'other-config:disable-in-band=true',
      '--', 'add-port', 'br-int', 'p1', '--', 'set', 'interface', 'p1', 'ofport_request=1',
      '--', 'add-port', 'br-int', 'vx0', '--', 'set', 'interface', 'vx0', 'type=vxlan', `options:remote_ip=${UNDERLAY[1 - i]}`, 'options:key=flow', 'ofport_request=2');
    vsctl('add-br', 'br-phy', '--', 'set', 'bridge', 'br-phy', 'datapath_type=netdev', 'other-config:disable-in-band=true', '--', 'add-port', 'br-phy', `u${i + 1}`);
    sh(inNs(sw, ['ip', 'addr', 'add', `${UNDERLAY[i]}/24`, 'dev', 'br-phy']));
    sh(inNs(sw, ['ip', 'link', 'set', 'br-phy', 'up']));
    const mgmt = `unix:${join(d, 'br-int.mgmt')}`;
    await waitFor('ovs-vswitchd to answer', () => spawnSync('ovs-ofctl', ['-O', 'OpenFlow13', '-t', '2', 'probe', mgmt], { env }).status === 0);
    for (const f of FLOWS) sh(['ovs-ofctl', '-O', 'OpenFlow13', 'add-flow', mgmt, f], env);
  }
  // Its tunnel route comes from the kernel's a moment after br-phy has its address.
  await waitFor('Open vSwitch to carry a ping', () => spawnSync('ip', inNs(H1, ['ping', '-c', '1', '-W', '1', '10.0.0.2']).slice(1)).status === 0);
  return {
    label: 'OVS',
    offloadOff: true,
    stop: async () => {
      for (const s of stops) s();
    },
  };
}

function offload(on: boolean): void {
  for (const h of [H1, H2]) sh(inNs(h, ['ethtool', '-K', 'eth0', 'tx', on ? 'on' : 'off']), process.env, false);
}

async function iperf(): Promise<number> {
  const server = spawn('ip', inNs(H2, ['iperf3', '-s', '-1', '-p', String(IPERF_PORT)]).slice(1), { stdio: 'ignore' });
  try {
    await waitFor('iperf3 -s', () => sh(inNs(H2, ['ss', '-Hltn', `sport = :${IPERF_PORT}`])).trim() !== '');
    const r = spawnSync('ip', inNs(H1, ['iperf3', '-c', '10.0.0.2', '-p', String(IPERF_PORT), '-t', String(IPERF_SECONDS), '-J']).slice(1), { encoding: 'utf8', timeout: 60_000 });
    const j = JSON.parse(r.stdout || '{}') as { error?: string; end?: { sum_received?: { bits_per_second: number } } };
    const bps = j.end?.sum_received?.bits_per_second;
    if (bps === undefined) throw new Error(`iperf3: ${j.error ?? r.stderr}`);
    return bps / 1e9;
  } finally {
    server.kill('SIGKILL');
  }
}

function pingMs(): number {
  sh(inNs(H1, ['ping', '-c', '3', '-i', '0.05', '-W', '2', '10.0.0.2']));
  const out = sh(inNs(H1, ['ping', '-q', '-c', '100', '-i', '0.01', '-W', '2', '10.0.0.2']));
  const m = /= [\d.]+\/([\d.]+)\//.exec(out);
  if (!m) throw new Error(`ping: ${out}`);
  return Number(m[1]);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) return void console.log('bench/vxlan: needs root (namespaces); skipped');
  for (const b of ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovs-ofctl', 'iperf3', 'ethtool', 'ping']) {
    if (spawnSync('which', [b]).status !== 0) return void console.log(`bench/vxlan: needs ${b}; skipped`);
  }
  const figures: Record<string, { gbps: number[]; ms: number[] }> = { ofswitchd: { gbps: [], ms: [] }, OVS: { gbps: [], ms: [] } };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const start of [startOfswitchd, startOvs]) {
        topology();
        const sw = await start();
        try {
          offload(!sw.offloadOff);
          figures[sw.label]!.ms.push(pingMs());
          figures[sw.label]!.gbps.push(await iperf());
        } finally {
          offload(true);
          await sw.stop();
        }
      }
    }
  } finally {
    for (const n of [...S, H1, H2]) spawnSync('ip', ['netns', 'del', n]);
  }
  const o = figures.ofswitchd!;
  const v = figures.OVS!;
  console.log(`vxlan VNI 5, TCP h1->h2 (median of ${ROUNDS}): ofswitchd ${median(o.gbps).toFixed(2)} Gb/s, OVS ${median(v.gbps).toFixed(2)} Gb/s, ratio ${(median(o.gbps) / median(v.gbps)).toFixed(2)}`);
  console.log(`vxlan VNI 5, ping RTT avg (median of ${ROUNDS}): ofswitchd ${median(o.ms).toFixed(3)} ms, OVS ${median(v.ms).toFixed(3)} ms, ratio ${(median(o.ms) / median(v.ms)).toFixed(2)}`);
}

await main();
