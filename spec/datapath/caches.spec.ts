/**
 * The caches are invisible: property tests over random switches (random
 * flow tables with goto chains, write/apply actions, metadata, groups of
 * every type; random-switch.ts) and random packets.
 *
 * For every packet sent through the datapath (exact-match cache, megaflow
 * classifier, upcalls, with insertion probability 1 so the EMC is busy):
 *  - the frames each port sends and the packet-ins raised are byte for
 *    byte those of a fresh translation of the packet executed on a copy;
 *  - every checksum of every frame sent is right.
 * And afterwards, for every packet and every installed megaflow that
 * covers it (key & mask = the megaflow's key): translating the packet
 * gives the megaflow's program exactly (the mask is sufficient).
 */
import t from 'tap';
import fc from 'fast-check';
import { Executor, lastModifyingOp, type ExecSink } from '../../lib/datapath/execute.js';
import type { Meter } from '../../lib/ofproto/meters.js';
import { Extractor } from '../../lib/packet/extract.js';
import { KEY_WORDS, newKey } from '../../lib/packet/flow-key.js';
import type { PacketInSpec } from '../../lib/xlate/context.js';
import { MacLearning } from '../../lib/xlate/mac-learning.js';
import { formatOdpActions } from '../../lib/xlate/odp-format.js';
import { odpEqual } from '../../lib/xlate/odp.js';
import { Translator } from '../../lib/xlate/xlate.js';
import { badChecksums, buildFrame } from './frames.js';
import { testSwitch, type TestSwitch } from './harness.js';
import { randomPacket, randomSwitch, type RandomPacket, type RandomSwitch } from './random-switch.js';

const HEADROOM = 128;

/** What a fresh translation does with a packet: frames per port and packet-ins, as hex. */
function expected(sw: TestSwitch, tr: Translator, port: number, frame: Uint8Array): Map<number, string[]> {
  const buf = new Uint8Array(HEADROOM + frame.length);
  buf.set(frame, HEADROOM);
  const key = newKey();
  const lay = new Extractor();
  lay.extract(buf, HEADROOM, frame.length, port, key);
  const res = tr.translate({ key, sideEffects: false, now: sw.clock.now() });
  const out = new Map<number, string[]>();
  const add = (p: number, s: string): void => {
    const l = out.get(p) ?? [];
    l.push(s);
    out.set(p, l);
  };
  const sink: ExecSink = {
    output: (p, b, off, len) => {
      if (sw.bridge.ports.get(p) !== undefined) add(p >>> 0, Buffer.from(b.subarray(off, off + len)).toString('hex'));
    },
    userspace: (spec: PacketInSpec, b, off, len) => add(0, `pin:${spec.reason}:${spec.tableId}:${spec.cookie}:${spec.maxLen}:${Buffer.from(b.subarray(off, off + len)).toString('hex')}`),
    meter: (_m: Meter) => -1,
  };
  new Executor().run(res.actions, res.xc, lastModifyingOp(res.actions), buf, HEADROOM, frame.length, port, lay, key, sink);
  return out;
}

function actual(sw: TestSwitch, port: number, frame: Uint8Array): Map<number, string[]> {
  const before = sw.packetIns.length;
  const out = sw.send(port, frame);
  const pins = sw.packetIns.slice(before);
  if (pins.length > 0) out.set(0, pins.map((p) => `pin:${p.reason}:${p.table_id}:${p.cookie}:${p.max_len}:${p.frame.toString('hex')}`));
  return out;
}

const show = (m: Map<number, string[]>): string => JSON.stringify([...m].sort((a, b) => a[0] - b[0]));

async function build(rs: RandomSwitch): Promise<TestSwitch> {
  const sw = testSwitch({ dp: { emcInsertInvProb: 1 } });
  await sw.groups(rs.groups);
  for (const f of rs.flows) {
    try {
      await sw.flows(f);
    } catch {
      // A combination the flow syntax or ofproto refuses: the switch simply lacks that rule.
    }
  }
  return sw;
}

async function check(rs: RandomSwitch, packets: RandomPacket[]): Promise<void> {
  const sw = await build(rs);
  const tr = new Translator(sw.bridge, new MacLearning());
  const frames = packets.map((p) => buildFrame(p.spec));
  // Twice over: the second pass hits what the first installed.
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < packets.length; i++) {
      const want = expected(sw, tr, packets[i]!.port, frames[i]!);
      const got = actual(sw, packets[i]!.port, frames[i]!);
      if (show(want) !== show(got)) {
        throw new Error(`packet ${i} (round ${round}) on port ${packets[i]!.port}: ${JSON.stringify(packets[i]!.spec)}\n want ${show(want)}\n got  ${show(got)}`);
      }
      for (const [p, list] of got) {
        if (p === 0) continue;
        for (const hex of list) {
          const bad = badChecksums(Buffer.from(hex, 'hex'));
          if (bad.length > 0) throw new Error(`packet ${i}: bad ${bad.join(',')} checksum in ${hex} (port ${p})`);
        }
      }
    }
  }
  // Sufficiency: every megaflow covering a packet gives that packet's own translation.
  const masked = new Uint32Array(KEY_WORDS);
  const k = new Uint32Array(KEY_WORDS);
  for (let i = 0; i < packets.length; i++) {
    const key = newKey();
    new Extractor().extract(frames[i]!, 0, frames[i]!.length, packets[i]!.port, key);
    const res = tr.translate({ key, sideEffects: false, now: sw.clock.now() });
    for (const mf of sw.dp.flows) {
      const mask = mf.subtable.mask;
      mf.subtable.maskedKey(mf.slot, k);
      for (let w = 0; w < KEY_WORDS; w++) masked[w] = key[w]! & mask[w]!;
      let covers = true;
      for (let w = 0; w < KEY_WORDS && covers; w++) covers = masked[w] === k[w];
      if (!covers) continue;
      if (!odpEqual(res.actions, mf.program.actions)) {
        throw new Error(`packet ${i} is covered by megaflow ${mf.id} with ${formatOdpActions(mf.program.actions, mf.xc)} but translates to ${formatOdpActions(res.actions, res.xc)}`);
      }
    }
  }
  // Revalidation's premise: translating a megaflow's own masked key gives its program, or wildcards
  // it lacks (the classifier's wildcards depend on the key, so another key of the megaflow may consult
  // more bits; revalidation then deletes it).
  for (const mf of sw.dp.flows) {
    mf.subtable.maskedKey(mf.slot, k);
    const res = tr.translate({ key: k, sideEffects: false, now: sw.clock.now() });
    const mask = mf.subtable.mask;
    let within = true;
    for (let w = 0; w < KEY_WORDS; w++) if ((res.wc[w]! & ~mask[w]!) !== 0) within = false;
    if (within && !odpEqual(res.actions, mf.program.actions)) {
      throw new Error(`megaflow ${mf.id} has ${formatOdpActions(mf.program.actions, mf.xc)} but its masked key translates to ${formatOdpActions(res.actions, res.xc)}`);
    }
  }
  sw.dp.detach();
}

/** fast-check settings: FC_RUNS runs, FC_SEED to replay a failure. */
const fcOpts = (runs: number): fc.Parameters<unknown> => ({
  numRuns: Number(process.env.FC_RUNS ?? runs),
  endOnFailure: true,
  ...(process.env.FC_SEED !== undefined ? { seed: Number(process.env.FC_SEED) } : {}),
});

t.test('caches give what a fresh translation gives, and megaflow masks are sufficient', async (t) => {
  await fc.assert(
    fc.asyncProperty(randomSwitch(), fc.array(randomPacket(), { minLength: 1, maxLength: 30 }), async (rs, packets) => {
      await check(rs, packets);
    }),
    fcOpts(150),
  );
  t.pass('held');
});

t.test('caches stay right across revalidation (flows added and removed between packets)', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      randomSwitch(),
      randomSwitch(),
      fc.array(randomPacket(), { minLength: 1, maxLength: 20 }),
      async (rs1, rs2, packets) => {
        const sw = await build(rs1);
        const tr = new Translator(sw.bridge, new MacLearning());
        const frames = packets.map((p) => buildFrame(p.spec));
        for (let i = 0; i < packets.length; i++) actual(sw, packets[i]!.port, frames[i]!);
        // Change the switch: delete half the flows of the first set, add the second set, replace groups.
        await sw.flows('table=0,tcp', 'delete');
        await sw.flows('table=1', 'delete');
        for (const f of rs2.flows) {
          try {
            await sw.flows(f);
          } catch {
            // refused combination
          }
        }
        for (const g of rs2.groups) {
          try {
            await sw.groups(g, 'modify');
          } catch {
            await sw.groups(g, 'add').catch(() => undefined);
          }
        }
        for (let i = 0; i < packets.length; i++) {
          const want = expected(sw, tr, packets[i]!.port, frames[i]!);
          const got = actual(sw, packets[i]!.port, frames[i]!);
          if (show(want) !== show(got)) {
            throw new Error(`after the change, packet ${i}: ${JSON.stringify(packets[i]!.spec)}\n want ${show(want)}\n got  ${show(got)}`);
          }
        }
        sw.dp.detach();
      },
    ),
    fcOpts(100),
  );
  t.pass('held');
});
