/**
 * Shared pieces of the forwarding tests (spec/e2e/forward-*.spec.ts): a
 * switch namespace with hosts on veths, torn down with the test whatever
 * happens, and the OpenFlow tools run inside the switch namespace (the
 * daemon's listener is on that namespace's loopback).
 */
import { join } from 'node:path';
import { attachHost, Netns } from './netns.js';
import { ovsEnv, type RunResult } from './peers.js';
import { ROOT } from './paths.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface Lab {
  sw: Netns;
  hosts: Netns[];
}

/** Host i (from 1) has MAC 02:00:00:00:00:0i. */
export const hostMac = (i: number): string => `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`;

/**
 * Namespace `${prefix}-sw` and hosts `${prefix}-h1`..., host i on switch
 * interface `p${i}`; `cidrs[i - 1]` gives host i's eth0 address, or null for
 * none. Every namespace is deleted (killing what runs in it) at teardown.
 */
export async function makeLab(t: Teardown, prefix: string, cidrs: Array<string | null>): Promise<Lab> {
  const sw = await Netns.create(`${prefix}-sw`);
  t.teardown(() => sw.destroy());
  const hosts: Netns[] = [];
  for (const [k, cidr] of cidrs.entries()) {
    const i = k + 1;
    const h = await Netns.create(`${prefix}-h${i}`);
    t.teardown(() => h.destroy());
    hosts.push(h);
    if (cidr !== null) {
      attachHost(sw, `p${i}`, h, cidr, hostMac(i));
    } else {
      sw.must('ip', 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.name);
      sw.must('ip', 'link', 'set', `p${i}`, 'up');
      h.must('ip', 'link', 'set', 'eth0', 'address', hostMac(i));
      h.must('ip', 'link', 'set', 'eth0', 'up');
    }
  }
  return { sw, hosts };
}

/** Our own `ofctl`, run in `ns` as a user would (`node bin/ofctl ...`). */
export function ofctlIn(ns: Netns, ...args: string[]): Promise<RunResult> {
  return ns.run(['/bin/sh', '-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, join(ROOT, 'bin', 'ofctl'), ...args]);
}

/** Open vSwitch's `ovs-ofctl -O OpenFlow13`, run in `ns`. */
export function ovsOfctlIn(ns: Netns, ...args: string[]): Promise<RunResult> {
  const env = ovsEnv();
  return ns.run(['env', `OVS_RUNDIR=${env.OVS_RUNDIR!}`, `OVS_LOGDIR=${env.OVS_LOGDIR!}`, 'ovs-ofctl', '-O', 'OpenFlow13', ...args]);
}

/** One flow of `ovs-ofctl dump-flows` output, with its counters. */
export interface DumpedFlow {
  line: string;
  nPackets: number;
  nBytes: number;
}

export function parseDumpFlows(out: string): DumpedFlow[] {
  return out
    .split('\n')
    .filter((l) => l.includes('n_packets='))
    .map((line) => ({
      line: line.trim(),
      nPackets: Number(/n_packets=(\d+)/.exec(line)?.[1] ?? NaN),
      nBytes: Number(/n_bytes=(\d+)/.exec(line)?.[1] ?? NaN),
    }));
}

/** `ping -c count` from `ns`; the number of replies (0 when unreachable). */
export async function ping(ns: Netns, addr: string, count: number): Promise<{ received: number; out: string }> {
  const r = await ns.run(['ping', '-c', String(count), '-i', '0.2', '-W', '2', addr], (count * 0.2 + 10) * 1000);
  const m = /(\d+) received/.exec(r.stdout);
  return { received: m ? Number(m[1]) : 0, out: r.stdout + r.stderr };
}

/** Polls `probe` until it returns true or `ms` pass; whether it did. */
export async function waitUntil(probe: () => Promise<boolean> | boolean, ms: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A kernel counter of `iface` in `ns` (/sys/class/net/IFACE/statistics/NAME). */
export function ifCounter(ns: Netns, iface: string, name: string): number {
  return Number(ns.must('cat', `/sys/class/net/${iface}/statistics/${name}`).trim());
}
