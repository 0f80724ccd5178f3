/**
 * bench/patch: two bridges of one switch process joined by a patch pair,
 * ofswitchd against Open vSwitch's userspace datapath, in the same run, on
 * the same topology, with the same flows and the same traffic:
 *
 *     [h1 eth0] ==veth== [p1 br0 pa] =patch= [pb br1 p2] ==veth== [eth0 h2]
 *     10.0.0.1                 (one netns)                        10.0.0.2
 *
 * Figures: TCP throughput (iperf3 h1 -> h2, one stream, 5 s) and ping
 * round-trip time (100 pings, 10 ms apart), the median of ROUNDS runs per
 * switch, the switches alternating. Flows on both bridges: in_port=1 ->
 * output:2 and back (port 2 is the patch end).
 *
 * Open vSwitch runs as a private instance (own ovsdb-server and
 * ovs-vswitchd --disable-system, datapath_type=netdev, system ports, patch
 * ports). Its userspace datapath neither completes partial checksums nor
 * segments TSO frames, so for its TCP run only the hosts get
 * `ethtool -K eth0 tx off` (as bench/forward.ts does).
 *
 * Needs root, Open vSwitch, iperf3, ethtool; prints a note and exits 0
 * otherwise. Namespaces p1-bp-*, TCP ports 17020-17029.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROUNDS = Number(process.env.PATCH_BENCH_ROUNDS ?? 3);
const IPERF_SECONDS = 5;
const IPERF_PORT = 17021;
const OF_PORTS = [17022, 17023];
const TMP = mkdtempSync(join(tmpdir(), 'p1-bench-patch-'));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SW = 'p1-bp-sw';
const H1 = 'p1-bp-h1';
const H2 = 'p1-bp-h2';
const SCHEMAS = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'];

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

function topology(): void {
  for (const n of [SW, H1, H2]) {
    spawnSync('ip', ['netns', 'del', n]);
    sh(['ip', 'netns', 'add', n]);
    sh(inNs(n, ['ip', 'link', 'set', 'lo', 'up']));
    sh(inNs(n, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']));
  }
  const hosts = [
    [H1, 'p1', '02:fd:00:00:00:01', '10.0.0.1', '10.0.0.2', '02:fd:00:00:00:02'],
    [H2, 'p2', '02:fd:00:00:00:02', '10.0.0.2', '10.0.0.1', '02:fd:00:00:00:01'],
  ] as const;
  for (const [h, p, mac, ip, peerIp, peerMac] of hosts) {
    sh(inNs(SW, ['ip', 'link', 'add', p, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h]));
    sh(inNs(SW, ['ip', 'link', 'set', p, 'up']));
    sh(inNs(h, ['ip', 'link', 'set', 'eth0', 'address', mac]));
    sh(inNs(h, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']));
    sh(inNs(h, ['ip', 'link', 'set', 'eth0', 'up']));
    sh(inNs(h, ['ip', 'neigh', 'replace', peerIp, 'lladdr', peerMac, 'dev', 'eth0', 'nud', 'permanent']));
  }
}

interface Switch {
  label: string;
  offloadOff: boolean;
  stop(): Promise<void>;
}

const FLOWS = ['in_port=1,actions=output:2', 'in_port=2,actions=output:1'];

async function startOfswitchd(): Promise<Switch> {
  const file = join(TMP, 'ofswitchd.json');
  writeFileSync(
    file,
    JSON.stringify({
      logLevel: 'warn',
      ctl: join(TMP, 'ofswitchd.ctl'),
      bridges: [
        { name: 'br0', failMode: 'secure', listen: [`ptcp:${OF_PORTS[0]}:127.0.0.1`], ports: ['1=p1', '2=pa:patch:peer=pb'] },
        { name: 'br1', failMode: 'secure', listen: [`ptcp:${OF_PORTS[1]}:127.0.0.1`], ports: ['1=p2', '2=pb:patch:peer=pa'] },
      ],
    }),
  );
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn('ip', ['netns', 'exec', SW, process.execPath, join(ROOT, 'bin/ofswitchd'), '--config', file], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  child.on('exit', () => (exited = true));
  for (const port of OF_PORTS) {
    const target = `tcp:127.0.0.1:${port}`;
    await waitFor('ofswitchd to listen', () => {
      if (exited) throw new Error('ofswitchd exited');
      return spawnSync('ip', inNs(SW, ['ovs-ofctl', '-O', 'OpenFlow13', '-t', '2', 'probe', target]).slice(1)).status === 0;
    });
    for (const f of FLOWS) sh(inNs(SW, ['ovs-ofctl', '-O', 'OpenFlow13', 'add-flow', target, f]));
  }
  return {
    label: 'ofswitchd',
    offloadOff: false,
    stop: async () => {
      if (exited) return;
      const gone = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

async function startOvs(): Promise<Switch> {
  const d = join(TMP, 'ovs');
  mkdirSync(d, { recursive: true });
  const env = { ...process.env, OVS_RUNDIR: d, OVS_LOGDIR: d, OVS_DBDIR: d, OVS_SYSCONFDIR: d };
  const db = `unix:${join(d, 'db.sock')}`;
  const vsctl = (...a: string[]): string => sh(['ovs-vsctl', `--db=${db}`, '--timeout=20', ...a], env);
  sh(['ovsdb-tool', 'create', join(d, 'conf.db'), SCHEMAS.find((p) => existsSync(p))!], env);
  sh(['ovsdb-server', join(d, 'conf.db'), `--remote=punix:${join(d, 'db.sock')}`, `--pidfile=${join(d, 'ovsdb.pid')}`, `--unixctl=${join(d, 'ovsdb.ctl')}`, `--log-file=${join(d, 'ovsdb.log')}`, '--detach'], env);
  vsctl('--no-wait', 'init');
  sh(inNs(SW, ['ovs-vswitchd', db, `--pidfile=${join(d, 'vswitchd.pid')}`, `--unixctl=${join(d, 'vswitchd.ctl')}`, `--log-file=${join(d, 'vswitchd.log')}`, '--disable-system', '--detach']), env);
  for (const [br, host, patch, peer] of [
    ['br0', 'p1', 'pa', 'pb'],
    ['br1', 'p2', 'pb', 'pa'],
  ] as const) {
    vsctl('add-br', br, '--', 'set', 'bridge', br, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure', 'other-config:disable-in-band=true',
      '--', 'add-port', br, host, '--', 'set', 'interface', host, 'ofport_request=1',
      '--', 'add-port', br, patch, '--', 'set', 'interface', patch, 'type=patch', `options:peer=${peer}`, 'ofport_request=2');
  }
  for (const br of ['br0', 'br1']) {
    const mgmt = `unix:${join(d, `${br}.mgmt`)}`;
    await waitFor('ovs-vswitchd to answer', () => spawnSync('ovs-ofctl', ['-O', 'OpenFlow13', '-t', '2', 'probe', mgmt], { env }).status === 0);
    for (const f of FLOWS) sh(['ovs-ofctl', '-O', 'OpenFlow13', 'add-flow', mgmt, f], env);
  }
  return {
    label: 'OVS',
    offloadOff: true,
    stop: async () => {
      for (const c of ['vswitchd.ctl', 'ovsdb.ctl']) spawnSync('ovs-appctl', ['-t', join(d, c), 'exit'], { env, timeout: 10_000 });
      for (const p of ['vswitchd.pid', 'ovsdb.pid']) {
        try {
          process.kill(Number(readFileSync(join(d, p), 'utf8').trim()), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      spawnSync('rm', ['-rf', d]);
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
  if (process.getuid?.() !== 0) return void console.log('bench/patch: needs root (namespaces); skipped');
  for (const b of ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovs-ofctl', 'iperf3', 'ethtool', 'ping']) {
    if (spawnSync('which', [b]).status !== 0) return void console.log(`bench/patch: needs ${b}; skipped`);
  }
  topology();
  const figures: Record<string, { gbps: number[]; ms: number[] }> = { ofswitchd: { gbps: [], ms: [] }, OVS: { gbps: [], ms: [] } };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const start of [startOfswitchd, startOvs]) {
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
    for (const n of [SW, H1, H2]) spawnSync('ip', ['netns', 'del', n]);
  }
  const o = figures.ofswitchd!;
  const v = figures.OVS!;
  console.log(`patch pair, TCP h1->h2 (median of ${ROUNDS}): ofswitchd ${median(o.gbps).toFixed(2)} Gb/s, OVS ${median(v.gbps).toFixed(2)} Gb/s, ratio ${(median(o.gbps) / median(v.gbps)).toFixed(2)}`);
  console.log(`patch pair, ping RTT avg (median of ${ROUNDS}): ofswitchd ${median(o.ms).toFixed(3)} ms, OVS ${median(v.ms).toFixed(3)} ms, ratio ${(median(o.ms) / median(v.ms)).toFixed(2)}`);
}

await main();
