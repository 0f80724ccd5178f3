/**
 * What system, tap and internal ports share: a native `Port` (an AF_PACKET
 * socket or a TAP descriptor driven by libuv), its receive ring and
 * counters, and the interface's state as the kernel reports it.
 *
 * Frames. `onReceive(handler)` starts polling; the handler gets the port's
 * `RxRing` once per batch with `count` set, and owns its slots until it
 * returns (ring.ts has the whole contract). `send(batch)` sends a
 * `FrameBatch` with one sendmmsg per 64 frames (one write per frame on a
 * TAP) and returns how many the kernel accepted; the rest are counted as
 * tx_dropped (queue full, device down) or tx_errors.
 *
 * State. Index, flags, MTU and MAC are read with ioctls when the port
 * opens, speed and duplex with ethtool; after that, rtnetlink messages
 * (LinkMonitor) update them, and any change that an OpenFlow port shows
 * (carrier, admin state, address, speed) calls the `onChange` listeners,
 * which ofproto turns into OFPT_PORT_STATUS. An interface that disappears
 * (deleted, or moved to another namespace) reads as link down.
 *
 * Counters are the addon's (ring.ts `CTR`): frames and bytes as delivered
 * to and accepted from the switch, our drops plus the kernel's
 * (PACKET_STATISTICS) as rx_dropped.
 */
import { OFPPF } from '../openflow/constants.js';
import { LinkMonitor } from './link-monitor.js';
import {
  IFF,
  loadNative,
  type InterfaceInfo,
  type LinkEvent,
  type NativeAddon,
  type NativePort,
  type NativePortOptions,
} from './native.js';
import type { Netdev, NetdevFeatures, NetdevStats } from './netdev.js';
import { CTR, newCounters, readCounters, RxRing, type FrameBatch, type IoCounters, type RxRingGeometry } from './ring.js';

export interface NativeNetdevOptions {
  /** Receive ring geometry (default: 256 slots of 2 KiB, 128 bytes of headroom). */
  ring?: Partial<RxRingGeometry>;
  /** A link monitor shared with other ports; without one the port makes (and closes) its own. */
  linkMonitor?: LinkMonitor;
}

/** Called once per received batch; `ring.count` frames are valid until it returns. */
export type BatchHandler = (ring: RxRing) => void;

/** ethtool PORT_* values that say what the medium is. */
const PORT_TP = 0x00;
const PORT_FIBRE = 0x03;
const PORT_DA = 0x05;

type PortSpec = Pick<NativePortOptions, 'kind' | 'name' | 'mode' | 'rcvbuf' | 'blockTimeoutMs'>;

export abstract class NativeNetdev implements Netdev {
  abstract readonly type: string;
  /** The interface's name as the kernel knows it. */
  readonly name: string;
  readonly ifindex: number;
  /** The receive ring; its slots are the batch handler's while it runs. */
  readonly ring: RxRing;
  private readonly addon: NativeAddon;
  /** The addon's port (protected: system ports add transmit lanes for their queues, system.ts). */
  protected readonly port: NativePort;
  private readonly counters = newCounters();
  private readonly monitor: LinkMonitor;
  private readonly ownsMonitor: boolean;
  private readonly unwatch: () => void;
  private readonly changeListeners = new Set<() => void>();
  private handler: BatchHandler | null = null;
  private info: InterfaceInfo;
  private present = true;
  private closed = false;

  protected constructor(spec: PortSpec, options: NativeNetdevOptions) {
    this.addon = loadNative();
    this.ring = new RxRing(options.ring);
    const ring = this.ring;
    const g = ring.geometry;
    // The monitor listens before the first read of the interface's state,
    // so no change falls between the read and the first message (messages
    // wait in its socket until the loop turns, after watch() below).
    this.ownsMonitor = !options.linkMonitor;
    this.monitor = options.linkMonitor ?? new LinkMonitor();
    let port: NativePort | null = null;
    try {
      port = new this.addon.Port({
        ...spec,
        slots: ring.buffer,
        slotSize: g.slotSize,
        headroom: g.headroom,
        desc: ring.desc,
        counters: this.counters,
        onBatch: (count) => {
          ring.count = count;
          this.handler?.(ring);
        },
      });
      this.name = port.name;
      this.info = this.addon.interfaceInfo(this.name);
      this.ifindex = this.info.ifindex;
    } catch (e) {
      port?.close();
      if (this.ownsMonitor) this.monitor.close();
      throw e;
    }
    this.port = port;
    this.unwatch = this.monitor.watch(this.ifindex, (ev) => this.onLink(ev));
  }

  /* ------------------------------------------------------------ Netdev */

  hwAddr(): string {
    return this.info.mac;
  }

  linkUp(): boolean {
    const want = IFF.UP | IFF.RUNNING;
    return this.present && (this.info.flags & want) === want;
  }

  /** Administratively up (IFF_UP), whatever the carrier. */
  adminUp(): boolean {
    return this.present && (this.info.flags & IFF.UP) !== 0;
  }

  mtu(): number {
    return this.info.mtu;
  }

  features(): NetdevFeatures {
    const { speed, duplex, port, autoneg } = this.info;
    let curr = speedBit(speed, duplex !== 0);
    if (port === PORT_TP || port === PORT_DA) curr |= OFPPF.COPPER;
    else if (port === PORT_FIBRE) curr |= OFPPF.FIBER;
    if (autoneg === 1) curr |= OFPPF.AUTONEG;
    return { curr, advertised: 0, supported: 0, peer: 0, curr_speed: speed > 0 ? speed * 1000 : 0, max_speed: 0 };
  }

  stats(): NetdevStats {
    if (!this.closed) this.port.readKernelStats();
    const c = this.counters;
    return {
      rx_packets: c[CTR.RX_PACKETS]!,
      tx_packets: c[CTR.TX_PACKETS]!,
      rx_bytes: c[CTR.RX_BYTES]!,
      tx_bytes: c[CTR.TX_BYTES]!,
      rx_dropped: c[CTR.RX_DROPPED]! + c[CTR.KERNEL_DROPS]!,
      tx_dropped: c[CTR.TX_DROPPED]!,
      rx_errors: c[CTR.RX_ERRORS]!,
      tx_errors: c[CTR.TX_ERRORS]!,
      rx_frame_err: -1n,
      rx_over_err: -1n,
      rx_crc_err: -1n,
      collisions: -1n,
    };
  }

  setAdminUp(up: boolean): void {
    if (!this.present || this.closed) return;
    this.addon.setInterfaceUp(this.name, up);
    // The netlink message that follows updates `info` and tells listeners.
  }

  /** We do not drive autonegotiation: only "advertise nothing" is accepted. */
  setAdvertised(advertised: number): boolean {
    return advertised === 0;
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /* ------------------------------------------------------------ frames */

  /**
   * Sets the batch handler and starts receiving (null stops). One handler
   * per port: the datapath is the only consumer.
   */
  onReceive(handler: BatchHandler | null): void {
    if (this.closed) throw new Error(`${this.name}: port closed`);
    this.handler = handler;
    if (handler) this.port.start();
    else this.port.stop();
  }

  /** Sends the batch's frames; returns how many the kernel accepted. */
  send(batch: FrameBatch): number {
    return this.sendFrames(batch.bytes, batch.desc, batch.count);
  }

  /** Sends `count` frames of `bytes` at the (offset, length) pairs of `desc`. */
  sendFrames(bytes: Uint8Array, desc: Int32Array, count: number): number {
    return this.port.send(bytes, desc, count);
  }

  /** Every counter the addon keeps, including wakeups, syscalls and batches. */
  ioCounters(): IoCounters {
    if (!this.closed) this.port.readKernelStats();
    return readCounters(this.counters);
  }

  /** The descriptor the port polls (for tests and diagnostics). */
  get fd(): number {
    return this.port.fd;
  }

  /** Re-reads the interface's state from the kernel, telling listeners if it changed. */
  refresh(): void {
    let next: InterfaceInfo;
    try {
      next = this.addon.interfaceInfo(this.name);
    } catch {
      this.update(this.info, false);
      return;
    }
    // Same name, other device: ours is gone.
    this.update(next, next.ifindex === this.ifindex);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = null;
    this.unwatch();
    if (this.ownsMonitor) this.monitor.close();
    this.port.close();
    this.changeListeners.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onLink(ev: LinkEvent): void {
    if (this.closed) return;
    if (ev.ifindex === 0) {
      this.refresh();
      return;
    }
    if (ev.deleted) {
      this.update(this.info, false);
      return;
    }
    const next: InterfaceInfo = { ...this.info, flags: ev.flags };
    if (ev.mtu) next.mtu = ev.mtu;
    if (ev.mac) next.mac = ev.mac;
    // Speed can change with carrier (a NIC renegotiating); ask only then.
    if ((ev.flags ^ this.info.flags) & (IFF.RUNNING | IFF.UP)) {
      try {
        const fresh = this.addon.interfaceInfo(this.name);
        if (fresh.ifindex === this.ifindex) Object.assign(next, { speed: fresh.speed, duplex: fresh.duplex });
      } catch {
        // Gone between the message and the ioctl: the DELLINK follows.
      }
    }
    this.update(next, true);
  }

  private update(next: InterfaceInfo, present: boolean): void {
    const up = this.linkUp();
    const admin = this.adminUp();
    const prev = this.info;
    this.info = next;
    this.present = present;
    const changed =
      up !== this.linkUp() ||
      admin !== this.adminUp() ||
      prev.mac !== next.mac ||
      prev.speed !== next.speed ||
      prev.mtu !== next.mtu;
    if (changed) for (const l of [...this.changeListeners]) l();
  }
}

/** OFPPF_* bit for a speed in Mb/s; OTHER for speeds OpenFlow has no bit for. */
function speedBit(speed: number, full: boolean): number {
  switch (speed) {
    case 10:
      return full ? OFPPF._10MB_FD : OFPPF._10MB_HD;
    case 100:
      return full ? OFPPF._100MB_FD : OFPPF._100MB_HD;
    case 1000:
      return full ? OFPPF._1GB_FD : OFPPF._1GB_HD;
    case 10_000:
      return OFPPF._10GB_FD;
    case 40_000:
      return OFPPF._40GB_FD;
    case 100_000:
      return OFPPF._100GB_FD;
    case 1_000_000:
      return OFPPF._1TB_FD;
    default:
      return speed > 0 ? OFPPF.OTHER : 0;
  }
}
