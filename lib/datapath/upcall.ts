/**
 * The upcall queue: packets that missed both caches, waiting for
 * translation.
 *
 * Bounded: `capacity` packets (1024 by default), each copied into a slot of
 * one preallocated arena with headroom in front (so the actions can push
 * headers in place, as on a receive ring), its key beside it. A packet that
 * finds the queue full is dropped and counted (`lost`, as Open vSwitch's
 * "lost" upcalls): a miss storm costs at most the arena and a counter,
 * never unbounded memory. Frames longer than a slot are copied into a
 * buffer of their own (rare: jumbo frames).
 *
 * Order. Packets leave in arrival order. A packet that hits a megaflow
 * while a packet with the same key is still queued must not overtake it:
 * the queue keeps a count per key hash of the packets it holds
 * (`pending`), and the datapath queues such a packet behind the others
 * instead of executing it. Hash collisions only delay an unrelated packet
 * into the queue, never reorder a flow.
 */
import { KEY_WORDS } from '../packet/flow-key.js';

export const UPCALL_HEADROOM = 128;
export const UPCALL_SLOT = 2048;

export class UpcallQueue {
  readonly capacity: number;
  /** Frames: slot i starts at i * UPCALL_SLOT, its frame at headroom offset. */
  readonly arena: Uint8Array;
  readonly keys: Uint32Array;
  readonly hashes: Int32Array;
  readonly inPorts: Int32Array;
  readonly lens: Int32Array;
  /** Oversize frames, by slot (their own buffer, frame at UPCALL_HEADROOM). */
  readonly big: (Uint8Array | null)[];
  private head = 0;
  count = 0;
  /** Packets dropped because the queue was full. */
  lost = 0;
  /** Packets queued in all. */
  queued = 0;
  private readonly pendingCounts: Int32Array;
  private readonly pendingMask: number;

  constructor(capacity = 1024) {
    this.capacity = capacity;
    this.arena = new Uint8Array(capacity * UPCALL_SLOT);
    this.keys = new Uint32Array(capacity * KEY_WORDS);
    this.hashes = new Int32Array(capacity);
    this.inPorts = new Int32Array(capacity);
    this.lens = new Int32Array(capacity);
    this.big = new Array<Uint8Array | null>(capacity).fill(null);
    let p = 1;
    while (p < capacity * 4) p <<= 1;
    this.pendingCounts = new Int32Array(p);
    this.pendingMask = p - 1;
  }

  /** Whether a packet with key hash `h` may be queued (so a packet of that flow must queue behind it). */
  pending(h: number): boolean {
    return this.pendingCounts[h & this.pendingMask]! !== 0;
  }

  /** Queues a copy of buf[off, off+len) with its key; false (counted lost) when full. */
  push(inPort: number, buf: Uint8Array, off: number, len: number, key: Uint32Array, h: number): boolean {
    if (this.count === this.capacity) {
      this.lost++;
      return false;
    }
    const slot = (this.head + this.count) % this.capacity;
    if (len > UPCALL_SLOT - UPCALL_HEADROOM) {
      const b = new Uint8Array(UPCALL_HEADROOM + len);
      copyBytes(buf, off, b, UPCALL_HEADROOM, len);
      this.big[slot] = b;
    } else {
      this.big[slot] = null;
      copyBytes(buf, off, this.arena, slot * UPCALL_SLOT + UPCALL_HEADROOM, len);
    }
    this.keys.set(key, slot * KEY_WORDS);
    this.hashes[slot] = h;
    this.inPorts[slot] = inPort;
    this.lens[slot] = len;
    this.pendingCounts[h & this.pendingMask]!++;
    this.count++;
    this.queued++;
    return true;
  }

  /** The slot of the oldest packet (valid while count > 0). */
  peekSlot(): number {
    return this.head;
  }

  /** The buffer slot `slot`'s frame is in, and its offset there. */
  bufferOf(slot: number): Uint8Array {
    return this.big[slot] ?? this.arena;
  }

  frameOffset(slot: number): number {
    return this.big[slot] !== null ? UPCALL_HEADROOM : slot * UPCALL_SLOT + UPCALL_HEADROOM;
  }

  /** Drops the oldest packet from the queue (after it was handled). */
  shift(): void {
    const slot = this.head;
    this.pendingCounts[this.hashes[slot]! & this.pendingMask]!--;
    this.big[slot] = null;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
  }
}

/**
 * Copies len bytes without allocating: copyWithin within one buffer, a
 * word-at-a-time loop across buffers (TypedArray.set and Buffer.copy would
 * allocate a view of the source range).
 */
export function copyBytes(src: Uint8Array, so: number, dst: Uint8Array, d: number, len: number): void {
  if (src === dst) {
    dst.copyWithin(d, so, so + len);
    return;
  }
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    dst[d + i] = src[so + i]!;
    dst[d + i + 1] = src[so + i + 1]!;
    dst[d + i + 2] = src[so + i + 2]!;
    dst[d + i + 3] = src[so + i + 3]!;
  }
  for (; i < len; i++) dst[d + i] = src[so + i]!;
}
