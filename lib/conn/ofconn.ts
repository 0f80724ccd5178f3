/**
 * One OpenFlow connection: a socket (TCP, TLS or Unix), its framing,
 * handshake, liveness, ordering and send path. What each message means is
 * dispatch.ts's business; which connections exist is connmgr.ts's.
 *
 * Lifecycle. On start both sides send HELLO; the peer's first message must
 * be its HELLO (anything else closes the connection, as Open vSwitch does),
 * and version negotiation either makes the connection `ready` or answers
 * OFPHFC_INCOMPATIBLE and closes. A peer that sends no HELLO within the
 * probe interval (5 s when probes are off) is dropped.
 *
 * Ordering. Messages are handled strictly in arrival order. When the switch
 * answers a request with a promise, nothing after it on this connection is
 * looked at until it settles, so a BARRIER_REPLY is sent only after every
 * earlier message was fully applied and its replies queued — ahead of the
 * barrier reply, on the same socket. Other connections are not held up.
 *
 * Liveness (Open vSwitch's rconn, liveness.ts). After a probe interval
 * without activity the switch sends ECHO_REQUEST; after another one it
 * drops the connection. A peer that stopped reading dies by the probe too:
 * when its backlog of replies reaches the limit we stop reading its
 * requests (outbox.ts), nothing drains, nothing arrives. (With probes
 * off, as in Open vSwitch, such a connection stays, holding no more than
 * its bounded backlog.)
 *
 * Bad input. A message that fails to decode gets OFPT_ERROR with its first
 * 64 bytes and the connection stays up; a header with length < 8 has lost
 * the framing, so it gets an error and the connection is closed.
 *
 * Memory. Bytes waiting in the framer are bounded (one message plus one
 * read, or `INPUT_PAUSE_BYTES` while a promise is pending: beyond it the
 * socket is paused); the send backlog is bounded by the outbox's limits.
 */
import type { Socket } from 'node:net';
import {
  decodeMessage,
  encodeMessage,
  errorReply,
  Framer,
  OFP_VERSION,
  OFPBRC,
  OFPCR_ROLE,
  OFPET,
  OFPT,
  OfpError,
  type OfpMessage,
} from '../openflow/index.js';
import type { OpenFlowSwitch, RequestOrigin } from '../ofproto/switch-api.js';
import { defaultAsyncMasks, type AsyncMasks, type ConnType } from './async-config.js';
import type { BusyPoll } from './busy-poll.js';
import { dispatchMessage, type DispatchHost } from './dispatch.js';
import { encodeHello, negotiateVersion } from './hello.js';
import type { ConnLogger } from './log.js';
import { MultipartAssembler } from './multipart-assembler.js';
import { MsgClass, Outbox, type OutboxLimits } from './outbox.js';
import { PacketInScheduler } from './pinsched.js';
import { InactivityProbe, isAdmittedType } from './liveness.js';
import type { TimerHandle, Timers } from './timers.js';

/** While a request is pending, input beyond this many bytes pauses the socket. */
const INPUT_PAUSE_BYTES = 256 * 1024;
/** Messages handled per connection before yielding to the event loop... */
const MESSAGES_PER_TURN = 50;
/** ...or milliseconds spent. */
const TURN_MS = 5;
/** A connected controller counts as admitted after this long even if it only chatted (rconn). */
const ADMIT_AFTER_MS = 30_000;

export interface OfConnSettings {
  type: ConnType;
  /** For logs and status: the target, or the listener and the peer's address. */
  name: string;
  /** Inactivity probe interval; 0 disables probes. */
  probeIntervalMs: number;
  limits: OutboxLimits;
  /** Packet-ins per second, 0 for no limit; burst 0 means rate/4. */
  packetInRate: number;
  packetInBurst: number;
  multipartMaxBytes: number;
  /** Keeps the event loop awake briefly after input (lib/conn/busy-poll.ts); none when absent. */
  busyPoll?: BusyPoll;
}

/** What a connection needs from its manager. */
export interface OfConnHost extends DispatchHost {
  readonly sw: OpenFlowSwitch;
  readonly timers: Timers;
  readonly log: ConnLogger;
  connReady(conn: OfConn): void;
  connAdmitted(conn: OfConn): void;
  connClosed(conn: OfConn, reason: string): void;
}

export type ConnState = 'hello' | 'ready' | 'closed';

export interface ConnStatus {
  id: number;
  name: string;
  type: ConnType;
  state: ConnState;
  role: 'equal' | 'master' | 'slave' | 'nochange';
  version: number | undefined;
  secondsConnected: number;
  messagesIn: number;
  messagesOut: number;
  /** Packet-ins not sent: rate limiter evictions plus queue overflows. */
  packetInDrops: number;
  /** Bytes queued and not yet accepted by the kernel. */
  backlogBytes: number;
}

export class OfConn {
  /* Per-connection OpenFlow state (dispatch.ts reads and writes these). */
  role = OFPCR_ROLE.EQUAL;
  missSendLen: number;
  asyncMasks: AsyncMasks = defaultAsyncMasks();
  version: number | undefined;
  readonly assembler: MultipartAssembler;
  readonly origin: RequestOrigin;

  private state: ConnState = 'hello';
  private readonly framer = new Framer();
  private readonly outbox: Outbox;
  private readonly probe: InactivityProbe;
  private readonly schedulers: [PacketInScheduler<Buffer>, PacketInScheduler<Buffer>] | undefined;
  private busy = false;
  private pausedForInput = false;
  private pausedForBacklog = false;
  private admitted = false;
  private flushQueued = false;
  private resumeQueued = false;
  private nextXid = 1;
  private readyAt = 0;
  private messagesIn = 0;
  private mpTimer: TimerHandle | undefined;
  private readonly startedAt: number;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    readonly settings: OfConnSettings,
    private readonly host: OfConnHost,
  ) {
    this.origin = { connId: id };
    // Open vSwitch: controllers hear packet-ins from the start, service
    // connections (ovs-ofctl) only after asking with SET_CONFIG.
    this.missSendLen = settings.type === 'primary' ? 128 : 0;
    this.assembler = new MultipartAssembler(settings.multipartMaxBytes);
    this.startedAt = host.timers.now();
    this.outbox = new Outbox(socket, settings.limits, this.onWriteProgress);
    this.probe = new InactivityProbe(host.timers, settings.probeIntervalMs, {
      sendProbe: () => {
        this.outbox.push(encodeMessage({ type: OFPT.ECHO_REQUEST, xid: this.allocXid(), data: Buffer.alloc(0) }), MsgClass.OTHER);
        this.outbox.flush();
      },
      timedOut: (reason) => {
        if (this.state === 'closed') return;
        const level = this.state === 'hello' ? 'info' : 'warn';
        this.host.log[level]({ conn: this.settings.name }, `${reason}, disconnecting`);
        this.close(reason);
      },
    });
    if (settings.packetInRate > 0) {
      const emit = (buf: Buffer): void => this.emitPacketIn(buf);
      this.schedulers = [
        new PacketInScheduler(settings.packetInRate, settings.packetInBurst, host.timers, emit),
        new PacketInScheduler(settings.packetInRate, settings.packetInBurst, host.timers, emit),
      ];
    }
  }

  get type(): ConnType {
    return this.settings.type;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Sends our HELLO and starts reading. */
  start(): void {
    this.socket.setNoDelay?.(true);
    this.socket.on('data', this.onData);
    this.socket.on('error', (err) => this.close(`connection error (${err.message})`));
    this.socket.on('close', () => this.close('connection closed by peer'));
    this.socket.on('end', () => this.close('connection closed by peer'));
    this.outbox.push(encodeHello(this.allocXid()), MsgClass.OTHER);
    this.outbox.flush();
  }

  /** Whether this (primary) connection is believed accepted by its controller. */
  isAdmitted(now: number): boolean {
    return this.state === 'ready' && (this.admitted || now - this.readyAt >= ADMIT_AFTER_MS);
  }

  clockNow(): number {
    return this.host.timers.now();
  }

  allocXid(): number {
    const x = this.nextXid;
    this.nextXid = (this.nextXid + 1) >>> 0 || 1;
    return x;
  }

  /* ------------------------------------------------------------ sending */

  /** Queues a message; `cls` decides how it counts against the backlog. */
  send(msg: OfpMessage, cls: MsgClass = MsgClass.REPLY): void {
    this.sendRaw(encodeMessage(msg), cls);
  }

  sendRaw(buf: Buffer, cls: MsgClass, count = 1): void {
    if (this.state === 'closed') return;
    this.outbox.push(buf, cls, count);
    this.queueFlush();
  }

  sendError(err: OfpError, request: Buffer): void {
    this.host.log.debug({ conn: this.settings.name, err: err.message }, 'sending error reply');
    this.send(errorReply(err, request, OFP_VERSION));
  }

  /**
   * Queues an unsolicited message that must not be dropped (port-status,
   * flow-removed). A connection whose backlog is already over its byte
   * limit is not reading; it is closed rather than fed without bound.
   */
  sendUnsolicited(buf: Buffer, cls: MsgClass): void {
    if (this.state !== 'ready') return;
    if (this.outbox.overBytes) {
      this.host.log.warn({ conn: this.settings.name, backlog: this.outbox.bytes }, 'send backlog not draining, disconnecting');
      this.close('send backlog not draining');
      return;
    }
    this.sendRaw(buf, cls);
  }

  /** Offers an encoded packet-in: through the rate limiter if any, then the bounded queue. */
  sendPacketIn(buf: Buffer, isMiss: boolean, inPort: number): void {
    if (this.state !== 'ready') return;
    if (this.schedulers) this.schedulers[isMiss ? 1 : 0].send(inPort, buf);
    else this.emitPacketIn(buf);
  }

  private emitPacketIn(buf: Buffer): void {
    if (this.state !== 'ready') return;
    if (this.outbox.pushPacketIn(buf)) this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushNow);
  }

  private readonly flushNow = (): void => {
    this.flushQueued = false;
    this.outbox.flush();
  };

  /* ------------------------------------------------------------ receiving */

  private readonly onData = (chunk: Buffer): void => {
    if (this.state === 'closed') return;
    this.activity();
    this.framer.push(chunk);
    this.pump();
    this.outbox.flush();
    // The peer may be waiting for what we just sent before it sends again.
    this.settings.busyPoll?.kick();
  };

  /**
   * Messages still in our input buffer arrived while we were busy: reading
   * them is hearing from the peer, as for Open vSwitch's rconn, which takes
   * each message off the socket as it handles it. Without this a peer that
   * sent a long burst (100,000 flow_mods) could be probed and dropped while
   * we are still working through what it sent, its socket paused by us.
   */
  private inputStillBuffered(): void {
    if (this.framer.buffered > 0) this.activity();
  }

  private pump(): void {
    let budget = MESSAGES_PER_TURN;
    const turnStart = performance.now();
    while (!this.busy && this.state !== 'closed') {
      if (--budget === 0 || performance.now() - turnStart > TURN_MS) {
        // Yield so one busy peer cannot starve the others (Open vSwitch
        // handles at most 50 messages per connection per main-loop run;
        // our messages can cost more, so time counts too).
        if (!this.resumeQueued) {
          this.resumeQueued = true;
          setImmediate(this.resumePump);
        }
        return;
      }
      if (this.outbox.replyBacklogFull) {
        this.pauseForBacklog();
        return;
      }
      let raw: Buffer | null;
      try {
        raw = this.framer.next();
      } catch (e) {
        this.framingError(e);
        return;
      }
      if (raw === null) break;
      this.messagesIn++;
      let pending: Promise<void> | void;
      try {
        pending = this.onMessage(raw);
      } catch (e) {
        this.internalError(e, raw);
        continue;
      }
      if (pending) {
        this.busy = true;
        pending.then(this.afterPending, (e: unknown) => {
          this.internalError(e, raw);
          this.afterPending();
        });
      }
    }
    this.updateInputPause();
  }

  private readonly resumePump = (): void => {
    this.resumeQueued = false;
    if (this.state === 'closed') return;
    this.inputStillBuffered();
    this.pump();
    this.outbox.flush();
  };

  private readonly afterPending = (): void => {
    this.busy = false;
    if (this.state === 'closed') return;
    this.inputStillBuffered();
    this.pump();
    this.outbox.flush();
  };

  private updateInputPause(): void {
    const over = this.busy && this.framer.buffered > INPUT_PAUSE_BYTES;
    if (over && !this.pausedForInput) {
      this.pausedForInput = true;
      this.socket.pause();
    } else if (!over && this.pausedForInput) {
      this.pausedForInput = false;
      if (!this.pausedForBacklog) this.socket.resume();
    }
  }

  private pauseForBacklog(): void {
    if (this.pausedForBacklog) return;
    this.pausedForBacklog = true;
    this.socket.pause();
  }

  private readonly onWriteProgress = (drained: boolean): void => {
    if (this.state === 'closed') return;
    if (drained) this.activity();
    if (this.pausedForBacklog && !this.outbox.replyBacklogFull) {
      this.pausedForBacklog = false;
      if (!this.pausedForInput) this.socket.resume();
      this.pump();
      this.outbox.flush();
    }
  };

  private onMessage(raw: Buffer): Promise<void> | void {
    const version = raw[0]!;
    const type = raw[1]!;
    if (this.state === 'hello') return this.onHello(raw);
    if (version === OFP_VERSION) {
      // The two messages that need no decoding, answered on the fast path.
      if (type === OFPT.ECHO_REQUEST) {
        const reply = Buffer.from(raw);
        reply[1] = OFPT.ECHO_REPLY;
        this.outbox.push(reply, MsgClass.REPLY);
        return;
      }
      if (type === OFPT.ECHO_REPLY) return;
      if (!this.admitted && isAdmittedType(type)) {
        this.admitted = true;
        this.host.connAdmitted(this);
      }
    }
    return dispatchMessage(this, this.host, raw);
  }

  private onHello(raw: Buffer): void {
    if (raw[1] !== OFPT.HELLO) {
      this.host.log.warn({ conn: this.settings.name, type: raw[1] }, 'received message while expecting hello');
      this.close('protocol error: message before HELLO');
      return;
    }
    let elements;
    try {
      const msg = decodeMessage(raw);
      if (msg.type === OFPT.HELLO) elements = msg.elements;
    } catch {
      elements = undefined;
    }
    const n = negotiateVersion(raw[0]!, raw.readUInt32BE(4), elements);
    if (!n.ok) {
      this.host.log.info({ conn: this.settings.name, peerVersion: raw[0] }, n.reason);
      this.outbox.push(encodeMessage(n.error), MsgClass.OTHER);
      this.outbox.flush();
      this.closeGracefully('version negotiation failed');
      return;
    }
    this.version = n.version;
    this.state = 'ready';
    this.readyAt = this.host.timers.now();
    this.host.connReady(this);
    this.probe.ready();
  }

  private framingError(e: unknown): void {
    if (!(e instanceof OfpError)) throw e;
    this.host.log.info({ conn: this.settings.name, err: e.message }, 'framing lost, disconnecting');
    this.outbox.push(encodeMessage(errorReply(e, Buffer.alloc(0), OFP_VERSION)), MsgClass.OTHER);
    this.outbox.flush();
    this.closeGracefully('framing error');
  }

  /** A bug in the switch or in us: the controller gets an error, the process survives. */
  private internalError(e: unknown, raw: Buffer): void {
    if (e instanceof OfpError) {
      this.sendError(e, raw);
      return;
    }
    this.host.log.error({ conn: this.settings.name, err: e instanceof Error ? e.stack : String(e), type: raw[1] }, 'internal error handling a message');
    if (this.state === 'ready') this.sendError(new OfpError(OFPET.BAD_REQUEST, OFPBRC.EPERM, 'internal error'), raw);
  }

  /* ------------------------------------------------------------ liveness */

  private activity(): void {
    if (this.state === 'ready') this.probe.activity();
  }

  /** Schedules the multipart assembler's timeout check. */
  watchMultipartExpiry(): void {
    const at = this.assembler.nextExpiry();
    if (at === Infinity || this.mpTimer !== undefined) return;
    this.mpTimer = this.host.timers.setTimeout(() => {
      this.mpTimer = undefined;
      if (this.state === 'closed') return;
      for (const head of this.assembler.expire(this.host.timers.now())) {
        this.send(multipartTimeoutError(head));
      }
      this.watchMultipartExpiry();
    }, at - this.host.timers.now() + 1);
  }

  /* ------------------------------------------------------------ closing */

  /** Closes at once; queued output is discarded. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.teardown();
    this.socket.destroy();
    this.host.connClosed(this, reason);
  }

  /** Closes after queued output (an error explaining why) has been written. */
  closeGracefully(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.teardown();
    this.socket.end();
    const t = this.host.timers.setTimeout(() => this.socket.destroy(), 1000);
    this.socket.once('close', () => this.host.timers.clearTimeout(t));
    this.host.connClosed(this, reason);
  }

  private teardown(): void {
    this.probe.cancel();
    this.host.timers.clearTimeout(this.mpTimer);
    this.mpTimer = undefined;
    this.schedulers?.[0].close();
    this.schedulers?.[1].close();
    this.outbox.close();
    this.assembler.clear();
    this.socket.off('data', this.onData);
  }

  status(now: number): ConnStatus {
    const roles = ['nochange', 'equal', 'master', 'slave'] as const;
    const pinDrops = (this.schedulers?.[0].stats.dropped ?? 0) + (this.schedulers?.[1].stats.dropped ?? 0);
    return {
      id: this.id,
      name: this.settings.name,
      type: this.settings.type,
      state: this.state,
      role: roles[this.role] ?? 'equal',
      version: this.version,
      secondsConnected: Math.floor((now - this.startedAt) / 1000),
      messagesIn: this.messagesIn,
      messagesOut: this.outbox.messagesOut,
      packetInDrops: this.outbox.packetInDrops + pinDrops,
      backlogBytes: this.outbox.bytes,
    };
  }
}

/**
 * A multipart sequence timed out. OpenFlow 1.3 has no code for it (1.4 adds
 * OFPBRC_MULTIPART_REQUEST_TIMEOUT); Open vSwitch then sends its Nicira
 * "unencodable error" experimenter error, and so do we.
 */
function multipartTimeoutError(head: Buffer): OfpMessage {
  return {
    type: OFPT.ERROR,
    xid: head.length >= 8 ? head.readUInt32BE(4) : 0,
    err_type: OFPET.EXPERIMENTER,
    exp_type: 1,
    experimenter: 0x00002320,
    data: head,
  };
}
