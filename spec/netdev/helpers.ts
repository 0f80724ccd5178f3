/**
 * Test hosts for the netdev specs: network namespaces joined to the test
 * process by veth pairs, and scapy (Debian's /usr/bin/python3) to craft and
 * check frames from outside the code under test.
 *
 * Every name carries the test process's pid and a counter, so parallel
 * spec files and reruns after a crash do not collide; teardown deletes the
 * namespace, which deletes its veth end and so the pair.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import type { Test } from 'tap';

const PYTHON = '/usr/bin/python3';
let serial = 0;

/** Why these tests cannot run here, or null if they can. */
export function missingPrerequisite(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, AF_PACKET, TAP)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'needs iproute2 (`ip`)';
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import scapy.all']).status !== 0) {
    return `needs scapy under ${PYTHON} (apt-get install python3-scapy)`;
  }
  return null;
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A unique short token for interface and namespace names (interface names are at most 15 bytes). */
export function uniq(): string {
  serial++;
  return `${(process.pid % 46656).toString(36)}${serial.toString(36)}`;
}

export interface Host {
  /** The namespace's name. */
  ns: string;
  /** Our end of the veth pair, in the test's namespace. */
  port: string;
  /** The host's end, `eth0` inside `ns`. */
  dev: 'eth0';
  /** Runs a command inside the namespace. */
  exec(cmd: string, args: string[]): string;
  /** Runs a scapy script inside the namespace; returns its stdout. */
  scapy(script: string): string;
  /** Starts a scapy script inside the namespace without waiting for it. */
  spawnScapy(script: string): ChildProcess;
}

/** A namespace with `eth0`, IPv6 off, joined to a veth end `port` here; removed at teardown. */
export function makeHost(t: Test): Host {
  const id = uniq();
  const ns = `ofsnd-${id}`;
  const port = `ond${id}`;
  sh('ip', ['netns', 'add', ns]);
  t.teardown(() => {
    spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', port]);
  });
  const exec = (cmd: string, args: string[]): string => sh('ip', ['netns', 'exec', ns, cmd, ...args]);
  exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  exec('sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  sh('ip', ['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  // No IPv6 on our end either: its router solicitations and MLD reports
  // would reach the host and disturb what the host sends back.
  sh('sysctl', ['-qw', `net.ipv6.conf.${port}.disable_ipv6=1`]);
  sh('ip', ['link', 'set', port, 'up']);
  exec('ip', ['link', 'set', 'lo', 'up']);
  exec('ip', ['link', 'set', 'eth0', 'up']);
  return {
    ns,
    port,
    dev: 'eth0',
    exec,
    scapy: (script) => exec(PYTHON, ['-c', SCAPY_PRELUDE + script]),
    spawnScapy: (script) =>
      spawn('ip', ['netns', 'exec', ns, PYTHON, '-u', '-c', SCAPY_PRELUDE + script], { stdio: ['ignore', 'pipe', 'pipe'] }),
  };
}

const SCAPY_PRELUDE = 'import logging\nlogging.getLogger("scapy.runtime").setLevel(logging.ERROR)\nfrom scapy.all import *\nconf.verb = 0\n';

/** Resolves when `cond()` holds, polling every few ms; rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits for a child's stdout to contain `marker`; returns everything it printed so far. */
export function waitForOutput(child: ChildProcess, marker: string, ms = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no "${marker}" after ${ms} ms: ${out} ${err}`)), ms);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(marker)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (out.includes(marker)) resolve(out);
      else reject(new Error(`exited before "${marker}": ${out} ${err}`));
    });
  });
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** The number of open file descriptors of this process. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Anything with the batch receive interface of a native port. */
interface BatchSource {
  onReceive(handler: ((ring: { count: number; frame(i: number): Uint8Array }) => void) | null): void;
}

/** Starts receiving on `nd`, keeping the hex of every frame `keep` accepts (all by default). */
export function collect(nd: BatchSource, keep: (frame: Uint8Array) => boolean = () => true): string[] {
  const frames: string[] = [];
  nd.onReceive((ring) => {
    for (let i = 0; i < ring.count; i++) {
      const f = ring.frame(i);
      if (keep(f)) frames.push(hex(f));
    }
  });
  return frames;
}

/** The EtherType after any VLAN tags. */
export function etherType(f: Uint8Array): number {
  let off = 12;
  for (;;) {
    const t = (f[off]! << 8) | f[off + 1]!;
    if (t !== 0x8100 && t !== 0x88a8) return t;
    off += 4;
  }
}

/** An experimental EtherType (IEEE 802 local experimental 1) for frames only tests send. */
export const ETH_TEST = 0x88b5;

/** A 64-byte frame of EtherType ETH_TEST with `seq` in its payload. */
export function testFrame(src: string, dst: string, seq: number): Uint8Array {
  const f = new Uint8Array(64);
  f.set(Buffer.from(dst.replaceAll(':', ''), 'hex'), 0);
  f.set(Buffer.from(src.replaceAll(':', ''), 'hex'), 6);
  f[12] = ETH_TEST >> 8;
  f[13] = ETH_TEST & 0xff;
  new DataView(f.buffer).setUint32(14, seq);
  return f;
}

/**
 * Sends `count` copies of `frame` out of `dev` in namespace `ns` from a
 * separate process, with the addon's sendmmsg generator (scapy sends one
 * frame per system call, too slowly to make a burst).
 */
export function blastFrom(ns: string, dev: string, frame: Uint8Array, count: number): Promise<void> {
  const native = new URL('../../lib/netdev/native.js', import.meta.url).href;
  const script = `const { loadNative } = await import(${JSON.stringify(native)});
    loadNative().blast(${JSON.stringify(dev)}, Buffer.from(${JSON.stringify(hex(frame))}, 'hex'), ${frame.length}, ${count}, 64);`;
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`blast failed (${code}): ${err}`))));
  });
}

/**
 * For each frame (hex), "ok" if scapy computes the same TCP/UDP (and IPv4
 * header) checksum as the frame carries, else "bad GOT WANT".
 */
export function checkChecksums(frames: string[]): string[] {
  const script = `
import sys
for h in sys.argv[1:]:
    p = Ether(bytes.fromhex(h))
    l4 = TCP if TCP in p else UDP
    got = (p[l4].chksum, p[IP].chksum if IP in p else None)
    del p[l4].chksum
    if IP in p: del p[IP].chksum
    q = Ether(raw(p))
    want = (q[l4].chksum, q[IP].chksum if IP in q else None)
    print('ok' if got == want else 'bad %s %s' % (got, want))
`;
  return sh(PYTHON, ['-c', SCAPY_PRELUDE + script, ...frames]).trim().split('\n');
}

/** Kernel counters of an interface (`ip -s -j link show`), optionally inside a namespace. */
export function kernelStats(dev: string, ns?: string): { rx: number; tx: number } {
  const args = ['-s', '-j', 'link', 'show', dev];
  const out = ns ? sh('ip', ['netns', 'exec', ns, 'ip', ...args]) : sh('ip', args);
  const j = JSON.parse(out) as Array<{ stats64: { rx: { packets: number }; tx: { packets: number } } }>;
  return { rx: j[0]!.stats64.rx.packets, tx: j[0]!.stats64.tx.packets };
}

/** Runs a command without blocking the event loop (the ports under test live on it); resolves with stdout. */
export function run(cmd: string, args: string[], ms = 30000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: ms });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${code} ${err}`))));
  });
}
