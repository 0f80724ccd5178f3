/**
 * A stub OpenFlow 1.3 switch for tests: it speaks just enough of the protocol
 * for a real client (ovs-ofctl, os-ken) to believe it is talking to a switch,
 * and records every message the client sends.
 *
 * Why it exists: expected bytes must come from an independent source, never
 * from our encoder. `ovs-ofctl -O OpenFlow13 add-flow tcp:127.0.0.1:PORT TEXT`
 * turns TEXT into a FLOW_MOD exactly as Open vSwitch does; this stub catches
 * that FLOW_MOD. For the same reason the stub decodes headers by hand and
 * builds its few replies from literal offsets: it must not share a line of
 * code with the codec under test.
 *
 * What it answers (everything else is only recorded):
 * - HELLO → HELLO (OF1.3, no elements)
 * - ECHO_REQUEST → ECHO_REPLY with the same data
 * - FEATURES_REQUEST → FEATURES_REPLY
 * - GET_CONFIG_REQUEST → GET_CONFIG_REPLY
 * - BARRIER_REQUEST → BARRIER_REPLY
 * - MULTIPART_REQUEST PORT_DESC → the configured ports; TABLE_FEATURES →
 *   one table whose eight required properties are empty (ovs-ofctl asks
 *   for both to resolve names, and refuses a reply without them); other
 *   multipart requests → OFPET_BAD_REQUEST/OFPBRC_BAD_MULTIPART
 * A test can override or extend this with `onMessage`.
 *
 * One TCP connection is one `StubSession`. ovs-ofctl opens one to fetch port
 * names, one for table names and one for the command itself, one after the
 * other; `runClient` runs a client and gathers them all.
 *
 * The second half of the file runs ovs-ofctl case files (one invocation a
 * line) through stubs, for tests and scripts that record what ovs-ofctl
 * sends: `parseOvsOfctlCases`, `recordOvsOfctl`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';

/** ofp_header.type values the stub needs (OpenFlow 1.3, enum ofp_type). */
export const enum StubOfpt {
  HELLO = 0,
  ERROR = 1,
  ECHO_REQUEST = 2,
  ECHO_REPLY = 3,
  FEATURES_REQUEST = 5,
  FEATURES_REPLY = 6,
  GET_CONFIG_REQUEST = 7,
  GET_CONFIG_REPLY = 8,
  PACKET_OUT = 13,
  FLOW_MOD = 14,
  GROUP_MOD = 15,
  PORT_MOD = 16,
  TABLE_MOD = 17,
  MULTIPART_REQUEST = 18,
  MULTIPART_REPLY = 19,
  BARRIER_REQUEST = 20,
  BARRIER_REPLY = 21,
  METER_MOD = 29,
}

const OFP13 = 4;
const OFPMP_PORT_DESC = 13;
const OFPMP_TABLE_FEATURES = 12;
const OFPET_BAD_REQUEST = 1;
const OFPBRC_BAD_MULTIPART = 2;

/** One message as the client sent it. */
export interface RecordedMessage {
  version: number;
  type: number;
  xid: number;
  /** The whole message, header included. */
  bytes: Buffer;
}

/** A port the stub reports in PORT_DESC replies (struct ofp_port, 64 bytes). */
export interface StubPort {
  port_no: number;
  name: string;
  /** "aa:bb:cc:dd:ee:ff" */
  hw_addr: string;
  config?: number;
  state?: number;
}

export interface StubSwitchOptions {
  ports?: StubPort[];
  datapathId?: bigint;
  /** Called for every message before the default answer; return true if handled. */
  onMessage?: (msg: RecordedMessage, session: StubSession) => boolean;
}

export const DEFAULT_STUB_PORTS: readonly StubPort[] = [
  { port_no: 1, name: 'p1', hw_addr: '02:00:00:00:00:01' },
  { port_no: 2, name: 'p2', hw_addr: '02:00:00:00:00:02' },
];

/** One client connection: what it sent, and a promise that settles on close. */
export class StubSession {
  readonly messages: RecordedMessage[] = [];
  readonly closed: Promise<void>;
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    readonly socket: Socket,
    private readonly sw: OfpStubSwitch,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    // A client that exits abruptly resets the connection; that is not a test failure.
    socket.on('error', () => undefined);
  }

  /** The messages of the given types, in the order they arrived. */
  ofType(...types: number[]): RecordedMessage[] {
    return this.messages.filter((m) => types.includes(m.type));
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt16BE(2);
      if (length < 8) {
        // Not OpenFlow; nothing sensible can follow.
        this.socket.destroy();
        return;
      }
      if (this.pending.length < length) return;
      const bytes = Buffer.from(this.pending.subarray(0, length));
      this.pending = this.pending.subarray(length);
      const msg: RecordedMessage = {
        version: bytes[0]!,
        type: bytes[1]!,
        xid: bytes.readUInt32BE(4),
        bytes,
      };
      this.messages.push(msg);
      this.sw.answer(msg, this);
    }
  }
}

export class OfpStubSwitch {
  /** Every session so far, in the order they connected (append-only). */
  readonly sessions: StubSession[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly options: Required<Omit<StubSwitchOptions, 'onMessage'>> & Pick<StubSwitchOptions, 'onMessage'>,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sessions.push(new StubSession(socket, this));
    });
  }

  /** Listens on an ephemeral port of 127.0.0.1. */
  static async start(options: StubSwitchOptions = {}): Promise<OfpStubSwitch> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('stub switch: no TCP address');
    return new OfpStubSwitch(server, addr.port, {
      ports: options.ports ?? [...DEFAULT_STUB_PORTS],
      datapathId: options.datapathId ?? 0x1n,
      onMessage: options.onMessage,
    });
  }

  /** The target to give a client: "tcp:127.0.0.1:PORT". */
  get target(): string {
    return `tcp:127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.socket.destroy();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }

  /** @internal: the default answers; see the essay at the top. */
  answer(msg: RecordedMessage, session: StubSession): void {
    if (this.options.onMessage?.(msg, session)) return;
    switch (msg.type) {
      case StubOfpt.HELLO:
        session.send(header(StubOfpt.HELLO, msg.xid, 8));
        break;
      case StubOfpt.ECHO_REQUEST: {
        const reply = Buffer.from(msg.bytes);
        reply[0] = OFP13;
        reply[1] = StubOfpt.ECHO_REPLY;
        session.send(reply);
        break;
      }
      case StubOfpt.FEATURES_REQUEST:
        session.send(this.featuresReply(msg.xid));
        break;
      case StubOfpt.GET_CONFIG_REQUEST: {
        // struct ofp_switch_config, 12 bytes: flags 0, miss_send_len 0xffff.
        const b = header(StubOfpt.GET_CONFIG_REPLY, msg.xid, 12);
        b.writeUInt16BE(0xffff, 10);
        session.send(b);
        break;
      }
      case StubOfpt.BARRIER_REQUEST:
        session.send(header(StubOfpt.BARRIER_REPLY, msg.xid, 8));
        break;
      case StubOfpt.MULTIPART_REQUEST: {
        const mpType = msg.bytes.length >= 10 ? msg.bytes.readUInt16BE(8) : 0xffff;
        if (mpType === OFPMP_PORT_DESC) session.send(this.portDescReply(msg.xid));
        else if (mpType === OFPMP_TABLE_FEATURES) session.send(tableFeaturesReply(msg.xid));
        else session.send(errorReply(msg, OFPET_BAD_REQUEST, OFPBRC_BAD_MULTIPART));
        break;
      }
      default:
        break;
    }
  }

  /** struct ofp_switch_features, 32 bytes. */
  private featuresReply(xid: number): Buffer {
    const b = header(StubOfpt.FEATURES_REPLY, xid, 32);
    b.writeBigUInt64BE(this.options.datapathId, 8);
    b.writeUInt32BE(0, 16); // n_buffers
    b[20] = 254; // n_tables
    b.writeUInt32BE(0x4f, 24); // capabilities: flow, table, port, group stats, queue stats
    return b;
  }

  /** A PORT_DESC reply: struct ofp_port, 64 bytes each. */
  private portDescReply(xid: number): Buffer {
    const bodies = this.options.ports.map((p) => {
      const b = Buffer.alloc(64);
      b.writeUInt32BE(p.port_no >>> 0, 0);
      Buffer.from(p.hw_addr.split(':').map((h) => parseInt(h, 16))).copy(b, 8);
      b.write(p.name.slice(0, 15), 16, 'latin1');
      b.writeUInt32BE(p.config ?? 0, 32);
      b.writeUInt32BE(p.state ?? 0, 36);
      return b;
    });
    return multipartReply(OFPMP_PORT_DESC, xid, bodies);
  }
}

/** An ofp_header of the given length, the rest zero. */
function header(type: number, xid: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  b[0] = OFP13;
  b[1] = type;
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(xid >>> 0, 4);
  return b;
}

/**
 * A TABLE_FEATURES reply: one struct ofp_table_features (64 bytes) for
 * table 0, unnamed, with the required properties all empty. ovs-ofctl asks for it to resolve
 * table names and rejects an empty body.
 */
function tableFeaturesReply(xid: number): Buffer {
  // The eight properties ovs-ofctl insists on, each empty (4-byte header padded to 8).
  const required = [0, 2, 4, 6, 8, 10, 12, 14];
  const t = Buffer.alloc(64 + 8 * required.length);
  t.writeUInt16BE(t.length, 0); // length
  t[2] = 0; // table_id
  t.writeBigUInt64BE(0xffffffffffffffffn, 40); // metadata_match
  t.writeBigUInt64BE(0xffffffffffffffffn, 48); // metadata_write
  t.writeUInt32BE(1000, 60); // max_entries
  required.forEach((type, i) => {
    t.writeUInt16BE(type, 64 + 8 * i);
    t.writeUInt16BE(4, 66 + 8 * i);
  });
  return multipartReply(OFPMP_TABLE_FEATURES, xid, [t]);
}

/** struct ofp_error_msg, 12 bytes + up to 64 bytes of the offending message. */
function errorReply(msg: RecordedMessage, type: number, code: number): Buffer {
  const data = msg.bytes.subarray(0, 64);
  const b = header(StubOfpt.ERROR, msg.xid, 12 + data.length);
  b.writeUInt16BE(type, 8);
  b.writeUInt16BE(code, 10);
  data.copy(b, 12);
  return b;
}

/** struct ofp_multipart_reply, 16 bytes + body. */
function multipartReply(mpType: number, xid: number, bodies: Buffer[]): Buffer {
  const body = Buffer.concat(bodies);
  const b = header(StubOfpt.MULTIPART_REPLY, xid, 16 + body.length);
  b.writeUInt16BE(mpType, 8);
  body.copy(b, 16);
  return b;
}

/** What one client run did: its exit status and output, and what it sent. */
export interface ClientRun {
  status: number;
  stdout: string;
  stderr: string;
  messages: RecordedMessage[];
}

/**
 * Runs `cmd args...` (with "{target}" in args replaced by the stub's target)
 * and returns everything it sent, over all the sessions it opened.
 *
 * Every session the client opened has been accepted by the time it exits: a
 * client cannot get past its HELLO without our answer, which we only give
 * once the session exists. So the sessions since the start are all of them.
 */
export async function runClient(sw: OfpStubSwitch, cmd: string, args: string[], timeoutMs = 10_000): Promise<ClientRun> {
  const before = sw.sessions.length;
  const child = spawn(
    cmd,
    args.map((a) => (a === '{target}' ? sw.target : a)),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  const sessions = sw.sessions.slice(before);
  await Promise.all(sessions.map((s) => s.closed));
  return { status: code ?? (signal ? 128 : 1), stdout, stderr, messages: sessions.flatMap((s) => s.messages) };
}

/* ------------------------------------------------ ovs-ofctl case files */

/**
 * One ovs-ofctl invocation from a case file: `add-flow`, options such as
 * `--strict`, and the text argument(s). A line of a case file reads
 * `COMMAND [--OPTION...] TEXT`; for `mod-port` the text is `PORT ACTION` and
 * becomes two arguments; an empty text means no argument (`del-flows` alone).
 */
export interface OvsOfctlCase {
  command: string;
  options: string[];
  text: string;
}

/** Parses a case file: one case a line; blank lines and `#` comments skipped. */
export function parseOvsOfctlCases(file: string): OvsOfctlCase[] {
  const cases: OvsOfctlCase[] = [];
  for (const raw of file.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    const command = words.shift()!;
    const options: string[] = [];
    while (words[0]?.startsWith('--')) options.push(words.shift()!);
    cases.push({ command, options, text: words.join(' ') });
  }
  return cases;
}

/** The ovs-ofctl argument vector for a case, with "{target}" for the switch. */
export function ovsOfctlArgs(c: OvsOfctlCase): string[] {
  const text = c.command === 'mod-port' ? c.text.split(/\s+/) : c.text === '' ? [] : [c.text];
  return ['-O', 'OpenFlow13', ...c.options, c.command, '{target}', ...text];
}

/** What ovs-ofctl did with one case. */
export interface OvsOfctlRecording extends OvsOfctlCase {
  status: number;
  /** stderr with log timestamps and sequence numbers removed, so it is stable. */
  stderr: string[];
  /** Hex of each FLOW_MOD, GROUP_MOD, PORT_MOD, METER_MOD or PACKET_OUT sent. */
  messages: string[];
}

const RECORDED_TYPES = [StubOfpt.FLOW_MOD, StubOfpt.GROUP_MOD, StubOfpt.PORT_MOD, StubOfpt.METER_MOD, StubOfpt.PACKET_OUT];

/**
 * Runs each case through `ovs-ofctl` against stub switches, `workers` at a
 * time (each worker its own stub, since a stub tells one client's sessions
 * from another's only by order), and returns the recordings in case order.
 * The stub's address in stderr becomes "{target}", so recordings compare
 * equal from run to run.
 */
export async function recordOvsOfctl(
  cases: readonly OvsOfctlCase[],
  { binary = 'ovs-ofctl', workers = 4 }: { binary?: string; workers?: number } = {},
): Promise<OvsOfctlRecording[]> {
  const out: OvsOfctlRecording[] = new Array(cases.length);
  let next = 0;
  const work = async (): Promise<void> => {
    const sw = await OfpStubSwitch.start();
    try {
      for (let i = next++; i < cases.length; i = next++) {
        const c = cases[i]!;
        const run = await runClient(sw, binary, ovsOfctlArgs(c));
        out[i] = {
          ...c,
          status: run.status,
          stderr: run.stderr
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => l.replace(/^\S+\|\d+\|/, '').split(sw.target).join('{target}')),
          messages: run.messages.filter((m) => RECORDED_TYPES.includes(m.type)).map((m) => m.bytes.toString('hex')),
        };
      }
    } finally {
      await sw.close();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, work));
  return out;
}
