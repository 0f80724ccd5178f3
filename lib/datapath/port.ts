/**
 * The datapath's side of a port: how frames come in from its device and
 * how they are queued and sent back out.
 *
 * Two kinds of device:
 *  - batch devices (system and tap ports, lib/netdev/native-netdev.ts, and
 *    anything with the same shape: `onReceive(handler(ring))` and
 *    `sendFrames(bytes, desc, count)`): a received batch is processed in
 *    place in the device's ring; sends hand over (offset, length) pairs.
 *  - frame devices (DummyNetdev): a frame at a time, copied into the
 *    datapath's staging slot to be processed; sends copy each frame into
 *    a Buffer the device keeps (tests read them).
 *
 * Transmit queue: outputs are collected per port during a batch and sent
 * when the batch is done (`flush`), one send per list. A frame the program
 * no longer changes is queued by reference into the buffer it is in
 * (zero copy) while all references of the port point into one buffer; any
 * other output is copied into the datapath's transmit arena first.
 * References go out before copies, so a port takes references only until
 * its first copy of the batch: frames leave each port in the order the
 * programs output them.
 */
import type { DummyNetdev } from '../netdev/dummy.js';
import type { Netdev } from '../netdev/netdev.js';
import type { FrameBatch } from '../netdev/ring.js';

/**
 * A device that receives and sends in batches (NativeNetdev's shape).
 *
 * A tunnel device (vxlan, lib/netdev/vxlan.ts) also has `rxTunnel`: frame
 * i of a received batch came with tunnel id (rxTunnel[2i] << 32) |
 * rxTunnel[2i+1], which the datapath puts in the packet's key; and its
 * `sendFrames` takes the tunnel id of each frame to send in the same
 * layout (the packet's tunnel_id, or what set_field made of it).
 */
export interface BatchNetdev extends Netdev {
  readonly ring: FrameBatch;
  readonly rxTunnel?: Uint32Array;
  onReceive(handler: ((ring: FrameBatch) => void) | null): void;
  sendFrames(bytes: Uint8Array, desc: Int32Array, count: number, tunnel?: Uint32Array): number;
}

export function isBatchNetdev(n: Netdev): n is BatchNetdev {
  const x = n as Partial<BatchNetdev>;
  return typeof x.sendFrames === 'function' && x.ring !== undefined && typeof x.onReceive === 'function';
}

export function isDummyNetdev(n: Netdev): n is DummyNetdev {
  const x = n as Partial<DummyNetdev>;
  return n.type === 'dummy' && typeof x.receive === 'function' && typeof x.send === 'function';
}

/** Frames per transmit list before a port is flushed early. */
export const TX_QUEUE_FRAMES = 256;

export class DpPort {
  /** References into `refBytes`: (offset, length) pairs. */
  refBytes: Uint8Array | null = null;
  readonly refDesc = new Int32Array(2 * TX_QUEUE_FRAMES);
  nRef = 0;
  /** Copies in the datapath's transmit arena. */
  readonly copyDesc = new Int32Array(2 * TX_QUEUE_FRAMES);
  nCopy = 0;
  /** Tunnel ports only: the tunnel id (hi, lo) of each queued reference and copy. */
  readonly refTun: Uint32Array | null;
  readonly copyTun: Uint32Array | null;
  /** A port with queues: one list per queue, by queue id (queue-lanes.ts); outputs go there, not here. */
  lanes: Map<number, DpPort> | null = null;
  /** Listed among the ports with frames queued. */
  dirty = false;
  /** Frames handed to the device, and frames it refused. */
  txFrames = 0;
  txDropped = 0;
  rxFrames = 0;
  private detachRx: (() => void) | null = null;

  constructor(
    readonly portNo: number,
    readonly netdev: Netdev,
  ) {
    const tunnel = isBatchNetdev(netdev) && netdev.rxTunnel !== undefined;
    this.refTun = tunnel ? new Uint32Array(2 * TX_QUEUE_FRAMES) : null;
    this.copyTun = tunnel ? new Uint32Array(2 * TX_QUEUE_FRAMES) : null;
  }

  /** Starts delivering received frames (batch devices) or frames (frame devices). */
  attach(
    onBatch: (port: DpPort, bytes: Uint8Array, desc: Int32Array, count: number, tunnel: Uint32Array | null) => void,
    onFrame: (port: DpPort, frame: Uint8Array) => void,
  ): void {
    const nd = this.netdev;
    if (isBatchNetdev(nd)) {
      const tunnel = nd.rxTunnel ?? null;
      nd.onReceive((ring) => onBatch(this, ring.bytes, ring.desc, ring.count, tunnel));
      this.detachRx = () => nd.onReceive(null);
    } else if (isDummyNetdev(nd)) {
      this.detachRx = nd.onReceive((frame) => onFrame(this, frame));
    }
  }

  detach(): void {
    this.detachRx?.();
    this.detachRx = null;
  }

  /** Sends the queued frames: references first, then copies from `arena`. */
  flush(arena: Uint8Array): void {
    if (this.nRef > 0) this.sendList(this.refBytes!, this.refDesc, this.nRef, this.refTun);
    if (this.nCopy > 0) this.sendList(arena, this.copyDesc, this.nCopy, this.copyTun);
    this.nRef = 0;
    this.nCopy = 0;
    this.refBytes = null;
    this.dirty = false;
  }

  private sendList(bytes: Uint8Array, desc: Int32Array, count: number, tunnel: Uint32Array | null): void {
    const nd = this.netdev;
    if (isBatchNetdev(nd)) {
      const sent = tunnel === null ? nd.sendFrames(bytes, desc, count) : nd.sendFrames(bytes, desc, count, tunnel);
      this.txFrames += sent;
      this.txDropped += count - sent;
      return;
    }
    if (isDummyNetdev(nd)) {
      for (let i = 0; i < count; i++) {
        const off = desc[2 * i]!;
        const len = desc[2 * i + 1]!;
        nd.send(Buffer.from(bytes.subarray(off, off + len)));
      }
      this.txFrames += count;
      return;
    }
    this.txDropped += count;
  }
}
