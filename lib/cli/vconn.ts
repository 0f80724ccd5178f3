/**
 * Vconn: the command line's OpenFlow 1.3 connection to a switch, after Open
 * vSwitch's `vconn` as ovs-ofctl uses it.
 *
 * What it does, in the order a command meets it:
 * 1. Connect to a TCP or Unix endpoint (resolving `SWITCH` arguments into
 *    one is ofctl/switch-target.ts's job) and exchange HELLOs. We offer only
 *    OpenFlow 1.3 (a version bitmap with bit 4); a switch that cannot speak
 *    it gets OFPET_HELLO_FAILED, as Open vSwitch sends, and the caller a
 *    `VconnError` that says which versions the switch offered.
 * 2. Requests. Every message we send gets an xid from one counter that
 *    starts at 1 (the HELLO takes it), as in ovs-ofctl. ovs-ofctl prints
 *    xids (`OFPST_FLOW reply (OF1.3) (xid=0x6):`) and spends some on side
 *    connections for port and table names; `skipXids()` lets a command
 *    number its requests exactly as ovs-ofctl would while we use one
 *    connection.
 *    - `transact()`: one request, its one reply (an OFPT_ERROR with the
 *      request's xid rejects with `ErrorReply`).
 *    - `dump()`: a multipart request; each reply message is handed over as
 *      it arrives (so long dumps print while the switch is still sending)
 *      until one comes without OFPMPF_REPLY_MORE.
 *    - `send()` + `barrier()`: requests without replies. OpenFlow answers
 *      them only with errors, and a switch processes messages in order, so
 *      every error for them has arrived by the time the barrier's reply
 *      does; `barrier()` returns those errors. Sends are batched into large
 *      socket writes, which is what makes bulk flow loads fast.
 * 3. Everything the switch sends that no request claims (packet-ins, port
 *    status, flow-removed, errors for requests without replies) goes to the
 *    `unsolicited` handler; the default keeps errors for the next
 *    `barrier()` and drops the rest. ECHO_REQUESTs from the switch are
 *    answered here, so a long dump or a monitor is never dropped for
 *    liveness.
 *
 * A connection can also be adopted (`adopt()`) from ofctl-early.ts, which
 * opens it and sends the HELLO and a flow dump request before ofctl has
 * finished loading; negotiation and replies then proceed as here.
 *
 * Messages are handed to callers as raw bytes plus, where the caller asks
 * for it, the decoded value: printing an error reply needs the bytes (the
 * printer reproduces ovs-ofctl's decode errors), and a barrier reply needs
 * neither.
 *
 * Failures of the connection itself (refused, closed by the switch, not
 * OpenFlow, a wait longer than `timeoutMs`) reject every pending wait with a
 * `VconnError` whose message is what ofctl prints after its name.
 */
import { createConnection, type Socket } from 'node:net';
import {
  decodeMessage,
  encodeMessage,
  Framer,
  OFP_VERSION,
  OFPHET,
  OFPT,
  Writer,
  type HelloElem,
  type MultipartReply,
  type OfpMessage,
} from '../openflow/index.js';
import { negotiateVersion } from '../conn/hello.js';
import type { EarlyConnection } from './ofctl-early.js';
import { decodeReply, DumpStream, errorReply, type RawMessage } from './ofctl/replies.js';

export { DumpStream, ErrorReply, decodeReply, type RawMessage } from './ofctl/replies.js';

/** Where to connect: what a `tcp:` or `unix:` target names. */
export type Endpoint = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** A failure of the connection rather than of a request; `message` is printable as is. */
export class VconnError extends Error {
  override readonly name = 'VconnError';
}

export interface VconnOptions {
  /** The name the user gave the switch, for messages. */
  readonly name: string;
  /**
   * The longest any single wait (connect, HELLO, a reply) may take, in ms;
   * 0 waits forever, as ovs-ofctl does without --timeout.
   */
  readonly timeoutMs?: number;
  /** How long to wait for the switch's HELLO (default 10 s, so a peer that is not a switch does not hang us). */
  readonly helloTimeoutMs?: number;
}

/** Batched writes go out once this many bytes are queued. */
const FLUSH_THRESHOLD = 256 * 1024;

const DEFAULT_HELLO_TIMEOUT_MS = 10_000;

/** Handles a message with the xid it waits for; returns true when it wants no more. */
type XidWaiter = (m: RawMessage) => boolean;

export class Vconn {
  /** The negotiated version; always OpenFlow 1.3. */
  readonly version = OFP_VERSION;
  /**
   * Messages no request claims. The default keeps OFPT_ERRORs for the
   * next barrier() and drops everything else; `monitor` replaces it.
   */
  unsolicited: (m: RawMessage) => void = (m) => {
    if (m.type === OFPT.ERROR) this.pendingErrors.push(m);
  };
  /** Called with each ECHO_REQUEST after it has been answered (monitor prints them). */
  onEchoRequest: ((m: RawMessage) => void) | undefined;

  private nextXid = 1;
  private readonly framer = new Framer();
  private out = new Writer(64 * 1024);
  private readonly waiters = new Map<number, XidWaiter>();
  private readonly pendingErrors: RawMessage[] = [];
  private failure: VconnError | undefined;
  private readonly failureListeners = new Set<(e: VconnError) => void>();
  private readonly timeoutMs: number;

  private constructor(
    private readonly socket: Socket,
    readonly name: string,
    timeoutMs: number,
  ) {
    this.timeoutMs = timeoutMs;
  }

  /** Connects, exchanges HELLOs and negotiates OpenFlow 1.3. */
  static async open(endpoint: Endpoint, opts: VconnOptions): Promise<Vconn> {
    const timeoutMs = opts.timeoutMs ?? 0;
    const socket = endpoint.kind === 'tcp' ? createConnection({ host: endpoint.host, port: endpoint.port }) : createConnection(endpoint.path);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', (e: NodeJS.ErrnoException) => reject(new VconnError(`connecting to ${opts.name} (${errnoText(e)})`)));
      }),
      timeoutMs,
      () => {
        socket.destroy();
        return new VconnError(`connecting to ${opts.name} (Connection timed out)`);
      },
    );
    if (endpoint.kind === 'tcp') socket.setNoDelay(true);
    const v = new Vconn(socket, opts.name, timeoutMs);
    v.attach();
    try {
      await v.handshake(opts.helloTimeoutMs ?? (timeoutMs || DEFAULT_HELLO_TIMEOUT_MS));
    } catch (e) {
      v.close();
      throw e;
    }
    return v;
  }

  /**
   * Takes over a connection ofctl-early.ts opened before ofctl was loaded,
   * on which it already sent the HELLO (xid 1) and a multipart request
   * (`dumpXid`): negotiates the version from the switch's HELLO as open()
   * does, and returns the request's replies as a DumpStream, those that
   * came already included.
   */
  static async adopt(early: EarlyConnection, dumpXid: number, opts: VconnOptions): Promise<{ vconn: Vconn; dump: DumpStream }> {
    try {
      await early.connected;
    } catch (e) {
      early.socket.destroy();
      throw new VconnError(`connecting to ${opts.name} (${errnoText(e as NodeJS.ErrnoException)})`);
    }
    const timeoutMs = opts.timeoutMs ?? 0;
    const v = new Vconn(early.socket, opts.name, timeoutMs);
    v.nextXid = Math.max(dumpXid, 1) + 1;
    early.detach();
    v.attach();
    const dump = v.expectDump(dumpXid);
    const hello = v.expectHello(opts.helloTimeoutMs ?? (timeoutMs || DEFAULT_HELLO_TIMEOUT_MS));
    for (const chunk of early.chunks) v.receive(chunk);
    if (early.closed()) v.fail(new VconnError(`${opts.name}: connection closed by the switch (End of file)`));
    try {
      v.negotiate(await hello);
    } catch (e) {
      v.close();
      throw e;
    }
    return { vconn: v, dump };
  }

  /* --------------------------------------------------------- xids */

  /** The next transaction id. */
  allocXid(): number {
    const xid = this.nextXid;
    this.nextXid = (this.nextXid + 1) >>> 0 || 1;
    return xid;
  }

  /** Spends `n` xids without sending anything (see the essay: ovs-ofctl's side connections). */
  skipXids(n: number): void {
    for (let i = 0; i < n; i++) this.allocXid();
  }

  /* ---------------------------------------------------------- send */

  /** Queues a message (its xid as given) for sending; sent at the next wait, or once enough is queued. */
  send(msg: OfpMessage): void {
    this.check();
    encodeMessage(msg, this.out);
    if (this.out.off >= FLUSH_THRESHOLD) this.flush();
  }

  /** Queues bytes that already form whole messages. */
  sendRaw(bytes: Uint8Array): void {
    this.check();
    this.out.bytes(bytes);
    if (this.out.off >= FLUSH_THRESHOLD) this.flush();
  }

  /** Hands what is queued to the socket. */
  flush(): void {
    if (this.out.off === 0 || this.failure) return;
    const chunk = this.out.view();
    this.out = new Writer(64 * 1024);
    this.socket.write(chunk);
  }

  /** Whether the socket's buffer is full; a bulk sender should `await drained()`. */
  get congested(): boolean {
    return this.socket.writableNeedDrain;
  }

  /** Resolves once the socket has sent what it buffered (or the connection failed). */
  drained(): Promise<void> {
    this.flush();
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    return this.wait(
      (resolve) => {
        const done = (): void => resolve(undefined);
        this.socket.once('drain', done);
        return () => this.socket.off('drain', done);
      },
      'sending',
    );
  }

  /* ------------------------------------------------------ requests */

  /**
   * Sends `msg` and resolves with the first message carrying its xid (that
   * `accept` accepts, when given: others with the xid go to `unsolicited`);
   * an OFPT_ERROR rejects with ErrorReply.
   */
  transact(msg: OfpMessage, accept?: (m: RawMessage) => boolean): Promise<RawMessage> {
    this.send(msg);
    this.flush();
    return this.wait((resolve, reject) => {
      this.waiters.set(msg.xid, (m) => {
        if (accept && !accept(m)) {
          this.unsolicited(m);
          return false;
        }
        if (m.type === OFPT.ERROR) reject(errorReply(m));
        else resolve(m);
        return true;
      });
      return () => this.waiters.delete(msg.xid);
    }, 'waiting for a reply');
  }

  /**
   * Sends a multipart request and calls `onReply` with each reply message
   * until the last; an OFPT_ERROR instead rejects with ErrorReply (after the
   * replies before it were handed over).
   */
  dump(msg: OfpMessage, onReply: (m: RawMessage) => void): Promise<void> {
    return this.dumpStream(msg).consume(onReply);
  }

  /**
   * Sends a multipart request now and keeps its replies until `consume()`
   * is called: a command can ask early and load what it prints with while
   * the switch answers.
   */
  dumpStream(msg: OfpMessage): DumpStream {
    this.send(msg);
    this.flush();
    return this.expectDump(msg.xid);
  }

  /** The replies to a multipart request with this xid, sent already. */
  private expectDump(xid: number): DumpStream {
    const stream = new DumpStream();
    const done = this.wait<void>((resolve, reject) => {
      stream.attach(resolve, reject);
      this.waiters.set(xid, (m) => stream.push(m));
      return () => this.waiters.delete(xid);
    }, 'waiting for statistics');
    stream.settled(done);
    return stream;
  }

  /** `dump()` collecting the decoded replies. */
  async dumpAll(msg: OfpMessage): Promise<MultipartReply[]> {
    const replies: MultipartReply[] = [];
    await this.dump(msg, (m) => replies.push(decodeReply(m) as MultipartReply));
    return replies;
  }

  /**
   * Sends a barrier and waits for its reply. Returns the errors the switch
   * sent, since the last barrier, for requests that have no reply.
   */
  async barrier(): Promise<RawMessage[]> {
    const xid = this.allocXid();
    await this.transact({ type: OFPT.BARRIER_REQUEST, xid });
    return this.pendingErrors.splice(0);
  }

  /** Errors received so far for requests without replies, without waiting. */
  takeErrors(): RawMessage[] {
    return this.pendingErrors.splice(0);
  }

  /** Sends an echo request and waits for its reply. */
  async echo(data: Buffer = Buffer.alloc(0), xid = this.allocXid()): Promise<RawMessage> {
    return this.transact({ type: OFPT.ECHO_REQUEST, xid, data });
  }

  /** Resolves when the switch closes the connection (or it fails); for `monitor`. */
  closed(): Promise<VconnError> {
    if (this.failure) return Promise.resolve(this.failure);
    return new Promise((resolve) => this.failureListeners.add(resolve));
  }

  close(): void {
    this.flush();
    this.socket.end();
    this.socket.destroySoon();
    this.fail(new VconnError(`${this.name}: connection closed`));
  }

  /* ------------------------------------------------------ internals */

  private attach(): void {
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (e: NodeJS.ErrnoException) => this.fail(new VconnError(`${this.name}: connection failed (${errnoText(e)})`)));
    this.socket.on('close', () => this.fail(new VconnError(`${this.name}: connection closed by the switch (End of file)`)));
  }

  private receive(chunk: Buffer): void {
    this.framer.push(chunk);
    for (;;) {
      let raw: Buffer | null;
      try {
        raw = this.framer.next();
      } catch {
        this.fail(new VconnError(`${this.name}: received a message with a bad length; this is not an OpenFlow switch`));
        this.socket.destroy();
        return;
      }
      if (raw === null) return;
      this.dispatch({ raw, type: raw[1]!, xid: raw.readUInt32BE(4) });
    }
  }

  private dispatch(m: RawMessage): void {
    if (m.type === OFPT.ECHO_REQUEST && m.raw[0] === OFP_VERSION) {
      const reply = Buffer.from(m.raw);
      reply[1] = OFPT.ECHO_REPLY;
      this.sendRaw(reply);
      this.flush();
      this.onEchoRequest?.(m);
      return;
    }
    const waiter = this.waiters.get(m.xid);
    if (waiter !== undefined) {
      if (waiter(m)) this.waiters.delete(m.xid);
      return;
    }
    this.unsolicited(m);
  }

  private async handshake(timeoutMs: number): Promise<void> {
    const xid = this.allocXid();
    this.send({ type: OFPT.HELLO, xid, elements: [{ type: OFPHET.VERSIONBITMAP, bitmaps: [1 << OFP_VERSION] }] });
    this.flush();
    this.negotiate(await this.expectHello(timeoutMs));
  }

  /** The switch's HELLO (or an OFPT_ERROR in its stead), when it comes. */
  private expectHello(timeoutMs: number): Promise<RawMessage> {
    return this.wait<RawMessage>(
      (resolve) => {
        const previous = this.unsolicited;
        this.unsolicited = (m) => {
          if (m.type === OFPT.HELLO) resolve(m);
          else if (m.type === OFPT.ERROR) resolve(m);
        };
        return () => (this.unsolicited = previous);
      },
      "waiting for the switch's HELLO",
      timeoutMs,
    );
  }

  /** Version negotiation with the switch's HELLO; fails (telling the switch why) unless both speak 1.3. */
  private negotiate(hello: RawMessage): void {
    if (hello.type === OFPT.ERROR) {
      throw new VconnError(`${this.name}: the switch refused the connection with an error instead of a HELLO`);
    }
    let elements: HelloElem[] | undefined;
    try {
      const msg = decodeMessage(hello.raw);
      if (msg.type === OFPT.HELLO) elements = msg.elements;
    } catch {
      // Judge by the header's version alone, as a switch would.
    }
    const peerVersion = hello.raw[0]!;
    const n = negotiateVersion(peerVersion, hello.xid, elements);
    if (!n.ok) {
      this.send(n.error);
      this.flush();
      throw new VconnError(`${this.name}: version negotiation failed: ${n.reason} ofctl speaks only OpenFlow 1.3 (-O OpenFlow13)`);
    }
  }

  /**
   * Runs `arm(resolve, reject)` (which returns its own cleanup) and waits,
   * rejecting on connection failure or after the timeout.
   */
  private wait<T>(
    arm: (resolve: (v: T) => void, reject: (e: unknown) => void) => () => void,
    what: string,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let disarm: () => void = () => undefined;
      const finish = (): void => {
        disarm();
        if (timer) clearTimeout(timer);
        this.failureListeners.delete(onFail);
      };
      const onFail = (e: VconnError): void => {
        finish();
        reject(e);
      };
      this.failureListeners.add(onFail);
      if (timeoutMs > 0) {
        timer = setTimeout(() => onFail(new VconnError(`${this.name}: timed out ${what} after ${timeoutMs / 1000} s`)), timeoutMs);
      }
      disarm = arm(
        (v) => {
          finish();
          resolve(v);
        },
        (e) => {
          finish();
          reject(e);
        },
      );
    });
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private fail(e: VconnError): void {
    if (this.failure) return;
    this.failure = e;
    for (const l of [...this.failureListeners]) l(e);
    this.failureListeners.clear();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (ms <= 0) return p;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export function describe(e: Endpoint): string {
  return e.kind === 'tcp' ? `tcp:${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}` : `unix:${e.path}`;
}

/** "Connection refused", as strerror() says it, for the errno codes a connect meets. */
export function errnoText(e: NodeJS.ErrnoException): string {
  const texts: Record<string, string> = {
    ECONNREFUSED: 'Connection refused',
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    ECONNRESET: 'Connection reset by peer',
    EPIPE: 'Broken pipe',
    ETIMEDOUT: 'Connection timed out',
    EHOSTUNREACH: 'No route to host',
    ENETUNREACH: 'Network is unreachable',
    ENOTSOCK: 'Socket operation on non-socket',
    EADDRNOTAVAIL: 'Cannot assign requested address',
    ENOTFOUND: 'Name or service not known',
    EAI_AGAIN: 'Temporary failure in name resolution',
  };
  return (e.code && texts[e.code]) ?? e.message;
}

