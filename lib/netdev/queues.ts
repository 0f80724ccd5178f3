/**
 * A port's queues (OpenFlow 1.3.5 §7.3.6: "an OpenFlow switch provides
 * limited Quality-of-Service support (QoS) through a simple queuing
 * mechanism"; "queue configuration takes place outside the OpenFlow
 * protocol").
 *
 * As in Open vSwitch, queues belong to the device (OVS's netdev QoS): the
 * daemon's configuration gives a port queues with an id and optional
 * min-rate and max-rate in bits per second, and the device keeps them with
 * their counters. ofproto reads them for OFPT_QUEUE_GET_CONFIG and
 * OFPMP_QUEUE (lib/ofproto/queues.ts); the datapath sends each output on the
 * queue that set_queue chose (lib/datapath/queue-lanes.ts), and counts it
 * there.
 *
 * Queue 0 always exists once a port has queues: Open vSwitch's bridge adds
 * it ("if the user didn't configure a queue 0, then configure one with
 * default settings") and its linux-htb makes it the default class, so a
 * packet with no set_queue, set_queue:0, or a set_queue naming a queue the
 * port does not have, goes (and is counted) there.
 *
 * Whether a queue really limits its rate is the device's business: system
 * ports build a Linux htb qdisc (lib/netdev/qdisc.ts); other port types
 * count per queue but do not shape.
 */

/** One queue as configured: rates in bits per second (undefined: no minimum / no own maximum). */
export interface QueueConfig {
  id: number;
  minRate?: number;
  maxRate?: number;
}

/** Largest queue id: htb classes are 16-bit minors and 1:fffe is the root, so queue N is class 1:(N+1) below 0xf000, as Open vSwitch's kernel datapath allows. */
export const MAX_QUEUE_ID = 0xefff;

/** Per-queue counters, in a Float64Array so the send path adds without boxing. */
export const enum QCTR {
  TX_PACKETS = 0,
  TX_BYTES = 1,
  TX_ERRORS = 2,
  WORDS = 3,
}

export class NetdevQueues {
  /** The queues, sorted by id, queue 0 first. */
  readonly configs: readonly QueueConfig[];
  /** Counters of queue i (index into `configs`) at [i * QCTR.WORDS + QCTR.*]. */
  readonly counters: Float64Array;
  private readonly byId = new Map<number, number>();

  /** Queues exist as long as their port: ofproto takes their duration from the port's. */
  constructor(configs: readonly QueueConfig[]) {
    const list = [...configs];
    if (!list.some((q) => q.id === 0)) list.push({ id: 0 });
    list.sort((a, b) => a.id - b.id);
    this.configs = list;
    list.forEach((q, i) => this.byId.set(q.id, i));
    this.counters = new Float64Array(list.length * QCTR.WORDS);
  }

  /** The index of queue `id`, or -1. */
  index(id: number): number {
    return this.byId.get(id) ?? -1;
  }

  get ids(): number[] {
    return this.configs.map((q) => q.id);
  }
}

/** A device that may have queues (every Netdev may; `queues` unset or null: none). */
export interface QueuedNetdev {
  queues?: NetdevQueues | null;
}

/** The device's queues, or null. */
export function queuesOf(netdev: object): NetdevQueues | null {
  return (netdev as QueuedNetdev).queues ?? null;
}
