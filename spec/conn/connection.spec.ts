/**
 * One connection over loopback against a fake switch: handshake, echo,
 * features, config, dispatch errors, barrier ordering, multipart splitting
 * and reassembly. The client is a plain socket; the bytes it sends for bad
 * input are written out by hand.
 */
import t from 'tap';
import {
  OFPBRC,
  OFPET,
  OFPHFC,
  OFPMP,
  OFPMPF_REPLY,
  OFPMPF_REQ,
  OFPT,
  encodeMessage,
  type FlowMod,
  type OfpMessage,
} from '../../lib/openflow/index.js';
import { OfClient } from '../helpers/of-client.js';
import { flowMod, startHarness } from '../helpers/conn-harness.js';

const errorOf = (m: OfpMessage) => m as Extract<OfpMessage, { type: OFPT.ERROR }> & { code: number };

t.test('SET_CONFIG with undefined flag bits: OFPSCFC_BAD_FLAGS, nothing changed, connection up', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const c = await OfClient.connect(h.port);
  t.teardown(() => c.close());
  await c.expect(OFPT.HELLO);
  c.sendHello();
  // Written by hand: version 4, OFPT_SET_CONFIG (9), length 12, xid 0x31,
  // flags 0x0010 (no such bit: OFPC_FRAG_MASK is 3), miss_send_len 999.
  const bad = Buffer.from('0409000c000000310010' + '03e7', 'hex');
  c.write(bad);
  const e = errorOf(await c.expect(OFPT.ERROR, 0x31));
  // OFPET_SWITCH_CONFIG_FAILED = 10, OFPSCFC_BAD_FLAGS = 0 (OpenFlow 1.3.5 §A.4.4).
  t.equal(e.err_type, 10);
  t.equal(e.code, 0);
  t.equal(e.data.toString('hex'), bad.toString('hex'), 'the offending request');
  c.send({ type: OFPT.GET_CONFIG_REQUEST, xid: 0x32 });
  const cfg = await c.expect(OFPT.GET_CONFIG_REPLY, 0x32);
  t.same([cfg.flags, cfg.miss_send_len], [0, 0], 'neither the flags nor miss_send_len were applied');
});

t.test('handshake, echo, features and config on a service connection', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const c = await OfClient.connect(h.port);
  t.teardown(() => c.close());
  const hello = await c.expect(OFPT.HELLO);
  t.equal(hello.version, 4);
  t.same(hello.elements, [{ type: 1, bitmaps: [0x10] }], 'bitmap with only OF1.3');
  c.sendHello();
  c.send({ type: OFPT.ECHO_REQUEST, xid: 7, data: Buffer.from('ping') });
  const echo = await c.expect(OFPT.ECHO_REPLY, 7);
  t.equal(echo.data.toString(), 'ping');
  c.send({ type: OFPT.FEATURES_REQUEST, xid: 8 });
  const f = await c.expect(OFPT.FEATURES_REPLY, 8);
  t.equal(f.datapath_id, 0x1234n);
  t.equal(f.auxiliary_id, 0);
  t.equal(f.n_tables, 254);
  c.send({ type: OFPT.GET_CONFIG_REQUEST, xid: 9 });
  const cfg = await c.expect(OFPT.GET_CONFIG_REPLY, 9);
  t.equal(cfg.miss_send_len, 0, 'service connections start at 0, as OVS');
  t.equal(cfg.flags, 0);
  c.send({ type: OFPT.SET_CONFIG, xid: 10, flags: 1, miss_send_len: 256 });
  c.send({ type: OFPT.GET_CONFIG_REQUEST, xid: 11 });
  const cfg2 = await c.expect(OFPT.GET_CONFIG_REPLY, 11);
  t.equal(cfg2.miss_send_len, 256);
  t.equal(cfg2.flags, 0, 'unsupported frag mode DROP is not claimed');
  c.send({ type: OFPT.GET_ASYNC_REQUEST, xid: 12 });
  const a = await c.expect(OFPT.GET_ASYNC_REPLY, 12);
  t.same(a.packet_in_mask, [3, 0]);
  t.same(a.port_status_mask, [7, 7]);
  t.same(a.flow_removed_mask, [15, 0]);
  c.send({ type: OFPT.SET_ASYNC, xid: 13, packet_in_mask: [1, 2], port_status_mask: [0, 1], flow_removed_mask: [4, 8] });
  c.send({ type: OFPT.GET_ASYNC_REQUEST, xid: 14 });
  const a2 = await c.expect(OFPT.GET_ASYNC_REPLY, 14);
  t.same([a2.packet_in_mask, a2.port_status_mask, a2.flow_removed_mask], [[1, 2], [0, 1], [4, 8]]);
});

t.test('a peer without OF1.3 gets HELLO_FAILED/INCOMPATIBLE and is closed', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const c = await OfClient.connect(h.port);
  c.sendHello(1 << 1, 1); // OF1.0 only
  const e = errorOf(await c.expect(OFPT.ERROR));
  t.equal(e.err_type, OFPET.HELLO_FAILED);
  t.equal(e.code, OFPHFC.INCOMPATIBLE);
  t.equal(e.version, 1, 'in a version an OF1.0 peer reads');
  await c.waitClosed();
  const d = await OfClient.connect(h.port);
  // An OF1.5 HELLO without a bitmap negotiates down to 1.3.
  d.write(Buffer.from('0600000800000001', 'hex'));
  d.send({ type: OFPT.ECHO_REQUEST, xid: 3, data: Buffer.alloc(0) });
  await d.expect(OFPT.ECHO_REPLY, 3);
  d.close();
});

t.test('a first message other than HELLO closes the connection', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const c = await OfClient.connect(h.port);
  c.send({ type: OFPT.FEATURES_REQUEST, xid: 1 });
  await c.waitClosed();
  t.equal(h.mgr.status().connections.length, 0);
  t.same(h.sw.closedConns, [1], 'the switch is told the connection is gone');
});

t.test('dispatch errors: bad version, controller-only types, experimenter, bad body', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  // An OF1.0 FEATURES_REQUEST after negotiating 1.3.
  c.write(Buffer.from('0105000800000021', 'hex'));
  let e = errorOf(await c.expect(OFPT.ERROR, 0x21));
  t.same([e.err_type, e.code], [OFPET.BAD_REQUEST, OFPBRC.BAD_VERSION]);
  t.equal(e.data.toString('hex'), '0105000800000021', 'the offending bytes');
  const fromController: OfpMessage[] = [
    { type: OFPT.FEATURES_REPLY, xid: 0x22, datapath_id: 1n, n_buffers: 0, n_tables: 1, auxiliary_id: 0, capabilities: 0, reserved: 0 },
    { type: OFPT.BARRIER_REPLY, xid: 0x23 },
    { type: OFPT.HELLO, xid: 0x24, elements: [] },
    { type: OFPT.MULTIPART_REPLY, xid: 0x25, flags: 0, mp_type: OFPMP.PORT_DESC, body: [] },
    { type: OFPT.ROLE_REPLY, xid: 0x2b, role: 1, generation_id: 0n },
  ];
  for (const m of fromController) {
    c.send(m);
    e = errorOf(await c.expect(OFPT.ERROR, m.xid));
    t.same([e.err_type, e.code], [OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE], OFPT[m.type]);
  }
  c.send({ type: OFPT.EXPERIMENTER, xid: 0x26, experimenter: 0xabcd, exp_type: 1, data: Buffer.alloc(4) });
  e = errorOf(await c.expect(OFPT.ERROR, 0x26));
  t.same([e.err_type, e.code], [OFPET.BAD_REQUEST, OFPBRC.BAD_EXPERIMENTER]);
  // Unknown type 99.
  c.write(Buffer.from('0463000800000027', 'hex'));
  e = errorOf(await c.expect(OFPT.ERROR, 0x27));
  t.same([e.err_type, e.code], [OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE]);
  // A FLOW_MOD cut short: decode error, first 64 bytes back, connection stays.
  const fm = encodeMessage({
    ...flowMod(0x28),
    instructions: [{ type: 4, actions: [{ type: 0, port: 1, max_len: 0 }] }],
  } as FlowMod);
  t.equal(fm.length, 80);
  const bad = Buffer.from(fm.subarray(0, 70));
  bad.writeUInt16BE(70, 2);
  c.write(bad);
  e = errorOf(await c.expect(OFPT.ERROR, 0x28));
  t.equal(e.err_type, OFPET.BAD_INSTRUCTION, "the codec's error");
  t.equal(e.data.length, 64);
  t.same(e.data, bad.subarray(0, 64));
  c.send({ type: OFPT.ECHO_REQUEST, xid: 0x29, data: Buffer.alloc(0) });
  await c.expect(OFPT.ECHO_REPLY, 0x29);
  // An error from the switch comes back with the request.
  h.sw.flowModError = new (await import('../../lib/openflow/index.js')).OfpError(OFPET.FLOW_MOD_FAILED, 3);
  c.send(flowMod(0x2a));
  e = errorOf(await c.expect(OFPT.ERROR, 0x2a));
  t.same([e.err_type, e.code], [OFPET.FLOW_MOD_FAILED, 3]);
});

t.test('a length below 8 loses the framing: error, then close', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  c.write(Buffer.from('0402000400000001', 'hex'));
  const e = errorOf(await c.expect(OFPT.ERROR));
  t.same([e.err_type, e.code], [OFPET.BAD_REQUEST, OFPBRC.BAD_LEN]);
  await c.waitClosed();
});

t.test('BARRIER_REPLY waits for every earlier request, even a slow one', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  h.sw.delayMs = 30;
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  const order: string[] = [];
  const seen = new Set<number>();
  c.send(flowMod(1));
  c.send(flowMod(2));
  c.send({ type: OFPT.MULTIPART_REQUEST, xid: 3, flags: 0, mp_type: OFPMP.DESC });
  c.send({ type: OFPT.BARRIER_REQUEST, xid: 4 });
  c.send({ type: OFPT.ECHO_REQUEST, xid: 5, data: Buffer.alloc(0) });
  for (let i = 0; i < 3; i++) {
    const m = await c.next((m) => m.xid >= 3 && m.xid <= 5 && !seen.has(m.xid));
    seen.add(m.xid);
    order.push(`${OFPT[m.type]}:${m.xid}`);
    if (m.type === OFPT.BARRIER_REPLY) t.same(h.sw.completed, [1, 2, 3], 'all three done before the barrier reply');
  }
  t.same(order, ['MULTIPART_REPLY:3', 'BARRIER_REPLY:4', 'ECHO_REPLY:5'], 'strictly in order');
});

t.test('large multipart replies are split with REPLY_MORE', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  h.sw.flowCount = 3000; // 3000 × 64 bytes ≈ 190 KiB
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  c.send({
    type: OFPT.MULTIPART_REQUEST,
    xid: 9,
    flags: 0,
    mp_type: OFPMP.FLOW,
    body: { table_id: 0xff, out_port: 0xffffffff, out_group: 0xffffffff, cookie: 0n, cookie_mask: 0n, match: [] },
  });
  let total = 0;
  let parts = 0;
  for (;;) {
    const m = await c.expect(OFPT.MULTIPART_REPLY, 9);
    parts++;
    if (m.mp_type === OFPMP.FLOW) total += m.body.length;
    if ((m.flags & OFPMPF_REPLY.MORE) === 0) break;
  }
  t.equal(total, 3000);
  t.ok(parts >= 3, `${parts} messages`);
});

t.test('a TABLE_FEATURES request split over REQ_MORE reaches the switch whole', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  const tf = (table_id: number) => ({ table_id, name: `t${table_id}`, metadata_match: 0n, metadata_write: 0n, config: 0, max_entries: 1, properties: [] });
  c.send({ type: OFPT.MULTIPART_REQUEST, xid: 20, flags: OFPMPF_REQ.MORE, mp_type: OFPMP.TABLE_FEATURES, body: [tf(0), tf(1)] });
  c.send({ type: OFPT.ECHO_REQUEST, xid: 21, data: Buffer.alloc(0) });
  // An empty piece in the middle is legal.
  c.write(Buffer.from('0412001000000014000c000100000000', 'hex'));
  c.send({ type: OFPT.MULTIPART_REQUEST, xid: 20, flags: 0, mp_type: OFPMP.TABLE_FEATURES, body: [tf(2)] });
  await c.expect(OFPT.ECHO_REPLY, 21);
  await c.expect(OFPT.MULTIPART_REPLY, 20);
  const got = h.sw.requests.filter((r) => r.msg.type === OFPT.MULTIPART_REQUEST);
  t.equal(got.length, 1, 'one request');
  const m = got[0]!.msg;
  if (m.type === OFPT.MULTIPART_REQUEST && m.mp_type === OFPMP.TABLE_FEATURES) {
    t.same(m.body.map((x) => x.table_id), [0, 1, 2]);
    t.equal(m.flags, 0);
  }
});

t.test('multipart reassembly is bounded', async (t) => {
  const h = await startHarness({ multipartMaxBytes: 20_000 });
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  const piece = encodeMessage({
    type: OFPT.MULTIPART_REQUEST,
    xid: 30,
    flags: OFPMPF_REQ.MORE,
    mp_type: OFPMP.TABLE_FEATURES,
    body: Array.from({ length: 100 }, (_, i) => ({ table_id: i, name: 'x', metadata_match: 0n, metadata_write: 0n, config: 0, max_entries: 1, properties: [] })),
  });
  for (let i = 0; i < 5; i++) c.write(piece);
  const e = errorOf(await c.expect(OFPT.ERROR, 30));
  t.same([e.err_type, e.code], [OFPET.BAD_REQUEST, OFPBRC.MULTIPART_BUFFER_OVERFLOW]);
  t.equal(h.sw.requests.length, 0, 'nothing reached the switch');
});

t.test('punix: a Unix socket listener, removed again on close', async (t) => {
  const { ConnectionManager } = await import('../../lib/conn/index.js');
  const { FakeSwitch } = await import('../helpers/fake-switch.js');
  const { mkdtempSync, existsSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const path = join(mkdtempSync(join(tmpdir(), 'punix-')), 'br0.mgmt');
  writeFileSync(path, 'not a socket');
  const refused = new ConnectionManager(new FakeSwitch(), { failMode: 'secure' });
  await t.rejects(refused.addListener(`punix:${path}`), /EADDRINUSE/, 'a regular file in the way is not removed');
  await refused.close();
  t.ok(existsSync(path));
  (await import('node:fs')).unlinkSync(path);
  const mgr = new ConnectionManager(new FakeSwitch(), { failMode: 'secure' });
  const l = await mgr.addListener(`punix:${path}`);
  t.equal(l.address, path);
  mgr.start();
  const c = await OfClient.handshake(path);
  c.send({ type: OFPT.FEATURES_REQUEST, xid: 4 });
  t.equal((await c.expect(OFPT.FEATURES_REPLY, 4)).datapath_id, 0x1234n);
  t.match(mgr.status().connections[0]!.name, /^punix:.*<-local$/);
  c.close();
  await mgr.close();
  t.notOk(existsSync(path), 'socket file removed');
  // A stale socket left by a crashed process (bound, never unlinked) is replaced.
  const { spawnSync } = await import('node:child_process');
  spawnSync('/usr/bin/python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(path)})`]);
  t.ok(existsSync(path), 'a stale socket file is there');
  const again = new ConnectionManager(new FakeSwitch(), { failMode: 'secure' });
  await again.addListener(`punix:${path}`);
  again.start();
  const d = await OfClient.handshake(path);
  d.close();
  await again.close();
});
