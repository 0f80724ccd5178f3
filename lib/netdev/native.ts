/**
 * Loads the native addon (build/Release/ofswitch_native.node, built by
 * node-gyp from native/ when the package is installed) and declares what it
 * exports. Node.js has no raw-socket or TAP API; everything below the
 * `Port`, `LinkMonitor` and ioctl calls here is C++ (native/addon.cc says
 * which file does what).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativePortOptions {
  /** "system": an existing interface through AF_PACKET; "tap": a TAP device created (or attached) by name. */
  kind: 'system' | 'tap';
  name: string;
  /** Receive path of a system port: recvmmsg (default) or a TPACKET_V3 ring. */
  mode?: 'mmsg' | 'tpacket_v3';
  /** SO_RCVBUF(FORCE) of a system port, bytes. */
  rcvbuf?: number;
  /** TPACKET_V3 geometry and block retire timeout. */
  blockSize?: number;
  blockCount?: number;
  blockTimeoutMs?: number;
  slots: ArrayBuffer;
  slotSize: number;
  headroom: number;
  desc: Int32Array;
  counters: BigUint64Array;
  /** Called with the number of frames in the ring; the slots are lent until it returns. */
  onBatch: (count: number) => void;
}

export interface NativePort {
  /** The device's name (for a TAP, the one the kernel gave it). */
  readonly name: string;
  readonly fd: number;
  start(): void;
  stop(): void;
  /** Sends `count` frames of `bytes` at the (offset, length) pairs of `desc`; returns how many the kernel took. `lane`: a transmit lane from addTxLane (default 0, the port's own socket). */
  send(bytes: Uint8Array, desc: Int32Array, count: number, lane?: number): number;
  /** System ports: a send-only socket whose frames carry skb priority `priority` (a queue's htb class); returns its lane number. */
  addTxLane(priority: number): number;
  /** Adds the kernel's drop count (PACKET_STATISTICS) to the counters. */
  readKernelStats(): void;
  close(): void;
}

/** What the kernel says about an interface (ioctls and ethtool). */
export interface InterfaceInfo {
  ifindex: number;
  /** IFF_* flags (SIOCGIFFLAGS). */
  flags: number;
  mtu: number;
  mac: string;
  /** Mb/s, or -1 if the driver does not say. */
  speed: number;
  /** 1 full, 0 half, -1 unknown. */
  duplex: number;
  /** ethtool PORT_* (0 twisted pair, 3 fibre, ...), or -1. */
  port: number;
  /** 1 on, 0 off, -1 unknown. */
  autoneg: number;
}

/** One RTM_NEWLINK/RTM_DELLINK; ifindex 0 means "messages were lost, re-read everything". */
export interface LinkEvent {
  ifindex: number;
  name: string;
  /** ifi_flags: IFF_UP, IFF_RUNNING, IFF_LOWER_UP, ... */
  flags: number;
  mtu: number;
  mac: string;
  /** IF_OPER_* (6 up, 2 down, ...). */
  operstate: number;
  deleted: boolean;
}

export interface NativeLinkMonitor {
  close(): void;
}

export interface BlastResult {
  sent: number;
  seconds: number;
  cpuSeconds: number;
  retries: number;
}

export interface NativeAddon {
  Port: new (options: NativePortOptions) => NativePort;
  LinkMonitor: new (listener: (event: LinkEvent) => void) => NativeLinkMonitor;
  interfaceInfo(name: string): InterfaceInfo;
  setInterfaceUp(name: string, up: boolean): void;
  blast(ifname: string, frames: Uint8Array, frameLen: number, count: number, batch: number): BlastResult;
  /**
   * Runs the receive fix-ups (tag re-insertion, checksum completion, GSO
   * segmentation) on one frame, for tests. meta: [hasVlan, tpid, tci,
   * csumNotReady, hasVnet, flags, gsoType, hdrLen, gsoSize, csumStart,
   * csumOffset]. Returns frames written, or -1 malformed, -2 too big for a
   * slot, -3 out of slots.
   */
  emitFrame(frame: Uint8Array, meta: Int32Array, slots: ArrayBuffer, slotSize: number, desc: Int32Array): number;
}

/** IFF_* bits of struct ifreq / ifinfomsg that ports look at. */
export const enum IFF {
  UP = 0x1,
  RUNNING = 0x40,
  LOWER_UP = 0x10000,
}

export class NativeAddonMissing extends Error {}

/** The addon, loaded once (Node's module cache keeps it). */
export function loadNative(): NativeAddon {
  // From dist/lib/netdev/ (compiled) or lib/netdev/ (sources), the
  // package root is three or two levels up.
  const candidates = ['../../../build/Release/ofswitch_native.node', '../../build/Release/ofswitch_native.node'].map(
    (rel) => fileURLToPath(new URL(rel, import.meta.url)),
  );
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new NativeAddonMissing(
      'ofswitch native addon not built (no build/Release/ofswitch_native.node): run `npm install` ' +
        'or `npx node-gyp rebuild` in the package (needs g++, make, python3 and Node.js headers)',
    );
  }
  return createRequire(import.meta.url)(path) as NativeAddon;
}
