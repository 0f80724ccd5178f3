/**
 * Packet buffers: frames the switch keeps after a packet-in so that the
 * controller can name them by buffer_id in a PACKET_OUT or FLOW_MOD
 * instead of sending them back (OpenFlow 1.3.5 §7.4.1).
 *
 * A fixed pool of slots, 256 by default as in Open vSwitch's pktbuf. A
 * buffer id is (generation << 8 | slot): storing into a slot bumps its
 * generation, so an id from before is recognised as stale rather than
 * delivering another packet. Retrieval gives:
 * - OFPBRC_BUFFER_UNKNOWN for an id never issued, or whose slot has since
 *   been reused (the packet expired to make room);
 * - OFPBRC_BUFFER_EMPTY for an id whose packet was already used: a buffer
 *   is good for one PACKET_OUT or FLOW_MOD.
 * Slots are taken round robin; a slot still holding a packet younger than
 * `holdMs` is not overwritten, and the new packet goes unbuffered
 * (OFP_NO_BUFFER) instead, so a controller that answers in time always
 * finds its packet.
 *
 * The pool stores whole frames; how much of a frame a packet-in carries
 * (miss_send_len, an output action's max_len) is the connection's choice.
 */
import { OFP_NO_BUFFER } from '../openflow/constants.js';
import { OFPBRC, OFPET, OfpError } from '../openflow/errors.js';

const SLOT_BITS = 8;
/** Generations wrap below 2^24 - 1 so that no id is ever OFP_NO_BUFFER. */
const GEN_LIMIT = (1 << (32 - SLOT_BITS)) - 1;
/** How long a buffered packet is kept from being overwritten (Open vSwitch: 5 s). */
export const DEFAULT_HOLD_MS = 5000;

export interface BufferedPacket {
  readonly frame: Buffer;
  readonly inPort: number;
}

interface Slot {
  gen: number;
  frame: Buffer | null;
  inPort: number;
  storedAt: number;
}

export class PacketBuffers {
  private readonly slots: Slot[];
  private next = 0;

  constructor(
    readonly size: number,
    private readonly now: () => number,
    private readonly holdMs = DEFAULT_HOLD_MS,
  ) {
    if (!Number.isInteger(size) || size < 0 || size > 1 << SLOT_BITS) {
      throw new RangeError(`n_buffers must be 0..${1 << SLOT_BITS}, not ${size}`);
    }
    this.slots = Array.from({ length: size }, () => ({ gen: 0, frame: null, inPort: 0, storedAt: 0 }));
  }

  /** Stores `frame`; returns its buffer id, or OFP_NO_BUFFER when no slot is free. */
  store(frame: Buffer, inPort: number): number {
    if (this.size === 0) return OFP_NO_BUFFER;
    const i = this.next;
    const s = this.slots[i]!;
    const t = this.now();
    if (s.frame !== null && t - s.storedAt < this.holdMs) return OFP_NO_BUFFER;
    this.next = (i + 1) % this.size;
    s.gen = s.gen + 1 >= GEN_LIMIT ? 1 : s.gen + 1;
    s.frame = frame;
    s.inPort = inPort;
    s.storedAt = t;
    return ((s.gen << SLOT_BITS) | i) >>> 0;
  }

  /** Checks that `id` names a packet still held, without taking it. */
  check(id: number): void {
    this.slotOf(id);
  }

  /** The packet `id` names, left in place. */
  peek(id: number): BufferedPacket {
    const s = this.slotOf(id);
    return { frame: s.frame!, inPort: s.inPort };
  }

  /** Takes the packet `id` names; the id is spent. */
  take(id: number): BufferedPacket {
    const s = this.slotOf(id);
    const p = { frame: s.frame!, inPort: s.inPort };
    s.frame = null;
    return p;
  }

  private slotOf(id: number): Slot {
    const i = id & ((1 << SLOT_BITS) - 1);
    const gen = id >>> SLOT_BITS;
    const s = i < this.size ? this.slots[i]! : undefined;
    if (s === undefined || gen === 0 || s.gen !== gen) {
      throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BUFFER_UNKNOWN, `buffer 0x${(id >>> 0).toString(16)}`);
    }
    if (s.frame === null) throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BUFFER_EMPTY, `buffer 0x${(id >>> 0).toString(16)} was used`);
    return s;
  }
}
