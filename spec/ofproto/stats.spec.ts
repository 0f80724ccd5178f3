/**
 * Multipart replies (§7.3.5) and the other read-only requests: desc, flow
 * and aggregate stats with every filter, table stats, queues, table
 * features (reading, and setting them to reshape the pipeline), TABLE_MOD,
 * QUEUE_GET_CONFIG, EXPERIMENTER.
 */
import t from 'tap';
import {
  OFPBIC,
  OFPBMC,
  OFPBRC,
  OFPET,
  OFPFF,
  OFPIT,
  OFPMP,
  OFPP,
  OFPQOFC,
  OFPTFFC,
  OFPTFPT,
  OFPTMFC,
  OFPTT,
  OFPT,
  OFPXMC,
} from '../../lib/openflow/index.js';
import type { AggregateStats, DescStats, FlowStatsRequest, TableFeatures, TableStats } from '../../lib/openflow/index.js';
import { add, ALL_FLOWS, apply, f, flows, gotoTable, group, groupMod, handle, mp, multipart, OFPGC, OFPGT, output, refuses, testBridge, bucket, write } from './util.js';

const IP = f('eth_type', 0x0800);

t.test('desc', async (t) => {
  const { bridge } = testBridge({ name: 'br7', desc: { serial_num: '42' } });
  t.same(mp<DescStats>(bridge, { mp_type: OFPMP.DESC }), {
    mfr_desc: 'ofswitch',
    hw_desc: 'ofswitch software switch',
    sw_desc: 'ofswitch 0.1.0',
    serial_num: '42',
    dp_desc: 'br7',
  });
});

t.test('flow and aggregate stats filters', async (t) => {
  const tb = testBridge({ nTables: 5 });
  const b = tb.bridge;
  handle(b, groupMod(OFPGC.ADD, 5, OFPGT.ALL, [bucket([output(1)])]));
  handle(b, add([IP, f('ipv4_src', '10.0.0.1')], [apply(output(1))], { priority: 5, cookie: 0x11n }));
  handle(b, add([IP], [write(output(2))], { priority: 9, cookie: 0x12n }));
  handle(b, add([f('in_port', 1)], [apply(group(5))], { priority: 7, cookie: 0x21n, table_id: 2 }));
  handle(b, add([], [], { priority: 0, cookie: 0x31n, table_id: 2 }));
  for (const r of [b.table(0)!, b.table(2)!].flatMap((tb) => [...tb.rules()])) b.creditRule(r, Number(r.cookie & 0xfn), 100 * Number(r.cookie & 0xfn), 0);
  const cookies = (filter: Partial<FlowStatsRequest>): bigint[] => flows(b, filter).map((x) => x.cookie);
  t.same(cookies({}), [0x12n, 0x11n, 0x21n, 0x31n], 'all tables: table order, then priority');
  t.same(cookies({ table_id: 2 }), [0x21n, 0x31n], 'one table');
  t.same(cookies({ match: [IP] }), [0x12n, 0x11n], 'a loose match');
  t.same(cookies({ match: [IP, f('ipv4_src', '10.0.0.0', '255.0.0.0')] }), [0x11n], 'a loose match with a mask');
  t.same(cookies({ out_port: 2 }), [0x12n], 'out_port');
  t.same(cookies({ out_group: 5 }), [0x21n], 'out_group');
  t.same(cookies({ cookie: 0x10n, cookie_mask: 0xf0n }), [0x12n, 0x11n], 'cookie');
  const agg = mp<AggregateStats>(b, { mp_type: OFPMP.AGGREGATE, body: { ...ALL_FLOWS, cookie: 0x10n, cookie_mask: 0xf0n } });
  t.same(agg, { packet_count: 3n, byte_count: 300n, flow_count: 2 }, 'aggregate over the same selection');
  refuses(t, tb, multipart({ mp_type: OFPMP.FLOW, body: { ...ALL_FLOWS, table_id: 7 } }), OFPET.BAD_REQUEST, OFPBRC.BAD_TABLE_ID, 'a table that does not exist');
  refuses(t, tb, multipart({ mp_type: OFPMP.FLOW, body: { ...ALL_FLOWS, match: [f('tcp_src', 1)] } }), OFPET.BAD_MATCH, OFPBMC.BAD_PREREQ, 'a bad match');
});

t.test('table stats', async (t) => {
  const { bridge: b } = testBridge({ nTables: 3 });
  handle(b, add([f('in_port', 1)]));
  handle(b, add([f('in_port', 2)], [], { table_id: 2 }));
  b.creditTable(0, 10, 7);
  b.creditTable(2, 3, 3);
  t.same(mp<TableStats[]>(b, { mp_type: OFPMP.TABLE }), [
    { table_id: 0, active_count: 1, lookup_count: 10n, matched_count: 7n },
    { table_id: 1, active_count: 0, lookup_count: 0n, matched_count: 0n },
    { table_id: 2, active_count: 1, lookup_count: 3n, matched_count: 3n },
  ]);
});

t.test('queues: none configured', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  t.same(mp(b, { mp_type: OFPMP.QUEUE, body: { port_no: OFPP.ANY, queue_id: 0xffffffff } }), [], 'all queues of all ports: none');
  t.same(mp(b, { mp_type: OFPMP.QUEUE, body: { port_no: 1, queue_id: 0xffffffff } }), []);
  refuses(t, tb, multipart({ mp_type: OFPMP.QUEUE, body: { port_no: 9, queue_id: 0xffffffff } }), OFPET.QUEUE_OP_FAILED, OFPQOFC.BAD_PORT, 'a port that does not exist');
  refuses(t, tb, multipart({ mp_type: OFPMP.QUEUE, body: { port_no: 1, queue_id: 0 } }), OFPET.QUEUE_OP_FAILED, OFPQOFC.BAD_QUEUE, 'a queue that does not exist');
  t.same(handle(b, { type: OFPT.QUEUE_GET_CONFIG_REQUEST, xid: 3, port: 1 }), [{ type: OFPT.QUEUE_GET_CONFIG_REPLY, xid: 3, port: 1, queues: [] }]);
  refuses(t, tb, { type: OFPT.QUEUE_GET_CONFIG_REQUEST, xid: 3, port: 9 }, OFPET.QUEUE_OP_FAILED, OFPQOFC.BAD_PORT);
});

t.test('TABLE_MOD, EXPERIMENTER, FEATURES', async (t) => {
  const tb = testBridge({ nTables: 4, nBuffers: 16 });
  const b = tb.bridge;
  t.same(handle(b, { type: OFPT.TABLE_MOD, xid: 1, table_id: 2, config: 3 }), [], 'deprecated config bits: accepted, no effect (as OVS)');
  t.same(handle(b, { type: OFPT.TABLE_MOD, xid: 1, table_id: OFPTT.ALL, config: 0 }), []);
  refuses(t, tb, { type: OFPT.TABLE_MOD, xid: 1, table_id: 4, config: 0 }, OFPET.TABLE_MOD_FAILED, OFPTMFC.BAD_TABLE);
  refuses(t, tb, { type: OFPT.TABLE_MOD, xid: 1, table_id: 0, config: 4 }, OFPET.TABLE_MOD_FAILED, OFPTMFC.BAD_CONFIG);
  refuses(t, tb, { type: OFPT.EXPERIMENTER, xid: 1, experimenter: 0x2320, exp_type: 1, data: Buffer.alloc(0) }, OFPET.BAD_REQUEST, OFPBRC.BAD_EXPERIMENTER);
  refuses(t, tb, multipart({ mp_type: OFPMP.EXPERIMENTER, body: { experimenter: 1, exp_type: 0, data: Buffer.alloc(0) } }), OFPET.BAD_REQUEST, OFPBRC.BAD_EXPERIMENTER);
  t.same(b.features(), { datapath_id: 1n, n_buffers: 16, n_tables: 4, capabilities: 0x4f });
});

t.test('table features: reading', async (t) => {
  const { bridge: b } = testBridge({ nTables: 3, maxEntries: 1000 });
  const tf = mp<TableFeatures[]>(b, { mp_type: OFPMP.TABLE_FEATURES, body: [] });
  t.same(tf.map((x) => [x.table_id, x.name, x.max_entries, x.properties.length]), [[0, 'table0', 1000, 14], [1, 'table1', 1000, 14], [2, 'table2', 1000, 14]]);
  const prop = <T>(x: TableFeatures, type: OFPTFPT): T => x.properties.find((p) => p.type === type) as T;
  t.same(prop<{ table_ids: number[] }>(tf[0]!, OFPTFPT.NEXT_TABLES).table_ids, [1, 2]);
  t.same(prop<{ table_ids: number[] }>(tf[2]!, OFPTFPT.NEXT_TABLES).table_ids, []);
  t.same(prop<{ instruction_ids: { type: number }[] }>(tf[0]!, OFPTFPT.INSTRUCTIONS).instruction_ids.map((i) => i.type), [1, 2, 3, 4, 5, 6]);
  t.same(prop<{ instruction_ids: { type: number }[] }>(tf[2]!, OFPTFPT.INSTRUCTIONS).instruction_ids.map((i) => i.type), [2, 3, 4, 5, 6], 'no goto-table in the last table');
  t.same(prop<{ action_ids: { type: number }[] }>(tf[0]!, OFPTFPT.APPLY_ACTIONS).action_ids.map((i) => i.type), [0, 11, 12, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27]);
  const match = prop<{ oxm_ids: { oxm_class: number; oxm_field: number; hasmask: boolean; length: number }[] }>(tf[0]!, OFPTFPT.MATCH).oxm_ids;
  t.equal(match.length, 40, 'all forty fields');
  t.ok(match.every((m) => m.oxm_class === OFPXMC.OPENFLOW_BASIC));
  t.same(match.find((m) => m.oxm_field === 12), { oxm_class: OFPXMC.OPENFLOW_BASIC, oxm_field: 12, hasmask: true, length: 8 }, 'ipv4_dst, maskable');
  t.same(match.find((m) => m.oxm_field === 5), { oxm_class: OFPXMC.OPENFLOW_BASIC, oxm_field: 5, hasmask: false, length: 2 }, 'eth_type, exact');
  const setf = prop<{ oxm_ids: { oxm_field: number }[] }>(tf[0]!, OFPTFPT.APPLY_SETFIELD).oxm_ids.map((m) => m.oxm_field);
  t.equal(setf.length, 36, 'set-field on every header field');
  t.notOk([0, 1, 2, 39].some((c) => setf.includes(c)), 'not in_port, in_phy_port, metadata, ipv6_exthdr');
});

t.test('table features: setting them reshapes the pipeline', async (t) => {
  const tb = testBridge({ nTables: 4, maxEntries: 1000 });
  const b = tb.bridge;
  handle(b, add([f('in_port', 1)], [gotoTable(1)], { cookie: 1n, flags: OFPFF.SEND_FLOW_REM }));
  handle(b, add([f('in_port', 1)], [gotoTable(3)], { cookie: 2n, table_id: 1 }));
  handle(b, add([f('in_port', 1)], [], { cookie: 3n, table_id: 3 }));
  const current = mp<TableFeatures[]>(b, { mp_type: OFPMP.TABLE_FEATURES, body: [] });
  // Keep table 0 as is, narrow table 1 to exact in_port matches and apply-actions with output only, drop tables 2 and 3.
  const t0 = current[0]!;
  const t1: TableFeatures = {
    table_id: 1,
    name: 'narrow',
    metadata_match: 0n,
    metadata_write: 0n,
    config: 0,
    max_entries: 2,
    properties: [
      { type: OFPTFPT.INSTRUCTIONS, instruction_ids: [{ type: OFPIT.APPLY_ACTIONS, data: Buffer.alloc(0) }] },
      { type: OFPTFPT.NEXT_TABLES, table_ids: [] },
      { type: OFPTFPT.WRITE_ACTIONS, action_ids: [] },
      { type: OFPTFPT.APPLY_ACTIONS, action_ids: [{ type: 0, data: Buffer.alloc(0) }] },
      { type: OFPTFPT.MATCH, oxm_ids: [{ oxm_class: OFPXMC.OPENFLOW_BASIC, oxm_field: 0, hasmask: false, length: 4 }] },
      { type: OFPTFPT.WILDCARDS, oxm_ids: [] },
      { type: OFPTFPT.WRITE_SETFIELD, oxm_ids: [] },
      { type: OFPTFPT.APPLY_SETFIELD, oxm_ids: [] },
    ],
  };
  const fixed0: TableFeatures = {
    ...t0,
    properties: t0.properties.map((p) => (p.type === OFPTFPT.NEXT_TABLES || p.type === OFPTFPT.NEXT_TABLES_MISS ? { ...p, table_ids: [1] } : p)),
  };
  const [reply] = handle(b, multipart({ mp_type: OFPMP.TABLE_FEATURES, body: [fixed0, t1] })) as { body: TableFeatures[] }[];
  t.same(reply!.body.map((x) => [x.table_id, x.name, x.max_entries]), [[0, 'table0', 1000], [1, 'narrow', 2]], 'the reply is the new pipeline');
  t.same(flows(b).map((x) => x.cookie), [], 'entries of changed and removed tables go');
  t.same(tb.events.filter((e) => e.kind === 'flow-removed').length, 1, 'with FLOW_REMOVED for those that asked');
  t.equal(b.features().n_tables, 4, 'n_tables stays the most the switch can have');
  refuses(t, tb, add([f('in_port', 1)], [], { table_id: 2 }), OFPET.FLOW_MOD_FAILED, 2, 'table 2 is gone');
  refuses(t, tb, add([f('in_port', 1)], [gotoTable(2)]), OFPET.BAD_INSTRUCTION, OFPBIC.BAD_TABLE_ID, 'and no goto reaches it');
  refuses(t, tb, add([], [], { table_id: 1 }), OFPET.BAD_MATCH, OFPBMC.BAD_WILDCARDS, 'table 1 must match in_port');
  refuses(t, tb, add([f('in_port', 1), f('eth_type', 0x800)], [], { table_id: 1 }), OFPET.BAD_MATCH, OFPBMC.BAD_FIELD, 'and nothing else');
  refuses(t, tb, add([f('in_port', 1)], [write(output(1))], { table_id: 1 }), OFPET.BAD_INSTRUCTION, OFPBIC.UNSUP_INST, 'write-actions not listed');
  refuses(t, tb, add([f('in_port', 1)], [apply({ type: 17, ethertype: 0x8100 })], { table_id: 1 }), OFPET.BAD_ACTION, 0, 'push_vlan not listed: OFPBAC_BAD_TYPE');
  handle(b, add([f('in_port', 1)], [apply(output(2))], { table_id: 1 }));
  handle(b, add([f('in_port', 2)], [apply(output(2))], { table_id: 1 }));
  refuses(t, tb, add([f('in_port', 3)], [], { table_id: 1 }), OFPET.FLOW_MOD_FAILED, 1, 'max_entries 2');
  handle(b, add([f('in_port', 1)], [gotoTable(1)]));
  handle(b, multipart({ mp_type: OFPMP.TABLE_FEATURES, body: [fixed0, t1] }));
  t.equal(flows(b).length, 3, 'setting the same features again keeps every entry');
});

t.test('table features: what a set request may not ask', async (t) => {
  const tb = testBridge({ nTables: 4, maxEntries: 1000 });
  const b = tb.bridge;
  const base = mp<TableFeatures[]>(b, { mp_type: OFPMP.TABLE_FEATURES, body: [] });
  const bad = (list: TableFeatures[], code: OFPTFFC, what: string): void =>
    refuses(t, tb, multipart({ mp_type: OFPMP.TABLE_FEATURES, body: list }), OFPET.TABLE_FEATURES_FAILED, code, what);
  const edit = (i: number, fn: (x: TableFeatures) => TableFeatures): TableFeatures[] => base.map((x, j) => (j === i ? fn(x) : x));
  bad(edit(0, (x) => ({ ...x, table_id: 9 })), OFPTFFC.BAD_TABLE, 'a table beyond ours');
  bad([...base, base[0]!], OFPTFFC.BAD_TABLE, 'a table twice');
  bad(edit(0, (x) => ({ ...x, max_entries: 1001 })), OFPTFFC.BAD_ARGUMENT, 'more entries than we hold');
  bad(edit(0, (x) => ({ ...x, properties: x.properties.filter((p) => p.type !== OFPTFPT.MATCH) })), OFPTFFC.BAD_ARGUMENT, 'a required property missing');
  bad(edit(0, (x) => ({ ...x, properties: [...x.properties, x.properties[0]!] })), OFPTFFC.BAD_ARGUMENT, 'a property twice');
  bad(edit(0, (x) => ({ ...x, properties: [...x.properties, { type: OFPTFPT.EXPERIMENTER, experimenter: 1, exp_type: 0, data: Buffer.alloc(0) }] })), OFPTFFC.BAD_TYPE, 'an experimenter property');
  bad(edit(1, (x) => ({ ...x, properties: x.properties.map((p) => (p.type === OFPTFPT.NEXT_TABLES ? { ...p, table_ids: [0] } : p)) })), OFPTFFC.BAD_ARGUMENT, 'a next table that is not later');
  bad(base.slice(0, 2), OFPTFFC.BAD_ARGUMENT, 'next tables that the new pipeline lacks');
  bad(edit(0, (x) => ({ ...x, properties: x.properties.map((p) => (p.type === OFPTFPT.APPLY_ACTIONS ? { ...p, action_ids: [{ type: 99, data: Buffer.alloc(0) }] } : p)) })), OFPTFFC.BAD_ARGUMENT, 'an action we do not implement');
  bad(edit(0, (x) => ({ ...x, properties: x.properties.map((p) => (p.type === OFPTFPT.MATCH ? { ...p, oxm_ids: [{ oxm_class: 1, oxm_field: 0, hasmask: false, length: 4 }] } : p)) })), OFPTFFC.BAD_ARGUMENT, 'an NXM field');
  bad(edit(0, (x) => ({ ...x, properties: x.properties.map((p) => (p.type === OFPTFPT.MATCH ? { ...p, oxm_ids: [{ oxm_class: OFPXMC.OPENFLOW_BASIC, oxm_field: 5, hasmask: true, length: 4 }] } : p)) })), OFPTFFC.BAD_ARGUMENT, 'a mask on eth_type');
  bad(edit(0, (x) => ({ ...x, properties: x.properties.map((p) => (p.type === OFPTFPT.APPLY_SETFIELD ? { ...p, oxm_ids: [{ oxm_class: OFPXMC.OPENFLOW_BASIC, oxm_field: 0, hasmask: false, length: 4 }] } : p)) })), OFPTFFC.BAD_ARGUMENT, 'set-field on in_port');
  bad(edit(0, (x) => ({ ...x, table_id: OFPTT.ALL })), OFPTFFC.BAD_TABLE, 'OFPTT_ALL');
});
