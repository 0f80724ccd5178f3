/**
 * Replays a recorded controller session against ofswitchd and compares what
 * ofswitchd answers with what the recorded switch (Open vSwitch, or the
 * switch of a third-party capture) answered.
 *
 * The switch runs in this process, assembled as `ofswitchd` assembles a
 * bridge (lib/cli/ofswitchd.ts): an ofproto `Bridge`, a `ConnectionManager`
 * and a `Datapath`, with in-memory (`DummyNetdev`) ports numbered and named
 * as in the recording, the recorded datapath id and fail-mode secure.
 *
 * Each recorded connection is played from the controller's side, in its
 * recorded role: a "controller" connection is one the switch opened to a
 * controller target, so the harness listens and lets the switch connect; an
 * "ofctl" connection is one a client opened to the switch's passive
 * listener, so the harness connects to ours. The recorded to-switch
 * messages are sent byte for byte, in recorded order across connections
 * (by `t`); at each recorded from-switch message the harness waits (bounded)
 * until ofswitchd has sent its counterpart, so causality is kept: a reply
 * before the next request, a packet-in before the packet-out that answers
 * it. Frames that hosts sent and that reached the controller as packet-ins
 * are reproduced by handing the packet-in's frame to the dummy port of its
 * in_port at that point of the sequence.
 *
 * Pairing: replies by xid (a REPLY_MORE sequence is one reply, its bodies
 * concatenated), unsolicited messages by order per connection and type.
 * Comparison: both sides decoded by our codec, normalized by the rules in
 * `NORMALIZE` (each with the spec section that leaves the value to the
 * implementation), then compared field by field. Each difference is a
 * finding; a finding is accepted only if the fixture lists it in its
 * `deviations` (with the section that justifies it), and a listed deviation
 * that no longer occurs is reported too, so the list cannot go stale.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Bridge } from '../../lib/ofproto/bridge.js';
import { ConnectionManager } from '../../lib/conn/index.js';
import { Datapath } from '../../lib/datapath/index.js';
import { DummyNetdev } from '../../lib/netdev/dummy.js';
import { decodeMessage, OFPT, OFPMP, type OfpMessage } from '../../lib/openflow/index.js';
import { Hosts, type TrafficStep } from './hosts.js';
import { NetdevQueues, type QueuedNetdev } from '../../lib/netdev/queues.js';
import { parseSessionQueues } from './session-queues.js';
import { canon, diff, diffEntries, normalize, sortEntries, type Json } from './normalize.js';

/* ------------------------------------------------------------ fixture format */

export interface RecordedMessage {
  dir: 'to-switch' | 'from-switch';
  t: number;
  hex: string;
  type?: string;
  tsharkType?: string;
  decoded?: unknown;
}

export interface RecordedConnection {
  id: number;
  role: 'controller' | 'ofctl';
  target?: string;
  messages: RecordedMessage[];
}

export interface Deviation {
  /**
   * Which recorded message: its index in the connection's `messages`, or a
   * string: `*` (any), an OFPT_ name (`OFPT_FEATURES_REPLY`), or an OFPT_
   * name and multipart type (`OFPT_MULTIPART_REPLY/OFPMP_TABLE_FEATURES`).
   */
  message: number | string;
  /** The connection id (default: any connection). */
  connection?: number;
  /** The field path as findings print it (`body[*].max_entries`); `*` matches any run of characters. */
  field: string;
  /** The recorded switch's value and ours; compared when given (omit for values that vary run to run). */
  ovs?: unknown;
  ofswitchd?: unknown;
  section: string;
  why: string;
}

export interface SessionPort {
  number: number;
  name: string;
  /** The port's own address, as the recorded switch reported it. */
  mac?: string;
  host?: string;
  hostMac?: string;
  hostIp?: string;
}

export interface Session {
  name: string;
  description?: string;
  peer?: string;
  /** queues: what the recorder gave ports through OVSDB (session-queues.ts). */
  topology: { dpid: string; ports: SessionPort[]; localMac?: string; nTables?: number; queues?: string };
  /** Commands hosts ran; `t` on the session's clock (else after message `afterMessage` of connection 0). */
  traffic?: Array<{ afterMessage: number; t?: number; host: string; command: string }>;
  deviations?: Deviation[];
  connections: RecordedConnection[];
}

/* -------------------------------------------------------------- results */

export interface Finding {
  connection: number;
  /** Index of the recorded message in its connection (the first part of a REPLY_MORE sequence), or -1 for an extra one of ours. */
  message: number;
  /** OFPT_ name, with /OFPMP_ name for multiparts. */
  what: string;
  field: string;
  ovs: unknown;
  ofswitchd: unknown;
}

export interface ReplayResult {
  name: string;
  /** Recorded to-switch messages sent. */
  sent: number;
  /** Recorded from-switch messages (REPLY_MORE sequences as one) paired with one of ours and compared. */
  compared: number;
  /** Recorded from-switch messages left out by rule (see SKIPPED_TYPES). */
  skipped: number;
  /** Differences that no deviation explains. */
  unexplained: Finding[];
  /** Differences a listed deviation explains, with it. */
  explained: Array<{ finding: Finding; deviation: Deviation }>;
  /** Listed deviations that matched no difference. */
  unused: Deviation[];
  /** Packet-in frames handed to dummy ports. */
  injected: number;
}

export interface ReplayOptions {
  /** TCP ports the harness may bind (its controller listeners and the switch's ptcp listener). */
  portRange: [number, number];
  /** How long to wait for each expected message. */
  waitMs?: number;
  /** How long to collect messages after the last recorded one, to catch extras. */
  settleMs?: number;
  /** Extra normalization for captures of other switches (e.g. the datapath id of an unknown switch). */
  normalizeDatapathId?: boolean;
}

/* ------------------------------------------------------------------ names */

export function typeName(m: OfpMessage): string {
  const t = `OFPT_${OFPT[m.type] ?? m.type}`;
  if (m.type === OFPT.MULTIPART_REQUEST || m.type === OFPT.MULTIPART_REPLY) return `${t}/OFPMP_${OFPMP[m.mp_type] ?? m.mp_type}`;
  return t;
}

function tryDecode(buf: Buffer): OfpMessage | undefined {
  try {
    return decodeMessage(buf);
  } catch {
    return undefined;
  }
}

/** Messages a switch sends whose xid is the request's (OpenFlow 1.3.5 §6.1.1, §6.4). */
const REPLY_TYPES = new Set<number>([
  OFPT.ERROR,
  OFPT.ECHO_REPLY,
  OFPT.FEATURES_REPLY,
  OFPT.GET_CONFIG_REPLY,
  OFPT.MULTIPART_REPLY,
  OFPT.BARRIER_REPLY,
  OFPT.QUEUE_GET_CONFIG_REPLY,
  OFPT.ROLE_REPLY,
  OFPT.GET_ASYNC_REPLY,
]);

/**
 * Recorded from-switch messages not replayed: echo requests the switch
 * sends on its own are liveness probes timed by the clock (OpenFlow 1.3.5
 * §6.3.2 "echo request/reply ... to verify the liveness"), so whether one
 * falls inside a session depends on how long the session took. The
 * harness's switch has probes off; the controller's echo replies to the
 * recorded probes are still sent and are harmless.
 */
const SKIPPED_TYPES = new Set<number>([OFPT.ECHO_REQUEST]);

/* ----------------------------------------------------------- connections */

interface Received {
  buf: Buffer;
  msg: OfpMessage | undefined;
  claimed: boolean;
}

class ReplayConn {
  readonly received: Received[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private waiters = new Set<() => void>();
  socket: Socket | undefined;
  closed = false;

  attach(socket: Socket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.pending = this.pending.length === 0 ? d : Buffer.concat([this.pending, d]);
      while (this.pending.length >= 8) {
        const len = this.pending.readUInt16BE(2);
        if (len < 8 || this.pending.length < len) break;
        const buf = Buffer.from(this.pending.subarray(0, len));
        this.pending = this.pending.subarray(len);
        this.received.push({ buf, msg: tryDecode(buf), claimed: false });
        if (process.env.REPLAY_TRACE) console.error(`<- ${buf.subarray(0, 16).toString('hex')} (${buf.length} bytes)`);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `cond` holds, or false after `ms`. */
  until(cond: () => boolean, ms: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!cond()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(cond());
      }, ms);
      this.waiters.add(check);
    });
  }

  send(buf: Buffer): void {
    if (this.socket !== undefined && !this.closed) this.socket.write(buf);
  }
}

/** One expected from-switch item: a message, or a REPLY_MORE sequence. */
interface Expected {
  conn: number;
  /** Indices in the connection's messages. */
  indices: number[];
  msgs: OfpMessage[];
  t: number;
}

type Step =
  | { kind: 'send'; conn: number; index: number; t: number; buf: Buffer; msg: OfpMessage | undefined }
  | { kind: 'traffic'; t: number; step: TrafficStep }
  | { kind: 'expect'; t: number; exp: Expected };

/** Groups a connection's from-switch messages: REPLY_MORE parts with one xid become one item. */
function expectedOf(c: RecordedConnection, ci: number): Expected[] {
  const out: Expected[] = [];
  const open = new Map<number, Expected>();
  c.messages.forEach((m, i) => {
    if (m.dir !== 'from-switch') return;
    const msg = decodeMessage(Buffer.from(m.hex, 'hex'));
    if (msg.type === OFPT.MULTIPART_REPLY) {
      const seq = open.get(msg.xid);
      if (seq !== undefined) {
        seq.indices.push(i);
        seq.msgs.push(msg);
      } else {
        const e: Expected = { conn: ci, indices: [i], msgs: [msg], t: m.t };
        out.push(e);
        open.set(msg.xid, e);
      }
      // OFPMPF_REPLY_MORE = 1: more parts follow.
      if ((msg.flags & 1) === 0) open.delete(msg.xid);
      return;
    }
    out.push({ conn: ci, indices: [i], msgs: [msg], t: m.t });
  });
  return out;
}

/** Concatenates the bodies of a REPLY_MORE sequence into the first part. */
function merged(msgs: OfpMessage[]): OfpMessage {
  const first = msgs[0]!;
  if (first.type !== OFPT.MULTIPART_REPLY || msgs.length === 1) return first;
  const body = msgs.flatMap((m) => {
    const b = (m as { body: unknown }).body;
    return Array.isArray(b) ? b : [b];
  });
  return { ...first, body } as OfpMessage;
}

/* ------------------------------------------------------------------ replay */

class PortAllocator {
  private next: number;
  constructor(private readonly range: [number, number]) {
    this.next = range[0];
  }
  /** Binds a server on the next free port of the range. */
  async listen(server: Server): Promise<number> {
    for (; this.next <= this.range[1]; this.next++) {
      const port = this.next;
      const ok = await new Promise<boolean>((resolve) => {
        const onErr = (): void => resolve(false);
        server.once('error', onErr);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', onErr);
          resolve(true);
        });
      });
      if (ok) {
        this.next++;
        return port;
      }
    }
    throw new Error(`no free TCP port in ${this.range[0]}-${this.range[1]}`);
  }
  take(): number {
    if (this.next > this.range[1]) throw new Error('TCP port range used up');
    return this.next++;
  }
}

export async function replaySession(session: Session, opts: ReplayOptions): Promise<ReplayResult> {
  const waitMs = opts.waitMs ?? 2000;
  const settleMs = opts.settleMs ?? 300;
  const alloc = new PortAllocator(opts.portRange);
  const dpid = BigInt(`0x${session.topology.dpid}`);

  const addrs = recordedPortAddrs(session);
  for (const p of session.topology.ports) if (p.mac !== undefined) addrs.set(p.number, p.mac);
  if (session.topology.localMac !== undefined) addrs.set(OFPP_LOCAL, session.topology.localMac);
  const bridge = new Bridge({
    datapathId: dpid,
    name: 'br0',
    failMode: 'secure',
    ...(addrs.has(OFPP_LOCAL) ? { localNetdev: new DummyNetdev('br0', { hwAddr: addrs.get(OFPP_LOCAL)! }) } : {}),
    // Open vSwitch exposes 254 tables (0..253); how many is the switch's
    // choice (OpenFlow 1.3.5 §7.3.1 n_tables), so the replay switch is built
    // with as many as the recorded one, and table-stats and table-features
    // replies list the same tables.
    ...(session.topology.nTables !== undefined ? { nTables: session.topology.nTables } : { nTables: 254 }),
  });
  const mgr = new ConnectionManager(bridge, {
    name: 'br0',
    failMode: 'secure',
    // No inactivity probes: see SKIPPED_TYPES.
    probeIntervalMs: 0,
    minBackoffMs: 100,
    maxBackoffMs: 200,
    ...(process.env.REPLAY_TRACE ? { log: traceLogger } : {}),
  });
  // The ports get the addresses the recorded switch reported for them, so
  // that PORT_MODs (which must name the port's address, OpenFlow 1.3.5
  // §7.3.3) work as recorded and port descriptions compare exactly.
  const ports = new Map<number, DummyNetdev>();
  // The queues the recording's ports had (configured outside OpenFlow, §7.3.6).
  const queues = parseSessionQueues(session.topology.queues);
  for (const p of session.topology.ports) {
    const hw = addrs.get(p.number);
    const nd = new DummyNetdev(p.name, hw !== undefined ? { hwAddr: hw } : {});
    const q = queues.get(p.number);
    if (q !== undefined) (nd as QueuedNetdev).queues = new NetdevQueues(q);
    ports.set(p.number, nd);
    bridge.addPort(nd, p.number);
  }
  // Ports start as the recorded switch first described them: in the
  // recordings the bridge's own device (LOCAL) was never brought up, so
  // Open vSwitch reports it down (config PORT_DOWN, state LINK_DOWN).
  for (const [no, d] of recordedInitialPorts(session)) {
    const port = bridge.ports.get(no);
    if (port === undefined) continue;
    if ((d.state & OFPPS_LINK_DOWN) !== 0) (port.netdev as DummyNetdev).setLink(false);
    if ((d.config & OFPPC_PORT_DOWN) !== 0) port.config |= OFPPC_PORT_DOWN;
    port.lastDesc = port.desc();
  }
  const dp = new Datapath(bridge).attach();
  const hostTraffic = (session.traffic ?? []).length > 0;
  const hosts = new Hosts(
    session.topology.ports.flatMap((p) =>
      p.host !== undefined && p.hostMac !== undefined && p.hostIp !== undefined
        ? [{ name: p.host, port: p.number, mac: p.hostMac, ip: p.hostIp }]
        : [],
    ),
    ports,
  );

  const conns: ReplayConn[] = session.connections.map(() => new ReplayConn());
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  const result: ReplayResult = {
    name: session.name,
    sent: 0,
    compared: 0,
    skipped: 0,
    unexplained: [],
    explained: [],
    unused: [],
    injected: 0,
  };
  const findings: Finding[] = [];

  try {
    // The switch's passive listener, for "ofctl" connections.
    let ptcpPort = 0;
    for (;;) {
      ptcpPort = alloc.take();
      try {
        await mgr.addListener(`ptcp:${ptcpPort}:127.0.0.1`);
        break;
      } catch (e) {
        // Taken (another replay in the range): the next one.
        if (!/EADDRINUSE/.test((e as Error).message)) throw e;
      }
    }
    // One listener per recorded controller target; the switch's connections
    // to it are handed to the recorded connections in order.
    const byTarget = new Map<string, number[]>();
    session.connections.forEach((c, i) => {
      if (c.role !== 'controller') return;
      const key = c.target ?? 'controller';
      byTarget.set(key, [...(byTarget.get(key) ?? []), i]);
    });
    for (const queue of byTarget.values()) {
      const waiting = [...queue];
      const server = createServer((s) => {
        if (process.env.REPLAY_TRACE) console.error(`${Date.now() % 100000} connection accepted (${waiting.length} recorded connections waiting)`);
        sockets.push(s);
        s.on('error', () => undefined);
        // A connection counts as the switch's once it speaks: anything else
        // that connects and goes (a port probe) must not take a recorded
        // connection's place.
        s.once('data', (first: Buffer) => {
          const i = waiting.shift();
          if (i === undefined) {
            s.destroy();
            return;
          }
          conns[i]!.attach(s);
          s.emit('data', first);
        });
      });
      servers.push(server);
      const port = await alloc.listen(server);
      mgr.addController(`tcp:127.0.0.1:${port}`);
    }
    // Timeouts are swept every 10 ms rather than the daemon's 1 s: where a
    // 1 s sweep falls against the recording decides whether a 1 s idle
    // timeout has fired before the next recorded packet, and the recorded
    // switch removed such entries within tens of milliseconds of their due
    // time (fixtures/sessions/19-async-config.json: 48 ms later a packet
    // found the entry gone).
    bridge.start(10);
    mgr.start();

    // The timeline: every to-switch message and every expected item, by t.
    const steps: Step[] = [];
    session.connections.forEach((c, ci) => {
      c.messages.forEach((m, index) => {
        if (m.dir !== 'to-switch') return;
        const buf = Buffer.from(m.hex, 'hex');
        steps.push({ kind: 'send', conn: ci, index, t: m.t, buf, msg: tryDecode(buf) });
      });
      for (const exp of expectedOf(c, ci)) steps.push({ kind: 'expect', t: exp.t, exp });
    });
    for (const tr of session.traffic ?? []) {
      const t = tr.t ?? 0;
      try {
        for (const step of hosts.steps(t, tr.host, tr.command)) steps.push({ kind: 'traffic', t: step.t, step });
      } catch (e) {
        findings.push({ connection: -1, message: -1, what: 'traffic', field: '(traffic)', ovs: tr.command, ofswitchd: (e as Error).message });
      }
    }
    const firstIndexOf = (s: Step): number => (s.kind === 'send' ? s.index : s.kind === 'expect' ? s.exp.indices[0]! : -1);
    const connOf = (s: Step): number => (s.kind === 'send' ? s.conn : s.kind === 'expect' ? s.exp.conn : -1);
    steps.sort((a, b) => a.t - b.t || connOf(a) - connOf(b) || firstIndexOf(a) - firstIndexOf(b));

    const opened = new Set<number>();
    const open = async (ci: number): Promise<void> => {
      if (opened.has(ci)) return;
      opened.add(ci);
      const rc = session.connections[ci]!;
      if (rc.role === 'ofctl') {
        const s = connect(ptcpPort, '127.0.0.1');
        sockets.push(s);
        conns[ci]!.attach(s);
        await new Promise<void>((resolve) => {
          s.once('connect', () => resolve());
          s.once('error', () => resolve());
        });
      } else {
        await conns[ci]!.until(() => conns[ci]!.socket !== undefined, waitMs);
      }
    };
    const stepsLeft = session.connections.map((_, ci) => steps.filter((s) => connOf(s) === ci).length);
    const closeIfDone = (ci: number): void => {
      stepsLeft[ci]!--;
      // A client's connection ends with its last recorded message (an
      // ovs-ofctl command exits); a controller connection stays up.
      if (stepsLeft[ci] === 0 && session.connections[ci]!.role === 'ofctl') {
        const c = conns[ci]!;
        // Give the switch the same grace for trailing messages as at the end.
        setTimeout(() => c.socket?.end(), settleMs).unref();
      }
    };

    // Frames handed to ports already, so that one host frame copied to two
    // controllers is injected once.
    const injectedAt: Array<{ t: number; key: string }> = [];
    const recentPacketOuts: Array<{ t: number; data: string }> = [];

    // The session runs on the recorded clock: no step before its recorded
    // time, so that timeouts, ping intervals and counters see the same
    // elapsed time as in the recording.
    // The clock starts once the first connection is up: the recording's
    // starts with the first connection's SYN.
    if (steps.length > 0 && steps[0]!.kind !== 'traffic') await open(connOf(steps[0]!));
    const start = Date.now() - (steps[0]?.t ?? 0) * 1000;
    for (const step of steps) {
      const due = start + step.t * 1000 - Date.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      if (process.env.REPLAY_TRACE) console.error(`${Date.now() % 100000} step ${step.kind} t=${step.t} ${step.kind === 'expect' ? typeName(step.exp.msgs[0]!) : ''}`);
      if (step.kind === 'traffic') {
        step.step.run();
        result.injected++;
        await quiet();
        continue;
      }
      const ci = connOf(step);
      await open(ci);
      const rc = conns[ci]!;
      if (step.kind === 'send') {
        rc.send(step.buf);
        result.sent++;
        if (step.msg?.type === OFPT.PACKET_OUT) recentPacketOuts.push({ t: step.t, data: step.msg.data.toString('hex') });
        closeIfDone(ci);
        continue;
      }
      const exp = step.exp;
      const first = exp.msgs[0]!;
      if (SKIPPED_TYPES.has(first.type)) {
        result.skipped++;
        closeIfDone(ci);
        continue;
      }
      // Without recorded host commands, a packet-in's frame is the only
      // record of what a host sent: hand it to the port.
      if (first.type === OFPT.PACKET_IN && !hostTraffic) maybeInject(first, exp.t);
      const isReply = REPLY_TYPES.has(first.type);
      const what = typeName(first);
      const rcvd = rc.received;
      const matches = (r: Received): boolean =>
        !r.claimed &&
        r.msg !== undefined &&
        r.msg.type === first.type &&
        (!isReply || r.msg.xid === first.xid) &&
        (first.type !== OFPT.MULTIPART_REPLY || (r.msg as { mp_type: number }).mp_type === (first as { mp_type: number }).mp_type);
      // The whole of our reply: for multiparts, every part up to the one without REPLY_MORE.
      const collect = (): Received[] | undefined => {
        const parts: Received[] = [];
        for (const r of rcvd) {
          if (!matches(r)) continue;
          parts.push(r);
          if (first.type !== OFPT.MULTIPART_REPLY) return parts;
          if (((r.msg as { flags: number }).flags & 1) === 0) return parts;
        }
        return undefined;
      };
      await rc.until(() => collect() !== undefined || rc.closed, waitMs);
      let parts = collect();
      if (parts === undefined) {
        // What we sent with that xid instead, if anything.
        const other = isReply ? rcvd.find((r) => !r.claimed && r.msg?.xid === first.xid) : undefined;
        if (other !== undefined) other.claimed = true;
        findings.push({ connection: ci, message: exp.indices[0]!, what, field: '(message)', ovs: what, ofswitchd: other ? brief(other) : 'nothing' });
        closeIfDone(ci);
        continue;
      }
      if (!isReply) {
        // Unsolicited messages pair by order, except that messages the switch
        // raised at the same moment (two entries expiring in one sweep) may
        // come in either order: of those already here, take the closest.
        const here = rcvd.filter(matches);
        let best = parts;
        let bestN = Infinity;
        for (const r of here) {
          const n = compare(exp.msgs, [r.msg!]).length;
          if (n < bestN) {
            bestN = n;
            best = [r];
          }
        }
        parts = best;
      }
      for (const p of parts) p.claimed = true;
      result.compared++;
      for (const x of compare(exp.msgs, parts.map((p) => p.msg!))) findings.push({ connection: ci, message: exp.indices[0]!, what, ...x });
      closeIfDone(ci);
    }

    function compare(recorded: OfpMessage[], ours: OfpMessage[]): Array<{ field: string; ovs: Json; ofswitchd: Json }> {
      const a = sortEntries(normalize(merged(recorded), opts, hostTraffic));
      const b = sortEntries(normalize(merged(ours), opts, hostTraffic));
      const d: Array<{ field: string; ovs: Json; ofswitchd: Json }> = [];
      const first = recorded[0]!;
      const ab = (a as { body?: Json }).body;
      const bb = (b as { body?: Json }).body;
      if (first.type === OFPT.MULTIPART_REPLY && Array.isArray(ab) && Array.isArray(bb)) {
        diffEntries(first.mp_type, ab, bb, d);
        diff({ ...(a as object), body: null }, { ...(b as object), body: null }, '', d);
      } else diff(a, b, '', d);
      return d;
    }

    // Whatever else ofswitchd said, after a moment for stragglers.
    await new Promise((r) => setTimeout(r, settleMs));
    conns.forEach((c, ci) => {
      for (const r of c.received) {
        if (r.claimed) continue;
        // Probes are off, and recorded ones are skipped: see SKIPPED_TYPES.
        if (r.msg?.type === OFPT.ECHO_REQUEST) continue;
        // An extra reply is reported against the request it answers.
        const req = r.msg !== undefined && REPLY_TYPES.has(r.msg.type) ? requestIndex(session.connections[ci]!, r.msg.xid) : -1;
        findings.push({
          connection: ci,
          message: req,
          what: r.msg ? typeName(r.msg) : 'undecodable',
          field: '(extra message)',
          ovs: 'nothing',
          ofswitchd: brief(r),
        });
      }
    });

    /** Waits until hosts and switch have stopped exchanging frames (bounded). */
    async function quiet(): Promise<void> {
      const activity = (): number => hosts.sent + [...ports.values()].reduce((n, p) => n + p.sent.length, 0);
      const deadline = Date.now() + 1000;
      let last = -1;
      while (Date.now() < deadline) {
        const now = activity();
        if (now === last) return;
        last = now;
        await new Promise((r) => setTimeout(r, 15));
      }
    }

    function maybeInject(pin: OfpMessage, t: number): void {
      if (pin.type !== OFPT.PACKET_IN) return;
      const data = pin.data.toString('hex');
      // A packet-in carrying a frame the controller itself just sent with a
      // PACKET_OUT came from that packet-out, not from a host.
      if (recentPacketOuts.some((p) => p.data === data && t - p.t < 1 && t >= p.t)) return;
      const inPort = pin.match.find((f) => f.field === 'in_port');
      const portNo = inPort !== undefined && inPort.field !== 'other' ? Number(inPort.value) : undefined;
      const nd = portNo !== undefined ? ports.get(portNo) : undefined;
      if (nd === undefined) return;
      const key = `${portNo}/${data}`;
      if (injectedAt.some((x) => x.key === key && Math.abs(x.t - t) < 0.5)) return;
      injectedAt.push({ t, key });
      // A packet-in may carry only the first miss_send_len bytes (total_len
      // says how long the frame was); the rest is padding that no compared
      // field depends on.
      const frame = Buffer.alloc(Math.max(pin.total_len, pin.data.length));
      pin.data.copy(frame);
      nd.receive(frame);
      result.injected++;
    }
  } finally {
    for (const s of sockets) s.destroy();
    await mgr.close();
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    dp.detach();
    bridge.stop();
  }

  // Deviations: each finding must be explained by one.
  const devs = session.deviations ?? [];
  const used = new Set<Deviation>();
  for (const f of findings) {
    const dev = devs.find((d) => deviationMatches(d, f, session));
    if (dev === undefined) result.unexplained.push(f);
    else {
      used.add(dev);
      result.explained.push({ finding: f, deviation: dev });
    }
  }
  result.unused = devs.filter((d) => !used.has(d));
  return result;
}

const OFPP_LOCAL = 0xfffffffe;

/** REPLAY_TRACE=1: the connection manager's log on stderr, for debugging a replay. */
const traceLogger: { debug(o: object, m?: string): void; info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void } = {
  debug: (o: object, m?: string): void => console.error('debug', m, JSON.stringify(o)),
  info: (o: object, m?: string): void => console.error('info', m, JSON.stringify(o)),
  warn: (o: object, m?: string): void => console.error('warn', m, JSON.stringify(o)),
  error: (o: object, m?: string): void => console.error('error', m, JSON.stringify(o)),
};
const OFPPC_PORT_DOWN = 1;
const OFPPS_LINK_DOWN = 1;

/** The first description the recorded switch gave of each port. */
function recordedInitialPorts(session: Session): Map<number, { config: number; state: number }> {
  const out = new Map<number, { config: number; state: number }>();
  for (const c of session.connections) {
    for (const m of c.messages) {
      if (m.dir !== 'from-switch') continue;
      const msg = tryDecode(Buffer.from(m.hex, 'hex'));
      if (msg?.type === OFPT.MULTIPART_REPLY && msg.mp_type === OFPMP.PORT_DESC) {
        for (const p of msg.body) if (!out.has(p.port_no)) out.set(p.port_no, { config: p.config, state: p.state });
      }
    }
  }
  return out;
}

/** Port number → hw_addr, from the recorded switch's port descriptions and port-status messages. */
function recordedPortAddrs(session: Session): Map<number, string> {
  const out = new Map<number, string>();
  for (const c of session.connections) {
    for (const m of c.messages) {
      if (m.dir !== 'from-switch') continue;
      const msg = tryDecode(Buffer.from(m.hex, 'hex'));
      if (msg?.type === OFPT.PORT_STATUS) out.set(msg.desc.port_no, msg.desc.hw_addr);
      if (msg?.type === OFPT.MULTIPART_REPLY && msg.mp_type === OFPMP.PORT_DESC) for (const p of msg.body) out.set(p.port_no, p.hw_addr);
    }
  }
  return out;
}

/** A message of ours in a few words: its type, and for errors the type and code (the values deviations name). */
function brief(r: Received): Json {
  if (r.msg === undefined) return r.buf.toString('hex');
  if (r.msg.type === OFPT.ERROR) {
    const e = r.msg as { err_type: number; code?: number };
    return `${typeName(r.msg)} ${e.err_type}/${e.code ?? '?'}`;
  }
  if (r.msg.type === OFPT.PACKET_IN) {
    const inPort = r.msg.match.find((f) => f.field === 'in_port');
    return `${typeName(r.msg)} reason ${r.msg.reason} in_port ${inPort && inPort.field !== 'other' ? String(inPort.value) : '?'} table ${r.msg.table_id} ${r.msg.data.toString('hex').slice(0, 60)}`;
  }
  if (r.msg.type === OFPT.PORT_STATUS) return `${typeName(r.msg)} reason ${r.msg.reason} port ${r.msg.desc.port_no} config ${r.msg.desc.config} state ${r.msg.desc.state}`;
  return typeName(r.msg);
}

/** The index of the to-switch message with `xid` in a connection, or -1. */
function requestIndex(c: RecordedConnection, xid: number): number {
  return c.messages.findIndex((m) => m.dir === 'to-switch' && m.hex.length >= 16 && parseInt(m.hex.slice(8, 16), 16) === xid);
}

function glob(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(s);
}

export function deviationMatches(d: Deviation, f: Finding, session: Session): boolean {
  if (d.connection !== undefined && d.connection !== f.connection) return false;
  if (typeof d.message === 'number') {
    if (d.message !== f.message) return false;
  } else if (d.message !== '*' && !glob(d.message, f.what)) return false;
  if (!glob(d.field, f.field)) return false;
  if (d.ovs !== undefined && canon(d.ovs as Json) !== canon(f.ovs as Json)) return false;
  if (d.ofswitchd !== undefined && canon(d.ofswitchd as Json) !== canon(f.ofswitchd as Json)) return false;
  void session;
  return true;
}

/** A finding as one line, for test output. */
export function describe(f: Finding): string {
  const s = (v: unknown): string => {
    const t = JSON.stringify(v);
    return t.length > 300 ? `${t.slice(0, 300)}…` : t;
  };
  return `conn ${f.connection} msg ${f.message} ${f.what} ${f.field}: recorded ${s(f.ovs)}, ofswitchd ${s(f.ofswitchd)}`;
}
