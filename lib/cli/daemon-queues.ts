/**
 * A port's queues in the daemon's configuration (OpenFlow 1.3.5 §7.3.6:
 * "queue configuration takes place outside the OpenFlow protocol"), in the
 * words Open vSwitch's queues use: an id, a min-rate and a max-rate in bits
 * per second.
 *
 *   command line, OF_PORTS, port/add (port options, joined with "+"):
 *     1=eth1:system:queue1.min-rate=1000000+queue1.max-rate=2000000+queue2.min-rate=3000000
 *   config file (on a port object):
 *     "queues": { "1": { "min-rate": 1000000, "max-rate": 2000000 }, "2": { "min-rate": 3000000 } }
 *
 * Any port type takes queues: system ports shape them (an htb qdisc,
 * lib/netdev/qdisc.ts), the others count per queue only. Queue 0 is
 * always there once a port has queues (Open vSwitch adds it too); giving
 * it rates configures it.
 */
import type { Netdev } from '../netdev/netdev.js';
import type { SystemNetdev } from '../netdev/system.js';
import { MAX_QUEUE_ID, NetdevQueues, type QueueConfig, type QueuedNetdev } from '../netdev/queues.js';
import { ValueError } from './daemon-values.js';

/** The option keys a queue takes on the command line: queueN.min-rate, queueN.max-rate. */
export const QUEUE_OPTION = /^queue(\d+)\.(min-rate|max-rate)$/;
/** The highest rate we take, bits per second (100 Tbit/s: beyond any interface). */
export const MAX_RATE = 100_000_000_000_000;

const got = (v: unknown): string => JSON.stringify(v);

function queueId(text: string, where: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > MAX_QUEUE_ID) throw new ValueError(`${where}: expected a queue id from 0 to ${MAX_QUEUE_ID}, got ${got(text)}`);
  return n;
}

function rate(v: unknown, where: string, min: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > MAX_RATE) {
    throw new ValueError(`${where}: expected a rate in bits per second, a whole number from ${min} to ${MAX_RATE}, got ${got(v)}`);
  }
  return n;
}

function finish(byId: Map<number, QueueConfig>, where: string): QueueConfig[] {
  const out = [...byId.values()].sort((a, b) => a.id - b.id);
  for (const q of out) {
    if (q.minRate !== undefined && q.maxRate !== undefined && q.maxRate < q.minRate) {
      throw new ValueError(`${where}: queue ${q.id}: max-rate ${q.maxRate} is below its min-rate ${q.minRate}`);
    }
  }
  return out;
}

/**
 * Takes the queue options out of a port's option list (command-line form)
 * and returns the queues they give, or undefined if none; the other
 * options stay for the port type to check.
 */
export function takeQueueOptions(opts: Record<string, string>, where: string): QueueConfig[] | undefined {
  const byId = new Map<number, QueueConfig>();
  for (const k of Object.keys(opts)) {
    const m = QUEUE_OPTION.exec(k);
    if (m === null) {
      if (k.startsWith('queue')) throw new ValueError(`${where}: unknown option ${got(k)} (queues take queueN.min-rate and queueN.max-rate)`);
      continue;
    }
    const id = queueId(m[1]!, `${where}: option ${k}`);
    const q = byId.get(id) ?? { id };
    if (m[2] === 'min-rate') q.minRate = rate(opts[k], `${where}: option ${k}`, 0);
    else q.maxRate = rate(opts[k], `${where}: option ${k}`, 1);
    byId.set(id, q);
    delete opts[k];
  }
  return byId.size === 0 ? undefined : finish(byId, where);
}

/** The command-line options that give `queues` (what takeQueueOptions reads back). */
export function queueOptionTexts(queues: readonly QueueConfig[]): string[] {
  const out: string[] = [];
  for (const q of queues) {
    if (q.minRate !== undefined) out.push(`queue${q.id}.min-rate=${q.minRate}`);
    if (q.maxRate !== undefined) out.push(`queue${q.id}.max-rate=${q.maxRate}`);
    // A queue with neither rate still has to be named.
    if (q.minRate === undefined && q.maxRate === undefined) out.push(`queue${q.id}.min-rate=0`);
  }
  return out;
}

/** A config file's `"queues": { "ID": { "min-rate": BPS, "max-rate": BPS } }`. */
export function parseQueuesObject(v: unknown, where: string): QueueConfig[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ValueError(`${where}: expected an object of queues by id, as {"1": {"min-rate": 1000000, "max-rate": 2000000}}, got ${got(v)}`);
  }
  const byId = new Map<number, QueueConfig>();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const id = queueId(k, where);
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ValueError(`${where}.${k}: expected {"min-rate": BPS, "max-rate": BPS}, got ${got(x)}`);
    const q: QueueConfig = { id };
    for (const [rk, rv] of Object.entries(x as Record<string, unknown>)) {
      if (rk === 'min-rate') q.minRate = rate(rv, `${where}.${k}.min-rate`, 0);
      else if (rk === 'max-rate') q.maxRate = rate(rv, `${where}.${k}.max-rate`, 1);
      else throw new ValueError(`${where}.${k}: unknown key ${got(rk)} (a queue takes "min-rate" and "max-rate", in bits per second)`);
    }
    byId.set(id, q);
  }
  return finish(byId, where);
}

/**
 * Gives a freshly made device its queues: a system port builds its htb
 * qdisc and transmit lanes (and throws if the kernel refuses), any other
 * device counts per queue.
 */
export function applyQueues(netdev: Netdev, queues: readonly QueueConfig[]): void {
  const shaper = netdev as Partial<Pick<SystemNetdev, 'setQueues'>>;
  if (typeof shaper.setQueues === 'function') shaper.setQueues(queues);
  else (netdev as QueuedNetdev).queues = new NetdevQueues(queues);
}
