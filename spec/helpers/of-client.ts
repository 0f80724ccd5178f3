/**
 * A minimal OpenFlow 1.3 client for connection tests: connects over TCP (or a
 * Unix socket, or TLS), does the HELLO exchange, sends messages and waits for
 * the next one (optionally of a given type), with timeouts. It also serves as
 * a fake controller (`FakeController` accepts the switch's active connections).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import {
  decodeMessage,
  encodeMessage,
  Framer,
  OFPHET,
  OFPT,
  type OfpMessage,
} from '../../lib/openflow/index.js';

/** The message of type T (works for types shared by two messages, like GET_CONFIG_REPLY/SET_CONFIG). */
export type MsgOf<T extends OFPT> = OfpMessage extends infer M ? (M extends { type: infer U } ? (T extends U ? M : never) : never) : never;

export class OfClient {
  readonly received: OfpMessage[] = [];
  private readonly framer = new Framer();
  private waiters: Array<() => void> = [];
  private nextXid = 100;
  closed = false;
  rawIn: Buffer[] = [];

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.rawIn.push(chunk);
      this.framer.push(chunk);
      for (let raw; (raw = this.framer.next()); ) {
        try {
          this.received.push(decodeMessage(raw));
        } catch {
          // A test that cares looks at rawIn.
        }
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number | string, host = '127.0.0.1'): Promise<OfClient> {
    const socket = typeof port === 'string' ? createConnection(port) : createConnection({ port, host });
    await once(socket, 'connect');
    socket.setNoDelay(true);
    return new OfClient(socket);
  }

  /** Connects and exchanges HELLOs (OF1.3 with bitmap). */
  static async handshake(port: number | string, host?: string): Promise<OfClient> {
    const c = await OfClient.connect(port, host);
    c.sendHello();
    await c.expect(OFPT.HELLO);
    return c;
  }

  sendHello(bitmap = 1 << 4, version = 4): void {
    this.write(encodeMessage({ version, type: OFPT.HELLO, xid: 1, elements: [{ type: OFPHET.VERSIONBITMAP, bitmaps: [bitmap] }] }));
  }

  xid(): number {
    return this.nextXid++;
  }

  send(msg: OfpMessage): number {
    this.write(encodeMessage(msg));
    return msg.xid;
  }

  write(buf: Buffer): void {
    this.socket.write(buf);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Removes and returns the first received message matching `pred`, waiting up to `ms`. */
  async next(pred: (m: OfpMessage) => boolean = () => true, ms = 3000): Promise<OfpMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.received.findIndex(pred);
      if (i >= 0) return this.received.splice(i, 1)[0]!;
      if (this.closed) throw new Error('connection closed while waiting');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting; have ${this.received.map((m) => OFPT[m.type]).join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  expect<T extends OFPT>(type: T, xid?: number, ms?: number): Promise<MsgOf<T>> {
    return this.next((m) => m.type === type && (xid === undefined || m.xid === xid), ms) as Promise<MsgOf<T>>;
  }

  /** Waits until the switch closes the connection. */
  async waitClosed(ms = 3000): Promise<void> {
    if (this.closed) return;
    await Promise.race([
      once(this.socket, 'close'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('still open')), ms)),
    ]);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A TCP server standing in for a controller: the switch connects to it. */
export class FakeController {
  readonly clients: OfClient[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly server: Server) {
    server.on('connection', (s: Socket) => {
      s.setNoDelay(true);
      this.clients.push(new OfClient(s));
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  static async listen(port = 0): Promise<FakeController> {
    const server = createServer();
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return new FakeController(server);
  }

  get port(): number {
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('not listening');
    return a.port;
  }

  /** Waits for the n-th (1-based) connection. */
  async connection(n = 1, ms = 5000): Promise<OfClient> {
    const deadline = Date.now() + ms;
    while (this.clients.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no connection #${n}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.clients[n - 1]!;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
