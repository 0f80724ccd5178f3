/**
 * bench/forward: ofswitchd forwarding between real interfaces, against
 * Open vSwitch's userspace datapath, in the same run, on the same topology,
 * with the same flows and the same traffic:
 *
 *     [h1 eth0] ==veth== [p1  switch  p2] ==veth== [eth0 h2]
 *     10.0.0.1            (its own netns)           10.0.0.2
 *
 * The topology is built twice (namespaces fwd-of-* for ofswitchd, fwd-ovs-*
 * for Open vSwitch), both switches are up for the whole run, and the runs
 * alternate between them (FORWARD_BENCH_ROUNDS rounds, default 3, the
 * first switch changing each round); each figure is the switch's median
 * run. The machine's load changes from second to second, and alternating
 * spreads it over both alike. Measured:
 *
 *  - 64-byte UDP frames per second through one flow (in_port=1 →
 *    output:2), and through 1,000 flows each matching one of 1,000 distinct
 *    UDP 5-tuples (the generator cycles through the 1,000 frames);
 *  - TCP throughput (iperf3, h1 → h2, one stream) and round-trip latency
 *    (ping h1 → h2), through in_port=1 → 2 and in_port=2 → 1;
 *  - the switch process's CPU time (utime + stime from /proc/PID/stat:
 *    node for ofswitchd, ovs-vswitchd for Open vSwitch, all threads) per
 *    million frames delivered, over each UDP run.
 *
 * Traffic generator: the addon's AF_PACKET sendmmsg blaster
 * (native/blaster.cc) in its own process in h1, the same for both
 * switches. Its ceiling is measured in the same run on a plain veth pair
 * (h1 eth0 straight to h2 eth0). Frames are counted where they arrive: the
 * rx packet counter of h2's eth0 (not at the sender), and the rate is
 * delivered frames over the generator's send time.
 *
 * Open vSwitch runs as a private instance (own ovsdb-server and
 * ovs-vswitchd --disable-system in a temporary directory, bridge
 * datapath_type=netdev, system ports). Its userspace datapath neither
 * completes partial checksums nor segments TSO frames, so for its TCP run
 * only, the hosts get `ethtool -K eth0 tx off`; ofswitchd runs with the
 * hosts' offloads as the kernel sets them.
 *
 * Needs root, Open vSwitch, iperf3 and ethtool; prints a note and exits 0
 * otherwise. FORWARD_BENCH_FRAMES sets frames per UDP run (default 2M),
 * FORWARD_BENCH_IPERF_SECONDS the length of each iperf3 run (default 5),
 * FORWARD_BENCH_NODE_ARGS extra node flags for ofswitchd (e.g. --cpu-prof).
 *
 *   npm run bench -- forward
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { reportHeadline } from './lib/headline.js';
import { DAEMON_NODE_FLAGS } from '../spec/helpers/paths.js';

const FRAMES = Number(process.env.FORWARD_BENCH_FRAMES ?? 2_000_000);
const IPERF_SECONDS = Number(process.env.FORWARD_BENCH_IPERF_SECONDS ?? 5);
const FLOWS = 1000;
/** Each figure is the median of this many runs per switch, the switches alternating. */
const ROUNDS = Number(process.env.FORWARD_BENCH_ROUNDS ?? 3);
/** TCP ports of this bench (the ofswitchd OpenFlow listener, iperf3), inside its own namespaces. */
const OF_PORT = 17300;
const IPERF_PORT = 17301;
/** Extra node flags for ofswitchd, e.g. FORWARD_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const NODE_ARGS = (process.env.FORWARD_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const NO_CONTROLLER = 'tcp:127.0.0.1:17399';
const TMP = mkdtempSync(join(tmpdir(), 'ofswitch-forward-'));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAC1 = '02:fd:00:00:00:01';
const MAC2 = '02:fd:00:00:00:02';
/** Where the UDP floods go: behind h2's port, but not h2's address (see udpFrame). */
const MAC_SINK = '02:fd:00:00:00:99';
const IP1 = '10.0.0.1';
const IP2 = '10.0.0.2';
const UDP_DST = 9;
const UDP_SRC0 = 10000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function sh(argv: string[], opts: { env?: NodeJS.ProcessEnv; check?: boolean; timeoutMs?: number } = {}): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000 });
  if ((opts.check ?? true) && r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout ?? '';
}

const inNs = (ns: string, argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];

/** A plain environment for node children (no tap/loader NODE_OPTIONS). */
function plainEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

/* ------------------------------------------------------------ frames */

function ipChecksum(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i]! << 8) | b[off + i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function macBytes(mac: string): number[] {
  return mac.split(':').map((h) => parseInt(h, 16));
}

/**
 * A 64-byte Ethernet/IPv4/UDP frame h1 → h2 from UDP port `sport`. Its
 * destination MAC is not h2's own: h2's eth0 counts it received and its IP
 * stack drops it at once as another host's. Frames to h2's own address
 * would be answered with (rate-limited) ICMP port unreachables after a
 * route and peer lookup each, work done in the switch's sendmmsg call
 * (veth delivers in the sender's context) and so counted as the switch's
 * CPU time, for both switches alike, as a large part of it.
 */
function udpFrame(sport: number): Uint8Array {
  const f = new Uint8Array(64);
  const v = new DataView(f.buffer);
  f.set(macBytes(MAC_SINK), 0);
  f.set(macBytes(MAC1), 6);
  v.setUint16(12, 0x0800);
  f[14] = 0x45;
  v.setUint16(16, 64 - 14);
  f[22] = 64; // TTL
  f[23] = 17; // UDP
  f.set([10, 0, 0, 1], 26);
  f.set([10, 0, 0, 2], 30);
  v.setUint16(24, ipChecksum(f, 14, 20));
  v.setUint16(34, sport);
  v.setUint16(36, UDP_DST);
  v.setUint16(38, 64 - 34);
  return f; // UDP checksum 0: none
}

function frames(n: number): Uint8Array {
  const all = new Uint8Array(64 * n);
  for (let i = 0; i < n; i++) all.set(udpFrame(UDP_SRC0 + i), 64 * i);
  return all;
}

interface BlastResult {
  sent: number;
  seconds: number;
  cpuSeconds: number;
}

/** Runs the blaster in `ns` on eth0, in its own process, cycling through `framesFile`. */
function blast(ns: string, framesFile: string, count: number): Promise<BlastResult> {
  const native = new URL('../lib/netdev/native.js', import.meta.url).href;
  const script = `const { loadNative } = await import(${JSON.stringify(native)});
    const { readFileSync } = await import('node:fs');
    const r = loadNative().blast('eth0', readFileSync(${JSON.stringify(framesFile)}), 64, ${count}, 64);
    console.log(JSON.stringify(r));`;
  return new Promise((resolve, reject) => {
    const c = spawn('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', script], { env: plainEnv() });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as BlastResult) : reject(new Error(`blast exited ${code}: ${err}`))));
  });
}

/* ------------------------------------------------------------ topology */

function rxPackets(ns: string, dev = 'eth0'): number {
  const j = JSON.parse(sh(inNs(ns, ['ip', '-s', '-j', 'link', 'show', dev]))) as Array<{ stats64: { rx: { packets: number } } }>;
  return j[0]!.stats64.rx.packets;
}

function newNs(name: string): void {
  spawnSync('ip', ['netns', 'del', name]);
  sh(['ip', 'netns', 'add', name]);
  sh(inNs(name, ['ip', 'link', 'set', 'lo', 'up']));
  sh(inNs(name, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']));
}

function setupHost(ns: string, mac: string, cidr: string, peerIp: string, peerMac: string): void {
  sh(inNs(ns, ['ip', 'link', 'set', 'eth0', 'address', mac]));
  sh(inNs(ns, ['ip', 'addr', 'add', cidr, 'dev', 'eth0']));
  sh(inNs(ns, ['ip', 'link', 'set', 'eth0', 'up']));
  // Static neighbours: no ARP in the measurements (it would pass anyway).
  sh(inNs(ns, ['ip', 'neigh', 'replace', peerIp, 'lladdr', peerMac, 'dev', 'eth0', 'nud', 'permanent']));
}

/** h1 and h2 joined to switch namespace `sw` through p1 and p2. */
class Topology {
  readonly sw: string;
  readonly h1: string;
  readonly h2: string;

  constructor(readonly tag: string) {
    this.sw = `fwd-${tag}-sw`;
    this.h1 = `fwd-${tag}-h1`;
    this.h2 = `fwd-${tag}-h2`;
    for (const n of [this.sw, this.h1, this.h2]) newNs(n);
    for (const [i, h] of [this.h1, this.h2].entries()) {
      const p = `p${i + 1}`;
      sh(inNs(this.sw, ['ip', 'link', 'add', p, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h]));
      sh(inNs(this.sw, ['ip', 'link', 'set', p, 'up']));
    }
    setupHost(this.h1, MAC1, `${IP1}/24`, IP2, MAC2);
    setupHost(this.h2, MAC2, `${IP2}/24`, IP1, MAC1);
  }

  destroy(): void {
    for (const n of [this.sw, this.h1, this.h2]) spawnSync('ip', ['netns', 'del', n]);
  }
}

/* ------------------------------------------------------------ switches */

interface Switch {
  readonly label: string;
  readonly pid: number;
  /** Replaces the flow table with the flows in `file` (ovs-ofctl syntax). */
  loadFlows(file: string): void;
  stop(): Promise<void>;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5), utime and stime, are 12 and 13 after the comm.
  return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
}

function ofctl(target: string, args: string[], ns?: string, env?: NodeJS.ProcessEnv): string {
  const argv = ['ovs-ofctl', '-O', 'OpenFlow13', ...args.slice(0, 1), target, ...args.slice(1)];
  return sh(ns ? inNs(ns, argv) : argv, { env, timeoutMs: 120_000 });
}

async function waitFor(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(100)) if (ok()) return;
  throw new Error(`timed out waiting for ${what}`);
}

async function startOfswitchd(topo: Topology): Promise<Switch> {
  const target = `tcp:127.0.0.1:${OF_PORT}`;
  const ctl = join(TMP, `ofswitchd-${topo.tag}.ctl`);
  const child: ChildProcess = spawn(
    'ip',
    [
      ...['netns', 'exec', topo.sw, process.execPath, ...DAEMON_NODE_FLAGS, ...NODE_ARGS, join(ROOT, 'bin/ofswitchd')],
      ...['--bridge', 'br0', '--dpid', '0000000000000001', '--port', '1=p1', '--port', '2=p2'],
      ...['--fail-mode', 'secure', '--listen', `ptcp:${OF_PORT}:127.0.0.1`, '--controller', NO_CONTROLLER],
      ...['--ctl', ctl, '--log-level', 'warn'],
    ],
    { env: plainEnv(), stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let exited = false;
  child.on('exit', () => (exited = true));
  await waitFor('ofswitchd to listen', () => {
    if (exited) throw new Error('ofswitchd exited');
    return spawnSync('ip', inNs(topo.sw, ['ovs-ofctl', '-O', 'OpenFlow13', '-t', '2', 'probe', target]).slice(1)).status === 0;
  });
  return {
    label: 'ofswitchd',
    // `ip netns exec` execs the command: the child is node itself.
    pid: child.pid!,
    loadFlows: (file) => {
      ofctl(target, ['replace-flows', file], topo.sw);
    },
    stop: async () => {
      if (exited) return;
      const gone = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

const SCHEMAS = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'];

async function startOvs(topo: Topology): Promise<Switch> {
  const d = join(TMP, 'ovs');
  mkdirSync(d, { recursive: true });
  const env = { ...process.env, OVS_RUNDIR: d, OVS_LOGDIR: d, OVS_DBDIR: d, OVS_SYSCONFDIR: d };
  const db = `unix:${join(d, 'db.sock')}`;
  const vsctl = (...a: string[]): string => sh(['ovs-vsctl', `--db=${db}`, '--timeout=20', ...a], { env });
  sh(['ovsdb-tool', 'create', join(d, 'conf.db'), SCHEMAS.find((p) => existsSync(p))!], { env });
  sh(['ovsdb-server', join(d, 'conf.db'), `--remote=punix:${join(d, 'db.sock')}`, `--pidfile=${join(d, 'ovsdb.pid')}`,
    `--unixctl=${join(d, 'ovsdb.ctl')}`, `--log-file=${join(d, 'ovsdb.log')}`, '--detach'], { env });
  vsctl('--no-wait', 'init');
  sh(inNs(topo.sw, ['ovs-vswitchd', db, `--pidfile=${join(d, 'vswitchd.pid')}`, `--unixctl=${join(d, 'vswitchd.ctl')}`,
    `--log-file=${join(d, 'vswitchd.log')}`, '--disable-system', '--detach']), { env });
  vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure',
    'other-config:datapath-id=0000000000000001', 'other-config:disable-in-band=true',
    '--', 'add-port', 'br0', 'p1', '--', 'set', 'interface', 'p1', 'ofport_request=1',
    '--', 'add-port', 'br0', 'p2', '--', 'set', 'interface', 'p2', 'ofport_request=2');
  const mgmt = `unix:${join(d, 'br0.mgmt')}`;
  await waitFor('ovs-vswitchd to answer', () => spawnSync('ovs-ofctl', ['-O', 'OpenFlow13', '-t', '2', 'probe', mgmt], { env }).status === 0);
  const pid = Number(readFileSync(join(d, 'vswitchd.pid'), 'utf8').trim());
  return {
    label: 'OVS',
    pid,
    loadFlows: (file) => {
      ofctl(mgmt, ['replace-flows', file], undefined, env);
    },
    stop: async () => {
      for (const c of ['vswitchd.ctl', 'ovsdb.ctl']) spawnSync('ovs-appctl', ['-t', join(d, c), 'exit'], { env, timeout: 10_000 });
      for (const p of ['vswitchd.pid', 'ovsdb.pid']) {
        try {
          process.kill(Number(readFileSync(join(d, p), 'utf8').trim()), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/* ------------------------------------------------------------ measurements */

interface UdpFigures {
  pps: number;
  delivered: number;
  sent: number;
  cpuPerMpkt: number;
  genPps: number;
}

interface Figures {
  one: UdpFigures;
  many: UdpFigures;
  tcpGbps: number;
  pingMs: number;
}

async function udpRun(topo: Topology, sw: Switch | null, framesFile: string): Promise<UdpFigures> {
  const rx0 = rxPackets(topo.h2);
  const cpu0 = sw ? cpuSeconds(sw.pid) : 0;
  const gen = await blast(topo.h1, framesFile, FRAMES);
  // Let the switch drain what its socket still holds, then count.
  let rx = rxPackets(topo.h2);
  for (let prev = -1; prev !== rx; ) {
    prev = rx;
    await sleep(200);
    rx = rxPackets(topo.h2);
  }
  const cpu = sw ? cpuSeconds(sw.pid) - cpu0 : 0;
  const delivered = rx - rx0;
  return {
    pps: delivered / gen.seconds,
    delivered,
    sent: gen.sent,
    cpuPerMpkt: delivered > 0 ? cpu / (delivered / 1e6) : NaN,
    genPps: gen.sent / gen.seconds,
  };
}

async function iperf(topo: Topology): Promise<number> {
  const server = spawn('ip', inNs(topo.h2, ['iperf3', '-s', '-1', '-p', String(IPERF_PORT)]).slice(1), { stdio: 'ignore' });
  try {
    await waitFor('iperf3 -s to listen', () => sh(inNs(topo.h2, ['ss', '-Hltn', `sport = :${IPERF_PORT}`])).trim() !== '');
    const r = spawnSync('ip', inNs(topo.h1, ['iperf3', '-c', IP2, '-p', String(IPERF_PORT), '-t', String(IPERF_SECONDS), '-J']).slice(1), {
      encoding: 'utf8',
      timeout: (IPERF_SECONDS + 30) * 1000,
    });
    const j = JSON.parse(r.stdout || '{}') as { error?: string; end?: { sum_received?: { bits_per_second: number } } };
    const bps = j.end?.sum_received?.bits_per_second;
    if (bps === undefined) throw new Error(`iperf3 through ${topo.tag}: ${j.error ?? r.stderr ?? 'no result'}`);
    return bps / 1e9;
  } finally {
    server.kill('SIGKILL');
  }
}

function ping(topo: Topology): number {
  sh(inNs(topo.h1, ['ping', '-c', '3', '-i', '0.05', '-W', '2', IP2]));
  const out = sh(inNs(topo.h1, ['ping', '-q', '-c', '100', '-i', '0.01', '-W', '2', IP2]));
  const m = /= [\d.]+\/([\d.]+)\//.exec(out);
  if (!m) throw new Error(`ping: ${out}`);
  return Number(m[1]);
}

function writeFlows(): { one: string; many: string; both: string } {
  const both = join(TMP, 'flows-both.txt');
  writeFileSync(both, 'in_port=1 actions=output:2\nin_port=2 actions=output:1\n');
  const one = join(TMP, 'flows-one.txt');
  writeFileSync(one, 'in_port=1 actions=output:2\n');
  const many = join(TMP, 'flows-many.txt');
  const lines: string[] = [];
  for (let i = 0; i < FLOWS; i++) {
    lines.push(`priority=100,udp,in_port=1,nw_src=${IP1},nw_dst=${IP2},tp_src=${UDP_SRC0 + i},tp_dst=${UDP_DST} actions=output:2`);
  }
  writeFileSync(many, lines.join('\n') + '\n');
  return { one, many, both };
}

/** A switch on its own topology, flows loaded as the current measurement needs. */
interface Rig {
  readonly topo: Topology;
  readonly sw: Switch;
  readonly offloadOff: boolean;
}

async function rig(tag: string, start: (t: Topology) => Promise<Switch>, offloadOff: boolean): Promise<Rig> {
  const topo = new Topology(tag);
  try {
    const sw = await start(topo);
    if (offloadOff) for (const h of [topo.h1, topo.h2]) sh(inNs(h, ['ethtool', '-K', 'eth0', 'tx', 'off']));
    return { topo, sw, offloadOff };
  } catch (e) {
    topo.destroy();
    throw e;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Runs `fn` on each rig in turn, ROUNDS times, alternating which goes
 * first, and keeps each rig's median: the machine's load changes by the
 * second, and alternating spreads it over both switches alike.
 */
async function alternate<T>(what: string, rigs: readonly Rig[], fn: (r: Rig) => Promise<T>, key: (t: T) => number, show: (t: T) => string): Promise<T[]> {
  const runs: T[][] = rigs.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...rigs.keys()].reverse() : [...rigs.keys()];
    for (const i of order) {
      const r = await fn(rigs[i]!);
      runs[i]!.push(r);
      console.log(`  ${what} round ${round + 1}: ${rigs[i]!.sw.label} ${show(r)}`);
    }
  }
  return runs.map((rs) => {
    const m = median(rs.map(key));
    return rs.find((r) => key(r) === m) ?? rs.sort((a, b) => key(a) - key(b))[rs.length >> 1]!;
  });
}

async function ceiling(frames1: string): Promise<UdpFigures> {
  const h1 = 'fwd-ceil-h1';
  const h2 = 'fwd-ceil-h2';
  newNs(h1);
  newNs(h2);
  try {
    sh(inNs(h1, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h2]));
    setupHost(h1, MAC1, `${IP1}/24`, IP2, MAC2);
    setupHost(h2, MAC2, `${IP2}/24`, IP1, MAC1);
    return await udpRun({ h1, h2 } as Topology, null, frames1);
  } finally {
    spawnSync('ip', ['netns', 'del', h1]);
    spawnSync('ip', ['netns', 'del', h2]);
  }
}

/* ------------------------------------------------------------ main */

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for namespaces and AF_PACKET';
  for (const b of ['ovs-vswitchd', 'ovsdb-server', 'ovsdb-tool', 'ovs-vsctl', 'ovs-ofctl', 'iperf3', 'ethtool', 'ping']) {
    if (spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0) return `needs ${b}`;
  }
  if (!SCHEMAS.some((p) => existsSync(p))) return 'needs the Open vSwitch schema';
  return null;
}

const fmtM = (pps: number): string => `${(pps / 1e6).toFixed(3)} Mpps`;
const ratio = (a: number, b: number): string => (b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : '-');

async function main(): Promise<void> {
  const skip = skipReason();
  if (skip) {
    rmSync(TMP, { recursive: true, force: true });
    console.log(`bench/forward: skipped (${skip})`);
    return;
  }
  try {
    const frames1 = join(TMP, 'frames-1.bin');
    const frames1k = join(TMP, 'frames-1000.bin');
    writeFileSync(frames1, frames(1));
    writeFileSync(frames1k, frames(FLOWS));
    const files = writeFlows();
    const ovsVersion = /\d+\.\d+\.\d+/.exec(sh(['ovs-vswitchd', '--version']))?.[0] ?? '?';

    console.log(`bench/forward: ${FRAMES} 64-byte UDP frames per run, median of ${ROUNDS} runs per switch (alternating) from an AF_PACKET sendmmsg generator in h1, counted at h2's eth0`);
    const ceil = await ceiling(frames1);
    console.log(`generator alone, plain veth pair: ${fmtM(ceil.pps)} delivered (${fmtM(ceil.genPps)} sent)`);

    const rigs: Rig[] = [];
    let ours: Figures;
    let ovs: Figures;
    try {
      rigs.push(await rig('of', startOfswitchd, false));
      rigs.push(await rig('ovs', startOvs, true));
      for (const r of rigs) r.sw.loadFlows(files.one);
      await sleep(300);
      const udpShow = (f: UdpFigures): string => `${fmtM(f.pps)} (${f.delivered}/${f.sent} delivered, generator ${fmtM(f.genPps)}, ${f.cpuPerMpkt.toFixed(2)} s CPU/Mpkt)`;
      const one = await alternate('1 flow', rigs, (r) => udpRun(r.topo, r.sw, frames1), (f) => f.pps, udpShow);
      for (const r of rigs) r.sw.loadFlows(files.many);
      await sleep(300);
      const many = await alternate('1,000 flows', rigs, (r) => udpRun(r.topo, r.sw, frames1k), (f) => f.pps, udpShow);
      for (const r of rigs) r.sw.loadFlows(files.both);
      await sleep(300);
      const pings = await alternate('ping', rigs, async (r) => ping(r.topo), (x) => x, (x) => `${x.toFixed(3)} ms`);
      const tcp = await alternate('iperf3', rigs, (r) => iperf(r.topo), (x) => x, (x) => `${x.toFixed(2)} Gbit/s`);
      [ours, ovs] = [0, 1].map((i) => ({ one: one[i]!, many: many[i]!, pingMs: pings[i]!, tcpGbps: tcp[i]! })) as [Figures, Figures];
    } finally {
      for (const r of rigs) {
        await r.sw.stop();
        r.topo.destroy();
      }
    }

    const rows: Array<[string, string, number, number, (v: number) => string, 'higher' | 'lower']> = [
      ['64-byte UDP, 1 flow', 'Mpps', ours.one.pps / 1e6, ovs.one.pps / 1e6, (v) => v.toFixed(3), 'higher'],
      ['64-byte UDP, 1,000 flows', 'Mpps', ours.many.pps / 1e6, ovs.many.pps / 1e6, (v) => v.toFixed(3), 'higher'],
      ['TCP, iperf3 1 stream', 'Gbit/s', ours.tcpGbps, ovs.tcpGbps, (v) => v.toFixed(2), 'higher'],
      ['ping round trip, avg', 'ms', ours.pingMs, ovs.pingMs, (v) => v.toFixed(3), 'lower'],
      ['CPU per Mpkt, 1 flow', 's', ours.one.cpuPerMpkt, ovs.one.cpuPerMpkt, (v) => v.toFixed(2), 'lower'],
      ['CPU per Mpkt, 1,000 flows', 's', ours.many.cpuPerMpkt, ovs.many.cpuPerMpkt, (v) => v.toFixed(2), 'lower'],
    ];
    console.log(`\nfigure                        unit        ofswitchd   OVS ${ovsVersion} userspace   ratio (ofswitchd/OVS)`);
    for (const [name, unit, a, b, f, better] of rows) {
      console.log(`${name.padEnd(30)}${unit.padEnd(8)}${f(a).padStart(13)}${f(b).padStart(22)}   ${ratio(a, b)} (${better} is better)`);
    }
    for (const [label, r] of [['ofswitchd', ours], ['OVS', ovs]] as const) {
      console.log(
        `${label}: 1 flow ${r.one.delivered}/${r.one.sent} delivered (generator meanwhile ${fmtM(r.one.genPps)}), ` +
          `1,000 flows ${r.many.delivered}/${r.many.sent} (generator ${fmtM(r.many.genPps)})`,
      );
    }
    console.log('OVS TCP run: ethtool -K eth0 tx off on both hosts (its userspace datapath needs it); ofswitchd: offloads left on');
    console.log(
      `target: >= 1.0x OVS on pps and TCP: 1 flow ${ratio(ours.one.pps, ovs.one.pps)}, 1,000 flows ${ratio(ours.many.pps, ovs.many.pps)}, ` +
        `TCP ${ratio(ours.tcpGbps, ovs.tcpGbps)}`,
    );
    reportHeadline(
      'forward',
      [
        { name: 'generator alone, plain veth (ceiling)', unit: 'Mpps', ours: ceil.pps / 1e6, peer: null, peerName: '', better: 'higher' },
        ...rows.map(([name, unit, a, b, , better]) => ({ name, unit, ours: a, peer: b, peerName: `OVS ${ovsVersion} userspace`, better })),
      ],
      [`OVS ${ovsVersion}`, 'OVS TCP with tx offload off on the hosts'],
    );
  } finally {
    rmSync(TMP, { recursive: true, force: true });
  }
}

await main();
