/**
 * Roles and asynchronous messages across several connections at once: two
 * controllers the switch connects to (primary) and a tool on the listener
 * (service), all against one fake switch.
 */
import t from 'tap';
import {
  OFP_NO_BUFFER,
  OFPBRC,
  OFPCML,
  OFPCR_ROLE,
  OFPET,
  OFPPR,
  OFPR,
  OFPRR,
  OFPRRFC,
  OFPT,
  type OfpMessage,
} from '../../lib/openflow/index.js';
import { FakeController, OfClient } from '../helpers/of-client.js';
import { fakePort } from '../helpers/fake-switch.js';
import { flowMod, sleep, startHarness, waitFor } from '../helpers/conn-harness.js';

const errorOf = (m: OfpMessage) => m as Extract<OfpMessage, { type: OFPT.ERROR }> & { code: number };
const U64_MAX = (1n << 64n) - 1n;

interface Teardown {
  teardown(fn: () => unknown): void;
}

async function controllerPair(t: Teardown) {
  const ctlA = await FakeController.listen();
  const ctlB = await FakeController.listen();
  const h = await startHarness({}, [`tcp:127.0.0.1:${ctlA.port}`, `tcp:127.0.0.1:${ctlB.port}`]);
  t.teardown(async () => {
    await h.stop();
    await ctlA.close();
    await ctlB.close();
  });
  const a = await ctlA.connection(1);
  const b = await ctlB.connection(1);
  for (const c of [a, b]) {
    await c.expect(OFPT.HELLO);
    c.sendHello();
  }
  // Wait until the switch has processed both HELLOs.
  for (const c of [a, b]) {
    c.send({ type: OFPT.ECHO_REQUEST, xid: 1, data: Buffer.alloc(0) });
    await c.expect(OFPT.ECHO_REPLY, 1);
  }
  return { h, a, b };
}

async function role(c: OfClient, r: OFPCR_ROLE, gen: bigint, xid: number): Promise<OfpMessage> {
  c.send({ type: OFPT.ROLE_REQUEST, xid, role: r, generation_id: gen });
  return c.next((m) => m.xid === xid);
}

t.test('one master at a time, stale generation ids, slave writes refused', async (t) => {
  const { h, a, b } = await controllerPair(t);
  let r = await role(a, OFPCR_ROLE.NOCHANGE, 0n, 10);
  t.same([r.type, (r as { role: number }).role, (r as { generation_id: bigint }).generation_id], [OFPT.ROLE_REPLY, OFPCR_ROLE.EQUAL, U64_MAX], 'starts EQUAL, no generation id yet');
  r = await role(a, OFPCR_ROLE.MASTER, 5n, 11);
  t.same([r.type, (r as { role: number }).role, (r as { generation_id: bigint }).generation_id], [OFPT.ROLE_REPLY, OFPCR_ROLE.MASTER, 5n]);
  r = await role(b, OFPCR_ROLE.MASTER, 6n, 12);
  t.equal((r as { role: number }).role, OFPCR_ROLE.MASTER, 'B takes over');
  r = await role(a, OFPCR_ROLE.NOCHANGE, 0n, 13);
  t.equal((r as { role: number }).role, OFPCR_ROLE.SLAVE, 'A was demoted');
  t.equal((r as { generation_id: bigint }).generation_id, 6n, 'the generation id is switch-wide');
  a.send(flowMod(14));
  let e = errorOf(await a.expect(OFPT.ERROR, 14));
  t.same([e.err_type, e.code], [OFPET.BAD_REQUEST, OFPBRC.IS_SLAVE], 'slave write refused');
  b.send(flowMod(15));
  b.send({ type: OFPT.BARRIER_REQUEST, xid: 16 });
  await b.expect(OFPT.BARRIER_REPLY, 16);
  t.same(h.sw.requests.map((x) => x.msg.xid), [15], 'only the master write reached the switch');
  r = await role(a, OFPCR_ROLE.MASTER, 5n, 17);
  e = errorOf(r);
  t.same([e.type, e.err_type, e.code], [OFPT.ERROR, OFPET.ROLE_REQUEST_FAILED, OFPRRFC.STALE], 'stale generation id');
  r = await role(b, OFPCR_ROLE.NOCHANGE, 0n, 18);
  t.equal((r as { role: number }).role, OFPCR_ROLE.MASTER, 'a refused request changes nothing');
  r = await role(a, OFPCR_ROLE.EQUAL, 1n, 19);
  t.equal((r as { role: number }).role, OFPCR_ROLE.EQUAL, 'EQUAL ignores the generation id');
  r = await role(a, OFPCR_ROLE.SLAVE, 6n, 20);
  t.equal((r as { role: number }).role, OFPCR_ROLE.SLAVE, 'an equal id is not stale');
  a.send({ type: OFPT.ROLE_REQUEST, xid: 21, role: 7 as OFPCR_ROLE, generation_id: 0n });
  e = errorOf(await a.expect(OFPT.ERROR, 21));
  t.same([e.err_type, e.code], [OFPET.ROLE_REQUEST_FAILED, OFPRRFC.BAD_ROLE]);
  // A slave may still configure what it hears.
  a.send({ type: OFPT.SET_ASYNC, xid: 22, packet_in_mask: [3, 1], port_status_mask: [7, 7], flow_removed_mask: [0, 0] });
  a.send({ type: OFPT.GET_ASYNC_REQUEST, xid: 23 });
  const as = await a.expect(OFPT.GET_ASYNC_REPLY, 23);
  t.same(as.packet_in_mask, [3, 1]);
  // Roles show in status.
  const roles = h.mgr.status().controllers.map((c) => c.connection?.role);
  t.same(roles, ['slave', 'master']);
});

t.test('a service connection that calls itself slave is not refused (OVS)', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  const r = await role(c, OFPCR_ROLE.SLAVE, 1n, 5);
  t.equal((r as { role: number }).role, OFPCR_ROLE.SLAVE);
  c.send(flowMod(6));
  c.send({ type: OFPT.BARRIER_REQUEST, xid: 7 });
  await c.expect(OFPT.BARRIER_REPLY, 7);
  t.equal(h.sw.requests.length, 1);
});

t.test('asynchronous messages follow roles, masks and the service rule', async (t) => {
  const { h, a, b } = await controllerPair(t);
  const tool = await OfClient.handshake(h.port);
  const monitor = await OfClient.handshake(h.port);
  t.teardown(() => {
    tool.close();
    monitor.close();
  });
  monitor.send({ type: OFPT.SET_CONFIG, xid: 2, flags: 0, miss_send_len: 65535 });
  await role(a, OFPCR_ROLE.MASTER, 1n, 3);
  await role(b, OFPCR_ROLE.SLAVE, 1n, 4);
  monitor.send({ type: OFPT.ECHO_REQUEST, xid: 5, data: Buffer.alloc(0) });
  await monitor.expect(OFPT.ECHO_REPLY, 5);

  const frame = Buffer.alloc(200, 0xab);
  h.sw.emit({ kind: 'packet-in', event: { reason: OFPR.NO_MATCH, table_id: 0, cookie: 0n, match: [{ field: 'in_port', value: 1 }], frame, max_len: OFPCML.NO_BUFFER } });
  h.sw.emit({ kind: 'port-status', msg: { type: OFPT.PORT_STATUS, reason: OFPPR.MODIFY, desc: fakePort(1, 'p1') } });
  h.sw.emit({
    kind: 'flow-removed',
    msg: {
      type: OFPT.FLOW_REMOVED,
      cookie: 1n,
      priority: 1,
      reason: OFPRR.IDLE_TIMEOUT,
      table_id: 0,
      duration_sec: 1,
      duration_nsec: 0,
      idle_timeout: 1,
      hard_timeout: 0,
      packet_count: 0n,
      byte_count: 0n,
      match: [],
    },
  });
  const pin = await a.expect(OFPT.PACKET_IN);
  t.equal(pin.data.length, 200, 'master: whole frame (NO_BUFFER)');
  t.equal(pin.buffer_id, OFP_NO_BUFFER);
  await a.expect(OFPT.PORT_STATUS);
  await a.expect(OFPT.FLOW_REMOVED);
  await b.expect(OFPT.PORT_STATUS);
  await monitor.expect(OFPT.PACKET_IN);
  await monitor.expect(OFPT.PORT_STATUS);
  await monitor.expect(OFPT.FLOW_REMOVED);
  await sleep(100);
  t.notOk(b.received.some((m) => m.type === OFPT.PACKET_IN || m.type === OFPT.FLOW_REMOVED), 'slave: port-status only');
  t.notOk(tool.received.some((m) => m.type !== OFPT.ECHO_REPLY), 'service without miss_send_len: nothing');

  // The slave asks for packet-ins with SET_ASYNC; the master turns them off.
  b.send({ type: OFPT.SET_ASYNC, xid: 6, packet_in_mask: [0, 1 << OFPR.ACTION], port_status_mask: [0, 0], flow_removed_mask: [0, 0] });
  a.send({ type: OFPT.SET_ASYNC, xid: 7, packet_in_mask: [0, 0], port_status_mask: [7, 0], flow_removed_mask: [0, 0] });
  b.send({ type: OFPT.BARRIER_REQUEST, xid: 8 });
  a.send({ type: OFPT.BARRIER_REQUEST, xid: 9 });
  await b.expect(OFPT.BARRIER_REPLY, 8);
  await a.expect(OFPT.BARRIER_REPLY, 9);
  h.sw.emit({ kind: 'packet-in', event: { reason: OFPR.ACTION, table_id: 2, cookie: 5n, match: [{ field: 'in_port', value: 2 }], frame, max_len: 64 } });
  const pin2 = await b.expect(OFPT.PACKET_IN);
  t.equal(pin2.data.length, 64, 'max_len honoured, buffered');
  t.not(pin2.buffer_id, OFP_NO_BUFFER);
  t.equal(pin2.total_len, 200);
  t.equal(pin2.cookie, 5n);
  await sleep(100);
  t.notOk(a.received.some((m) => m.type === OFPT.PACKET_IN), 'master turned packet-ins off');
  t.equal(h.sw.buffered.length, 2, 'one buffer per connection that got a truncated copy');
});

t.test('packet-ins beyond a connection queue are dropped and counted', async (t) => {
  const h = await startHarness({ packetInQueueSize: 5 });
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  c.send({ type: OFPT.SET_CONFIG, xid: 2, flags: 0, miss_send_len: 65535 });
  c.send({ type: OFPT.BARRIER_REQUEST, xid: 3 });
  await c.expect(OFPT.BARRIER_REPLY, 3);
  const frame = Buffer.alloc(60);
  // All in one tick: nothing can reach the kernel in between.
  for (let i = 0; i < 20; i++) {
    h.sw.emit({ kind: 'packet-in', event: { reason: OFPR.ACTION, table_id: 0, cookie: 0n, match: [{ field: 'in_port', value: 1 }], frame, max_len: OFPCML.NO_BUFFER } });
  }
  await waitFor(() => c.received.filter((m) => m.type === OFPT.PACKET_IN).length >= 5);
  await sleep(50);
  t.equal(c.received.filter((m) => m.type === OFPT.PACKET_IN).length, 5);
  t.equal(h.mgr.status().connections[0]!.packetInDrops, 15);
});

t.test('packet-in rate limit paces a burst', async (t) => {
  const h = await startHarness({ packetInRateLimit: 100, packetInBurstLimit: 10 });
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  c.send({ type: OFPT.SET_CONFIG, xid: 2, flags: 0, miss_send_len: 65535 });
  c.send({ type: OFPT.BARRIER_REQUEST, xid: 3 });
  await c.expect(OFPT.BARRIER_REPLY, 3);
  const frame = Buffer.alloc(60);
  const start = Date.now();
  for (let i = 0; i < 30; i++) {
    h.sw.emit({ kind: 'packet-in', event: { reason: OFPR.ACTION, table_id: 0, cookie: BigInt(i), match: [{ field: 'in_port', value: 1 }], frame, max_len: OFPCML.NO_BUFFER } });
  }
  // 10 pass, 10 wait, 10 are evicted; the waiting ones leave at 100/s.
  await waitFor(() => c.received.filter((m) => m.type === OFPT.PACKET_IN).length >= 20, 3000);
  const took = Date.now() - start;
  t.ok(took >= 80, `paced: ${took} ms for the queued ten`);
  await sleep(150);
  t.equal(c.received.filter((m) => m.type === OFPT.PACKET_IN).length, 20);
  t.equal(h.mgr.status().connections[0]!.packetInDrops, 10);
});

t.test("a port-status caused by a PORT_MOD is not sent back to its sender (OVS, OF < 1.5)", async (t) => {
  const { h, a, b } = await controllerPair(t);
  const aId = h.mgr.status().controllers[0]!.connection!.id;
  const ev = { kind: 'port-status' as const, msg: { type: OFPT.PORT_STATUS as const, reason: OFPPR.MODIFY, desc: fakePort(2, 'p2') }, origin: { connId: aId } };
  h.sw.emit(ev);
  await b.expect(OFPT.PORT_STATUS);
  await sleep(100);
  t.notOk(a.received.some((m) => m.type === OFPT.PORT_STATUS), 'the sender of the PORT_MOD is skipped');
});
