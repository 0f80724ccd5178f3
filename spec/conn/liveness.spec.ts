/**
 * Liveness over time: inactivity probes, the HELLO timeout, reconnection with
 * backoff (on a clock moved by hand, and for real against a restarting
 * controller), and fail mode.
 */
import t from 'tap';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { ConnectionManager } from '../../lib/conn/index.js';
import { OFP_NO_BUFFER, OFPFC, OFPT } from '../../lib/openflow/index.js';
import { FakeSwitch } from '../helpers/fake-switch.js';
import { ManualTimers } from '../helpers/manual-timers.js';
import { FakeController, OfClient } from '../helpers/of-client.js';
import { flowMod, sleep, startHarness, waitFor } from '../helpers/conn-harness.js';
import { encodeMessage } from '../../lib/openflow/index.js';

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

t.test('a silent peer gets an ECHO_REQUEST after one interval and is dropped after two', async (t) => {
  const h = await startHarness({ probeIntervalMs: 200 });
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  const start = Date.now();
  const probe = await c.expect(OFPT.ECHO_REQUEST, undefined, 1000);
  const probedAt = Date.now() - start;
  t.ok(probedAt >= 150 && probedAt < 700, `probe after ${probedAt} ms`);
  t.equal(probe.version, 4);
  await c.waitClosed(1000);
  const closedAt = Date.now() - start;
  t.ok(closedAt >= 350 && closedAt < 1500, `dropped after ${closedAt} ms`);
});

t.test('a peer that answers probes stays connected', async (t) => {
  const h = await startHarness({ probeIntervalMs: 100 });
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  const stop = Date.now() + 700;
  let probes = 0;
  while (Date.now() < stop) {
    const p = await c.expect(OFPT.ECHO_REQUEST, undefined, 500);
    probes++;
    c.send({ type: OFPT.ECHO_REPLY, xid: p.xid, data: p.data });
  }
  t.ok(probes >= 3, `${probes} probes answered`);
  t.notOk(c.closed);
});

t.test('a burst still being worked through counts as hearing from the peer', async (t) => {
  // 30 flow_mods at 30 ms of CPU each keep the switch busy for ~0.9 s, far
  // beyond two 100 ms probe intervals, and the peer says nothing more after
  // its one write: it must not be dropped while its own messages are being
  // handled (the connection yields between turns, so the probe timer runs).
  const h = await startHarness({ probeIntervalMs: 100 });
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  const handle = h.sw.handle.bind(h.sw);
  h.sw.handle = (msg, origin) => {
    if (msg.type === OFPT.FLOW_MOD) for (const until = Date.now() + 30; Date.now() < until; );
    return handle(msg, origin);
  };
  const burst = Array.from({ length: 30 }, (_, i) => encodeMessage(flowMod(1000 + i)));
  const barrierXid = 2000;
  c.write(Buffer.concat([...burst, encodeMessage({ type: OFPT.BARRIER_REQUEST, xid: barrierXid })]));
  const reply = await c.expect(OFPT.BARRIER_REPLY, barrierXid, 5000);
  t.equal(reply.xid, barrierXid, 'the barrier after the burst is answered');
  t.equal(h.sw.requests.filter((r) => r.msg.type === OFPT.FLOW_MOD).length, 30, 'every flow_mod was handled');
  await c.waitClosed(2000);
  t.pass('once the burst is done, silence is dropped as before');
});

t.test('a peer that never sends HELLO is dropped', async (t) => {
  const h = await startHarness({ probeIntervalMs: 150 });
  t.teardown(h.stop);
  const c = await OfClient.connect(h.port);
  await c.expect(OFPT.HELLO);
  await c.waitClosed(1000);
  t.equal(h.mgr.status().connections.length, 0);
});

t.test('reconnection backs off 1, 2, 4, 8, 8 s (clock moved by hand)', async (t) => {
  const timers = new ManualTimers();
  const sw = new FakeSwitch();
  const port = await freePort();
  const mgr = new ConnectionManager(sw, { failMode: 'secure', timers });
  t.teardown(() => mgr.close());
  mgr.addController(`tcp:127.0.0.1:${port}`);
  mgr.start();
  const state = () => mgr.status().controllers[0]!;
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) {
    await waitFor(() => state().state === 'BACKOFF', 2000, 'refusal');
    const w = state().backoffSeconds;
    waits.push(w);
    timers.advance(w * 1000 - 1);
    t.equal(state().state, 'BACKOFF', `still waiting 1 ms before ${w} s`);
    timers.advance(1);
    t.equal(state().state, 'CONNECTING');
  }
  t.same(waits, [1, 2, 4, 8, 8]);
  t.equal(state().attempts, 6);
  t.match(state().lastError, /ECONNREFUSED/);
});

t.test('the switch reconnects to a restarted controller within the backoff', async (t) => {
  const sw = new FakeSwitch();
  const ctl = await FakeController.listen();
  const port = ctl.port;
  const mgr = new ConnectionManager(sw, { failMode: 'secure', minBackoffMs: 100, maxBackoffMs: 400 });
  t.teardown(() => mgr.close());
  mgr.addController(`tcp:127.0.0.1:${port}`);
  mgr.start();
  const first = await ctl.connection(1);
  await first.expect(OFPT.HELLO);
  await ctl.close(); // the controller dies
  await sleep(700); // a few refused attempts: backoff reaches its 400 ms maximum
  const restarted = await FakeController.listen(port);
  t.teardown(() => restarted.close());
  const t0 = Date.now();
  const again = await restarted.connection(1, 2000);
  const took = Date.now() - t0;
  t.ok(took <= 900, `reconnected ${took} ms after the restart (max backoff 400 ms)`);
  await again.expect(OFPT.HELLO);
  again.sendHello();
  again.send({ type: OFPT.FEATURES_REQUEST, xid: 2 });
  const f = await again.expect(OFPT.FEATURES_REPLY, 2);
  t.equal(f.datapath_id, 0x1234n);
  t.equal(mgr.status().controllers[0]!.state, 'ACTIVE');
});

t.test('fail mode standalone: fails open after three probe intervals, recovers on admission', async (t) => {
  const timers = new ManualTimers();
  const sw = new FakeSwitch();
  const ctl = await FakeController.listen();
  t.teardown(() => ctl.close());
  const mgr = new ConnectionManager(sw, { failMode: 'standalone', timers, probeIntervalMs: 5000 });
  t.teardown(() => mgr.close());
  mgr.addController(`tcp:127.0.0.1:${ctl.port}`);
  mgr.start();
  t.same(sw.connectedCalls, [true], 'a grace period at startup, as OVS');
  const c = await ctl.connection(1);
  await c.expect(OFPT.HELLO);
  c.sendHello();
  // Only handshake chatter: not admitted.
  c.send({ type: OFPT.FEATURES_REQUEST, xid: 2 });
  await c.expect(OFPT.FEATURES_REPLY, 2);
  // Time passes; the controller answers probes but sends nothing that admits it.
  const pass = async (ms: number) => {
    for (let left = ms; left > 0; left -= 1000) {
      timers.advance(Math.min(1000, left));
      await sleep(5);
      for (const m of c.received.splice(0)) {
        if (m.type === OFPT.ECHO_REQUEST) c.send({ type: OFPT.ECHO_REPLY, xid: m.xid, data: m.data });
      }
      await sleep(5);
    }
  };
  await pass(14_000);
  t.same(sw.connectedCalls, [true]);
  t.equal(mgr.status().connections.length, 1, 'still connected');
  await pass(1_000);
  t.same(sw.connectedCalls, [true, false], 'failed open after 15 s without an admitted controller');
  t.ok(mgr.status().failOpen);
  c.send({
    type: OFPT.FLOW_MOD,
    xid: 3,
    cookie: 0n,
    cookie_mask: 0n,
    table_id: 0,
    command: OFPFC.ADD,
    idle_timeout: 0,
    hard_timeout: 0,
    priority: 0,
    buffer_id: OFP_NO_BUFFER,
    out_port: 0,
    out_group: 0,
    flags: 0,
    match: [],
    instructions: [],
  });
  await waitFor(() => sw.connectedCalls.length === 3, 2000, 'recovery');
  t.same(sw.connectedCalls, [true, false, true], 'recovered as soon as the controller was admitted');
});

t.test('fail mode standalone without controllers fails open at once; secure never tells', async (t) => {
  const a = new FakeSwitch();
  const m1 = new ConnectionManager(a, { failMode: 'standalone' });
  m1.start();
  t.same(a.connectedCalls, [false]);
  await m1.close();
  const b = new FakeSwitch();
  const timers = new ManualTimers();
  const m2 = new ConnectionManager(b, { failMode: 'secure', timers });
  m2.addController('tcp:127.0.0.1:1');
  m2.start();
  timers.advance(60_000);
  t.same(b.connectedCalls, []);
  await m2.close();
  t.equal(b.listenerCount, 0, 'unsubscribed from the switch on close');
});
