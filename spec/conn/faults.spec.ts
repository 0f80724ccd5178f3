/**
 * Misbehaving peers, in-process: garbage, a length of 65535 followed by
 * silence, a controller that never reads, a controller killed mid-message,
 * and 1,000 connect/disconnect cycles. Each checks that the others keep
 * being served and that nothing (connections, file descriptors, memory)
 * accumulates.
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { once } from 'node:events';
import { OFPMP, OFPT, encodeMessage } from '../../lib/openflow/index.js';
import { OfClient } from '../helpers/of-client.js';
import { sleep, startHarness, waitFor } from '../helpers/conn-harness.js';

const fdCount = (): number => readdirSync('/proc/self/fd').length;

async function rtt(c: OfClient, xid: number): Promise<number> {
  const t0 = performance.now();
  c.send({ type: OFPT.ECHO_REQUEST, xid, data: Buffer.alloc(0) });
  await c.expect(OFPT.ECHO_REPLY, xid, 2000);
  return performance.now() - t0;
}

t.test('garbage from many peers: errors or disconnects, never a crash', async (t) => {
  const h = await startHarness({ probeIntervalMs: 1000 });
  t.teardown(h.stop);
  const good = await OfClient.handshake(h.port);
  t.teardown(() => good.close());
  const bad: OfClient[] = [];
  for (let i = 0; i < 40; i++) {
    const c = i % 2 === 0 ? await OfClient.handshake(h.port) : await OfClient.connect(h.port);
    // Half get a valid header first, so the garbage reaches the decoder too.
    for (let j = 0; j < 20; j++) {
      const g = randomBytes(8 + Math.floor(Math.random() * 300));
      if (j % 2 === 0) {
        g[0] = 4;
        g.writeUInt16BE(g.length, 2);
      }
      c.write(g);
    }
    bad.push(c);
  }
  t.ok((await rtt(good, 1)) < 500, 'the good peer is served meanwhile');
  for (const c of bad) c.close();
  await waitFor(() => h.mgr.status().connections.length === 1, 3000, 'garbage peers gone');
  t.ok((await rtt(good, 2)) < 500, 'and afterwards');
});

t.test('a length of 65535 then silence: bounded, others served, the probe drops it', async (t) => {
  const h = await startHarness({ probeIntervalMs: 200 });
  t.teardown(h.stop);
  const good = await OfClient.handshake(h.port);
  t.teardown(() => good.close());
  const stuck = await OfClient.handshake(h.port);
  const header = Buffer.from('040effff00000001', 'hex');
  stuck.write(Buffer.concat([header, Buffer.alloc(1000)]));
  // The good peer keeps the connection count honest and is served at once.
  for (let i = 0; i < 5; i++) {
    t.ok((await rtt(good, 10 + i)) < 100, 'served');
    // Keep the good peer alive across probe intervals.
    await sleep(60);
  }
  await stuck.waitClosed(1500);
  t.pass('the stuck peer was dropped by the inactivity probe');
  t.equal(h.mgr.status().connections.length, 1);
});

t.test('a controller that never reads: the switch stops reading it, stays bounded, serves the others', async (t) => {
  const h = await startHarness({ probeIntervalMs: 400 });
  t.teardown(h.stop);
  h.sw.flowCount = 1000; // each dump is ~64 KiB, one or two messages
  const good = await OfClient.handshake(h.port);
  t.teardown(() => good.close());
  const deaf = await OfClient.handshake(h.port);
  deaf.socket.pause(); // it never reads again
  const req = encodeMessage({
    type: OFPT.MULTIPART_REQUEST,
    xid: 1,
    flags: 0,
    mp_type: OFPMP.FLOW,
    body: { table_id: 0xff, out_port: 0xffffffff, out_group: 0xffffffff, cookie: 0n, cookie_mask: 0n, match: [] },
  });
  const rss0 = process.memoryUsage().rss;
  let maxBacklog = 0;
  let maxHandled = 0;
  const sender = setInterval(() => {
    for (let i = 0; i < 200; i++) deaf.socket.write(req); // 10 MB/s of requests worth 64 KiB each
  }, 20);
  const start = Date.now();
  while (Date.now() - start < 1000 && !deaf.closed) {
    const s = h.mgr.status().connections.find((c) => c.id !== 1);
    if (s) maxBacklog = Math.max(maxBacklog, s.backlogBytes);
    maxHandled = h.sw.requests.length;
    const ms = await rtt(good, 100 + (Date.now() % 1000));
    t.ok(ms < 300, `the other peer is served (${ms.toFixed(1)} ms)`);
    await sleep(25);
  }
  clearInterval(sender);
  t.ok(maxBacklog <= 100 * 65536 + 65536, `send backlog bounded: max ${(maxBacklog / 1e6).toFixed(1)} MB`);
  t.ok(maxHandled < 400, `the switch stopped reading it after ${maxHandled} requests`);
  const grew = (process.memoryUsage().rss - rss0) / 1e6;
  t.ok(grew < 150, `rss grew ${grew.toFixed(0)} MB`);
  // The deaf peer cannot see the close (it reads nothing), so look from our side.
  await waitFor(() => h.mgr.status().connections.length === 1, 2000, 'the deaf peer to be dropped');
  t.pass('dropped by the probe: its backlog could not drain');
  deaf.close();
});

t.test('a controller killed mid-message leaves nothing behind', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const good = await OfClient.handshake(h.port);
  t.teardown(() => good.close());
  for (let i = 0; i < 20; i++) {
    const c = await OfClient.handshake(h.port);
    const fm = encodeMessage({ type: OFPT.ECHO_REQUEST, xid: 5, data: Buffer.alloc(500) });
    c.write(fm.subarray(0, 100 + i));
    await sleep(2);
    c.socket.resetAndDestroy();
  }
  await waitFor(() => h.mgr.status().connections.length === 1, 2000, 'all killed peers gone');
  t.ok((await rtt(good, 3)) < 200);
});

t.test('1,000 connect/disconnect cycles leak no descriptors or connections', async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  // Warm up so lazily created handles are counted in the baseline.
  (await OfClient.handshake(h.port)).close();
  await waitFor(() => h.mgr.status().connections.length === 0);
  const fd0 = fdCount();
  const heap0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1000; i++) {
    if (i % 3 === 0) {
      // Connect and vanish without a word.
      const s = createConnection({ port: h.port, host: '127.0.0.1' });
      await once(s, 'connect');
      s.destroy();
    } else {
      const c = await OfClient.handshake(h.port);
      if (i % 3 === 1) {
        c.send({ type: OFPT.FEATURES_REQUEST, xid: 2 });
        await c.expect(OFPT.FEATURES_REPLY, 2);
      }
      c.close();
    }
  }
  await waitFor(() => h.mgr.status().connections.length === 0, 5000, 'connections closed');
  await sleep(100);
  const fd1 = fdCount();
  t.ok(fd1 <= fd0 + 2, `descriptors: ${fd0} before, ${fd1} after`);
  const grew = (process.memoryUsage().heapUsed - heap0) / 1e6;
  t.ok(grew < 30, `heap grew ${grew.toFixed(1)} MB`);
  t.equal(h.mgr.status().listeners[0]!.connections, 0);
});
