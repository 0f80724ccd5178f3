/**
 * What bench/patch and bench/vxlan share: two hosts (h1 10.0.0.1, h2
 * 10.0.0.2) in namespaces, a switch built twice over them (ofswitchd and a
 * private Open vSwitch userspace instance), and the same measurements of
 * each, alternating the switches round by round: TCP throughput with
 * iperf3 h1 -> h2 and the ping round trip. Each bench supplies only its
 * topology and how to start each switch on it.
 *
 * Open vSwitch's userspace datapath neither completes partial checksums
 * nor segments TSO frames, so for its runs the hosts get
 * `ethtool -K eth0 tx off` (`offloadOff`); ofswitchd runs with the hosts'
 * offloads as they are.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const inNs = (ns: string, argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs a command; throws with its output when it fails (unless `check` is false). */
export function sh(argv: string[], env: NodeJS.ProcessEnv = process.env, check = true): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env, timeout: 60_000 });
  if (check && r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout ?? '';
}

export async function waitFor(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(100)) if (ok()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** Fresh namespaces with lo up and IPv6 off. */
export function makeNamespaces(names: readonly string[]): void {
  for (const n of names) {
    spawnSync('ip', ['netns', 'del', n]);
    sh(['ip', 'netns', 'add', n]);
    sh(inNs(n, ['ip', 'link', 'set', 'lo', 'up']));
    sh(inNs(n, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']));
  }
}

/**
 * Host h1 behind switch-side veth `ports[0]` in `switches[0]`, h2 behind
 * `ports[1]` in `switches[1]`, with fixed MACs and permanent neighbours, so
 * no ARP disturbs the figures.
 */
export function attachHosts(hosts: readonly [string, string], switches: readonly [string, string], ports: readonly [string, string]): void {
  const macs = ['02:fd:00:00:00:01', '02:fd:00:00:00:02'];
  const ips = ['10.0.0.1', '10.0.0.2'];
  for (const i of [0, 1]) {
    const [h, sw, p] = [hosts[i]!, switches[i]!, ports[i]!];
    sh(inNs(sw, ['ip', 'link', 'add', p, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h]));
    sh(inNs(sw, ['ip', 'link', 'set', p, 'up']));
    sh(inNs(h, ['ip', 'link', 'set', 'eth0', 'address', macs[i]!]));
    sh(inNs(h, ['ip', 'addr', 'add', `${ips[i]}/24`, 'dev', 'eth0']));
    sh(inNs(h, ['ip', 'link', 'set', 'eth0', 'up']));
    sh(inNs(h, ['ip', 'neigh', 'replace', ips[1 - i]!, 'lladdr', macs[1 - i]!, 'dev', 'eth0', 'nud', 'permanent']));
  }
}

const SCHEMAS = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'];

export interface OvsDaemons {
  env: NodeJS.ProcessEnv;
  /** ovs-vsctl against this instance's database. */
  vsctl(...args: string[]): string;
  /** A bridge's management socket, for ovs-ofctl. */
  mgmt(bridge: string): string;
  stop(): void;
}

/** A private ovsdb-server and `ovs-vswitchd --disable-system` (in namespace `ns`), all state in `dir`. */
export function startOvsDaemons(dir: string, ns: string): OvsDaemons {
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
  const db = `unix:${join(dir, 'db.sock')}`;
  const vsctl = (...a: string[]): string => sh(['ovs-vsctl', `--db=${db}`, '--timeout=20', ...a], env);
  sh(['ovsdb-tool', 'create', join(dir, 'conf.db'), SCHEMAS.find((p) => existsSync(p))!], env);
  sh(['ovsdb-server', join(dir, 'conf.db'), `--remote=punix:${join(dir, 'db.sock')}`, `--pidfile=${join(dir, 'ovsdb.pid')}`, `--unixctl=${join(dir, 'ovsdb.ctl')}`, `--log-file=${join(dir, 'ovsdb.log')}`, '--detach'], env);
  vsctl('--no-wait', 'init');
  sh(inNs(ns, ['ovs-vswitchd', db, `--pidfile=${join(dir, 'vswitchd.pid')}`, `--unixctl=${join(dir, 'vswitchd.ctl')}`, `--log-file=${join(dir, 'vswitchd.log')}`, '--disable-system', '--detach']), env);
  return {
    env,
    vsctl,
    mgmt: (bridge) => `unix:${join(dir, `${bridge}.mgmt`)}`,
    stop: () => {
      for (const c of ['vswitchd.ctl', 'ovsdb.ctl']) spawnSync('ovs-appctl', ['-t', join(dir, c), 'exit'], { env, timeout: 10_000 });
      for (const p of ['vswitchd.pid', 'ovsdb.pid']) {
        try {
          process.kill(Number(readFileSync(join(dir, p), 'utf8').trim()), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      spawnSync('rm', ['-rf', dir]);
    },
  };
}

/** Waits for a bridge of `ovs` to answer and loads `flows` into it. */
export async function loadOvsFlows(ovs: OvsDaemons, bridge: string, flows: readonly string[]): Promise<void> {
  const mgmt = ovs.mgmt(bridge);
  await waitFor('ovs-vswitchd to answer', () => spawnSync('ovs-ofctl', ['-O', 'OpenFlow13', '-t', '2', 'probe', mgmt], { env: ovs.env }).status === 0);
  for (const f of flows) sh(['ovs-ofctl', '-O', 'OpenFlow13', 'add-flow', mgmt, f], ovs.env);
}

export interface Switch {
  label: 'ofswitchd' | 'OVS';
  /** Whether the hosts need tx offload off for this switch (Open vSwitch's userspace datapath does). */
  offloadOff: boolean;
  stop(): Promise<void>;
}

export interface PairBench {
  /** "bench/patch", for messages. */
  name: string;
  /** What the figures are of, e.g. "patch pair". */
  what: string;
  rounds: number;
  hosts: readonly [string, string];
  iperfPort: number;
  iperfSeconds: number;
  /** Every namespace the bench makes, deleted at the end. */
  namespaces: readonly string[];
  /** Builds the topology; called before every switch when `freshTopology`, else once. */
  topology(): void;
  freshTopology: boolean;
  switches: ReadonlyArray<() => Promise<Switch>>;
}

function offload(hosts: readonly string[], on: boolean): void {
  for (const h of hosts) sh(inNs(h, ['ethtool', '-K', 'eth0', 'tx', on ? 'on' : 'off']), process.env, false);
}

async function iperfGbps(b: PairBench): Promise<number> {
  const [h1, h2] = b.hosts;
  const server = spawn('ip', inNs(h2, ['iperf3', '-s', '-1', '-p', String(b.iperfPort)]).slice(1), { stdio: 'ignore' });
  try {
    await waitFor('iperf3 -s', () => sh(inNs(h2, ['ss', '-Hltn', `sport = :${b.iperfPort}`])).trim() !== '');
    const r = spawnSync('ip', inNs(h1, ['iperf3', '-c', '10.0.0.2', '-p', String(b.iperfPort), '-t', String(b.iperfSeconds), '-J']).slice(1), { encoding: 'utf8', timeout: 60_000 });
    const j = JSON.parse(r.stdout || '{}') as { error?: string; end?: { sum_received?: { bits_per_second: number } } };
    const bps = j.end?.sum_received?.bits_per_second;
    if (bps === undefined) throw new Error(`iperf3: ${j.error ?? r.stderr}`);
    return bps / 1e9;
  } finally {
    server.kill('SIGKILL');
  }
}

function pingMs(h1: string): number {
  sh(inNs(h1, ['ping', '-c', '3', '-i', '0.05', '-W', '2', '10.0.0.2']));
  const out = sh(inNs(h1, ['ping', '-q', '-c', '100', '-i', '0.01', '-W', '2', '10.0.0.2']));
  const m = /= [\d.]+\/([\d.]+)\//.exec(out);
  if (!m) throw new Error(`ping: ${out}`);
  return Number(m[1]);
}

/** Runs the bench (or says why it cannot) and prints both switches' medians and their ratio. */
export async function runPairBench(b: PairBench): Promise<void> {
  if (process.getuid?.() !== 0) return void console.log(`${b.name}: needs root (namespaces); skipped`);
  for (const c of ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovs-ofctl', 'iperf3', 'ethtool', 'ping']) {
    if (spawnSync('which', [c]).status !== 0) return void console.log(`${b.name}: needs ${c}; skipped`);
  }
  if (!b.freshTopology) b.topology();
  const figures = { ofswitchd: { gbps: [] as number[], ms: [] as number[] }, OVS: { gbps: [] as number[], ms: [] as number[] } };
  try {
    for (let round = 0; round < b.rounds; round++) {
      for (const start of b.switches) {
        if (b.freshTopology) b.topology();
        const sw = await start();
        try {
          offload(b.hosts, !sw.offloadOff);
          figures[sw.label].ms.push(pingMs(b.hosts[0]));
          figures[sw.label].gbps.push(await iperfGbps(b));
        } finally {
          offload(b.hosts, true);
          await sw.stop();
        }
      }
    }
  } finally {
    for (const n of b.namespaces) spawnSync('ip', ['netns', 'del', n]);
  }
  const o = figures.ofswitchd;
  const v = figures.OVS;
  console.log(`${b.what}, TCP h1->h2 (median of ${b.rounds}): ofswitchd ${median(o.gbps).toFixed(2)} Gb/s, OVS ${median(v.gbps).toFixed(2)} Gb/s, ratio ${(median(o.gbps) / median(v.gbps)).toFixed(2)}`);
  console.log(`${b.what}, ping RTT avg (median of ${b.rounds}): ofswitchd ${median(o.ms).toFixed(3)} ms, OVS ${median(v.ms).toFixed(3)} ms, ratio ${(median(o.ms) / median(v.ms)).toFixed(2)}`);
}
