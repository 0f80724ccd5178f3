/**
 * Drives a Bridge the way real OpenFlow peers do, and runs Open vSwitch
 * beside it, for the differential tests (spec/ofproto/ovs-diff.spec.ts) and
 * the flow-mod benchmark.
 *
 * - `serveBridge(bridge)` listens on 127.0.0.1 and speaks just enough of
 *   the connection side of OpenFlow 1.3 (HELLO, ECHO, FEATURES, GET/SET
 *   CONFIG, BARRIER, ROLE) for ovs-ofctl, handing every switch-state
 *   request to `Bridge.handle()` exactly as the connection manager will.
 *   It stands in for lib/conn until that lands; the tests only see a TCP
 *   target, so switching to the real daemon changes nothing else.
 * - `startOvs()` runs a private ovs-vswitchd: its own OVS_RUNDIR, a
 *   userspace bridge on the `dummy` datapath with dummy ports (nothing
 *   touches the host's interfaces), OpenFlow 1.3 only, fail-mode secure.
 *   Its target is the bridge's management socket.
 * - `startOfswitchd()` runs the real thing instead: bin/ofswitchd with
 *   dummy ports, listening on a free port of 127.0.0.1, with the real
 *   connection manager in front of the Bridge. Tests prefer it when built.
 * - `ovsOfctl(args)` runs ovs-ofctl and returns its status and output.
 * - `OfClient` sends hand-built messages and collects what comes back, to
 *   put requests ovs-ofctl refuses to build to both switches.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bridge } from '../../lib/ofproto/bridge.js';
import {
  decodeMessage,
  encodeMessage,
  errorReply,
  Framer,
  OfpError,
  OFPCR_ROLE,
  OFPHET,
  OFPT,
  type OfpMessage,
} from '../../lib/openflow/index.js';
import { encodeMultipartReplies } from '../../lib/openflow/encode.js';
import { startDaemon } from './daemon.js';
import { ROOT } from './paths.js';

/* --------------------------------------------------- our switch over TCP */

export interface ServedBridge {
  readonly port: number;
  /** "tcp:127.0.0.1:PORT" */
  readonly target: string;
  close(): Promise<void>;
}

/** Serves `bridge` to OpenFlow clients on an ephemeral port of 127.0.0.1. */
export async function serveBridge(bridge: Bridge): Promise<ServedBridge> {
  let nextConn = 1;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const conn = new HarnessConnection(bridge, socket, nextConn++);
    socket.on('data', (chunk: Buffer) => conn.receive(chunk));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
  return {
    port: addr.port,
    target: `tcp:127.0.0.1:${addr.port}`,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

class HarnessConnection {
  private readonly framer = new Framer();
  /** Requests are handled one at a time, in order, as a connection must. */
  private queue: Promise<void> = Promise.resolve();
  private missSendLen = 128;
  private flags = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly bridge: Bridge,
    private readonly socket: Socket,
    private readonly connId: number,
  ) {
    this.unsubscribe = bridge.onAsync((e) => {
      if (e.kind === 'flow-removed') this.send({ ...e.msg, xid: 0 });
      else if (e.kind === 'port-status') this.send({ ...e.msg, xid: 0 });
    });
    socket.on('close', () => this.unsubscribe());
  }

  receive(chunk: Buffer): void {
    this.framer.push(chunk);
    for (;;) {
      let bytes: Buffer | null;
      try {
        bytes = this.framer.next();
      } catch {
        this.socket.destroy();
        return;
      }
      if (bytes === null) return;
      const copy = Buffer.from(bytes);
      this.queue = this.queue.then(() => this.handle(copy));
    }
  }

  private async handle(bytes: Buffer): Promise<void> {
    let msg: OfpMessage;
    try {
      msg = decodeMessage(bytes);
      for (const reply of await this.dispatch(msg)) this.send(reply);
    } catch (e) {
      if (!(e instanceof OfpError)) throw e;
      this.send(errorReply(e, bytes));
    }
  }

  private async dispatch(msg: OfpMessage): Promise<OfpMessage[]> {
    const xid = msg.xid;
    switch (msg.type) {
      case OFPT.HELLO:
        return [{ type: OFPT.HELLO, xid, elements: [{ type: OFPHET.VERSIONBITMAP, bitmaps: [1 << 4] }] }];
      case OFPT.ECHO_REQUEST:
        return [{ type: OFPT.ECHO_REPLY, xid, data: msg.data }];
      case OFPT.FEATURES_REQUEST: {
        const f = this.bridge.features();
        return [{ type: OFPT.FEATURES_REPLY, xid, auxiliary_id: 0, reserved: 0, ...f }];
      }
      case OFPT.GET_CONFIG_REQUEST:
        return [{ type: OFPT.GET_CONFIG_REPLY, xid, flags: this.flags, miss_send_len: this.missSendLen }];
      case OFPT.SET_CONFIG:
        this.flags = msg.flags;
        this.missSendLen = msg.miss_send_len;
        return [];
      case OFPT.BARRIER_REQUEST:
        return [{ type: OFPT.BARRIER_REPLY, xid }];
      case OFPT.ROLE_REQUEST:
        return [{ type: OFPT.ROLE_REPLY, xid, role: OFPCR_ROLE.EQUAL, generation_id: 0n }];
      case OFPT.ECHO_REPLY:
      case OFPT.ERROR:
        return [];
      default:
        return await this.bridge.handle(msg, { connId: this.connId });
    }
  }

  private send(msg: OfpMessage): void {
    if (this.socket.destroyed) return;
    if (msg.type === OFPT.MULTIPART_REPLY) {
      for (const b of encodeMultipartReplies(msg)) this.socket.write(Buffer.from(b));
    } else {
      this.socket.write(Buffer.from(encodeMessage(msg)));
    }
  }
}

/* ------------------------------------------------------- the real daemon */

export interface RunningSwitch {
  /** "tcp:127.0.0.1:PORT" */
  readonly target: string;
  stop(): Promise<void>;
}

const DAEMON_JS = join(ROOT, 'dist', 'lib', 'cli', 'ofswitchd.js');

/** Whether bin/ofswitchd is built. */
export function daemonBuilt(): boolean {
  return existsSync(DAEMON_JS);
}

/**
 * Starts bin/ofswitchd (through spec/helpers/daemon.ts): bridge br0,
 * fail-mode secure, dummy ports (number → name), on a free port. Its only
 * controller is tcp:127.0.0.1:1, where nothing answers, so it never meets a
 * controller it was not meant for.
 */
export async function startOfswitchd(options: { dpid?: string; ports?: Record<number, string> } = {}): Promise<RunningSwitch> {
  const d = await startDaemon([
    '--controller', 'tcp:127.0.0.1:1',
    '--fail-mode', 'secure',
    '--dpid', options.dpid ?? '1',
    ...Object.entries(options.ports ?? {}).flatMap(([no, name]) => ['--port', `${no}=${name}:dummy`]),
  ]);
  return {
    target: `tcp:127.0.0.1:${d.port}`,
    async stop() {
      await d.stop();
    },
  };
}

/* ------------------------------------------------------------- ovs-ofctl */

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs ovs-ofctl -O OpenFlow13 ARGS (asynchronously: our switch runs in this process). */
export async function ovsOfctl(args: string[], timeoutMs = 30_000): Promise<CommandResult> {
  return run('ovs-ofctl', ['-O', 'OpenFlow13', ...args], timeoutMs);
}

export async function run(cmd: string, args: string[], timeoutMs = 30_000, input?: string): Promise<CommandResult> {
  const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  if (input !== undefined) child.stdin!.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { status: code ?? (signal ? 128 : 1), stdout, stderr };
}

/**
 * The OpenFlow error names ovs-ofctl printed ("OFPBAC_BAD_OUT_PORT"), in
 * order: "OFPT_ERROR (OF1.3) (xid=...): NAME" for a plain request, "Error
 * NAME for: ..." for a bundled one.
 */
export function ofctlErrors(stderr: string): string[] {
  return [...stderr.matchAll(/(?:OFPT_ERROR \(OF1\.3\) \(xid=0x[0-9a-f]+\): |^Error )(\S+)/gm)].map((m) => m[1]!);
}

/** dump-flows / dump-groups / dump-meters output without its header line and with entries sorted. */
export function dumpLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(' ') || l.startsWith('\t'))
    .map((l) => l.trim().replace(/duration=[0-9.]+s,? ?/, ''))
    .filter((l) => l !== '')
    .sort();
}

/* ------------------------------------------------------ a private Open vSwitch */

/** Why Open vSwitch cannot run here, or null if it can. */
export function ovsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  for (const b of ['ovs-vswitchd', 'ovsdb-server', 'ovsdb-tool', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl']) {
    if (spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0) return `${b} is not installed (apt-get install openvswitch-switch)`;
  }
  return null;
}

export interface OvsInstance {
  readonly dir: string;
  /** "unix:DIR/br0.mgmt" */
  readonly target: string;
  /** ovs-vsctl with the private database. */
  vsctl(...args: string[]): CommandResult;
  stop(): void;
}

export interface OvsOptions {
  datapathId?: string;
  /** Dummy ports to add, as port number → name. */
  ports?: Record<number, string>;
}

const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** Starts ovsdb-server and ovs-vswitchd in a temporary directory with one bridge, br0. */
export function startOvs(options: OvsOptions = {}): OvsInstance {
  const dir = mkdtempSync(join(tmpdir(), 'ofswitch-ovs-'));
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };
  const sh = (cmd: string, args: string[]): CommandResult => {
    const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
    return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const must = (cmd: string, args: string[]): void => {
    const r = sh(cmd, args);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  const db = `unix:${dir}/db.sock`;
  const vsctl = (...args: string[]): CommandResult => sh('ovs-vsctl', [`--db=${db}`, ...args]);
  const stop = (): void => {
    sh('ovs-appctl', ['-t', `${dir}/vswitchd.ctl`, 'exit']);
    sh('ovs-appctl', ['-t', `${dir}/ovsdb.ctl`, 'exit']);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    must('ovsdb-tool', ['create', `${dir}/conf.db`, SCHEMA]);
    must('ovsdb-server', [
      `${dir}/conf.db`,
      `--remote=punix:${dir}/db.sock`,
      `--pidfile=${dir}/ovsdb.pid`,
      `--unixctl=${dir}/ovsdb.ctl`,
      `--log-file=${dir}/ovsdb.log`,
      '--detach',
    ]);
    must('ovs-vsctl', [`--db=${db}`, '--no-wait', 'init']);
    // --enable-dummy=override: the dummy datapath and dummy ports, so no interface appears on the host.
    must('ovs-vswitchd', [
      db,
      `--pidfile=${dir}/vswitchd.pid`,
      `--unixctl=${dir}/vswitchd.ctl`,
      `--log-file=${dir}/vswitchd.log`,
      '--enable-dummy=override',
      '--disable-system',
      '--disable-system-route',
      '--detach',
    ]);
    const dpid = options.datapathId ?? '0000000000000001';
    const r = vsctl(
      'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=dummy', 'protocols=OpenFlow13', 'fail-mode=secure',
      `other-config:datapath-id=${dpid}`, 'other-config:disable-in-band=true',
    );
    if (r.status !== 0) throw new Error(`add-br: ${r.stderr}`);
    for (const [no, name] of Object.entries(options.ports ?? {})) {
      const p = vsctl('add-port', 'br0', name, '--', 'set', 'interface', name, 'type=dummy', `ofport_request=${no}`);
      if (p.status !== 0) throw new Error(`add-port ${name}: ${p.stderr}`);
    }
  } catch (e) {
    stop();
    throw e;
  }
  return { dir, target: `unix:${dir}/br0.mgmt`, vsctl, stop };
}

/* ------------------------------------------------------ a raw OpenFlow client */

/** A bare OpenFlow 1.3 client: sends our encodings, returns the decoded answers. */
export class OfClient {
  private readonly framer = new Framer();
  private readonly received: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private xid = 1;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.framer.push(c);
      for (let m = this.framer.next(); m !== null; m = this.framer.next()) this.received.push(Buffer.from(m));
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  /** Connects to "tcp:HOST:PORT" or "unix:PATH" and exchanges HELLOs. */
  static async connect(target: string): Promise<OfClient> {
    const socket = target.startsWith('unix:')
      ? createConnection(target.slice(5))
      : createConnection(Number(target.split(':')[2]), target.split(':')[1]);
    await once(socket, 'connect');
    const c = new OfClient(socket);
    socket.write(encodeMessage({ type: OFPT.HELLO, xid: 0, elements: [{ type: OFPHET.VERSIONBITMAP, bitmaps: [1 << 4] }] }));
    await c.until((m) => m.type === OFPT.HELLO);
    return c;
  }

  /** Sends `msg` (or raw bytes) then a barrier; returns everything answered before the barrier reply. */
  async request(msg: OfpMessage | Buffer): Promise<OfpMessage[]> {
    const bytes = Buffer.isBuffer(msg) ? msg : Buffer.from(encodeMessage({ ...msg, xid: this.xid++ }));
    const barrier = this.xid++;
    this.socket.write(bytes);
    this.socket.write(encodeMessage({ type: OFPT.BARRIER_REQUEST, xid: barrier }));
    const out: OfpMessage[] = [];
    await this.until((m) => {
      if (m.type === OFPT.BARRIER_REPLY && m.xid === barrier) return true;
      out.push(m);
      return false;
    });
    return out;
  }

  private async until(done: (m: OfpMessage) => boolean): Promise<void> {
    for (;;) {
      while (this.received.length > 0) {
        const m = decodeMessage(this.received.shift()!);
        if (m.type === OFPT.ECHO_REQUEST) {
          this.socket.write(encodeMessage({ type: OFPT.ECHO_REPLY, xid: m.xid, data: m.data }));
          continue;
        }
        if (done(m)) return;
      }
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('OfClient: no answer in 10 s')), 10_000);
        this.waiter = () => {
          clearTimeout(t);
          this.waiter = null;
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
