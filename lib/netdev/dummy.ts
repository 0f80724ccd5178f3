/**
 * An in-memory port device, for tests and for the bridge's LOCAL port when
 * no real device backs it.
 *
 * It behaves like a cable you hold both ends of: `send` records a frame as
 * transmitted (and counts it), `receive` hands a frame to whoever listens as
 * if it had arrived (and counts it), and `setLink` pulls or plugs the cable.
 * Open vSwitch's test suite uses its own `dummy` netdev the same way.
 */
import { OFPPF } from '../openflow/constants.js';
import { zeroStats, type Netdev, type NetdevFeatures, type NetdevStats } from './netdev.js';

export interface DummyNetdevOptions {
  hwAddr?: string;
  linkUp?: boolean;
  features?: Partial<NetdevFeatures>;
}

/** 10 Gb/s full duplex over copper, what Open vSwitch's dummy reports. */
const DEFAULT_FEATURES: NetdevFeatures = {
  curr: OFPPF._10GB_FD | OFPPF.COPPER,
  advertised: 0,
  supported: 0,
  peer: 0,
  curr_speed: 10_000_000,
  max_speed: 0,
};

export class DummyNetdev implements Netdev {
  readonly type = 'dummy';
  /** Frames sent out of this device, oldest first; tests read and clear it. */
  readonly sent: Buffer[] = [];
  private mac: string;
  private carrier: boolean;
  private adminUp = true;
  private feats: NetdevFeatures;
  private readonly counters: NetdevStats = zeroStats();
  private readonly changeListeners = new Set<() => void>();
  private readonly rxListeners = new Set<(frame: Buffer) => void>();

  constructor(
    readonly name: string,
    options: DummyNetdevOptions = {},
  ) {
    this.mac = options.hwAddr ?? macFromName(name);
    this.carrier = options.linkUp ?? true;
    this.feats = { ...DEFAULT_FEATURES, ...options.features };
  }

  hwAddr(): string {
    return this.mac;
  }

  linkUp(): boolean {
    return this.carrier && this.adminUp;
  }

  features(): NetdevFeatures {
    return { ...this.feats };
  }

  stats(): NetdevStats {
    return { ...this.counters };
  }

  setAdminUp(up: boolean): void {
    if (up === this.adminUp) return;
    this.adminUp = up;
    this.changed();
  }

  setAdvertised(advertised: number): boolean {
    if ((advertised & ~this.feats.supported) !== 0) return false;
    this.feats = { ...this.feats, advertised };
    this.changed();
    return true;
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /* ------------------------------------------------ the test's end of it */

  /** Plugs (true) or pulls (false) the cable. */
  setLink(up: boolean): void {
    if (up === this.carrier) return;
    this.carrier = up;
    this.changed();
  }

  setHwAddr(mac: string): void {
    this.mac = mac;
    this.changed();
  }

  setFeatures(features: Partial<NetdevFeatures>): void {
    this.feats = { ...this.feats, ...features };
    this.changed();
  }

  /** Transmits a frame: recorded in `sent` and counted; dropped while the link is down. */
  send(frame: Buffer): void {
    if (!this.linkUp()) {
      this.counters.tx_dropped++;
      return;
    }
    this.sent.push(frame);
    this.counters.tx_packets++;
    this.counters.tx_bytes += BigInt(frame.length);
  }

  /** Delivers a frame as received to every `onReceive` listener; dropped while the link is down. */
  receive(frame: Buffer): void {
    if (!this.linkUp()) {
      this.counters.rx_dropped++;
      return;
    }
    this.counters.rx_packets++;
    this.counters.rx_bytes += BigInt(frame.length);
    for (const l of this.rxListeners) l(frame);
  }

  onReceive(listener: (frame: Buffer) => void): () => void {
    this.rxListeners.add(listener);
    return () => this.rxListeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }
}

/**
 * A stable, locally administered unicast address derived from the name, so
 * that a test's ports keep their addresses from run to run.
 */
export function macFromName(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  const bytes = [0x02, 0x00, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
