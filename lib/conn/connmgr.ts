/**
 * The connection manager of one switch, after Open vSwitch's connmgr.
 *
 * It owns the switch's OpenFlow connections and everything they share:
 * - controllers (`tcp:`/`ssl:` targets) it connects to and keeps
 *   reconnecting; their connections are "primary";
 * - listeners (`ptcp:`/`pssl:`/`punix:`) that accept any number of clients;
 *   their connections are "service" connections, like Open vSwitch's
 *   management socket that `ovs-ofctl` talks to (no asynchronous messages
 *   until the client sets a miss_send_len, never refused as a slave);
 * - the switch-wide generation id and the one-master rule;
 * - the switch-wide fragment handling flags of SET_CONFIG;
 * - the routing of the switch's asynchronous events: each connection that
 *   is ready and whose role and async masks want an event gets its own
 *   message (packet-ins differ per connection: miss_send_len, buffering);
 * - fail mode. `standalone` (the default, as in Open vSwitch) tells the
 *   switch `setControllerConnected(false)` once no controller has been
 *   admitted for three probe intervals (or at once, when no controller is
 *   configured at all) and `true` again as soon as one is (and at startup,
 *   when controllers are configured: they get the same grace period as
 *   after a disconnection, as in Open vSwitch); `secure` never
 *   tells it anything, so its flow tables stay as they are. "Admitted" is
 *   rconn's notion: the controller sent something other than handshake
 *   chatter (HELLO, ECHO, FEATURES, CONFIG), or stayed connected 30 s.
 *   Service connections never count.
 */
import type { Server, Socket } from 'node:net';
import { encodeMessage, OFPC_FRAG, OFPCR_ROLE, OFPR, type OfpMessage } from '../openflow/index.js';
import type { AsyncEvent, OpenFlowSwitch } from '../ofproto/switch-api.js';
import { ActiveController, type ActiveStatus } from './active.js';
import { receivesAsync } from './async-config.js';
import { NO_BUSY_POLL, type BusyPoll } from './busy-poll.js';
import { silentLogger, type ConnLogger } from './log.js';
import { OfConn, type ConnStatus, type OfConnHost, type OfConnSettings } from './ofconn.js';
import { MsgClass } from './outbox.js';
import { buildPacketIn, inPortOf } from './packet-in.js';
import { GenerationId } from './roles.js';
import { formatTarget, isTls, parseActiveTarget, parsePassiveTarget, type ActiveTarget, type PassiveTarget } from './target.js';
import { realTimers, type TimerHandle, type Timers } from './timers.js';
import { openPassive, removeSocketFile, type TlsMaterial } from './transport.js';
import { DecodeCache } from '../openflow/decode-cache.js';

export type FailMode = 'secure' | 'standalone';

export interface ConnMgrOptions {
  /** For logs: the bridge name. */
  name: string;
  /** Inactivity probe interval in ms (Open vSwitch: 5 s); 0 disables probes. */
  probeIntervalMs: number;
  /** Reconnection backoff bounds in ms (Open vSwitch: 1 s .. 8 s). */
  minBackoffMs: number;
  maxBackoffMs: number;
  failMode: FailMode;
  /** Packet-ins per second per connection; 0 = unlimited (Open vSwitch's default). */
  packetInRateLimit: number;
  /** Packet-in burst; 0 = rate/4. */
  packetInBurstLimit: number;
  /** Packet-ins waiting to be written per connection before new ones drop (controller_queue_size). */
  packetInQueueSize: number;
  /** Replies waiting to be written before a connection stops reading (OFCONN_REPLY_MAX). */
  replyQueueSize: number;
  /** Bytes waiting to be written beyond which packet-ins drop and unsolicited messages disconnect. */
  sendBacklogBytes: number;
  /** Bytes of partial multipart requests held per connection. */
  multipartMaxBytes: number;
  tls: TlsMaterial | undefined;
  timers: Timers;
  log: ConnLogger;
  /** Busy polling after input, shared by the whole process (the daemon's --busy-poll); default none. */
  busyPoll: BusyPoll;
}

export const DEFAULT_CONNMGR_OPTIONS: ConnMgrOptions = {
  name: 'br0',
  probeIntervalMs: 5000,
  minBackoffMs: 1000,
  maxBackoffMs: 8000,
  failMode: 'standalone',
  packetInRateLimit: 0,
  packetInBurstLimit: 0,
  packetInQueueSize: 100,
  replyQueueSize: 100,
  sendBacklogBytes: 8 * 1024 * 1024,
  multipartMaxBytes: 4 * 1024 * 1024,
  tls: undefined,
  timers: realTimers,
  log: silentLogger,
  busyPoll: NO_BUSY_POLL,
};

export interface ListenerStatus {
  target: string;
  /** Where it is bound: "127.0.0.1:6634", or the socket path. */
  address: string;
  /** The TCP port actually bound (useful with port 0), or undefined for punix. */
  port: number | undefined;
  connections: number;
}

export interface ConnMgrStatus {
  name: string;
  failMode: FailMode;
  /** Standalone mode: whether the switch has been told no controller is there. */
  failOpen: boolean;
  controllers: Array<Omit<ActiveStatus, 'conn'> & { connection: ConnStatus | undefined }>;
  listeners: ListenerStatus[];
  /** Every open OpenFlow connection, primary and service. */
  connections: ConnStatus[];
}

interface Listener {
  target: PassiveTarget;
  name: string;
  server: Server;
  conns: Set<OfConn>;
}

const FAIL_OPEN_CHECK_MS = 1000;

export class ConnectionManager implements OfConnHost {
  readonly opts: ConnMgrOptions;
  readonly generation = new GenerationId();
  fragFlags: number = OFPC_FRAG.NORMAL;
  /** Flow_mods from every connection share their decoded instructions and match fields (decode-cache.ts). */
  readonly decodeCache = new DecodeCache();
  private readonly conns = new Set<OfConn>();
  private readonly controllers = new Map<string, ActiveController>();
  private readonly listeners = new Map<string, Listener>();
  private nextConnId = 1;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private closed = false;
  private failOpen = false;
  private lastAdmitted: number;
  private failTimer: TimerHandle | undefined;

  constructor(
    readonly sw: OpenFlowSwitch,
    options: Partial<ConnMgrOptions> = {},
  ) {
    this.opts = { ...DEFAULT_CONNMGR_OPTIONS, ...options };
    this.lastAdmitted = this.opts.timers.now();
  }

  get timers(): Timers {
    return this.opts.timers;
  }

  get log(): ConnLogger {
    return this.opts.log;
  }

  /* ------------------------------------------------------------ configuration */

  /** Adds a controller to connect to ("tcp:HOST[:PORT]" or "ssl:HOST[:PORT]"). */
  addController(target: string | ActiveTarget): void {
    const t = typeof target === 'string' ? unwrap(parseActiveTarget(target)) : target;
    const name = formatTarget(t);
    if (this.controllers.has(name)) return;
    if (isTls(t) && !this.opts.tls) throw new Error(`${name}: ssl needs a private key, certificate and CA certificate`);
    const c = new ActiveController(t, this.opts.tls, this.opts.minBackoffMs, this.opts.maxBackoffMs, {
      timers: this.timers,
      log: this.log,
      attach: (socket, connName, onClosed) => this.attach(socket, 'primary', connName, onClosed),
    });
    this.controllers.set(name, c);
    if (this.started) c.start();
  }

  /** Starts listening on a passive target; resolves with where it is bound. */
  async addListener(target: string | PassiveTarget): Promise<ListenerStatus> {
    const t = typeof target === 'string' ? unwrap(parsePassiveTarget(target)) : target;
    const name = formatTarget(t);
    const existing = this.listeners.get(name);
    if (existing) return listenerStatus(existing);
    const l: Listener = { target: t, name, server: undefined as unknown as Server, conns: new Set() };
    l.server = await openPassive(
      t,
      this.opts.tls,
      (socket) => this.accept(l, socket),
      (err) => this.log.debug({ listener: name, err: err.message }, 'TLS handshake failed'),
    );
    this.listeners.set(name, l);
    this.log.info({ listener: name }, 'listening');
    return listenerStatus(l);
  }

  /** Subscribes to the switch's events and starts connecting to controllers. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.sw.onAsync((e) => this.onAsync(e));
    for (const c of this.controllers.values()) c.start();
    if (this.opts.failMode === 'standalone') {
      if (this.controllers.size === 0) {
        this.setFailOpen(true);
      } else {
        // Open vSwitch gives controllers three probe intervals from startup
        // before failing open; until then the switch must not act alone.
        this.sw.setControllerConnected(true);
        this.scheduleFailCheck();
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.timers.clearTimeout(this.failTimer);
    for (const c of this.controllers.values()) c.stop();
    for (const conn of [...this.conns]) conn.close('shutting down');
    await Promise.all(
      [...this.listeners.values()].map(
        (l) =>
          new Promise<void>((resolve) => {
            l.server.close(() => resolve());
            if (l.target.kind === 'punix') removeSocketFile(l.target.path);
          }),
      ),
    );
    this.listeners.clear();
  }

  status(): ConnMgrStatus {
    const now = this.timers.now();
    return {
      name: this.opts.name,
      failMode: this.opts.failMode,
      failOpen: this.failOpen,
      controllers: [...this.controllers.values()].map((c) => {
        const { conn, ...rest } = c.status();
        return { ...rest, connection: conn?.status(now) };
      }),
      listeners: [...this.listeners.values()].map(listenerStatus),
      connections: [...this.conns].map((c) => c.status(now)),
    };
  }

  /* ------------------------------------------------------------ connections */

  private accept(l: Listener, socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const peer = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'local';
    const conn = this.attach(socket, 'service', `${l.name}<-${peer}`, () => l.conns.delete(conn));
    l.conns.add(conn);
  }

  private attach(socket: Socket, type: 'primary' | 'service', name: string, onClosed: (reason: string) => void): OfConn {
    const settings: OfConnSettings = {
      type,
      name,
      probeIntervalMs: this.opts.probeIntervalMs,
      limits: {
        replyMax: this.opts.replyQueueSize,
        packetInMax: this.opts.packetInQueueSize,
        bytesMax: this.opts.sendBacklogBytes,
      },
      packetInRate: this.opts.packetInRateLimit,
      packetInBurst: this.opts.packetInBurstLimit,
      multipartMaxBytes: this.opts.multipartMaxBytes,
      busyPoll: this.opts.busyPoll,
    };
    const conn = new OfConn(this.nextConnId++, socket, settings, this);
    this.conns.add(conn);
    this.closedCallbacks.set(conn, onClosed);
    this.log.debug({ conn: name, id: conn.id }, 'connection opened');
    conn.start();
    return conn;
  }

  private readonly closedCallbacks = new Map<OfConn, (reason: string) => void>();

  connReady(conn: OfConn): void {
    this.log.debug({ conn: conn.settings.name, id: conn.id }, 'OpenFlow 1.3 negotiated');
  }

  connAdmitted(conn: OfConn): void {
    if (conn.type === 'primary') this.checkFailOpen();
  }

  connClosed(conn: OfConn, reason: string): void {
    this.conns.delete(conn);
    // What belonged to the connection in the switch (its open bundles) goes with it.
    this.sw.connectionClosed?.(conn.id);
    const cb = this.closedCallbacks.get(conn);
    this.closedCallbacks.delete(conn);
    // A controller's loss is logged (at info) by its ActiveController.
    this.log.debug({ conn: conn.settings.name, reason }, 'connection closed');
    cb?.(reason);
  }

  setRole(conn: OfConn, role: OFPCR_ROLE): void {
    if (role === OFPCR_ROLE.MASTER && conn.role !== OFPCR_ROLE.MASTER) {
      for (const other of this.conns) {
        if (other !== conn && other.role === OFPCR_ROLE.MASTER) {
          other.role = OFPCR_ROLE.SLAVE;
          this.log.info({ conn: other.settings.name }, 'demoted from master to slave');
        }
      }
    }
    conn.role = role;
  }

  /* ------------------------------------------------------------ asynchronous messages */

  private onAsync(e: AsyncEvent): void {
    switch (e.kind) {
      case 'packet-in': {
        const ev = e.event;
        const isMiss = ev.reason === OFPR.NO_MATCH;
        const inPort = inPortOf(ev.match);
        for (const conn of this.conns) {
          if (!conn.isReady || !receivesAsync(conn, 'packet-in', ev.reason)) continue;
          const msg = buildPacketIn(ev, conn.missSendLen, (frame, port) => this.sw.bufferPacket(frame, port));
          conn.sendPacketIn(encodeMessage(msg), isMiss, inPort);
        }
        return;
      }
      case 'flow-removed':
        // Accounted as a reply, as Open vSwitch does: a controller that
        // stops reading stops adding the flows that could expire.
        this.broadcast('flow-removed', e.msg.reason, { ...e.msg, xid: 0 } as OfpMessage, MsgClass.REPLY);
        return;
      case 'port-status':
        // Before OpenFlow 1.5 a PORT_MOD's own sender is not told of its
        // change (Open vSwitch); an event that names its origin skips it.
        this.broadcast('port-status', e.msg.reason, { ...e.msg, xid: 0 } as OfpMessage, MsgClass.OTHER, originOf(e));
        return;
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  private broadcast(kind: 'flow-removed' | 'port-status', reason: number, msg: OfpMessage, cls: MsgClass, skipConnId?: number): void {
    let buf: Buffer | undefined;
    for (const conn of this.conns) {
      if (!conn.isReady || conn.id === skipConnId || !receivesAsync(conn, kind, reason)) continue;
      buf ??= encodeMessage(msg);
      conn.sendUnsolicited(buf, cls);
    }
  }

  /* ------------------------------------------------------------ fail mode */

  private scheduleFailCheck(): void {
    if (this.closed) return;
    this.failTimer = this.timers.setTimeout(() => {
      this.failTimer = undefined;
      this.checkFailOpen();
      this.scheduleFailCheck();
    }, FAIL_OPEN_CHECK_MS);
  }

  private checkFailOpen(): void {
    if (this.opts.failMode !== 'standalone' || this.controllers.size === 0 || this.closed) return;
    const now = this.timers.now();
    let admitted = false;
    for (const c of this.conns) {
      if (c.type === 'primary' && c.isAdmitted(now)) {
        admitted = true;
        break;
      }
    }
    if (admitted) {
      this.lastAdmitted = now;
      if (this.failOpen) this.setFailOpen(false);
    } else if (!this.failOpen && now - this.lastAdmitted >= 3 * this.opts.probeIntervalMs) {
      this.setFailOpen(true);
    }
  }

  private setFailOpen(open: boolean): void {
    this.failOpen = open;
    this.log.info({ bridge: this.opts.name }, open ? 'no controller: standalone forwarding' : 'controller connected: leaving standalone forwarding');
    this.sw.setControllerConnected(!open);
  }
}

/**
 * The connection whose request caused an event, when the switch says so.
 * (switch-api.ts does not carry it yet; a Bridge that adds `origin` to its
 * port-status events gets Open vSwitch's behaviour without a change here.)
 */
function originOf(e: AsyncEvent): number | undefined {
  const o: unknown = (e as { origin?: unknown }).origin;
  if (typeof o === 'object' && o !== null && typeof (o as { connId?: unknown }).connId === 'number') return (o as { connId: number }).connId;
  return undefined;
}

function unwrap<T>(p: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!p.ok) throw new Error(p.error);
  return p.value;
}

function listenerStatus(l: Listener): ListenerStatus {
  const a = l.server.address();
  if (a === null || typeof a === 'string') {
    return { target: l.name, address: typeof a === 'string' ? a : '', port: undefined, connections: l.conns.size };
  }
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return { target: l.name, address: `${host}:${a.port}`, port: a.port, connections: l.conns.size };
}

