/**
 * Shaping a system port's queues the Linux way, as Open vSwitch's
 * `linux-htb` QoS does: an htb qdisc at the root of the interface, a root
 * class 1:fffe at the link's rate, and one leaf class per queue, queue N
 * being class 1:(N+1); `default 1` sends unclassified packets to queue 0's
 * class. A frame selects its class by its skb priority: htb takes a
 * priority whose major number is the qdisc's (1:) as the class id, so a
 * frame sent on a packet socket with SO_PRIORITY 0x10002 goes through
 * class 1:2, queue 1 (native/packet_socket.cc opens one such socket per
 * queue).
 *
 * Rates as Open vSwitch's htb_parse_class_details__ sets them: a queue's
 * guaranteed rate is its min-rate, at least one MTU-sized frame per second
 * (htb refuses a zero rate) and at most the link's; its ceiling is its
 * max-rate, or the link's rate without one, and never below its rate.
 *
 * `tc` is run once per change with `-batch`, not per packet.
 */
import { execFileSync } from 'node:child_process';
import type { QueueConfig } from './queues.js';

/** The rate of the root class when the device does not say its speed: Open vSwitch's NETDEV_DEFAULT_BPS. */
export const DEFAULT_LINK_BPS = 10_000_000_000;

/** The skb priority that selects queue `id`'s class (TC_H_MAKE(1 << 16, id + 1)). */
export function queuePriority(id: number): number {
  return (0x10000 | (id + 1)) >>> 0;
}

/** The htb class of queue `id`, "1:N" in tc's hex notation. */
export function queueClass(id: number): string {
  return `1:${(id + 1).toString(16)}`;
}

/** The tc commands (one per line, for `tc -batch`) that build the htb tree for `queues` on `ifname`. */
export function htbCommands(ifname: string, queues: readonly QueueConfig[], linkBps: number, mtu: number): string[] {
  const link = Math.max(1, Math.floor(linkBps));
  const floor = Math.max(8, mtu * 8);
  const out = [
    // replace: whatever root qdisc the interface had (pfifo_fast, noqueue, an old htb of ours) makes way.
    `qdisc replace dev ${ifname} root handle 1: htb default 1`,
    `class replace dev ${ifname} parent 1: classid 1:fffe htb rate ${link}bit ceil ${link}bit`,
  ];
  for (const q of queues) {
    const rate = Math.min(link, Math.max(floor, q.minRate ?? 0));
    const ceil = Math.min(link, Math.max(rate, q.maxRate ?? link));
    out.push(`class replace dev ${ifname} parent 1:fffe classid ${queueClass(q.id)} htb rate ${rate}bit ceil ${ceil}bit`);
  }
  return out;
}

export class QdiscError extends Error {}

/** Runs `tc -batch` with `commands`; throws QdiscError with tc's complaint. */
export function runTc(commands: readonly string[]): void {
  try {
    execFileSync('tc', ['-batch', '-'], { input: `${commands.join('\n')}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    const why = err.code === 'ENOENT' ? 'tc (iproute2) is not installed' : (err.stderr?.toString().trim() || err.message);
    throw new QdiscError(`tc: ${why}`);
  }
}

/** Builds the htb tree for `queues` on `ifname`. */
export function installHtb(ifname: string, queues: readonly QueueConfig[], linkBps: number, mtu: number): void {
  runTc(htbCommands(ifname, queues, linkBps, mtu));
}

/** Removes the root qdisc (the kernel puts the default back); quiet if there is none or the device is gone. */
export function removeRootQdisc(ifname: string): void {
  try {
    runTc([`qdisc del dev ${ifname} root`]);
  } catch {
    // Gone with its device, or already removed.
  }
}
