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
