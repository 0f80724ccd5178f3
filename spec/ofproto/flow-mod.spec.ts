/**
 * FLOW_MOD semantics (OpenFlow 1.3.5 §6.4, §7.3.4.1): every command, flag
 * and filter, the request-level errors, and that a refused request changes
 * nothing. Expected behaviour is the spec's; where Open vSwitch is the
 * reference for what the spec leaves open, the test says so.
 */
import t from 'tap';
import { OFP_NO_BUFFER, OFPAT, OFPET, OFPFC, OFPFF, OFPFMFC, OFPBRC, OFPG, OFPP, OFPRR, OFPTT } from '../../lib/openflow/index.js';
import type { Action } from '../../lib/openflow/index.js';
import { newKey } from '../../lib/packet/flow-key.js';
import {
  add,
  apply,
  f,
  flowMod,
  flows,
  group,
  groupMod,
  handle,
  OFPGC,
  OFPGT,
  output,
  refuses,
  takeRemoved,
  testBridge,
  bucket,
  write,
} from './util.js';

const IP = f('eth_type', 0x0800);
const src = (a: string): ReturnType<typeof f> => f('ipv4_src', a);

t.test('ADD inserts an entry that stats report as sent', async (t) => {
  const tb = testBridge();
  const match = [IP, src('10.0.0.1')];
  handle(tb.bridge, add(match, [apply(output(2))], { cookie: 0xabcn, priority: 100, idle_timeout: 10, hard_timeout: 20, flags: OFPFF.SEND_FLOW_REM }));
  const [fl] = flows(tb.bridge);
  t.equal(fl!.table_id, 0);
  t.equal(fl!.priority, 100);
  t.equal(fl!.cookie, 0xabcn);
  t.equal(fl!.idle_timeout, 10);
  t.equal(fl!.hard_timeout, 20);
  t.equal(fl!.flags, OFPFF.SEND_FLOW_REM);
  t.same(fl!.match, match, 'the match as the controller sent it');
  t.same(fl!.instructions, [apply(output(2))]);
  t.equal(fl!.packet_count, 0n);
});

t.test('ADD over an identical match and priority replaces the entry', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([IP, src('10.0.0.1')], [apply(output(1))], { cookie: 1n, priority: 5, idle_timeout: 60, flags: OFPFF.SEND_FLOW_REM }));
  b.creditRule(b.lookup(0, keyFor('10.0.0.1'), null)!, 3, 300, tb.clock.now());
  tb.clock.advance(5000);
  // The same match, fields in another order: still "identical match fields".
  handle(b, add([src('10.0.0.1'), IP], [apply(output(2))], { cookie: 2n, priority: 5, hard_timeout: 9 }));
  const all = flows(b);
  t.equal(all.length, 1, 'one entry');
  t.equal(all[0]!.cookie, 2n, 'the new cookie');
  t.same(all[0]!.instructions, [apply(output(2))], 'the new instructions');
  t.equal(all[0]!.idle_timeout, 0, 'the new timeouts');
  t.equal(all[0]!.hard_timeout, 9);
  t.equal(all[0]!.flags, 0, 'the new flags');
  t.equal(all[0]!.packet_count, 3n, 'counters copied from the replaced entry');
  t.equal(all[0]!.byte_count, 300n);
  t.equal(all[0]!.duration_sec, 0, 'the duration starts again');
  t.same(takeRemoved(tb), [], 'no FLOW_REMOVED for an entry replaced by ADD');
  handle(b, add([IP, src('10.0.0.1')], [], { priority: 5, flags: OFPFF.RESET_COUNTS }));
  t.equal(flows(b)[0]!.packet_count, 0n, 'OFPFF_RESET_COUNTS clears them');
  handle(b, add([IP, src('10.0.0.1')], [], { priority: 6 }));
  t.equal(flows(b).length, 2, 'another priority is another entry');
});

t.test('ADD keeps the flags as sent', async (t) => {
  const tb = testBridge();
  const all = OFPFF.SEND_FLOW_REM | OFPFF.CHECK_OVERLAP | OFPFF.RESET_COUNTS | OFPFF.NO_PKT_COUNTS | OFPFF.NO_BYT_COUNTS;
  handle(tb.bridge, add([], [], { flags: all }));
  t.equal(flows(tb.bridge)[0]!.flags, all, 'flow stats report them all, as Open vSwitch does');
});

t.test('ADD with OFPFF_CHECK_OVERLAP', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([IP, f('ipv4_src', '10.0.0.0', '255.0.0.0')], [], { priority: 10 }));
  refuses(t, tb, add([IP, f('ipv4_dst', '1.2.3.4')], [], { priority: 10, flags: OFPFF.CHECK_OVERLAP }), OFPET.FLOW_MOD_FAILED, OFPFMFC.OVERLAP, 'a packet could match both');
  refuses(t, tb, add([IP, f('ipv4_src', '10.0.0.0', '255.0.0.0')], [], { priority: 10, flags: OFPFF.CHECK_OVERLAP }), OFPET.FLOW_MOD_FAILED, OFPFMFC.OVERLAP, 'an identical entry overlaps too');
  refuses(t, tb, add([], [], { priority: 10, flags: OFPFF.CHECK_OVERLAP }), OFPET.FLOW_MOD_FAILED, OFPFMFC.OVERLAP, 'the catch-all overlaps everything');
  handle(b, add([IP, src('11.0.0.1')], [], { priority: 10, flags: OFPFF.CHECK_OVERLAP }));
  handle(b, add([IP, src('10.0.0.1')], [], { priority: 11, flags: OFPFF.CHECK_OVERLAP }));
  handle(b, add([f('eth_type', 0x86dd)], [], { priority: 10, flags: OFPFF.CHECK_OVERLAP }));
  t.equal(flows(b).length, 4, 'disjoint matches or other priorities are fine');
});

t.test('ADD into a full table', async (t) => {
  const tb = testBridge({ maxEntries: 2 });
  handle(tb.bridge, add([f('in_port', 1)]));
  handle(tb.bridge, add([f('in_port', 2)]));
  refuses(t, tb, add([f('in_port', 3)]), OFPET.FLOW_MOD_FAILED, OFPFMFC.TABLE_FULL);
  handle(tb.bridge, add([f('in_port', 2)], [apply(output(1))]));
  t.equal(flows(tb.bridge).length, 2, 'replacing an entry needs no room');
  handle(tb.bridge, add([f('in_port', 3)], [], { table_id: 1 }));
  t.equal(flows(tb.bridge).length, 3, 'the limit is per table');
});

t.test('request-level errors', async (t) => {
  const tb = testBridge({ nTables: 10 });
  handle(tb.bridge, add([f('in_port', 1)], [apply(output(2))]));
  refuses(t, tb, flowMod(5 as OFPFC, []), OFPET.FLOW_MOD_FAILED, OFPFMFC.BAD_COMMAND);
  refuses(t, tb, add([], [], { flags: 1 << 5 }), OFPET.FLOW_MOD_FAILED, OFPFMFC.BAD_FLAGS);
  refuses(t, tb, add([], [], { table_id: OFPTT.ALL }), OFPET.FLOW_MOD_FAILED, OFPFMFC.BAD_TABLE_ID, 'ADD to OFPTT_ALL');
  refuses(t, tb, flowMod(OFPFC.MODIFY, [], [], { table_id: OFPTT.ALL }), OFPET.FLOW_MOD_FAILED, OFPFMFC.BAD_TABLE_ID, 'MODIFY in OFPTT_ALL');
  refuses(t, tb, add([], [], { table_id: 10 }), OFPET.FLOW_MOD_FAILED, OFPFMFC.BAD_TABLE_ID, 'a table that does not exist');
  refuses(t, tb, flowMod(OFPFC.DELETE, [], [], { table_id: 10 }), OFPET.FLOW_MOD_FAILED, OFPFMFC.BAD_TABLE_ID, 'DELETE in a table that does not exist');
  refuses(t, tb, add([src('10.0.0.1')]), OFPET.BAD_MATCH, 4 + 5 /* OFPBMC_BAD_PREREQ */, 'a bad match');
  refuses(t, tb, add([], [apply(output(0))]), OFPET.BAD_ACTION, 4 /* OFPBAC_BAD_OUT_PORT */, 'a bad action');
  refuses(t, tb, flowMod(OFPFC.DELETE, [src('10.0.0.1')]), OFPET.BAD_MATCH, 9, 'a delete with a bad match');
});

t.test('MODIFY changes the instructions of the entries at least as specific, and nothing else', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([IP, src('10.0.0.1')], [apply(output(1))], { priority: 10, cookie: 7n, idle_timeout: 30, flags: OFPFF.SEND_FLOW_REM }));
  handle(b, add([IP, src('10.0.0.2')], [apply(output(1))], { priority: 20, cookie: 8n }));
  handle(b, add([IP], [apply(output(1))], { priority: 1 }));
  handle(b, add([f('eth_type', 0x86dd)], [apply(output(1))], { priority: 1 }));
  b.creditRule(b.lookup(0, keyFor('10.0.0.1'), null)!, 4, 400, tb.clock.now());
  tb.clock.advance(3000);
  const v = b.version;
  handle(b, flowMod(OFPFC.MODIFY, [IP], [apply(output(3))], { cookie: 99n, idle_timeout: 1, hard_timeout: 1, priority: 77, out_port: 5 }));
  t.equal(b.version, v + 1, 'one version for the whole request');
  const find = (prio: number, ethType: number, n: number): (typeof all)[number] =>
    all.find((x) => x.priority === prio && (x.match[0] as { value: unknown }).value === ethType && x.match.length === n)!;
  const all = flows(b);
  const a = find(10, 0x0800, 2);
  t.same(a.instructions, [apply(output(3))], 'instructions replaced');
  t.equal(a.cookie, 7n, 'cookie kept');
  t.equal(a.idle_timeout, 30, 'timeouts kept');
  t.equal(a.hard_timeout, 0);
  t.equal(a.flags, OFPFF.SEND_FLOW_REM, 'flags kept');
  t.equal(a.packet_count, 4n, 'counters kept');
  t.equal(a.duration_sec, 3, 'duration kept');
  t.same(find(20, 0x0800, 2).instructions, [apply(output(3))], 'any priority (non-strict)');
  t.same(find(1, 0x0800, 1).instructions, [apply(output(3))], 'the identical match too');
  t.same(find(1, 0x86dd, 1).instructions, [apply(output(1))], 'other entries untouched; out_port does not filter a modify');
  t.same(takeRemoved(tb), [], 'no FLOW_REMOVED');
  handle(b, flowMod(OFPFC.MODIFY, [IP, src('10.0.0.1')], [], { flags: OFPFF.RESET_COUNTS }));
  t.equal(flows(b).find((x) => x.priority === 10)!.packet_count, 0n, 'OFPFF_RESET_COUNTS clears counters');
});

t.test('MODIFY_STRICT changes only the identical match and priority', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([IP], [apply(output(1))], { priority: 10 }));
  handle(b, add([IP], [apply(output(1))], { priority: 11 }));
  handle(b, add([IP, src('10.0.0.1')], [apply(output(1))], { priority: 10 }));
  handle(b, flowMod(OFPFC.MODIFY_STRICT, [IP], [apply(output(2))], { priority: 10 }));
  const changed = flows(b).filter((x) => (x.instructions[0] as { actions: Action[] }).actions[0]!.type === OFPAT.OUTPUT && ((x.instructions[0] as { actions: { port: number }[] }).actions[0]!.port === 2));
  t.equal(changed.length, 1);
  t.equal(changed[0]!.priority, 10);
  t.equal(changed[0]!.match.length, 1);
});

t.test('MODIFY filters by cookie and never adds', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([f('in_port', 1)], [], { cookie: 0x1100n }));
  handle(b, add([f('in_port', 2)], [], { cookie: 0x2200n }));
  handle(b, flowMod(OFPFC.MODIFY, [], [apply(output(3))], { cookie: 0x1000n, cookie_mask: 0xf000n }));
  const got = flows(b).map((x) => [x.cookie, x.instructions.length]);
  t.same(got.sort(), [[0x1100n, 1], [0x2200n, 0]].sort(), 'only the cookie that matches under the mask');
  const v = b.version;
  handle(b, flowMod(OFPFC.MODIFY, [f('in_port', 3)], [apply(output(1))]));
  handle(b, flowMod(OFPFC.MODIFY_STRICT, [f('in_port', 1)], [apply(output(1))], { priority: 1 }));
  t.equal(flows(b).length, 2, 'a modify that matches nothing adds nothing (OF1.1+)');
  t.equal(b.version, v, 'and does not bump the version');
  refuses(t, tb, flowMod(OFPFC.MODIFY, [f('in_port', 3)], [apply(output(OFPP.ANY))]), OFPET.BAD_ACTION, 4, 'bad instructions are refused even when nothing matches');
});

t.test('DELETE and DELETE_STRICT with every filter', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, groupMod(OFPGC.ADD, 1, OFPGT.ALL, [bucket([output(1)])]));
  const setup = (): void => {
    handle(b, flowMod(OFPFC.DELETE, [], [], { table_id: OFPTT.ALL }));
    handle(b, add([IP, src('10.0.0.1')], [apply(output(1))], { priority: 10, cookie: 0x11n, flags: OFPFF.SEND_FLOW_REM }));
    handle(b, add([IP, src('10.0.0.2')], [write(output(2))], { priority: 20, cookie: 0x12n }));
    handle(b, add([IP], [apply(group(1))], { priority: 10, cookie: 0x21n, flags: OFPFF.SEND_FLOW_REM }));
    handle(b, add([], [apply(output(OFPP.CONTROLLER, 0xffff))], { priority: 0, cookie: 0x31n, flags: OFPFF.SEND_FLOW_REM }));
    handle(b, add([IP], [], { priority: 10, table_id: 3, cookie: 0x41n }));
    takeRemoved(tb);
  };
  const left = (): bigint[] => flows(b).map((x) => x.cookie).sort();

  setup();
  handle(b, flowMod(OFPFC.DELETE, [IP]));
  t.same(left(), [0x31n, 0x41n], 'loose: every entry at least as specific in the table, any priority');
  t.same(
    takeRemoved(tb).map((r) => [r.cookie, r.reason]).sort(),
    [[0x11n, OFPRR.DELETE], [0x21n, OFPRR.DELETE]],
    'FLOW_REMOVED (OFPRR_DELETE) for the entries with OFPFF_SEND_FLOW_REM only',
  );

  setup();
  handle(b, flowMod(OFPFC.DELETE_STRICT, [IP], [], { priority: 10 }));
  t.same(left(), [0x11n, 0x12n, 0x31n, 0x41n], 'strict: the identical match and priority only');
  handle(b, flowMod(OFPFC.DELETE_STRICT, [], [], { priority: 0 }));
  t.same(left(), [0x11n, 0x12n, 0x41n], 'strict delete of the table-miss entry');

  setup();
  handle(b, flowMod(OFPFC.DELETE, [], [], { table_id: OFPTT.ALL }));
  t.same(left(), [], 'OFPTT_ALL with an empty match empties every table');

  setup();
  handle(b, flowMod(OFPFC.DELETE, [], [], { out_port: 2 }));
  t.same(left(), [0x11n, 0x21n, 0x31n, 0x41n], 'out_port: an output in write-actions counts');
  handle(b, flowMod(OFPFC.DELETE, [], [], { out_port: OFPP.CONTROLLER }));
  t.same(left(), [0x11n, 0x21n, 0x41n], 'out_port CONTROLLER');

  setup();
  handle(b, flowMod(OFPFC.DELETE, [], [], { table_id: OFPTT.ALL, out_group: 1 }));
  t.same(left(), [0x11n, 0x12n, 0x31n, 0x41n], 'out_group');

  setup();
  handle(b, flowMod(OFPFC.DELETE, [], [], { table_id: OFPTT.ALL, cookie: 0x10n, cookie_mask: 0xf0n }));
  t.same(left(), [0x21n, 0x31n, 0x41n], 'cookie/cookie_mask');

  setup();
  handle(b, flowMod(OFPFC.DELETE, [], [], { table_id: OFPTT.ALL, out_port: 1, out_group: OFPG.ANY, cookie: 0x11n, cookie_mask: ~0n & 0xffffffffffffffffn }));
  t.same(left(), [0x12n, 0x21n, 0x31n, 0x41n], 'filters combine');

  const v = b.version;
  handle(b, flowMod(OFPFC.DELETE, [f('in_port', 9)]));
  t.equal(b.version, v, 'deleting nothing changes nothing');
});

t.test('FLOW_REMOVED for a delete carries the entry', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  const match = [IP, src('10.0.0.1')];
  handle(b, add(match, [], { priority: 9, cookie: 0x55n, idle_timeout: 7, hard_timeout: 8, flags: OFPFF.SEND_FLOW_REM }));
  b.creditRule(b.lookup(0, keyFor('10.0.0.1'), null)!, 2, 128, tb.clock.now());
  tb.clock.advance(2500);
  handle(b, flowMod(OFPFC.DELETE, []));
  const [e] = tb.events.filter((x) => x.kind === 'flow-removed');
  t.same((e as { msg: unknown }).msg, {
    type: 11,
    cookie: 0x55n,
    priority: 9,
    reason: OFPRR.DELETE,
    table_id: 0,
    duration_sec: 2,
    duration_nsec: 500_000_000,
    idle_timeout: 7,
    hard_timeout: 8,
    packet_count: 2n,
    byte_count: 128n,
    match,
  });
});

t.test('each accepted change is one version, seen whole by lookups', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  const seen: number[] = [];
  b.onChange((v) => void seen.push(v));
  const v0 = b.version;
  handle(b, add([IP, src('10.0.0.1')], [apply(output(1))], { priority: 1 }));
  handle(b, add([IP, src('10.0.0.2')], [apply(output(1))], { priority: 1 }));
  t.same(seen, [v0 + 1, v0 + 2], 'one notification per accepted request');
  t.ok(b.lookup(0, keyFor('10.0.0.1'), null), 'lookups see the new rule at once');
  refuses(t, tb, add([src('1.1.1.1')]), OFPET.BAD_MATCH, 9);
  t.equal(seen.length, 2, 'a refused request notifies nobody');
  handle(b, flowMod(OFPFC.MODIFY, [IP], [apply(output(2))]));
  t.same(seen, [v0 + 1, v0 + 2, v0 + 3], 'a modify of two entries is one version');
  const r = b.lookup(0, keyFor('10.0.0.2'), null)!;
  t.same(r.instructions, [apply(output(2))]);
  t.equal(b.lookup(0, keyFor('10.0.0.9'), null), null, 'no table-miss entry: a miss (the packet is dropped)');
});

t.test('a flow_mod with a buffer_id', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  const ran: { frame: Buffer; inPort: number; actions: readonly Action[] }[] = [];
  b.attachDatapath({ packetOut: (frame, inPort, actions) => void ran.push({ frame, inPort, actions }) });
  refuses(t, tb, add([f('in_port', 1)], [], { buffer_id: 0x1234 }), OFPET.BAD_REQUEST, OFPBRC.BUFFER_UNKNOWN, 'an id never issued');
  const frame = Buffer.alloc(60, 1);
  const id = b.bufferPacket(frame, 2);
  t.not(id, OFP_NO_BUFFER);
  refuses(t, tb, add([src('1.2.3.4')], [], { buffer_id: id }), OFPET.BAD_MATCH, 9, 'a refused flow_mod leaves the buffer');
  handle(b, add([f('in_port', 2)], [apply(output(1))], { buffer_id: id }));
  t.equal(flows(b).length, 1, 'the flow is added');
  t.same(ran, [{ frame, inPort: 2, actions: [{ type: OFPAT.OUTPUT, port: OFPP.TABLE, max_len: 0 }] }], 'then the packet goes through the tables (§6.4: as a packet-out to OFPP_TABLE)');
  refuses(t, tb, add([f('in_port', 3)], [], { buffer_id: id }), OFPET.BAD_REQUEST, OFPBRC.BUFFER_EMPTY, 'a buffer is good once');
  handle(b, flowMod(OFPFC.DELETE, [], [], { buffer_id: 0x999 }));
  t.equal(flows(b).length, 0, 'a delete ignores buffer_id');
});

/** A flow key for an IPv4 packet from `ip`. */
function keyFor(ip: string): Uint32Array {
  const k = newKey();
  k[10] = 0x0800 << 16;
  k[12] = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
  return k;
}
