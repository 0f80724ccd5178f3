/**
 * Patch ports: two ports, usually on two bridges of one process, joined
 * back to back, as Open vSwitch's `type=patch options:peer=OTHER`. A frame
 * a bridge outputs to one end arrives as input on the other end's port of
 * the other bridge.
 *
 * Pairing. Each end names the other's interface (`peer`); the ends find
 * each other through a `PatchRegistry` (one per process by default). An
 * end is linked while both exist and each names the other; only then is
 * its link up, so a bridge whose peer has not been created yet, or was
 * removed, sees OFPPS_LINK_DOWN and sends nothing there (lib/xlate/output.ts
 * skips down ports).
 *
 * Frames. `sendFrames` copies the frames into the peer's receive batch —
 * a copy, because the sender may still send the same bytes out of other
 * ports after this call and the receiving bridge may rewrite its frames in
 * place (and needs headroom in front of each to push tags) — and asks for
 * one delivery on the next turn of the event loop (setImmediate, once per
 * batch, never per frame). Delivering on a later turn rather than inside
 * the sender's send keeps the two datapaths from running inside each
 * other: no recursion even when the bridges forward frames back and forth
 * forever (a loop between two bridges), and other I/O still gets its turn.
 * Each end has two fixed receive batches, one being filled while the other
 * is handed to the bridge, so the queue is bounded: frames beyond a full
 * batch are dropped and counted (tx_dropped at the sender, as a full
 * device queue would). Nothing is allocated per frame.
 *
 * Counters: frames and bytes handed over (tx at the sender) and delivered
 * (rx at the receiver), drops when the peer is missing, its batch is full,
 * or a frame is larger than a slot.
 */
import { copyBytes } from '../datapath/upcall.js';
import { RxRing, type RxRingGeometry } from './ring.js';
import { SoftNetdev } from './soft-netdev.js';

/** Where patch ends find their peers, by interface name. */
export class PatchRegistry {
  private readonly ends = new Map<string, PatchNetdev>();

  /** The end named `name`, if one exists. */
  get(name: string): PatchNetdev | undefined {
    return this.ends.get(name);
  }

  add(end: PatchNetdev): void {
    if (this.ends.has(end.name)) throw new Error(`a patch port named ${end.name} already exists in this process`);
    this.ends.set(end.name, end);
  }

  delete(end: PatchNetdev): void {
    if (this.ends.get(end.name) === end) this.ends.delete(end.name);
  }
}

/** The registry of the process: every bridge of one daemon shares it. */
export const processPatches = new PatchRegistry();

/** 256 frames per batch, each up to 2048 - 128 bytes after 128 bytes of headroom (as a system port's ring). */
const PATCH_RING: RxRingGeometry = { slots: 256, slotSize: 2048, headroom: 128 };

export class PatchNetdev extends SoftNetdev {
  readonly type = 'patch';
  /** The batch the datapath's handler is given (one of two, alternating). */
  ring: RxRing;
  /** The end this one is joined to while both exist and name each other. */
  private peer: PatchNetdev | null = null;
  private filling: RxRing;
  private scheduled: NodeJS.Immediate | null = null;
  private closed = false;
  private readonly deliverNow = (): void => this.deliver();

  constructor(
    name: string,
    readonly peerName: string,
    private readonly registry: PatchRegistry = processPatches,
  ) {
    super(name);
    this.ring = new RxRing(PATCH_RING);
    this.filling = new RxRing(PATCH_RING);
    registry.add(this);
    const other = registry.get(peerName);
    if (other !== undefined && other.peerName === name && other.peer === null) {
      this.peer = other;
      other.peer = this;
      other.changed();
      this.changed();
    }
  }

  /** The end this one is joined to, or null. */
  peerEnd(): PatchNetdev | null {
    return this.peer;
  }

  linkUp(): boolean {
    return this.peer !== null && this.adminUp;
  }

  /**
   * Hands `count` frames to the peer (copied; `bytes` is free again on
   * return). Returns how many were taken.
   */
  sendFrames(bytes: Uint8Array, desc: Int32Array, count: number): number {
    const peer = this.peer;
    if (peer === null || !this.adminUp) {
      this.txDropped += count;
      return 0;
    }
    return peer.take(bytes, desc, count, this);
  }

  /** Unpairs (the peer's link goes down) and leaves the registry. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.registry.delete(this);
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.handler = null;
    const peer = this.peer;
    this.peer = null;
    if (peer !== null) {
      peer.peer = null;
      peer.changed();
      this.changed();
    }
  }

  /* ------------------------------------------------------ receiving side */

  /** Copies frames into the batch being filled; counts at `from` (the sender). */
  private take(bytes: Uint8Array, desc: Int32Array, count: number, from: PatchNetdev): number {
    const r = this.filling;
    const { slotSize, headroom } = r.geometry;
    const cap = slotSize - headroom;
    const dst = r.bytes;
    let taken = 0;
    for (let i = 0; i < count; i++) {
      const off = desc[2 * i]!;
      const len = desc[2 * i + 1]!;
      if (len > cap) {
        from.txErrors++;
        continue;
      }
      if (r.count >= r.capacity) {
        from.txDropped += count - i;
        break;
      }
      const at = r.count * slotSize + headroom;
      copyBytes(bytes, off, dst, at, len);
      r.desc[2 * r.count] = at;
      r.desc[2 * r.count + 1] = len;
      r.count++;
      from.txPackets++;
      from.txBytes += len;
      taken++;
    }
    if (taken > 0 && this.scheduled === null) this.scheduled = setImmediate(this.deliverNow);
    return taken;
  }

  /** Hands the filled batch to the bridge; frames sent meanwhile fill the other one. */
  private deliver(): void {
    this.scheduled = null;
    const batch = this.filling;
    this.filling = this.ring;
    this.ring = batch;
    const h = this.handler;
    if (h === null || !this.adminUp || this.peer === null) {
      this.rxDropped += batch.count;
    } else {
      for (let i = 0; i < batch.count; i++) this.rxBytes += batch.desc[2 * i + 1]!;
      this.rxPackets += batch.count;
      h(batch);
    }
    batch.clear();
  }
}
