/**
 * Queues (OpenFlow 1.3.5 §7.3.6, §7.3.5.8): QUEUE_GET_CONFIG and OFPMP_QUEUE
 * answered byte for byte as Open vSwitch answered the same requests for
 * the same queues (fixtures/sessions/26-queue-config.json, recorded with
 * port 1 given a linux-htb QoS with queues 1 and 2, and 13-multipart-errors
 * with no queues), and set_queue counted on the queue through the
 * datapath, against what the port's device actually sent.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Datapath } from '../../lib/datapath/index.js';
import { DummyNetdev } from '../../lib/netdev/dummy.js';
import { NetdevQueues, QCTR, type QueueConfig, type QueuedNetdev } from '../../lib/netdev/queues.js';
import { FrameBatch } from '../../lib/netdev/ring.js';
import { QueueLane } from '../../lib/datapath/queue-lanes.js';
import { Bridge } from '../../lib/ofproto/bridge.js';
import { ManualClock } from '../../lib/ofproto/clock.js';
import {
  decodeMessage,
  encodeMessage,
  errorReply,
  OFPAT,
  OFPMP,
  OFPP,
  OFPT,
  OfpError,
  type MultipartReply,
  type OfpMessage,
  type QueueStats,
} from '../../lib/openflow/index.js';
import { encodeMultipartReplies } from '../../lib/openflow/encode.js';
import { FIXTURES } from '../helpers/paths.js';
import { parseSessionQueues } from '../conformance/session-queues.js';
import { add, apply, f, output } from './util.js';

interface Fixture {
  topology: { queues?: string };
  connections: Array<{ messages: Array<{ dir: string; hex: string }> }>;
}
const fixture = (name: string): Fixture => JSON.parse(readFileSync(join(FIXTURES, 'sessions', name), 'utf8')) as Fixture;

/** A bridge with dummy ports 1..3, port numbers → queues. */
function queuedBridge(queues: Map<number, QueueConfig[]>): { bridge: Bridge; ports: DummyNetdev[]; clock: ManualClock } {
  const clock = new ManualClock(1000);
  const bridge = new Bridge({ datapathId: 1n, clock });
  const ports: DummyNetdev[] = [];
  for (let p = 1; p <= 3; p++) {
    const nd = new DummyNetdev(`t${p}`);
    const q = queues.get(p);
    if (q !== undefined) (nd as QueuedNetdev).queues = new NetdevQueues(q);
    bridge.addPort(nd, p);
    ports.push(nd);
  }
  return { bridge, ports, clock };
}

/** Our answer to a recorded request, as bytes (an error is encoded as the connection manager sends it). */
async function answer(bridge: Bridge, request: Buffer): Promise<Buffer[]> {
  const msg = decodeMessage(request);
  try {
    const replies = await bridge.handle(msg, { connId: 1 });
    return replies.flatMap((r) => (r.type === OFPT.MULTIPART_REPLY ? encodeMultipartReplies(r as MultipartReply) : [encodeMessage(r)]));
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    return [encodeMessage(errorReply(e, request))];
  }
}

/** The recorded request/reply pairs of one type, in order. */
function exchanges(fx: Fixture, type: OFPT, mpType?: OFPMP): Array<{ req: Buffer; reply: Buffer }> {
  const out: Array<{ req: Buffer; reply: Buffer }> = [];
  for (const c of fx.connections) {
    c.messages.forEach((m, i) => {
      if (m.dir !== 'to-switch') return;
      const req = Buffer.from(m.hex, 'hex');
      if (req[1] !== type || (mpType !== undefined && req.readUInt16BE(8) !== mpType)) return;
      const xid = req.readUInt32BE(4);
      const reply = c.messages.slice(i + 1).find((r) => r.dir === 'from-switch' && Buffer.from(r.hex, 'hex').readUInt32BE(4) === xid);
      if (reply !== undefined) out.push({ req, reply: Buffer.from(reply.hex, 'hex') });
    });
  }
  return out;
}

t.test('QUEUE_GET_CONFIG: the bytes Open vSwitch sent for the same queues (port with queues, without, OFPP_ANY, unknown port)', async (t) => {
  const fx = fixture('26-queue-config.json');
  const { bridge } = queuedBridge(parseSessionQueues(fx.topology.queues));
  const ex = exchanges(fx, OFPT.QUEUE_GET_CONFIG_REQUEST);
  t.equal(ex.length, 4, 'four recorded requests');
  for (const { req, reply } of ex) {
    const ours = await answer(bridge, req);
    t.same(ours.map((b) => b.toString('hex')), [reply.toString('hex')], `port 0x${req.readUInt32BE(8).toString(16)}`);
  }
});

t.test('OFPMP_QUEUE: the entries and errors Open vSwitch answered, counters and durations aside', async (t) => {
  // Open vSwitch's userspace datapath put every packet in queue 0 (its
  // AF_PACKET sends carry no priority), so the recorded counters are not
  // ours to match; which entries come back, and the errors, are.
  const shape = (b: Buffer): string => {
    const m = decodeMessage(b);
    if (m.type !== OFPT.MULTIPART_REPLY) return b.toString('hex');
    return JSON.stringify((m.body as QueueStats[]).map((q) => [q.port_no, q.queue_id]));
  };
  const fx26 = fixture('26-queue-config.json');
  const with26 = queuedBridge(parseSessionQueues(fx26.topology.queues)).bridge;
  const ex26 = exchanges(fx26, OFPT.MULTIPART_REQUEST, OFPMP.QUEUE);
  t.equal(ex26.length, 3);
  for (const { req, reply } of ex26) {
    const [ours] = await answer(with26, req);
    t.equal(shape(ours!), shape(reply), `queues: port 0x${req.readUInt32BE(16).toString(16)} queue 0x${req.readUInt32BE(20).toString(16)}`);
  }
  const fx13 = fixture('13-multipart-errors.json');
  const none = queuedBridge(new Map()).bridge;
  const ex13 = exchanges(fx13, OFPT.MULTIPART_REQUEST, OFPMP.QUEUE);
  t.equal(ex13.length, 2);
  for (const { req, reply } of ex13) {
    const [ours] = await answer(none, req);
    t.equal(ours!.toString('hex'), reply.toString('hex'), `no queues: port 0x${req.readUInt32BE(16).toString(16)} queue 0x${req.readUInt32BE(20).toString(16)}, byte for byte`);
  }
});

t.test('OFPMP_QUEUE selection and errors with queues on two ports', async (t) => {
  const { bridge } = queuedBridge(new Map([[1, [{ id: 1 }, { id: 2 }]], [3, [{ id: 2, maxRate: 5 }]]]));
  const stats = async (port_no: number, queue_id: number): Promise<Array<[number, number]> | string> => {
    try {
      const [r] = (await bridge.handle({ type: OFPT.MULTIPART_REQUEST, xid: 1, flags: 0, mp_type: OFPMP.QUEUE, body: { port_no, queue_id } } as OfpMessage, { connId: 1 })) as MultipartReply[];
      return (r!.body as QueueStats[]).map((q) => [q.port_no, q.queue_id]);
    } catch (e) {
      return `${(e as OfpError).type}/${(e as OfpError).code}`;
    }
  };
  t.same(await stats(OFPP.ANY, 0xffffffff), [[1, 0], [1, 1], [1, 2], [3, 0], [3, 2]], 'all: port order, then queue id; queue 0 on each port with queues');
  t.same(await stats(OFPP.ANY, 2), [[1, 2], [3, 2]], 'one queue id on every port that has it');
  t.same(await stats(OFPP.ANY, 1), [[1, 1]]);
  t.equal(await stats(OFPP.ANY, 7), '9/1', 'a queue id no port has: OFPQOFC_BAD_QUEUE');
  t.same(await stats(2, 0xffffffff), [], 'a port without queues: none');
  t.equal(await stats(2, 0), '9/1', 'a queue of a port without queues: OFPQOFC_BAD_QUEUE');
  t.equal(await stats(3, 1), '9/1', 'a queue another port has: OFPQOFC_BAD_QUEUE');
  t.equal(await stats(9, 0xffffffff), '9/0', 'a port that does not exist: OFPQOFC_BAD_PORT');
});

t.test('set_queue: frames are counted on the queue of the port they leave by; queue 0 takes the rest', async (t) => {
  const { bridge, ports, clock } = queuedBridge(new Map([[1, [{ id: 1, maxRate: 10_000_000 }, { id: 2 }]]]));
  const dp = new Datapath(bridge).attach();
  t.teardown(() => dp.detach());
  const setQueue = (queue_id: number) => ({ type: OFPAT.SET_QUEUE, queue_id }) as const;
  const udp = [f('eth_type', 0x0800), f('ip_proto', 17)];
  const mods = [
    add([f('in_port', 2), ...udp, f('udp_dst', 1)], [apply(setQueue(1), output(1))], { priority: 10 }),
    add([f('in_port', 2), ...udp, f('udp_dst', 2)], [apply(setQueue(2), output(1))], { priority: 10 }),
    add([f('in_port', 2), ...udp, f('udp_dst', 7)], [apply(setQueue(7), output(1))], { priority: 10 }),
    // set_queue:1 then out of a port without queues: nothing to count.
    add([f('in_port', 2), ...udp, f('udp_dst', 3)], [apply(setQueue(1), output(3))], { priority: 10 }),
    // Two outputs, the queue changing between them.
    add([f('in_port', 2), ...udp, f('udp_dst', 4)], [apply(output(1), setQueue(2), output(1))], { priority: 10 }),
    add([f('in_port', 2)], [apply(output(1))], { priority: 1 }),
  ];
  for (const m of mods) await bridge.handle(m, { connId: 1 });
  const frame = (dport: number, payload: number): Buffer => {
    const b = Buffer.alloc(14 + 20 + 8 + payload);
    Buffer.from('000000000001000000000002', 'hex').copy(b, 0);
    b.writeUInt16BE(0x0800, 12);
    b[14] = 0x45;
    b.writeUInt16BE(20 + 8 + payload, 16);
    b[22] = 64;
    b[23] = 17;
    Buffer.from([10, 0, 0, 2, 10, 0, 0, 1]).copy(b, 26);
    b.writeUInt16BE(999, 34);
    b.writeUInt16BE(dport, 36);
    b.writeUInt16BE(8 + payload, 38);
    return b;
  };
  const sent: Array<[number, number, number]> = [
    [1, 100, 3], // queue 1
    [2, 200, 2], // queue 2
    [7, 50, 2], // queue 7: not port 1's, so queue 0
    [3, 10, 4], // port 3, no queues
    [4, 60, 1], // queue 0, then queue 2
    [9, 30, 2], // no set_queue: queue 0
  ];
  for (const [dport, size, n] of sent) for (let i = 0; i < n; i++) ports[1]!.receive(frame(dport, size));
  clock.advance(10);
  const len = (size: number): number => 14 + 20 + 8 + size;
  // What port 1's device sent, by udp_dst (its own record, not ours).
  const out1 = ports[0]!.sent.map((b) => b.readUInt16BE(36));
  t.same(
    out1.filter((d) => d === 1).length + out1.filter((d) => d === 2).length + out1.filter((d) => d === 7).length + out1.filter((d) => d === 4).length + out1.filter((d) => d === 9).length,
    3 + 2 + 2 + 2 + 2,
    'port 1 sent every frame (two copies of udp_dst 4)',
  );
  t.equal(ports[2]!.sent.length, 4, 'port 3 sent its frames');
  const [r] = (await bridge.handle({ type: OFPT.MULTIPART_REQUEST, xid: 1, flags: 0, mp_type: OFPMP.QUEUE, body: { port_no: OFPP.ANY, queue_id: 0xffffffff } } as OfpMessage, { connId: 1 })) as MultipartReply[];
  const got = (r!.body as QueueStats[]).map((q) => ({ port: q.port_no, queue: q.queue_id, packets: Number(q.tx_packets), bytes: Number(q.tx_bytes), errors: Number(q.tx_errors) }));
  t.same(got, [
    { port: 1, queue: 0, packets: 2 + 1 + 2, bytes: 2 * len(50) + len(60) + 2 * len(30), errors: 0 },
    { port: 1, queue: 1, packets: 3, bytes: 3 * len(100), errors: 0 },
    { port: 1, queue: 2, packets: 2 + 1, bytes: 2 * len(200) + len(60), errors: 0 },
  ]);
  const total = got.reduce((n, q) => n + q.bytes, 0);
  t.equal(total, ports[0]!.sent.reduce((n, b) => n + b.length, 0), "the queues' bytes add up to what port 1's device sent");
  t.equal(Number((r!.body as QueueStats[])[0]!.duration_sec), 0, 'duration: the port was added 10 ms ago');

});

t.test('a queue counts what its device took as sent and what it refused as errors', async (t) => {
  // A batch device that takes the first `room` frames of each send, as a full socket does.
  let room = 2;
  const dev = Object.assign(new DummyNetdev('full0'), {
    ring: new FrameBatch(new Uint8Array(0), 0),
    onReceive: (): void => undefined,
    sendFrames: (_b: Uint8Array, _d: Int32Array, count: number): number => Math.min(room, count),
  });
  const queues = new NetdevQueues([{ id: 5 }]);
  const lane = new QueueLane(dev, queues, queues.index(5));
  const batch = FrameBatch.of([Buffer.alloc(60), Buffer.alloc(70), Buffer.alloc(80)]);
  t.equal(lane.sendFrames(batch.bytes, batch.desc, 3), 2);
  room = 3;
  t.equal(lane.sendFrames(batch.bytes, batch.desc, 3), 3);
  const at = queues.index(5) * QCTR.WORDS;
  t.same([...queues.counters.subarray(at, at + QCTR.WORDS)], [5, 60 + 70 + 60 + 70 + 80, 1], 'packets, bytes, errors');
  t.same(queues.ids, [0, 5], 'queue 0 is added');
});
