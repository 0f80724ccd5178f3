/**
 * Misbehaving peers against the daemon process (real Bridge), measured from
 * outside: /proc/PID/fd for descriptors, VmRSS for memory. A well-behaved
 * client is served throughout each fault.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { once } from 'node:events';
import { OFPMP, OFPT, encodeMessage } from '../../lib/openflow/index.js';
import { FakeController, OfClient } from '../helpers/of-client.js';
import { fdCount, rssBytes, startDaemon } from '../helpers/daemon.js';
import { sleep } from '../helpers/conn-harness.js';

async function rtt(c: OfClient, xid: number): Promise<number> {
  const t0 = performance.now();
  c.send({ type: OFPT.ECHO_REQUEST, xid, data: Buffer.alloc(0) });
  await c.expect(OFPT.ECHO_REPLY, xid, 3000);
  return performance.now() - t0;
}

const daemonArgs = ['--fail-mode', 'secure', '--controller', 'tcp:127.0.0.1:1', '--port', '1=p1:dummy', '--probe-interval', '1'];

t.test('garbage, a 65535 length then silence, and peers killed mid-message', async (t) => {
  const d = await startDaemon(daemonArgs);
  t.teardown(() => d.stop('SIGKILL'));
  const good = await OfClient.handshake(d.port);
  t.teardown(() => good.close());
  const keepAlive = setInterval(() => good.send({ type: OFPT.ECHO_REQUEST, xid: 1, data: Buffer.alloc(0) }), 300);
  t.teardown(() => clearInterval(keepAlive));

  for (let i = 0; i < 30; i++) {
    const c = i % 2 ? await OfClient.handshake(d.port) : await OfClient.connect(d.port);
    for (let j = 0; j < 10; j++) c.write(randomBytes(8 + Math.floor(Math.random() * 500)));
    c.close();
  }
  t.ok((await rtt(good, 2)) < 200, 'served after garbage');

  const stuck = await OfClient.handshake(d.port);
  stuck.write(Buffer.concat([Buffer.from('040effff00000009', 'hex'), Buffer.alloc(100)]));
  const rss0 = rssBytes(d.pid);
  for (let i = 0; i < 10; i++) {
    t.ok((await rtt(good, 10 + i)) < 200, 'served while one peer is stuck mid-message');
    await sleep(100);
  }
  await stuck.waitClosed(3000);
  t.pass('the probe dropped the stuck peer');
  t.ok(rssBytes(d.pid) - rss0 < 20e6, 'no memory growth from it');

  for (let i = 0; i < 20; i++) {
    const c = await OfClient.handshake(d.port);
    c.write(encodeMessage({ type: OFPT.ECHO_REQUEST, xid: 3, data: Buffer.alloc(2000) }).subarray(0, 500 + i));
    await sleep(1);
    c.socket.resetAndDestroy();
  }
  t.ok((await rtt(good, 30)) < 200, 'served after peers were killed mid-message');
  t.equal(await d.stop(), 0, 'and the daemon still shuts down cleanly');
});

t.test('a controller that never reads: bounded memory, the others are served', async (t) => {
  const d = await startDaemon(daemonArgs);
  t.teardown(() => d.stop('SIGKILL'));
  const good = await OfClient.handshake(d.port);
  t.teardown(() => good.close());
  const rss0 = rssBytes(d.pid);
  let maxRss = rss0;
  // A new peer that never reads floods the switch for `ms` with `req`; the good peer's echo is timed meanwhile.
  const flood = async (req: Buffer, perTick: number, ms: number) => {
    const deaf = await OfClient.handshake(d.port);
    deaf.socket.pause();
    t.teardown(() => deaf.close());
    const timer = setInterval(() => {
      for (let i = 0; i < perTick; i++) deaf.socket.write(req);
    }, 10);
    const rtts: number[] = [];
    const start = Date.now();
    while (Date.now() - start < ms) {
      rtts.push(await rtt(good, 100 + (Date.now() % 10000)));
      maxRss = Math.max(maxRss, rssBytes(d.pid));
      await sleep(50);
    }
    clearInterval(timer);
    rtts.sort((a, b) => a - b);
    return { median: rtts[Math.floor(rtts.length / 2)]!, worst: rtts[rtts.length - 1]! };
  };
  // Cheap requests (DESC, ~1 KiB answers): the backlog fills by count.
  const desc = encodeMessage({ type: OFPT.MULTIPART_REQUEST, xid: 5, flags: 0, mp_type: OFPMP.DESC });
  const light = await flood(desc, 200, 2000);
  t.ok(light.worst < 500, `served while the deaf peer's backlog fills (median ${light.median.toFixed(1)} ms, worst ${light.worst.toFixed(0)} ms)`);
  // Expensive requests (TABLE_FEATURES, ~400 KiB answers, tens of ms each in
  // the switch): the backlog fills by bytes; each one delays others once.
  const tf = encodeMessage({ type: OFPT.MULTIPART_REQUEST, xid: 6, flags: 0, mp_type: OFPMP.TABLE_FEATURES, body: [] });
  const heavy = await flood(tf, 20, 2000);
  // One such request runs to completion (about 50 ms in the switch, more on a
  // busy machine) before anything else, so the good peer waits up to one.
  t.ok(heavy.median < 500, `served while flooded with expensive requests (median ${heavy.median.toFixed(1)} ms, worst ${heavy.worst.toFixed(0)} ms)`);
  t.ok(heavy.worst < 3000, 'never starved');
  const grew = (maxRss - rss0) / 1e6;
  t.ok(grew < 150, `daemon memory grew at most ${grew.toFixed(0)} MB while flooded by a peer that reads nothing`);
  const before = rssBytes(d.pid);
  await sleep(1000);
  t.ok(rssBytes(d.pid) - before < 20e6, 'and stopped growing: the switch stopped reading the deaf peer');
});

t.test('1,000 connect/disconnect cycles: no descriptor or memory growth', { timeout: 120_000 }, async (t) => {
  const d = await startDaemon(daemonArgs);
  t.teardown(() => d.stop('SIGKILL'));
  const cycle = async (i: number) => {
    if (i % 3 === 0) {
      const s = createConnection({ port: d.port, host: '127.0.0.1' });
      await once(s, 'connect');
      s.destroy();
      return;
    }
    const c = await OfClient.handshake(d.port);
    if (i % 3 === 1) {
      c.send({ type: OFPT.FEATURES_REQUEST, xid: 2 });
      await c.expect(OFPT.FEATURES_REPLY, 2);
    }
    c.close();
  };
  for (let i = 0; i < 100; i++) await cycle(i); // warm-up
  await sleep(300);
  const fd0 = fdCount(d.pid);
  const rss0 = rssBytes(d.pid);
  for (let i = 0; i < 1000; i++) await cycle(i);
  await sleep(500);
  const fd1 = fdCount(d.pid);
  const rss1 = rssBytes(d.pid);
  t.ok(fd1 <= fd0 + 1, `descriptors: ${fd0} before, ${fd1} after`);
  t.ok(rss1 - rss0 < 15e6, `RSS: ${(rss0 / 1e6).toFixed(1)} MB before, ${(rss1 / 1e6).toFixed(1)} MB after`);
});

t.test('the switch reconnects to a restarted controller within the backoff', async (t) => {
  const ctl = await FakeController.listen();
  const port = ctl.port;
  const d = await startDaemon(['--fail-mode', 'secure', '--controller', `tcp:127.0.0.1:${port}`, '--max-backoff', '2']);
  t.teardown(() => d.stop('SIGKILL'));
  const first = await ctl.connection(1, 5000);
  await first.expect(OFPT.HELLO);
  first.sendHello();
  first.send({ type: OFPT.FEATURES_REQUEST, xid: 1 });
  await first.expect(OFPT.FEATURES_REPLY, 1);
  await ctl.close(); // the controller process dies
  await sleep(3000); // the switch retries, backing off up to 2 s
  const again = await FakeController.listen(port);
  t.teardown(() => again.close());
  const t0 = Date.now();
  const c = await again.connection(1, 5000);
  const took = Date.now() - t0;
  t.ok(took <= 2500, `reconnected ${took} ms after the restart (max backoff 2 s)`);
  await c.expect(OFPT.HELLO);
  c.sendHello();
  c.send({ type: OFPT.FEATURES_REQUEST, xid: 2 });
  t.ok(await c.expect(OFPT.FEATURES_REPLY, 2));
});
