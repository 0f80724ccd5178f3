/**
 * Idle and hard timeouts (OpenFlow 1.3.5 §5.5) on a hand-driven clock:
 * hard counts from the entry's arrival (a MODIFY leaves it alone, an ADD
 * over it starts again), idle from the last packet the datapath credited.
 * FLOW_REMOVED goes out with the timeout's reason, for entries with
 * OFPFF_SEND_FLOW_REM only.
 */
import t from 'tap';
import { OFPFC, OFPFF, OFPRR } from '../../lib/openflow/index.js';
import { newKey } from '../../lib/packet/flow-key.js';
import { add, apply, f, flowMod, flows, handle, output, takeRemoved, testBridge } from './util.js';

const expire = (b: ReturnType<typeof testBridge>['bridge']): number => b.expire() as number;
const key = (port: number): Uint32Array => {
  const k = newKey();
  k[0] = port;
  return k;
};

t.test('hard_timeout removes the entry after so many seconds, used or not', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([f('in_port', 1)], [], { hard_timeout: 10, flags: OFPFF.SEND_FLOW_REM, cookie: 1n }));
  handle(b, add([f('in_port', 2)], [], { hard_timeout: 10, cookie: 2n }));
  tb.clock.advance(9999);
  b.creditRule(b.lookup(0, key(1), null)!, 1, 60, tb.clock.now());
  t.equal(expire(b), 0, 'not yet');
  tb.clock.advance(1);
  t.equal(expire(b), 2, 'both at 10 s');
  t.same(flows(b), []);
  const removed = takeRemoved(tb);
  t.equal(removed.length, 1, 'FLOW_REMOVED only for the one with OFPFF_SEND_FLOW_REM');
  t.equal(removed[0]!.reason, OFPRR.HARD_TIMEOUT);
  t.equal((removed[0] as unknown as { duration_sec: number }).duration_sec, 10);
  t.equal((removed[0] as unknown as { packet_count: bigint }).packet_count, 1n);
});

t.test('idle_timeout follows the last-used time the datapath reports', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([f('in_port', 1)], [], { idle_timeout: 5, flags: OFPFF.SEND_FLOW_REM }));
  tb.clock.advance(4000);
  b.creditRule(b.lookup(0, key(1), null)!, 1, 100, tb.clock.now());
  tb.clock.advance(4000);
  t.equal(expire(b), 0, 'used 4 s ago');
  b.creditRule(b.lookup(0, key(1), null)!, 1, 100, tb.clock.now() - 5000);
  t.equal(expire(b), 0, 'a credit for an older time does not move it back');
  tb.clock.advance(1000);
  t.equal(expire(b), 1, 'idle for 5 s');
  t.same(takeRemoved(tb).map((r) => r.reason), [OFPRR.IDLE_TIMEOUT]);
});

t.test('MODIFY keeps the timers, ADD over the entry restarts them', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([f('in_port', 1)], [], { hard_timeout: 10 }));
  tb.clock.advance(6000);
  handle(b, flowMod(OFPFC.MODIFY, [f('in_port', 1)], [apply(output(2))]));
  tb.clock.advance(4000);
  t.equal(expire(b), 1, 'hard timeout counted from the ADD, not the MODIFY (§6.4: duration unchanged)');
  handle(b, add([f('in_port', 1)], [], { hard_timeout: 10 }));
  tb.clock.advance(6000);
  handle(b, add([f('in_port', 1)], [], { hard_timeout: 10 }));
  tb.clock.advance(6000);
  t.equal(expire(b), 0, 'an ADD replacing the entry starts a new one');
  tb.clock.advance(4000);
  t.equal(expire(b), 1);
});

t.test('credits for a replaced rule reach its successor; for a deleted one, nobody', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([f('in_port', 1)], [apply(output(2))], { idle_timeout: 5 }));
  const old = b.lookup(0, key(1), null)!;
  handle(b, flowMod(OFPFC.MODIFY, [f('in_port', 1)], [apply(output(3))]));
  tb.clock.advance(4000);
  b.creditRule(old, 2, 200, tb.clock.now());
  t.equal(flows(b)[0]!.packet_count, 2n, 'the datapath still held the old rule');
  tb.clock.advance(4000);
  t.equal(expire(b), 0, 'and its use keeps the successor alive');
  handle(b, flowMod(OFPFC.DELETE, []));
  b.creditRule(old, 1, 1, tb.clock.now());
  t.same(flows(b), []);
});

t.test('a hard and an idle timeout: whichever comes first', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([f('in_port', 1)], [], { idle_timeout: 3, hard_timeout: 100, flags: OFPFF.SEND_FLOW_REM }));
  handle(b, add([f('in_port', 2)], [], { idle_timeout: 100, hard_timeout: 3, flags: OFPFF.SEND_FLOW_REM }));
  tb.clock.advance(3000);
  t.equal(expire(b), 2);
  t.same(takeRemoved(tb).map((r) => r.reason).sort(), [OFPRR.IDLE_TIMEOUT, OFPRR.HARD_TIMEOUT].sort());
});

t.test('start() sweeps on its own', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  handle(b, add([f('in_port', 1)], [], { hard_timeout: 1 }));
  tb.clock.advance(1000);
  b.start(5);
  await new Promise((r) => setTimeout(r, 30));
  b.stop();
  t.same(flows(b), []);
});
