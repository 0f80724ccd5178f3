/**
 * The Bridge as a whole: random sequences of flow mods, group mods and
 * meter mods applied to two bridges, one on lib/classifier's Classifier
 * and one on the linear reference classifier, must leave the same flow
 * entries, answer every request the same way (errors included), and look
 * up the same rules. And the Bridge's contract with the datapath: change
 * notifications, asynchronous revalidation before `handle` returns, and
 * the order of events.
 */
import t from 'tap';
import fc from 'fast-check';
import { OFPFC, OFPFF, OFPMF, OFPMBT, OFPT, OFPTT, OfpError } from '../../lib/openflow/index.js';
import type { FlowMod, Instruction, Match, OfpMessage } from '../../lib/openflow/index.js';
import { newKey } from '../../lib/packet/flow-key.js';
import type { Bridge } from '../../lib/ofproto/bridge.js';
import {
  add,
  apply,
  bucket,
  errName,
  f,
  flowMod,
  flows,
  gotoTable,
  group,
  groupMod,
  handle,
  meterInst,
  meterMod,
  OFPGC,
  OFPGT,
  OFPMC,
  ORIGIN,
  output,
  testBridge,
} from './util.js';

/* --------------------------------------------------------- random requests */

const arbMatch: fc.Arbitrary<Match> = fc
  .record({
    inPort: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    ip: fc.boolean(),
    src: fc.option(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(8, 16, 24, 32)), { nil: undefined }),
    tcp: fc.option(fc.integer({ min: 79, max: 81 }), { nil: undefined }),
    vlan: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
  })
  .map(({ inPort, ip, src, tcp, vlan }) => {
    const m: Match = [];
    if (inPort !== undefined) m.push(f('in_port', inPort));
    if (vlan !== undefined) m.push(f('vlan_vid', 0x1000 | vlan));
    if (ip) {
      m.push(f('eth_type', 0x0800));
      if (src !== undefined) {
        const [host, len] = src;
        const mask = len === 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0;
        const addr = ((10 << 24) | host) & mask;
        m.push(f('ipv4_src', ipText(addr >>> 0), ipText(mask)));
      }
      if (tcp !== undefined) m.push(f('ip_proto', 6), f('tcp_dst', tcp));
    } else if (src !== undefined) {
      // Without eth_type: a request both bridges must refuse alike.
      m.push(f('ipv4_src', ipText(((10 << 24) | src[0]) >>> 0)));
    }
    return m;
  });

const arbInstructions: fc.Arbitrary<Instruction[]> = fc.oneof(
  fc.constant([] as Instruction[]),
  fc.integer({ min: 1, max: 3 }).map((p) => [apply(output(p))]),
  fc.constant<Instruction[]>([apply(group(1))]),
  fc.constant<Instruction[]>([meterInst(1), apply(output(2))]),
  fc.constant<Instruction[]>([gotoTable(1)]),
);

const arbFlowMod: fc.Arbitrary<FlowMod> = fc
  .record({
    command: fc.constantFrom(OFPFC.ADD, OFPFC.ADD, OFPFC.ADD, OFPFC.MODIFY, OFPFC.MODIFY_STRICT, OFPFC.DELETE, OFPFC.DELETE_STRICT),
    match: arbMatch,
    instructions: arbInstructions,
    priority: fc.integer({ min: 0, max: 3 }),
    table: fc.constantFrom(0, 0, 1, OFPTT.ALL),
    cookie: fc.integer({ min: 0, max: 3 }),
    cookieMask: fc.constantFrom(0n, 0n, 3n),
    flags: fc.constantFrom(0, OFPFF.SEND_FLOW_REM, OFPFF.CHECK_OVERLAP, OFPFF.RESET_COUNTS),
  })
  .map((r) =>
    flowMod(r.command, r.match, r.instructions, {
      priority: r.priority,
      table_id: r.table,
      cookie: BigInt(r.cookie),
      cookie_mask: r.cookieMask,
      flags: r.flags,
    }),
  );

const arbRequest: fc.Arbitrary<OfpMessage> = fc.oneof(
  { weight: 10, arbitrary: arbFlowMod },
  { weight: 1, arbitrary: fc.constantFrom<OfpMessage>(groupMod(OFPGC.ADD, 1, OFPGT.ALL, [bucket([output(1)])]), groupMod(OFPGC.DELETE, 1, OFPGT.ALL, [])) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<OfpMessage>(meterMod(OFPMC.ADD, 1, OFPMF.KBPS, [{ type: OFPMBT.DROP, rate: 10, burst_size: 0 }]), meterMod(OFPMC.DELETE, 1, 0, [])),
  },
);

function ipText(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

function answer(b: Bridge, msg: OfpMessage): string {
  try {
    handle(b, msg);
    return 'ok';
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    return errName(e.type, e.code);
  }
}

const state = (b: Bridge): unknown =>
  flows(b)
    .map(({ duration_sec: _s, duration_nsec: _n, ...rest }) => rest)
    .sort((x, y) => (JSON.stringify(x, big) < JSON.stringify(y, big) ? -1 : 1));
const big = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

function keys(): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (const port of [1, 2])
    for (const host of [0, 1, 2, 3])
      for (const tcp of [80, 81])
        for (const vlan of [0, 0x1001]) {
          const k = newKey();
          k[0] = port;
          k[10] = ((0x0800 << 16) | vlan) >>> 0;
          k[11] = 6 << 24;
          k[12] = ((10 << 24) | host) >>> 0;
          k[14] = tcp;
          out.push(k);
        }
  return out;
}

t.test('Bridge on the classifier and on the linear reference agree on random requests', async (t) => {
  const probe = keys();
  fc.assert(
    fc.property(fc.array(arbRequest, { maxLength: 60 }), (reqs) => {
      const a = testBridge({ nTables: 3 });
      const b = testBridge({ nTables: 3, linear: true });
      for (const r of reqs) {
        const ra = answer(a.bridge, r);
        const rb = answer(b.bridge, r);
        if (ra !== rb) throw new Error(`answers differ: ${ra} vs ${rb}`);
      }
      t.same(state(a.bridge), state(b.bridge));
      if (a.bridge.version !== b.bridge.version) throw new Error('versions differ');
      if (a.events.length !== b.events.length) throw new Error('events differ');
      for (const table of [0, 1, 2]) {
        for (const k of probe) {
          const x = a.bridge.lookup(table, k, null);
          const y = b.bridge.lookup(table, k, null);
          if ((x === null) !== (y === null) || (x !== null && y !== null && x.priority !== y.priority)) {
            throw new Error(`lookup in table ${table} differs`);
          }
        }
      }
      return true;
    }),
    { numRuns: 150 },
  );
});

t.test('handle() waits for the datapath to revalidate, then sends events', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  const order: string[] = [];
  let release!: () => void;
  const v0 = b.version;
  handle(b, add([f('in_port', 1)], [], { flags: OFPFF.SEND_FLOW_REM }));
  b.onChange(
    (v) =>
      new Promise<void>((resolve) => {
        order.push(`revalidate ${v}`);
        release = () => {
          order.push('revalidated');
          resolve();
        };
      }),
  );
  b.onAsync((e) => order.push(e.kind));
  const pending = b.handle(flowMod(OFPFC.DELETE, []), ORIGIN);
  t.ok(pending instanceof Promise, 'handle() returns a promise while the datapath works');
  t.same(order, [`revalidate ${v0 + 2}`], 'the datapath hears of the new version first');
  release();
  t.same(await pending, []);
  t.same(order, [`revalidate ${v0 + 2}`, 'revalidated', 'flow-removed'], 'FLOW_REMOVED only once the change is everywhere');
});

t.test('the Bridge shares nothing with another', async (t) => {
  const a = testBridge();
  const b = testBridge();
  handle(a.bridge, add([f('in_port', 1)]));
  t.equal(flows(a.bridge).length, 1);
  t.equal(flows(b.bridge).length, 0);
  t.equal(a.bridge.version, b.bridge.version + 1);
});

t.test('group, meter and port mods each make one version', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  const seen: number[] = [];
  b.onChange((v) => void seen.push(v));
  const v0 = b.version;
  handle(b, groupMod(OFPGC.ADD, 1, OFPGT.ALL, [bucket([output(1)])]));
  handle(b, meterMod(OFPMC.ADD, 1, OFPMF.KBPS, [{ type: OFPMBT.DROP, rate: 10, burst_size: 0 }]));
  const hw = b.ports.get(1)!.netdev.hwAddr();
  handle(b, { type: OFPT.PORT_MOD, xid: 1, port_no: 1, hw_addr: hw, config: 1 << 6, mask: 1 << 6, advertise: 0 });
  handle(b, groupMod(OFPGC.DELETE, 9, OFPGT.ALL, []));
  t.same(seen, [v0 + 1, v0 + 2, v0 + 3], 'and a request that changes nothing makes none');
});
