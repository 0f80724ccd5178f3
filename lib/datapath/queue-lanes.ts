/**
 * A port's queues in the datapath: one transmit list per queue.
 *
 * A port with queues (lib/netdev/queues.ts) gets one `DpPort` per queue,
 * a "lane", beside its own: an output goes to the lane of the queue that
 * set_queue chose (the executor's current queue), queue 0's lane when
 * there was no set_queue or the queue is not the port's (Open vSwitch's
 * linux-htb sends those to its default class, queue 0). Lanes are queued
 * and flushed like any port (port.ts): one send per lane per batch, so a
 * queue's frames keep their order and each queue is a batch of its own.
 *
 * A lane's device is a `QueueLane`: it hands the frames to the port's
 * device — on the queue's own socket for a system port, which the kernel's
 * htb class shapes; unchanged for any other device, which does not shape —
 * and counts what the device took as the queue's tx_packets and tx_bytes,
 * and what it refused as tx_errors (Open vSwitch reports the class's drops
 * there). Nothing is allocated per frame on batch devices.
 */
import type { Netdev, NetdevFeatures, NetdevStats } from '../netdev/netdev.js';
import { FrameBatch } from '../netdev/ring.js';
import { QCTR, queuesOf, type NetdevQueues } from '../netdev/queues.js';
import { DpPort, isBatchNetdev, isDummyNetdev, type BatchNetdev } from './port.js';

/** A device that sends a queue's frames on its own (SystemNetdev). */
interface QueueSender {
  sendQueue(index: number, bytes: Uint8Array, desc: Int32Array, count: number): number;
}

function isQueueSender(n: Netdev): n is Netdev & QueueSender {
  return typeof (n as Partial<QueueSender>).sendQueue === 'function';
}

const NO_RX = new FrameBatch(new Uint8Array(0), 0);

/** The device behind one queue's lane: sends through the port's device and counts per queue. */
export class QueueLane implements BatchNetdev {
  readonly ring = NO_RX;
  readonly rxTunnel?: Uint32Array;
  /** The target's transmit padding (SystemNetdev, TapNetdev: 60), 0 if it sends frames as given. */
  private readonly minFrame: number;

  constructor(
    readonly target: Netdev,
    readonly queues: NetdevQueues,
    /** The queue's index in `queues.configs`. */
    readonly index: number,
  ) {
    // A tunnel port's lanes carry tunnel ids as the port's list does (DpPort looks for rxTunnel).
    if (isBatchNetdev(target) && target.rxTunnel !== undefined) this.rxTunnel = target.rxTunnel;
    this.minFrame = (target as { txMinFrame?: number }).txMinFrame ?? 0;
  }

  get name(): string {
    return this.target.name;
  }
  get type(): string {
    return this.target.type;
  }
  hwAddr(): string {
    return this.target.hwAddr();
  }
  linkUp(): boolean {
    return this.target.linkUp();
  }
  features(): NetdevFeatures {
    return this.target.features();
  }
  stats(): NetdevStats {
    return this.target.stats();
  }
  setAdminUp(up: boolean): void {
    this.target.setAdminUp(up);
  }
  setAdvertised(advertised: number): boolean {
    return this.target.setAdvertised(advertised);
  }
  onChange(listener: () => void): () => void {
    return this.target.onChange(listener);
  }
  /** Lanes only send: the port's own DpPort receives. */
  onReceive(): void {}

  sendFrames(bytes: Uint8Array, desc: Int32Array, count: number, tunnel?: Uint32Array): number {
    const t = this.target;
    let sent: number;
    if (isQueueSender(t)) sent = t.sendQueue(this.index, bytes, desc, count);
    else if (isBatchNetdev(t)) sent = tunnel === undefined ? t.sendFrames(bytes, desc, count) : t.sendFrames(bytes, desc, count, tunnel);
    else if (isDummyNetdev(t)) {
      // A frame device takes a Buffer per frame (as DpPort sends to it); it keeps them.
      const before = t.stats().tx_packets;
      for (let i = 0; i < count; i++) {
        const off = desc[2 * i]!;
        t.send(Buffer.from(bytes.subarray(off, off + desc[2 * i + 1]!)));
      }
      sent = Number(t.stats().tx_packets - before);
    } else sent = 0;
    // The kernel takes a prefix of the list, except for single frames it refuses mid-way (rare): count the prefix.
    // Bytes as sent: system and TAP ports pad a short frame to the Ethernet
    // minimum (txMinFrame), and the kernel's htb class counts it padded.
    let bytesSent = 0;
    for (let i = 0; i < sent; i++) bytesSent += Math.max(desc[2 * i + 1]!, this.minFrame);
    const c = this.queues.counters;
    const at = this.index * QCTR.WORDS;
    c[at + QCTR.TX_PACKETS] += sent;
    c[at + QCTR.TX_BYTES] += bytesSent;
    c[at + QCTR.TX_ERRORS] += count - sent;
    return sent;
  }
}

/** The lanes of `netdev`'s queues by queue id (queue 0 always among them), or null if it has none. */
export function queueLanes(portNo: number, netdev: Netdev): Map<number, DpPort> | null {
  const q = queuesOf(netdev);
  if (q === null) return null;
  const lanes = new Map<number, DpPort>();
  q.configs.forEach((c, i) => lanes.set(c.id, new DpPort(portNo, new QueueLane(netdev, q, i))));
  return lanes;
}
