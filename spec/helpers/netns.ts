/**
 * Hosts for end-to-end tests: network namespaces joined to a switch
 * namespace by veth pairs, as ../shared/rig/README.md describes.
 *
 * Each test names its namespaces with its own prefix (so tests running in
 * parallel never share one) and removes them in teardown. IPv6 is off in
 * every namespace this helper makes, so the kernel's ND/MLD frames do not
 * disturb what a test counts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { missing, run, type RunResult } from './peers.js';

/** Why namespace tests cannot run here, or false when they can. */
export function netnsSkip(...peers: string[]): string | false {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces and veth pairs: runs in CI (as root)';
  return missing('ip', ...peers);
}

export class Netns {
  private readonly children = new Set<ChildProcess>();

  private constructor(readonly name: string) {}

  /** Creates namespace `name` (replacing a stale one), with lo up and IPv6 off. */
  static async create(name: string): Promise<Netns> {
    spawnSync('ip', ['netns', 'del', name]);
    const r = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`);
    const ns = new Netns(name);
    ns.must('ip', 'link', 'set', 'lo', 'up');
    ns.must('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    return ns;
  }

  /** Runs a command in the namespace and throws with its stderr if it fails. */
  must(...argv: string[]): string {
    const r = spawnSync('ip', ['netns', 'exec', this.name, ...argv], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`[${this.name}] ${argv.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /** Runs a command in the namespace asynchronously (the switch may be in this process). */
  run(argv: string[], timeoutMs = 30_000): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.name, ...argv], { timeoutMs });
  }

  /** Starts a long-running command in the namespace; killed by `destroy()`. */
  spawn(argv: string[]): ChildProcess {
    const c = spawn('ip', ['netns', 'exec', this.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(c);
    c.on('exit', () => this.children.delete(c));
    return c;
  }

  /** Kills what `spawn` started and deletes the namespace (its veths go with it). */
  destroy(): void {
    for (const c of this.children) c.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}

/**
 * A host: namespace `host` gets `eth0` (address `cidr`, e.g. "10.0.0.1/24"),
 * whose veth peer `swIf` sits up in namespace `sw`, ready to be a switch port.
 */
export function attachHost(sw: Netns, swIf: string, host: Netns, cidr: string, mac?: string): void {
  sw.must('ip', 'link', 'add', swIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.name);
  sw.must('ip', 'link', 'set', swIf, 'up');
  if (mac !== undefined) host.must('ip', 'link', 'set', 'eth0', 'address', mac);
  host.must('ip', 'addr', 'add', cidr, 'dev', 'eth0');
  host.must('ip', 'link', 'set', 'eth0', 'up');
}

/** A running packet capture: `stop()` ends it and returns tcpdump's lines. */
export interface Capture {
  stop(): Promise<string[]>;
}

/**
 * Starts `tcpdump -l -n -e` (link headers, so 802.1Q tags show) on `iface` in
 * `ns`, with an optional filter expression, and resolves once it is
 * listening, so nothing sent afterwards is missed. Lines have no timestamp,
 * so they start with the source MAC. Immediate mode, because otherwise
 * libpcap hands packets over in blocks and the last block dies with SIGINT.
 */
export async function capture(ns: Netns, iface: string, filter: string[] = [], readyMs = 5_000): Promise<Capture> {
  const c = ns.spawn(['tcpdump', '--immediate-mode', '-l', '-t', '-n', '-e', '-i', iface, ...filter]);
  let out = '';
  let err = '';
  c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => c.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump on ${ns.name}/${iface} not listening after ${readyMs} ms: ${err}`)), readyMs);
    c.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`tcpdump on ${ns.name}/${iface} exited: ${err}`));
    });
  });
  return {
    async stop() {
      // SIGINT: tcpdump flushes what it has captured, then exits.
      c.kill('SIGINT');
      const killer = setTimeout(() => c.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(killer);
      return out.split('\n').filter((l) => l !== '');
    },
  };
}

/** What `iperf3 -J` reports for one TCP transfer. */
export interface IperfResult {
  bytesReceived: number;
  bitsPerSecond: number;
  retransmits: number;
  /** Segments the sender sent, estimated from bytes and the MSS it used. */
  segmentsSent: number;
}

/**
 * One TCP transfer of `seconds` from `client` to an iperf3 server started in
 * `server` on `addr:port`; the server serves this one test and exits.
 */
export async function iperf3(server: Netns, client: Netns, addr: string, port: number, seconds: number): Promise<IperfResult> {
  // --forceflush: its stdout is a pipe, and "Server listening" must arrive now.
  const s = server.spawn(['iperf3', '-s', '-1', '--forceflush', '-p', String(port), '-B', addr]);
  let sout = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`iperf3 server in ${server.name} not listening: ${sout}`)), 5_000);
    s.stdout!.on('data', (d: Buffer) => {
      sout += d.toString();
      if (sout.includes('Server listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const r = await client.run(['iperf3', '-c', addr, '-p', String(port), '-t', String(seconds), '-J'], (seconds + 15) * 1000);
  s.kill('SIGKILL');
  let j: { error?: string; start?: { tcp_mss_default?: number }; end?: { sum_sent?: { bytes: number; retransmits?: number }; sum_received?: { bytes: number; bits_per_second: number } } };
  try {
    j = JSON.parse(r.stdout) as typeof j;
  } catch {
    throw new Error(`iperf3 client (${r.code}): ${r.stdout.slice(-500)} ${r.stderr}`);
  }
  if (j.error !== undefined || j.end?.sum_received === undefined) throw new Error(`iperf3: ${j.error ?? r.stdout.slice(-500)}`);
  const mss = j.start?.tcp_mss_default ?? 1448;
  return {
    bytesReceived: j.end.sum_received.bytes,
    bitsPerSecond: j.end.sum_received.bits_per_second,
    // NaN (failing any bound) if this iperf3 cannot read the kernel's count.
    retransmits: j.end.sum_sent?.retransmits ?? NaN,
    segmentsSent: Math.ceil((j.end.sum_sent?.bytes ?? 0) / mss),
  };
}
