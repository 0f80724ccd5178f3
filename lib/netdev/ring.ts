/**
 * The memory shared by the native addon and JavaScript for frames and
 * counters: what a received batch is, who owns which bytes when, and
 * where the addon keeps its counts.
 *
 * Receive. A port owns one `RxRing`: an ArrayBuffer cut into `slots` fixed
 * slots of `slotSize` bytes, and a descriptor array of (offset, length)
 * pairs. When frames arrive, the addon copies each into the next free slot
 * at `headroom` bytes from the slot's start (the headroom stays free so the
 * datapath can push a VLAN or MPLS header in place by moving the frame's
 * start back), fills the descriptors, and calls the port's batch handler
 * once with the count. Ownership: slots [0, count) belong to the handler
 * for the duration of that call — it may read them, rewrite them in place,
 * and send them out of any port — and return to the addon when it returns.
 * A frame that must outlive the call (a packet-in buffered for the
 * controller, say) is copied out by whoever keeps it. Nothing is allocated
 * per frame or per batch: the ring, the descriptors and the views over
 * them are made once per port.
 *
 * Send. `Port.send(bytes, desc, count)` takes any byte array and `count`
 * (offset, length) pairs into it — the slots of a received batch forwarded
 * as they are, or frames built in a buffer of the datapath's own — and has
 * the kernel copy them before it returns, so the caller may reuse the bytes
 * at once. A `FrameBatch` is exactly that triple.
 *
 * Counters. The addon counts into a BigUint64Array the port allocates
 * (indexes: `CTR`, mirrored from native/common.h); reading it costs
 * nothing and needs no call into the addon.
 */

/** Indexes of the counters the addon keeps (native/common.h `Counter`). */
export const enum CTR {
  RX_PACKETS = 0,
  RX_BYTES,
  RX_DROPPED,
  RX_ERRORS,
  TX_PACKETS,
  TX_BYTES,
  TX_DROPPED,
  TX_ERRORS,
  /** PACKET_STATISTICS tp_drops: frames the kernel dropped because our queue was full. */
  KERNEL_DROPS,
  /** Poll callbacks: how often libuv woke us for this port. */
  WAKEUPS,
  /** recvmmsg/read calls. */
  RX_SYSCALLS,
  /** Batch handler calls. */
  RX_BATCHES,
  /** sendmmsg/write calls. */
  TX_SYSCALLS,
  GSO_FRAMES,
  GSO_SEGMENTS,
  CSUM_COMPLETED,
  VLAN_RESTORED,
  COUNT,
}

/** A snapshot of a port's counters, as numbers (exact below 2^53). */
export interface IoCounters {
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  rxErrors: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
  txErrors: number;
  kernelDrops: number;
  wakeups: number;
  rxSyscalls: number;
  rxBatches: number;
  txSyscalls: number;
  gsoFrames: number;
  gsoSegments: number;
  csumCompleted: number;
  vlanRestored: number;
}

export function newCounters(): BigUint64Array {
  return new BigUint64Array(CTR.COUNT);
}

export function readCounters(c: BigUint64Array): IoCounters {
  return {
    rxPackets: Number(c[CTR.RX_PACKETS]),
    rxBytes: Number(c[CTR.RX_BYTES]),
    rxDropped: Number(c[CTR.RX_DROPPED]),
    rxErrors: Number(c[CTR.RX_ERRORS]),
    txPackets: Number(c[CTR.TX_PACKETS]),
    txBytes: Number(c[CTR.TX_BYTES]),
    txDropped: Number(c[CTR.TX_DROPPED]),
    txErrors: Number(c[CTR.TX_ERRORS]),
    kernelDrops: Number(c[CTR.KERNEL_DROPS]),
    wakeups: Number(c[CTR.WAKEUPS]),
    rxSyscalls: Number(c[CTR.RX_SYSCALLS]),
    rxBatches: Number(c[CTR.RX_BATCHES]),
    txSyscalls: Number(c[CTR.TX_SYSCALLS]),
    gsoFrames: Number(c[CTR.GSO_FRAMES]),
    gsoSegments: Number(c[CTR.GSO_SEGMENTS]),
    csumCompleted: Number(c[CTR.CSUM_COMPLETED]),
    vlanRestored: Number(c[CTR.VLAN_RESTORED]),
  };
}

/**
 * `count` frames in `bytes`, frame i at desc[2i] with length desc[2i+1].
 * Used both for received batches (an `RxRing`) and for frames to send.
 */
export class FrameBatch {
  count = 0;
  readonly desc: Int32Array;

  constructor(
    readonly bytes: Uint8Array,
    capacity: number,
  ) {
    this.desc = new Int32Array(capacity * 2);
  }

  get capacity(): number {
    return this.desc.length >> 1;
  }

  offset(i: number): number {
    return this.desc[2 * i]!;
  }

  length(i: number): number {
    return this.desc[2 * i + 1]!;
  }

  /** Appends a frame already in `bytes`; false if the batch is full. */
  push(offset: number, length: number): boolean {
    if (this.count >= this.capacity) return false;
    this.desc[2 * this.count] = offset;
    this.desc[2 * this.count + 1] = length;
    this.count++;
    return true;
  }

  clear(): void {
    this.count = 0;
  }

  /** A view of frame i (allocates a view: for tests and slow paths). */
  frame(i: number): Uint8Array {
    const off = this.offset(i);
    return this.bytes.subarray(off, off + this.length(i));
  }

  /** A copy of frame i that outlives the batch (allocates). */
  copyFrame(i: number): Buffer {
    return Buffer.from(this.frame(i));
  }

  /** Packs frames into one new batch (allocates: for tests and slow paths). */
  static of(frames: readonly Uint8Array[]): FrameBatch {
    const total = frames.reduce((n, f) => n + f.length, 0);
    const batch = new FrameBatch(new Uint8Array(total), frames.length);
    let off = 0;
    for (const f of frames) {
      batch.bytes.set(f, off);
      batch.push(off, f.length);
      off += f.length;
    }
    return batch;
  }
}

export interface RxRingGeometry {
  /** Frames per batch handed to JS. */
  slots: number;
  /** Bytes per slot, headroom included. */
  slotSize: number;
  /** Bytes left free before each frame for pushing headers in place. */
  headroom: number;
}

/**
 * 256 slots of 2 KiB with 128 bytes of headroom: a 1500-byte MTU frame with
 * two re-inserted tags fits (1518 + 8 + 128 < 2048), and 512 KiB per port
 * stays in L2-ish reach. Jumbo frames need a larger slotSize.
 */
export const DEFAULT_RX_GEOMETRY: RxRingGeometry = { slots: 256, slotSize: 2048, headroom: 128 };

/** The receive slots of one port (see the essay above for who owns them when). */
export class RxRing extends FrameBatch {
  readonly buffer: ArrayBuffer;
  readonly geometry: RxRingGeometry;

  constructor(geometry: Partial<RxRingGeometry> = {}) {
    const g = { ...DEFAULT_RX_GEOMETRY, ...geometry };
    if (g.slots < 1 || g.slotSize % 64 !== 0 || g.headroom + 64 > g.slotSize) {
      throw new RangeError(`RxRing: bad geometry ${JSON.stringify(g)}`);
    }
    const buffer = new ArrayBuffer(g.slots * g.slotSize);
    super(new Uint8Array(buffer), g.slots);
    this.buffer = buffer;
    this.geometry = g;
  }

  /** Largest frame a slot holds. */
  get frameCapacity(): number {
    return this.geometry.slotSize - this.geometry.headroom;
  }
}
