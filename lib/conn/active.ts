/**
 * An active controller target (`tcp:` / `ssl:`): connect, and reconnect with
 * backoff whenever the connection fails or drops, until stopped — Open
 * vSwitch's reliable rconn.
 *
 * States, named as rconn names them for status output:
 *   CONNECTING  an attempt is in progress (abandoned after max(1 s, backoff));
 *   ACTIVE      connected (the OpenFlow connection may still be in HELLO);
 *   BACKOFF     waiting before the next attempt;
 *   VOID        stopped.
 */
import type { Socket } from 'node:net';
import { Backoff } from './backoff.js';
import type { ConnLogger } from './log.js';
import type { OfConn } from './ofconn.js';
import { formatTarget, type ActiveTarget } from './target.js';
import type { TimerHandle, Timers } from './timers.js';
import { openActive, type TlsMaterial } from './transport.js';

export type ActiveState = 'CONNECTING' | 'ACTIVE' | 'BACKOFF' | 'VOID';

export interface ActiveHost {
  readonly timers: Timers;
  readonly log: ConnLogger;
  /** Wraps a connected socket in an OpenFlow connection and starts it. */
  attach(socket: Socket, name: string, onClosed: (reason: string) => void): OfConn;
}

export interface ActiveStatus {
  target: string;
  state: ActiveState;
  attempts: number;
  connections: number;
  lastError: string | undefined;
  /** Seconds until the next attempt, in BACKOFF. */
  backoffSeconds: number;
  conn: OfConn | undefined;
}

export class ActiveController {
  readonly name: string;
  private state: ActiveState = 'VOID';
  private readonly backoff: Backoff;
  private timer: TimerHandle | undefined;
  private socket: Socket | undefined;
  private conn: OfConn | undefined;
  private attempt = 0;
  private attempts = 0;
  private connections = 0;
  private lastError: string | undefined;
  private nextAttemptAt = 0;
  /** rconn logs failed attempts until the backoff first reaches its maximum, then stays quiet. */
  private quiet = false;

  constructor(
    readonly target: ActiveTarget,
    private readonly tls: TlsMaterial | undefined,
    minBackoffMs: number,
    maxBackoffMs: number,
    private readonly host: ActiveHost,
  ) {
    this.name = formatTarget(target);
    this.backoff = new Backoff(minBackoffMs, maxBackoffMs);
  }

  start(): void {
    if (this.state !== 'VOID') return;
    this.connect();
  }

  stop(): void {
    this.state = 'VOID';
    this.attempt++;
    this.host.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.conn?.close('shutting down');
    this.conn = undefined;
    this.socket?.destroy();
    this.socket = undefined;
  }

  status(): ActiveStatus {
    const now = this.host.timers.now();
    return {
      target: this.name,
      state: this.state,
      attempts: this.attempts,
      connections: this.connections,
      lastError: this.lastError,
      backoffSeconds: this.state === 'BACKOFF' ? Math.max(0, Math.ceil((this.nextAttemptAt - now) / 1000)) : 0,
      conn: this.conn,
    };
  }

  private connect(): void {
    const attempt = ++this.attempt;
    this.state = 'CONNECTING';
    this.attempts++;
    const timeout = this.backoff.attemptStarted(this.host.timers.now());
    this.host.log.debug({ target: this.name }, 'connecting');
    let opened;
    try {
      opened = openActive(this.target, this.tls);
    } catch (e) {
      this.backoff.attemptAbandoned();
      this.failed(attempt, e instanceof Error ? e.message : String(e));
      return;
    }
    const { socket, readyEvent } = opened;
    this.socket = socket;
    const onError = (err: Error): void => this.failed(attempt, err.message);
    socket.once('error', onError);
    socket.once('close', () => this.failed(attempt, 'connection closed'));
    this.timer = this.host.timers.setTimeout(() => {
      if (attempt !== this.attempt) return;
      this.backoff.attemptAbandoned();
      socket.destroy();
      this.failed(attempt, 'connection timed out');
    }, timeout);
    socket.once(readyEvent, () => {
      if (attempt !== this.attempt) return;
      this.host.timers.clearTimeout(this.timer);
      this.timer = undefined;
      socket.off('error', onError);
      socket.removeAllListeners('close');
      this.state = 'ACTIVE';
      this.connections++;
      this.lastError = undefined;
      this.quiet = false;
      this.host.log.info({ target: this.name }, 'connected');
      this.conn = this.host.attach(socket, this.name, (reason) => {
        if (attempt !== this.attempt) return;
        this.conn = undefined;
        this.failed(attempt, reason);
      });
    });
  }

  private failed(attempt: number, error: string): void {
    if (attempt !== this.attempt || this.state === 'VOID') return;
    this.attempt++;
    const wasConnected = this.state === 'ACTIVE';
    this.host.timers.clearTimeout(this.timer);
    this.socket?.destroy();
    this.socket = undefined;
    this.lastError = error;
    const wait = this.backoff.disconnected(this.host.timers.now());
    this.state = 'BACKOFF';
    this.nextAttemptAt = this.host.timers.now() + wait;
    if (wasConnected) {
      this.host.log.info({ target: this.name, reason: error, waitSeconds: wait / 1000 }, 'disconnected');
    } else if (!this.quiet) {
      this.host.log.info({ target: this.name, error, waitSeconds: wait / 1000 }, 'connection failed');
      if (wait >= this.backoff.maxMs) {
        this.quiet = true;
        this.host.log.info({ target: this.name }, 'continuing to retry connections in the background but suppressing further logging');
      }
    } else {
      this.host.log.debug({ target: this.name, error, waitSeconds: wait / 1000 }, 'connection failed');
    }
    this.timer = this.host.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.state === 'BACKOFF') this.connect();
    }, wait);
  }
}
