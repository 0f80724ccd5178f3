/**
 * What the ports implemented in this process (patch, vxlan) share: no
 * kernel interface behind them, so their address is derived from the name,
 * they report no features and speed 0 (as Open vSwitch shows its patch and
 * tunnel ports), they count in plain numbers, and their admin state and
 * change listeners live here. How frames arrive and leave is each port's own.
 */
import { macFromName } from './dummy.js';
import { zeroStats, type Netdev, type NetdevFeatures, type NetdevStats } from './netdev.js';
import type { FrameBatch } from './ring.js';

const NO_FEATURES: NetdevFeatures = { curr: 0, advertised: 0, supported: 0, peer: 0, curr_speed: 0, max_speed: 0 };

export abstract class SoftNetdev implements Netdev {
  abstract readonly type: string;
  protected adminUp = true;
  /** The datapath's batch handler, set by onReceive. */
  protected handler: ((ring: FrameBatch) => void) | null = null;
  private readonly listeners = new Set<() => void>();
  /* Counters as numbers: bigint increments would allocate per frame. */
  rxPackets = 0;
  rxBytes = 0;
  rxDropped = 0;
  rxErrors = 0;
  txPackets = 0;
  txBytes = 0;
  txDropped = 0;
  txErrors = 0;

  constructor(readonly name: string) {}

  abstract linkUp(): boolean;

  hwAddr(): string {
    return macFromName(this.name);
  }

  features(): NetdevFeatures {
    return { ...NO_FEATURES };
  }

  stats(): NetdevStats {
    const s = zeroStats();
    s.rx_packets = BigInt(this.rxPackets);
    s.rx_bytes = BigInt(this.rxBytes);
    s.rx_dropped = BigInt(this.rxDropped);
    s.rx_errors = BigInt(this.rxErrors);
    s.tx_packets = BigInt(this.txPackets);
    s.tx_bytes = BigInt(this.txBytes);
    s.tx_dropped = BigInt(this.txDropped);
    s.tx_errors = BigInt(this.txErrors);
    return s;
  }

  setAdminUp(up: boolean): void {
    if (up === this.adminUp) return;
    this.adminUp = up;
    this.changed();
  }

  /** Nothing to advertise on a port with no medium: only "nothing" is accepted. */
  setAdvertised(advertised: number): boolean {
    return advertised === 0;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onReceive(handler: ((ring: FrameBatch) => void) | null): void {
    this.handler = handler;
  }

  /** Tells the listeners (ofproto: PORT_STATUS) that link or admin state changed. */
  protected changed(): void {
    for (const l of this.listeners) l();
  }
}
