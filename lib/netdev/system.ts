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
 */
import { NativeNetdev, type NativeNetdevOptions } from './native-netdev.js';

export interface SystemNetdevOptions extends NativeNetdevOptions {
  /** Receive path: recvmmsg (default: hands over every frame at once) or a TPACKET_V3 ring. */
  mode?: 'mmsg' | 'tpacket_v3';
  /** Kernel receive queue in bytes (default 8 MiB: a burst of ~8,000 small frames). */
  rcvbuf?: number;
  /** TPACKET_V3 block retire timeout, ms (default 1). */
  blockTimeoutMs?: number;
}

export class SystemNetdev extends NativeNetdev {
  readonly type = 'system';

  /** Attaches to interface `name`; throws with `code` 'ENODEV' if there is none. */
  constructor(name: string, options: SystemNetdevOptions = {}) {
    const { mode, rcvbuf, blockTimeoutMs } = options;
    super({ kind: 'system', name, mode, rcvbuf, blockTimeoutMs }, options);
  }
}
