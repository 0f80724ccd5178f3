/**
 * Flow stats replies are written straight from the rules (ofproto/stats.ts,
 * encode.ts encodeMultipartReplies with an EntryWriter), not from FlowStats
 * objects. They must be the very bytes the codec writes for the reply's
 * body: held here against the codec's generic path (splitMultipartReply and
 * encodeFlowStats, which the codec's own tests hold to the spec and to
 * captured Open vSwitch replies), and against the decoder, on a table with
 * every kind of entry a dump meets: masked and IPv6 matches, several
 * instruction kinds, counters past 2^32, fractional durations, cookies with
 * the top bit set, timeouts and flags, several tables, and enough entries
 * for several OFPMPF_REPLY_MORE messages.
 */
import t from 'tap';
import { decodeMessage, encodeMultipartReplies, OFPBRC, OFPET, OFPFF, OFPMP, type FlowStats, type FlowStatsRequest, type Instruction, type Match, type MultipartReply, type OfpMessage } from '../../lib/openflow/index.js';
import type { Bridge } from '../../lib/ofproto/bridge.js';
import { add, ALL_FLOWS, apply, f, flowMod, gotoTable, handle, multipart, output, OFPFC, setField, testBridge, write, type TestBridge } from './util.js';

/** The reply to a flow stats request, as the switch returns it. */
function flowReply(b: Bridge, filter: Partial<FlowStatsRequest> = {}): MultipartReply {
  const [reply] = handle(b, multipart({ mp_type: OFPMP.FLOW, body: { ...ALL_FLOWS, ...filter } })) as MultipartReply[];
  return reply!;
}

/** The same reply as a plain message: the codec encodes its body the generic way. */
function plain(reply: MultipartReply): MultipartReply {
  return { ...reply, body: [...(reply.body as FlowStats[])] } as MultipartReply;
}

const concat = (bufs: Buffer[]): Buffer => Buffer.concat(bufs.map((b) => Buffer.from(b)));

function match(i: number): Match {
  switch (i % 5) {
    case 0:
      return [f('in_port', 1 + (i % 3)), f('eth_type', 0x0800), f('ip_proto', 6), f('ipv4_dst', `10.0.${(i >> 8) & 255}.${i & 255}`), f('tcp_dst', 1024 + i)];
    case 1:
      return [f('eth_type', 0x0800), f('ipv4_src', `10.${i & 255}.0.0`, '255.255.0.0')];
    case 2:
      return [f('eth_type', 0x86dd), f('ipv6_dst', `2001:db8::${(i & 0xffff).toString(16)}`)];
    case 3:
      return [f('eth_dst', '01:00:00:00:00:00', '01:00:00:00:00:00'), f('vlan_vid', 0x1000 | (i & 0xfff))];
    default:
      return [f('metadata', BigInt(i) << 32n, 0xffffffff00000000n)];
  }
}

function instructions(i: number): Instruction[] {
  switch (i % 4) {
    case 0:
      return [apply(output(1 + (i % 3)))];
    case 1:
      return [apply(setField('eth_src', '00:00:00:00:00:01'), output(2)), write(output(3))];
    case 2:
      return [gotoTable(1)];
    default:
      return [];
  }
}

/** `n` rules in table 0 and a few in table 1, with credited counters, a second apart and a fraction. */
function populate(tb: TestBridge, n: number): void {
  const b = tb.bridge;
  for (let i = 0; i < n; i++) {
    handle(
      b,
      add(match(i), instructions(i), {
        priority: 100 + (i % 7),
        cookie: (BigInt(i) << 40n) | (i % 2 ? 0x8000000000000000n : 0n),
        idle_timeout: i % 3 === 0 ? 60 : 0,
        hard_timeout: i % 5 === 0 ? 300 : 0,
        flags: i % 2 ? OFPFF.SEND_FLOW_REM : 0,
      }),
    );
    if (i % 97 === 0) tb.clock.advance(1000.123456);
  }
  for (let i = 0; i < 3; i++) handle(b, add([f('in_port', i + 1)], [apply(output(1))], { table_id: 1, priority: i }));
  let k = 0;
  for (const r of b.table(0)!.rules()) {
    k++;
    // Some past 2^32, where the counters' two halves both matter.
    if (k % 3 === 0) b.creditRule(r, k * 0x1_0000_0001 + 7, k * 0x3_0000_0005 + 11, tb.clock.now());
    else if (k % 3 === 1) b.creditRule(r, k, 64 * k, tb.clock.now());
  }
  tb.clock.advance(0.5);
}

t.test('flow stats written from the rules are the bytes the codec writes for the body', async (t) => {
  const tb = testBridge({ nTables: 4 });
  populate(tb, 3000);
  const b = tb.bridge;
  const filters: [string, Partial<FlowStatsRequest>][] = [
    ['every table', {}],
    ['one table', { table_id: 0 }],
    ['a loose match', { match: [f('eth_type', 0x0800)] }],
    ['a cookie', { cookie: 0x8000000000000000n, cookie_mask: 0x8000000000000000n }],
    ['out_port', { out_port: 2 }],
  ];
  for (const [name, filter] of filters) {
    const reply = flowReply(b, filter);
    const fast = encodeMultipartReplies(reply);
    const generic = encodeMultipartReplies(plain(reply));
    t.same(fast.map((m) => m.length), generic.map((m) => m.length), `${name}: the same messages`);
    t.ok(concat(fast).equals(concat(generic)), `${name}: the same bytes`);
    if (name === 'every table') t.ok(fast.length > 3, `${name}: several REPLY_MORE messages (${fast.length})`);
    // Cut small, every entry boundary is tried.
    const small = encodeMultipartReplies(reply, 16 + 400);
    t.ok(concat(small).equals(concat(encodeMultipartReplies(plain(reply), 16 + 400))), `${name}: the same bytes in 416-byte messages`);
  }
});

t.test('the decoder reads back the body and every message is well formed', async (t) => {
  const tb = testBridge({ nTables: 4 });
  populate(tb, 500);
  const reply = flowReply(tb.bridge);
  const msgs = encodeMultipartReplies(reply, 16 + 4000);
  const decoded: FlowStats[] = [];
  msgs.forEach((m, i) => {
    const d = decodeMessage(Buffer.from(m)) as OfpMessage & MultipartReply;
    t.equal(d.xid, reply.xid);
    t.equal(d.flags & 1, i < msgs.length - 1 ? 1 : 0, `REPLY_MORE on all but the last (message ${i})`);
    decoded.push(...(d.body as FlowStats[]));
  });
  t.same(decoded, reply.body, 'decoded entries are the reply body');
  const big = (reply.body as FlowStats[]).find((x) => x.packet_count > 0xffffffffn);
  t.ok(big, 'the table has counters past 2^32');
  t.ok((reply.body as FlowStats[]).some((x) => x.duration_nsec !== 0), 'and durations with a fraction of a second');
});

t.test('the encoding kept on a rule: counters move, a MODIFY shows its new instructions', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([f('in_port', 1)], [apply(output(2))], { priority: 5 }));
  const first = concat(encodeMultipartReplies(flowReply(b)));
  const rule = [...b.table(0)!.rules()][0]!;
  t.type(rule.statsWire, 'string', 'kept after the first reply');
  b.creditRule(rule, 3, 300, tb.clock.now());
  tb.clock.advance(2500);
  const again = flowReply(b);
  t.ok(concat(encodeMultipartReplies(again)).equals(concat(encodeMultipartReplies(plain(again)))), 'later replies: still the codec bytes');
  t.same((again.body as FlowStats[])[0]!.packet_count, 3n, 'with the new counters');
  t.notOk(concat(encodeMultipartReplies(again)).equals(first), 'which changed the bytes');
  handle(b, flowMod(OFPFC.MODIFY, [f('in_port', 1)], [apply(output(3))]));
  const modified = flowReply(b);
  t.ok(concat(encodeMultipartReplies(modified)).equals(concat(encodeMultipartReplies(plain(modified)))), 'after a MODIFY: the codec bytes');
  t.same((modified.body as FlowStats[])[0]!.instructions, [apply(output(3))], 'with the new instructions');
});

t.test('entries come highest priority first, ties in the classifier order, as a stable sort gives', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  for (let i = 0; i < 200; i++) handle(b, add([f('in_port', 1 + (i % 3)), f('eth_type', 0x0800), f('ipv4_dst', `10.0.0.${i}`)], [], { priority: (i * 37) % 5, cookie: BigInt(i) }));
  const got = (flowReply(b).body as FlowStats[]).map((x) => [x.priority, x.cookie]);
  const classifierOrder: { priority: number; cookie: bigint }[] = [];
  const words = [...b.table(0)!.rules()][0]!.mask.length;
  const all = new Uint32Array(words); // value and mask of the empty match
  b.table(0)!.cls.forEachLoose(all, all, b.pipeline.version, (r) => void classifierOrder.push(r));
  const want = [...classifierOrder].sort((x, y) => y.priority - x.priority).map((r) => [r.priority, r.cookie]);
  t.same(got, want);
});

t.test('an entry that cannot fit a message is OFPBRC_BAD_LEN, as for any other body', async (t) => {
  const tb = testBridge();
  handle(tb.bridge, add([f('in_port', 1)], [apply(output(2))], { priority: 5 }));
  const reply = flowReply(tb.bridge);
  const entry = concat(encodeMultipartReplies(reply)).length - 16;
  for (const r of [reply, plain(reply)]) {
    t.throws(() => encodeMultipartReplies(r, 16 + entry - 1), { type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_LEN });
    t.equal(encodeMultipartReplies(r, 16 + entry).length, 1, 'and one that just fits is one message');
  }
});
