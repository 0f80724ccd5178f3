/**
 * VXLAN tunnel ports (RFC 7348), as Open vSwitch's `type=vxlan
 * options:remote_ip=IP [options:local_ip=IP] [options:dst_port=4789]
 * [options:key=flow|VNI]`: Ethernet frames carried in UDP datagrams between
 * two tunnel endpoints.
 *
 * Receive. One UDP socket per local address and port (`VxlanEndpoint`),
 * shared by every vxlan port of the process that listens there; a datagram
 * goes to the port whose remote_ip sent it and whose key is its VNI (a
 * fixed key first, then a key=flow port of that remote). Its VXLAN header
 * is checked and stripped, the inner frame copied into the port's receive
 * batch behind headroom, and the VNI recorded beside it (`rxTunnel`), which
 * the datapath puts in the packet's tunnel_id: flows match `tunnel_id=N`,
 * and in_port is this port. Datagrams are batched: frames collect until
 * the next turn of the event loop (one setImmediate per batch) or until the
 * batch is full, then the datapath gets them all at once. Node's dgram API
 * hands each datagram over as a new Buffer with a new address object: that
 * allocation per datagram is Node's and cannot be avoided with node:dgram;
 * everything after it reuses preallocated memory.
 *
 * Send. Each frame gets an 8-byte VXLAN header with VNI = the packet's
 * tunnel_id (key=flow; set with set_field:N->tunnel_id) or the port's fixed
 * key (default 0), built in a preallocated slot, and goes out of a UDP
 * socket of the port's own, bound to local_ip (if given) and an ephemeral
 * port and connected to remote_ip:dst_port. Connected, because Node then
 * sends without resolving the address for each datagram; an ephemeral
 * source port, as RFC 7348 §5 recommends for the outer UDP header. Node
 * keeps a request object per send (its allocation, as on receive) and
 * reads the slot later, so a slot is reused only after its send completed
 * (sends complete in order); when every slot is in flight, frames are
 * dropped and counted (tx_dropped), as a full device queue drops.
 *
 * Header checks (RFC 7348 §5 and what Linux and Open vSwitch do): the
 * flags byte must be exactly the I flag (0x08) and the reserved bits zero.
 * The RFC asks receivers to ignore the reserved bits, but extensions (GBP,
 * GPE) give them meanings that change what the payload is, so, like Linux
 * and Open vSwitch, anything with other bits set is dropped (rx_errors).
 */
import dgram from 'node:dgram';
import { isIPv4 } from 'node:net';
import type { Logger } from 'pino';
import { copyBytes } from '../datapath/upcall.js';
import { RxRing, type RxRingGeometry } from './ring.js';
import { SoftNetdev } from './soft-netdev.js';

export const VXLAN_HLEN = 8;
/** The I flag: the VNI is valid. */
export const VXLAN_FLAG_I = 0x08;
export const VXLAN_DEFAULT_PORT = 4789;
/** The key of a port whose VNI comes from (and goes to) the packet's tunnel_id. */
export const KEY_FLOW = -1;
const ETH_HLEN = 14;

/** Writes a VXLAN header with VNI `vni` (low 24 bits) at buf[at, at+8). */
export function writeVxlanHeader(buf: Uint8Array, at: number, vni: number): void {
  buf[at] = VXLAN_FLAG_I;
  buf[at + 1] = 0;
  buf[at + 2] = 0;
  buf[at + 3] = 0;
  buf[at + 4] = (vni >>> 16) & 0xff;
  buf[at + 5] = (vni >>> 8) & 0xff;
  buf[at + 6] = vni & 0xff;
  buf[at + 7] = 0;
}

/**
 * The VNI of the VXLAN datagram payload buf[at, at+len), or -1 if it is not
 * one we accept: shorter than a header and an Ethernet header, or flags
 * other than exactly I, or reserved bits set.
 */
export function readVxlanVni(buf: Uint8Array, at: number, len: number): number {
  if (len < VXLAN_HLEN + ETH_HLEN) return -1;
  if (buf[at] !== VXLAN_FLAG_I || (buf[at + 1]! | buf[at + 2]! | buf[at + 3]! | buf[at + 7]!) !== 0) return -1;
  return (buf[at + 4]! << 16) | (buf[at + 5]! << 8) | buf[at + 6]!;
}

/** An address as Node reports a datagram's source (IPv6 compressed and lower case). */
export function canonicalIp(ip: string): string {
  if (isIPv4(ip)) return ip;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

export interface VxlanOptions {
  remoteIp: string;
  /** Address to listen on and send from; default: any. */
  localIp?: string;
  /** UDP port to send to and listen on; default 4789. */
  dstPort?: number;
  /** A fixed VNI, or KEY_FLOW (the default is a fixed 0, as Open vSwitch's). */
  key?: number;
  log?: Logger;
}

/** One UDP socket listening for the vxlan ports of one local address and port. */
export class VxlanEndpoint {
  readonly socket: dgram.Socket;
  readonly ready: Promise<void>;
  /** Datagrams from an address no port names, or with a VNI no port takes. */
  unknownRemote = 0;
  unknownVni = 0;
  private readonly byRemote = new Map<string, VxlanNetdev[]>();
  private refs = 0;

  constructor(
    readonly family: 4 | 6,
    readonly localIp: string,
    readonly port: number,
    private readonly onEmpty: () => void,
    log: Logger | undefined,
  ) {
    const socket = dgram.createSocket({ type: family === 4 ? 'udp4' : 'udp6' });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address));
    this.ready = new Promise<void>((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException): void => reject(new Error(`cannot listen on UDP ${this.where()}: ${e.code ?? e.message}`));
      socket.once('error', fail);
      socket.bind(port, localIp, () => {
        socket.off('error', fail);
        socket.on('error', (e) => log?.warn({ err: e, endpoint: this.where() }, 'vxlan socket error'));
        resolve();
      });
    });
    this.ready.catch(() => {});
  }

  where(): string {
    return this.family === 6 ? `[${this.localIp}]:${this.port}` : `${this.localIp}:${this.port}`;
  }

  add(p: VxlanNetdev): void {
    const list = this.byRemote.get(p.remoteIp) ?? [];
    const clash = list.find((x) => x.key === p.key);
    if (clash !== undefined) {
      const key = p.key === KEY_FLOW ? 'flow' : String(p.key);
      throw new Error(`vxlan port ${clash.name} already receives from ${p.remoteIp} with key=${key} on ${this.where()}`);
    }
    list.push(p);
    this.byRemote.set(p.remoteIp, list);
    this.refs++;
  }

  /** Closes the socket if no port uses it (a port that failed to join). */
  closeIfUnused(): void {
    if (this.refs !== 0) return;
    this.socket.close();
    this.onEmpty();
  }

  remove(p: VxlanNetdev): void {
    const list = this.byRemote.get(p.remoteIp);
    const i = list?.indexOf(p) ?? -1;
    if (list === undefined || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.byRemote.delete(p.remoteIp);
    if (--this.refs === 0) {
      this.socket.close();
      this.onEmpty();
    }
  }

  private onMessage(msg: Buffer, from: string): void {
    const ports = this.byRemote.get(from);
    if (ports === undefined) {
      this.unknownRemote++;
      return;
    }
    const vni = readVxlanVni(msg, 0, msg.length);
    if (vni < 0) {
      ports[0]!.rxErrors++;
      return;
    }
    let flow: VxlanNetdev | null = null;
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i]!;
      if (p.key === vni) {
        p.receive(msg, VXLAN_HLEN, msg.length - VXLAN_HLEN, vni);
        return;
      }
      if (p.key === KEY_FLOW) flow = p;
    }
    if (flow === null) this.unknownVni++;
    else flow.receive(msg, VXLAN_HLEN, msg.length - VXLAN_HLEN, vni);
  }
}

/** The vxlan listening sockets of one process, by family, local address and port. */
export class VxlanEndpoints {
  private readonly map = new Map<string, VxlanEndpoint>();

  acquire(family: 4 | 6, localIp: string, port: number, log: Logger | undefined): VxlanEndpoint {
    const k = `${family}|${localIp}|${port}`;
    let ep = this.map.get(k);
    if (ep === undefined) {
      ep = new VxlanEndpoint(family, localIp, port, () => this.map.delete(k), log);
      this.map.set(k, ep);
    }
    return ep;
  }

  get size(): number {
    return this.map.size;
  }
}

/** The endpoints of the process: every bridge of one daemon shares them. */
export const processVxlan = new VxlanEndpoints();

const RX_RING: RxRingGeometry = { slots: 256, slotSize: 2048, headroom: 128 };
/** Sends in flight at most, each in a slot of TX_SLOT bytes (a header and a 1500-MTU frame with two tags fit). */
const TX_SLOTS = 256;
const TX_SLOT = 2048;

export class VxlanNetdev extends SoftNetdev {
  readonly type = 'vxlan';
  readonly ring = new RxRing(RX_RING);
  /** The VNI of each received frame, as (hi, lo) tunnel id words (lib/datapath/port.ts). */
  readonly rxTunnel = new Uint32Array(2 * RX_RING.slots);
  readonly remoteIp: string;
  readonly localIp: string;
  readonly dstPort: number;
  /** A fixed VNI, or KEY_FLOW. */
  readonly key: number;
  /** Resolves when the port can send and receive; rejects (with why) if it cannot. */
  readonly ready: Promise<void>;
  private readonly endpoint: VxlanEndpoint;
  private readonly tx: dgram.Socket;
  private readonly txBuf = Buffer.alloc(TX_SLOTS * TX_SLOT);
  private txHead = 0;
  private inFlight = 0;
  private up = false;
  private closed = false;
  private scheduled: NodeJS.Immediate | null = null;
  private readonly deliverNow = (): void => this.deliver();
  private readonly afterSend = (err: Error | null): void => {
    this.inFlight--;
    if (err !== null) this.txErrors++;
  };

  constructor(
    name: string,
    opts: VxlanOptions,
    endpoints: VxlanEndpoints = processVxlan,
  ) {
    super(name);
    const family = isIPv4(opts.remoteIp) ? 4 : 6;
    this.remoteIp = canonicalIp(opts.remoteIp);
    this.localIp = opts.localIp !== undefined ? canonicalIp(opts.localIp) : family === 4 ? '0.0.0.0' : '::';
    this.dstPort = opts.dstPort ?? VXLAN_DEFAULT_PORT;
    this.key = opts.key ?? 0;
    this.endpoint = endpoints.acquire(family, this.localIp, this.dstPort, opts.log);
    try {
      this.endpoint.add(this);
    } catch (e) {
      this.endpoint.closeIfUnused();
      throw e;
    }
    const tx = dgram.createSocket({ type: family === 4 ? 'udp4' : 'udp6' });
    this.tx = tx;
    const connected = new Promise<void>((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException): void => reject(new Error(`cannot send from ${this.localIp} to ${this.remoteIp}:${this.dstPort}: ${e.code ?? e.message}`));
      tx.once('error', fail);
      tx.bind(0, this.localIp, () => {
        tx.connect(this.dstPort, this.remoteIp, () => {
          tx.off('error', fail);
          // ICMP errors for earlier datagrams (port unreachable while the far end is down) surface here.
          tx.on('error', (e) => {
            this.txErrors++;
            opts.log?.debug({ err: e, port: name }, 'vxlan send error');
          });
          resolve();
        });
      });
    });
    this.ready = Promise.all([this.endpoint.ready, connected]).then(() => {
      if (this.closed) return;
      this.up = true;
      this.changed();
    });
    this.ready.catch(() => {});
  }

  linkUp(): boolean {
    return this.up && this.adminUp;
  }

  /**
   * Encapsulates and sends `count` frames; `tunnel` holds each frame's
   * tunnel id (hi, lo), whose low 24 bits are the VNI with key=flow.
   * Returns how many were handed to the socket.
   */
  sendFrames(bytes: Uint8Array, desc: Int32Array, count: number, tunnel?: Uint32Array): number {
    if (!this.linkUp()) {
      this.txDropped += count;
      return 0;
    }
    let sent = 0;
    for (let i = 0; i < count; i++) {
      if (this.inFlight >= TX_SLOTS) {
        this.txDropped += count - i;
        break;
      }
      const off = desc[2 * i]!;
      const len = desc[2 * i + 1]!;
      const dlen = VXLAN_HLEN + len;
      let buf = this.txBuf;
      let at = this.txHead * TX_SLOT;
      if (dlen > TX_SLOT) {
        // A jumbo frame: a buffer of its own (rare, and larger than any slot).
        buf = Buffer.allocUnsafe(dlen);
        at = 0;
      } else {
        this.txHead = this.txHead + 1 === TX_SLOTS ? 0 : this.txHead + 1;
      }
      const vni = this.key === KEY_FLOW ? (tunnel === undefined ? 0 : tunnel[2 * i + 1]! & 0xffffff) : this.key;
      writeVxlanHeader(buf, at, vni);
      copyBytes(bytes, off, buf, at + VXLAN_HLEN, len);
      this.inFlight++;
      this.tx.send(buf, at, dlen, this.afterSend);
      this.txPackets++;
      this.txBytes += len;
      sent++;
    }
    return sent;
  }

  /** Stops listening (the shared socket closes with its last port) and closes the sending socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.endpoint.remove(this);
    this.tx.close();
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.handler = null;
    if (this.up) {
      this.up = false;
      this.changed();
    }
  }

  /** An inner frame from the endpoint: queued for the next delivery. */
  receive(msg: Uint8Array, off: number, len: number, vni: number): void {
    if (!this.linkUp() || this.handler === null) {
      this.rxDropped++;
      return;
    }
    const r = this.ring;
    const { slotSize, headroom } = r.geometry;
    if (len > slotSize - headroom) {
      this.rxErrors++;
      return;
    }
    if (r.count === r.capacity) this.deliver();
    const c = r.count;
    const at = c * slotSize + headroom;
    copyBytes(msg, off, r.bytes, at, len);
    r.desc[2 * c] = at;
    r.desc[2 * c + 1] = len;
    this.rxTunnel[2 * c] = 0;
    this.rxTunnel[2 * c + 1] = vni;
    r.count = c + 1;
    this.rxPackets++;
    this.rxBytes += len;
    if (this.scheduled === null) this.scheduled = setImmediate(this.deliverNow);
  }

  private deliver(): void {
    if (this.scheduled !== null) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    const h = this.handler;
    if (h !== null && this.ring.count > 0) h(this.ring);
    this.ring.clear();
  }
}
