/**
 * `system` ports: an existing Linux interface (a NIC, one end of a veth
 * pair, a bond, ...) attached through an AF_PACKET socket, as Open vSwitch's
 * userspace datapath attaches them.
 *
 * The socket is promiscuous, ignores its own transmissions, gives back the
 * VLAN tags the kernel strips, completes partial checksums and cuts GSO
 * super-frames into wire-sized segments (native/packet_socket.cc and
 * native/frame.cc say why each is needed), so TCP between namespaces works
 * through the switch with no `ethtool` changes on either side. Frames come
 * in batches (recvmmsg, or a TPACKET_V3 ring with `mode: 'tpacket_v3'`) and
 * go out with sendmmsg.
 *
 * Queues (`setQueues`) are shaped by the kernel, as Open vSwitch's
 * linux-htb does it: an htb qdisc with one class per queue (qdisc.ts), and
 * one send-only socket per queue other than 0 whose SO_PRIORITY names the
 * queue's class, so that a batch for a queue is still one sendmmsg. Queue
 * 0 sends on the port's own socket (priority 0), which htb's `default 1`
 * puts in queue 0's class.
 */
import { NativeNetdev, type NativeNetdevOptions } from './native-netdev.js';
import { DEFAULT_LINK_BPS, installHtb, queuePriority, removeRootQdisc } from './qdisc.js';
import { NetdevQueues, type QueueConfig } from './queues.js';

export interface SystemNetdevOptions extends NativeNetdevOptions {
  /** Receive path: recvmmsg (default: hands over every frame at once) or a TPACKET_V3 ring. */
  mode?: 'mmsg' | 'tpacket_v3';
  /** Kernel receive queue in bytes (default 8 MiB: a burst of ~8,000 small frames). */
  rcvbuf?: number;
  /** TPACKET_V3 block retire timeout, ms (default 1). */
  blockTimeoutMs?: number;
}

/** The Ethernet minimum frame, FCS excluded (IEEE 802.3; Linux's ETH_ZLEN): native/backend.h kEthMinFrame. */
export const ETH_ZLEN = 60;

export class SystemNetdev extends NativeNetdev {
  readonly type = 'system';
  /** Shorter frames leave padded with zeros to this length, as from an Ethernet NIC (native/packet_socket.cc). */
  readonly txMinFrame = ETH_ZLEN;
  /** The port's queues, or null. */
  queues: NetdevQueues | null = null;
  /** The transmit lane of each queue (by index in `queues.configs`); 0 is the port's own socket. */
  private lanes: Int32Array = new Int32Array(0);

  /** Attaches to interface `name`; throws with `code` 'ENODEV' if there is none. */
  constructor(name: string, options: SystemNetdevOptions = {}) {
    const { mode, rcvbuf, blockTimeoutMs } = options;
    super({ kind: 'system', name, mode, rcvbuf, blockTimeoutMs }, options);
  }

  /**
   * Gives the port queues, shaped by an htb qdisc (which replaces the
   * interface's root qdisc until the port closes). Once per port; throws
   * (QdiscError, or the socket's error) if the kernel refuses.
   */
  setQueues(configs: readonly QueueConfig[]): void {
    if (this.queues !== null) throw new Error(`${this.name}: queues are already set`);
    const q = new NetdevQueues(configs);
    const speed = this.features().curr_speed;
    installHtb(this.name, q.configs, speed > 0 ? speed * 1000 : DEFAULT_LINK_BPS, this.mtu());
    try {
      this.lanes = Int32Array.from(q.configs, (c) => (c.id === 0 ? 0 : this.port.addTxLane(queuePriority(c.id))));
    } catch (e) {
      removeRootQdisc(this.name);
      throw e;
    }
    this.queues = q;
  }

  /** Sends frames on queue `index`'s lane (see sendFrames); the kernel's htb class for it shapes them. */
  sendQueue(index: number, bytes: Uint8Array, desc: Int32Array, count: number): number {
    return this.port.send(bytes, desc, count, this.lanes[index] ?? 0);
  }

  override close(): void {
    const shaped = this.queues !== null && !this.isClosed;
    super.close();
    if (shaped) removeRootQdisc(this.name);
  }
}
