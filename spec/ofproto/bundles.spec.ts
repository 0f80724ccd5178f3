/**
 * Bundles (ONF EXT-230 for OpenFlow 1.3, OF1.4 §6.8): control messages and
 * their errors, implicit open, and commits that apply every flow_mod in one
 * version or, refused, none.
 */
import t from 'tap';
import { encodeMessage, OFPAT, OFPBAC, OFPBMC, OFPET, OFPFC, OFPFF, OFPMP, OFPT, OFPTFPT, OFPXMC } from '../../lib/openflow/index.js';
import type { ErrorMsg, Experimenter, OfpMessage, TableFeatures } from '../../lib/openflow/index.js';
import { OFPBCT, OFPBF, OFPBFC, ONF_EXPERIMENTER, ONFT_BUNDLE_ADD_MESSAGE, ONFT_BUNDLE_CONTROL } from '../../lib/ofproto/bundles.js';
import { add, apply, f, flowMod, flows, gotoTable, group, groupMod, handle, mp, multipart, OFPGC, OFPGT, output, snapshot, testBridge } from './util.js';
import type { Bridge } from '../../lib/ofproto/bridge.js';

const FLAGS = OFPBF.ATOMIC | OFPBF.ORDERED;

function control(id: number, type: OFPBCT, flags = FLAGS, xid = 1): Experimenter {
  const data = Buffer.alloc(8);
  data.writeUInt32BE(id, 0);
  data.writeUInt16BE(type, 4);
  data.writeUInt16BE(flags, 6);
  return { type: OFPT.EXPERIMENTER, xid, experimenter: ONF_EXPERIMENTER, exp_type: ONFT_BUNDLE_CONTROL, data };
}

function addMsg(id: number, inner: OfpMessage, xid = 5, flags = FLAGS, innerXid = xid): Experimenter {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(id, 0);
  head.writeUInt16BE(flags, 6);
  const body = Buffer.from(encodeMessage({ ...inner, xid: innerXid }));
  return { type: OFPT.EXPERIMENTER, xid, experimenter: ONF_EXPERIMENTER, exp_type: ONFT_BUNDLE_ADD_MESSAGE, data: Buffer.concat([head, body]) };
}

function send(b: Bridge, msg: OfpMessage, connId = 1): string[] {
  const r = b.handle(msg, { connId });
  if (r instanceof Promise) throw new Error('promise');
  return r.map((m) => {
    if (m.type === OFPT.ERROR) {
      const e = m as ErrorMsg;
      return 'exp_type' in e ? `ONF ${e.exp_type - 2300}` : `ERR ${e.err_type}/${(e as { code: number }).code}`;
    }
    if (m.type === OFPT.EXPERIMENTER) return `reply ${(m as Experimenter).data.readUInt16BE(4)}`;
    return String(m.type);
  });
}

t.test('a bundle commits its flow_mods as one version', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  const seen: number[] = [];
  b.onChange((v) => void seen.push(v));
  t.same(send(b, control(7, OFPBCT.OPEN_REQUEST)), [`reply ${OFPBCT.OPEN_REPLY}`]);
  for (let i = 1; i <= 3; i++) t.same(send(b, addMsg(7, add([f('in_port', i)], [apply(output(1))]))), [], 'an add has no reply');
  send(b, addMsg(7, flowMod(OFPFC.MODIFY, [f('in_port', 2)], [apply(output(3))])));
  send(b, addMsg(7, flowMod(OFPFC.DELETE, [f('in_port', 3)])));
  t.equal(flows(b).length, 0, 'nothing happens before the commit');
  t.same(send(b, control(7, OFPBCT.CLOSE_REQUEST)), [`reply ${OFPBCT.CLOSE_REPLY}`]);
  t.same(send(b, control(7, OFPBCT.COMMIT_REQUEST)), [`reply ${OFPBCT.COMMIT_REPLY}`]);
  t.same(seen.length, 1, 'one version for the whole bundle');
  t.same(
    flows(b).map((x) => [(x.match[0] as { value: number }).value, (x.instructions[0] as { actions: { port: number }[] }).actions[0]!.port]).sort(),
    [[1, 1], [2, 3]],
    'later messages see the earlier ones: the modify found its entry, the delete removed its',
  );
  t.same(send(b, control(7, OFPBCT.COMMIT_REQUEST)), [`ONF ${OFPBFC.BAD_ID}`], 'a bundle is gone once committed');
});

t.test('a refused commit changes nothing', async (t) => {
  const tb = testBridge({ maxEntries: 3 });
  const b = tb.bridge;
  b.handle(add([f('in_port', 1)], [apply(output(2))], { flags: OFPFF.SEND_FLOW_REM }), { connId: 1 });
  b.handle(groupMod(OFPGC.ADD, 1, OFPGT.ALL, []), { connId: 1 });
  const before = snapshot(b);
  tb.events.length = 0;
  send(b, addMsg(1, add([f('in_port', 1)], [apply(output(3))])));
  send(b, addMsg(1, flowMod(OFPFC.DELETE, [])));
  send(b, addMsg(1, add([f('in_port', 2)], [apply(group(1))])));
  send(b, addMsg(1, add([f('in_port', 3)], [apply(group(2))])));
  t.same(send(b, control(1, OFPBCT.COMMIT_REQUEST)), [`ERR ${OFPET.BAD_ACTION}/${OFPBAC.BAD_OUT_GROUP}`, `ONF ${OFPBFC.MSG_FAILED}`], 'the failing message\'s error, then MSG_FAILED (as OVS)');
  t.same(snapshot(b), before, 'nothing changed');
  t.same(tb.events, [], 'no FLOW_REMOVED for the delete that was undone');
  b.handle(add([f('in_port', 4)]), { connId: 1 });
  b.handle(add([f('in_port', 5)]), { connId: 1 });
  t.equal(flows(b).length, 3, 'the pipeline works on');
  for (let i = 6; i <= 7; i++) send(b, addMsg(2, add([f('in_port', i)])));
  t.same(send(b, control(2, OFPBCT.COMMIT_REQUEST)), [`ERR ${OFPET.FLOW_MOD_FAILED}/1`, `ONF ${OFPBFC.MSG_FAILED}`], 'the table limit counts the bundle\'s own entries');
});

t.test('an entry added and deleted in one bundle never existed', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  send(b, addMsg(3, add([f('in_port', 1)], [], { flags: OFPFF.SEND_FLOW_REM })));
  send(b, addMsg(3, flowMod(OFPFC.DELETE, [])));
  send(b, addMsg(3, add([f('in_port', 2)], [], { idle_timeout: 1 })));
  send(b, control(3, OFPBCT.COMMIT_REQUEST));
  t.same(tb.events, [], 'no FLOW_REMOVED');
  t.equal(b.table(0)!.nRules, 1);
  t.equal(b.pipeline.timed.size, 1, 'only the surviving entry is watched for timeouts');
});

t.test('bundle errors', async (t) => {
  const { bridge: b } = testBridge();
  t.same(send(b, control(1, OFPBCT.CLOSE_REQUEST)), [`ONF ${OFPBFC.BAD_ID}`], 'close of an unknown bundle');
  t.same(send(b, control(1, OFPBCT.DISCARD_REQUEST)), [`ONF ${OFPBFC.BAD_ID}`]);
  send(b, control(1, OFPBCT.OPEN_REQUEST));
  t.same(send(b, control(1, OFPBCT.OPEN_REQUEST)), [`ONF ${OFPBFC.BUNDLE_EXIST}`]);
  t.same(send(b, control(1, OFPBCT.COMMIT_REQUEST, OFPBF.ATOMIC)), [`ONF ${OFPBFC.BAD_FLAGS}`], 'flags differ from the open');
  t.same(send(b, control(2, OFPBCT.OPEN_REQUEST, 4)), [`ONF ${OFPBFC.BAD_FLAGS}`], 'an unknown flag');
  t.same(send(b, control(1, 9 as OFPBCT)), [`ONF ${OFPBFC.BAD_TYPE}`]);
  t.same(send(b, addMsg(1, groupMod(OFPGC.ADD, 1, OFPGT.ALL, []))), [`ONF ${OFPBFC.MSG_UNSUP}`], 'only flow_mods');
  t.same(send(b, addMsg(1, add([]), 5, FLAGS, 6)), [`ONF ${OFPBFC.MSG_BAD_XID}`], 'inner xid must be the outer one');
  t.throws(() => b.handle(addMsg(1, add([f('ipv4_src', '1.2.3.4')])), { connId: 1 }), /BAD_PREREQ/, 'the inner message\'s own errors are raised when it is added');
  send(b, control(1, OFPBCT.CLOSE_REQUEST));
  t.same(send(b, addMsg(1, add([]))), [`ONF ${OFPBFC.BUNDLE_CLOSED}`]);
  t.same(send(b, control(1, OFPBCT.DISCARD_REQUEST)), [`reply ${OFPBCT.DISCARD_REPLY}`]);
  send(b, addMsg(4, add([])));
  t.same(send(b, control(4, OFPBCT.COMMIT_REQUEST), 2), [`ONF ${OFPBFC.BAD_ID}`], 'bundles belong to their connection');
  b.connectionClosed(1);
  t.same(send(b, control(4, OFPBCT.COMMIT_REQUEST)), [`ONF ${OFPBFC.BAD_ID}`], 'and go when it closes');
  t.equal(flows(b).length, 0);
});

t.test('an ADD made into its rule when added (as Open vSwitch does) commits as any ADD would', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  b.handle(add([f('in_port', 1)], [apply(output(2))], { cookie: 1n }), { connId: 1 });
  for (const r of b.table(0)!.cls) r.packets = 7;
  tb.clock.advance(5000);
  send(b, addMsg(1, add([f('in_port', 1)], [apply(output(3))], { cookie: 2n })));
  send(b, addMsg(1, add([f('in_port', 2)], [apply(output(3))])));
  tb.clock.advance(2000);
  t.same(send(b, control(1, OFPBCT.COMMIT_REQUEST)), [`reply ${OFPBCT.COMMIT_REPLY}`]);
  const byPort = new Map(flows(b).map((x) => [(x.match[0] as { value: number }).value, x]));
  t.equal(byPort.get(1)!.cookie, 2n, 'the identical entry is replaced: new cookie');
  t.equal(byPort.get(1)!.packet_count, 7n, 'and the old counters (no RESET_COUNTS)');
  t.equal(byPort.get(1)!.duration_sec, 2, 'a new duration, from when the message was added (Open vSwitch: add_flow_init)');
  t.equal(byPort.get(2)!.duration_sec, 2);
});

t.test('the key words of rules made when added go back when no commit takes them', async (t) => {
  const { bridge: b } = testBridge({ maxEntries: 2 });
  const free = (): number => (b.pipeline.keys as unknown as { free: unknown[] }).free.length;
  for (let i = 1; i <= 3; i++) send(b, addMsg(1, add([f('in_port', i)])));
  send(b, control(1, OFPBCT.DISCARD_REQUEST));
  t.equal(free(), 3, 'a discarded bundle gives back all');
  for (let i = 1; i <= 3; i++) send(b, addMsg(2, add([f('in_port', i)])));
  t.same(send(b, control(2, OFPBCT.COMMIT_REQUEST)), [`ERR ${OFPET.FLOW_MOD_FAILED}/1`, `ONF ${OFPBFC.MSG_FAILED}`], 'table full at the third');
  t.equal(free(), 3, 'so does a refused commit: the undone entries and the one never planned');
  t.equal(flows(b).length, 0);
  for (let i = 1; i <= 2; i++) send(b, addMsg(3, add([f('in_port', i)])));
  b.connectionClosed(1);
  t.equal(free(), 3, 'and a closed connection (the slots were taken from the free list again)');
  t.equal(b.table(0)!.nRules, 0);
});

t.test('a bundle of every kind of message leaves the flows that the same messages leave one at a time', async (t) => {
  const msgs: OfpMessage[] = [
    add([f('in_port', 1)], [apply(output(2))]),
    add([f('in_port', 2)], [gotoTable(1)]),
    // Made into its rule when added? No: it names a group. Its check (pop_vlan
    // needs the tag its match pins) must then run again at commit on the
    // match's own facts, not on what the first check's walk left of them.
    add([f('in_port', 5), f('vlan_vid', 0x1005)], [apply({ type: OFPAT.POP_VLAN }, group(1))]),
    flowMod(OFPFC.MODIFY, [f('in_port', 1)], [apply(output(3))]),
    add([f('in_port', 3)], [apply(output(1))], { priority: 5 }),
    flowMod(OFPFC.DELETE_STRICT, [f('in_port', 3)], [], { priority: 5 }),
    add([f('in_port', 4)], [apply(output(1))], { table_id: 1 }),
    add([f('in_port', 1)], [apply(output(4))], { priority: 7, cookie: 9n }),
    add([f('in_port', 1)], [apply(output(5))], { priority: 7, cookie: 10n }),
  ];
  const plain = testBridge({ nTables: 3 }).bridge;
  const bundled = testBridge({ nTables: 3 }).bridge;
  for (const b of [plain, bundled]) b.handle(groupMod(OFPGC.ADD, 1, OFPGT.ALL, []), { connId: 1 });
  for (const m of msgs) t.same(plain.handle(m, { connId: 1 }), [], `accepted alone: ${JSON.stringify(m, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).slice(0, 60)}`);
  for (const m of msgs) send(bundled, addMsg(4, m));
  t.same(send(bundled, control(4, OFPBCT.COMMIT_REQUEST)), [`reply ${OFPBCT.COMMIT_REPLY}`]);
  const view = (b: Bridge): unknown => flows(b).map(({ duration_sec: _s, duration_nsec: _n, ...rest }) => rest);
  t.same(view(bundled), view(plain));
  t.equal(flows(bundled).length, 5);
});

t.test('a TABLE_FEATURES request between the adds and the commit: the commit checks against the new features', async (t) => {
  const tb = testBridge({ nTables: 2 });
  const b = tb.bridge;
  const current = mp<TableFeatures[]>(b, { mp_type: OFPMP.TABLE_FEATURES, body: [] });
  send(b, addMsg(1, add([f('in_port', 1)], [apply(output(2))])));
  send(b, addMsg(1, add([f('in_port', 2), f('eth_type', 0x800)], [apply(output(2))])));
  // The same features again: new capabilities objects, the same checks.
  handle(b, multipart({ mp_type: OFPMP.TABLE_FEATURES, body: current }));
  send(b, addMsg(1, add([f('in_port', 3)], [apply(output(2))])));
  t.same(send(b, control(1, OFPBCT.COMMIT_REQUEST)), [`reply ${OFPBCT.COMMIT_REPLY}`], 'rules prepared before and after the request commit');
  t.equal(flows(b).length, 3);

  // Table 0 narrowed to exact in_port matches: the second message no longer fits.
  send(b, addMsg(2, add([f('in_port', 4)], [apply(output(2))])));
  send(b, addMsg(2, add([f('in_port', 5), f('eth_type', 0x800)], [apply(output(2))])));
  const narrow: TableFeatures = {
    ...current[0]!,
    properties: current[0]!.properties.map((p) =>
      p.type === OFPTFPT.MATCH
        ? { type: OFPTFPT.MATCH, oxm_ids: [{ oxm_class: OFPXMC.OPENFLOW_BASIC, oxm_field: 0, hasmask: false, length: 4 }] }
        : p.type === OFPTFPT.WILDCARDS
          ? { type: OFPTFPT.WILDCARDS, oxm_ids: [] }
          : p,
    ),
  };
  handle(b, multipart({ mp_type: OFPMP.TABLE_FEATURES, body: [narrow, current[1]!] }));
  const before = snapshot(b);
  const free = (): number => (b.pipeline.keys as unknown as { free: unknown[] }).free.length;
  const freeBefore = free();
  t.same(send(b, control(2, OFPBCT.COMMIT_REQUEST)), [`ERR ${OFPET.BAD_MATCH}/${OFPBMC.BAD_FIELD}`, `ONF ${OFPBFC.MSG_FAILED}`]);
  t.same(snapshot(b), before, 'nothing changed');
  t.equal(free(), freeBefore + 2, 'the key words of both prepared rules went back');
});
