/**
 * Busy polling after OpenFlow input (lib/conn/busy-poll.ts): the event loop
 * keeps turning for the window after input, still serving timers and I/O,
 * and stops once the window has passed; a connection kicks it on every
 * read; the daemon's --busy-poll / OF_BUSY_POLL / "busyPoll" set the window.
 * What it buys (round trips of ovs-ofctl add-flows without --bundle) is
 * measured by bench/flow-mod, not here.
 */
import t from 'tap';
import { BusyPoll, DEFAULT_BUSY_POLL_US } from '../../lib/conn/index.js';
import { parseDaemonArgs } from '../../lib/cli/daemon-config.js';
import { OFPT } from '../../lib/openflow/index.js';
import { OfClient } from '../helpers/of-client.js';
import { sleep, startHarness, waitFor } from '../helpers/conn-harness.js';

t.test('a window of 0 never spins', async (t) => {
  const bp = new BusyPoll(0);
  bp.kick();
  t.notOk(bp.active);
  await sleep(20);
  t.equal(bp.turns, 0);
});

t.test('after a kick the loop keeps turning, timers still fire, and it stops after the window', async (t) => {
  const bp = new BusyPoll(30_000); // 30 ms: long enough to observe on a loaded machine
  bp.kick();
  t.ok(bp.active, 'spinning at once');
  let timerFired = false;
  setTimeout(() => (timerFired = true), 5);
  await sleep(15);
  t.ok(timerFired, 'a timer due during the window fired');
  t.ok(bp.turns > 10, `the loop turned ${bp.turns} times in 15 ms`);
  await waitFor(() => !bp.active, 2000, 'the spin to end');
  const turns = bp.turns;
  await sleep(50);
  t.equal(bp.turns, turns, 'no turns once the window has passed');
});

t.test('a kick during the window extends it', async (t) => {
  const bp = new BusyPoll(20_000);
  const start = performance.now();
  bp.kick();
  await sleep(15);
  bp.kick();
  await waitFor(() => !bp.active, 2000, 'the spin to end');
  t.ok(performance.now() - start >= 34, `spun ${(performance.now() - start).toFixed(1)} ms, at least 15 + 20`);
});

t.test('a connection kicks the busy poll when it reads', async (t) => {
  const bp = new BusyPoll(1000);
  const h = await startHarness({ busyPoll: bp });
  t.teardown(h.stop);
  const c = await OfClient.handshake(h.port);
  t.teardown(() => c.close());
  const before = bp.turns;
  c.send({ type: OFPT.ECHO_REQUEST, xid: 77, data: Buffer.alloc(0) });
  await c.expect(OFPT.ECHO_REPLY, 77, 2000);
  await waitFor(() => !bp.active, 2000, 'the spin to end');
  t.ok(bp.turns > before, `the read kept the loop turning (${bp.turns - before} turns)`);
});

t.test('ofswitchd: --busy-poll, OF_BUSY_POLL and "busyPoll", default 50 µs, bounds checked', async (t) => {
  const parse = (argv: string[], env: Record<string, string> = {}, file?: object): number | string => {
    const r = parseDaemonArgs(file === undefined ? argv : ['--config', 'c.json', ...argv], env, { readFile: () => JSON.stringify(file), isRoot: false });
    return r.kind === 'run' ? r.config.busyPollUs : r.stderr.trim();
  };
  t.equal(DEFAULT_BUSY_POLL_US, 50);
  t.equal(parse([]), 50);
  t.equal(parse(['--busy-poll', '0']), 0);
  t.equal(parse([], { OF_BUSY_POLL: '200' }), 200);
  t.equal(parse([], {}, { busyPoll: 10 }), 10);
  t.equal(parse(['--busy-poll', '5'], { OF_BUSY_POLL: '6' }, { busyPoll: 7 }), 5, 'the flag wins');
  t.match(parse(['--busy-poll', '20000']), /--busy-poll: expected a whole number from 0 to 10000, got "20000"/);
  t.match(parse([], { OF_BUSY_POLL: 'fast' }), /OF_BUSY_POLL: expected a whole number/);
  t.match(parse([], {}, { busyPoll: -1 }), /busyPoll/);
});
