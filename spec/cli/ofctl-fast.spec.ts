/**
 * The dump-flows fast path (lib/cli/ofctl/fast-flow-stats.ts) against the
 * printer it stands in for: wherever the fast path prints a reply, its text
 * must be the printer's (formatBytes) to the byte; wherever it cannot tell,
 * it must decline. Checked on every OFPST_FLOW reply in the recorded
 * fixtures (Ryu, LoxiGen, a real Open vSwitch session) and on random
 * replies built byte by byte: random subsets of the fields the fast path
 * knows, in random order, duplicated, masked with stray bits, without their
 * prerequisites, with odd padding, and with random instructions, flags and
 * counters.
 *
 * The same holds for the lean engine lean-dump.ts runs before the printer
 * is loaded (flow-reply-core.ts with lean-text.ts): it prints the printer's
 * text or declines.
 */
import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeInstructions, OFPAT, OFPIT, OFPP, Writer, type Instruction } from '../../lib/openflow/index.js';
import { formatBytes } from '../../lib/cli/print/index.js';
import { FlowReplyPrinter } from '../../lib/cli/ofctl/fast-flow-stats.js';
import { FlowReplyCore } from '../../lib/cli/ofctl/flow-reply-core.js';
import { LEAN_TEXT } from '../../lib/cli/ofctl/lean-text.js';
import { FIXTURES } from '../helpers/paths.js';

const OPTS = { verbosity: 1 } as const;

/** ofp-print's text of a reply, the fast path's and the lean engine's (undefined where they decline). */
function both(raw: Buffer): { fast: string | undefined; lean: string | undefined; slow: string } {
  return { fast: new FlowReplyPrinter(OPTS).formatFlowReply(raw), lean: new FlowReplyCore(OPTS, LEAN_TEXT).formatFlowReply(raw), slow: formatBytes(raw, OPTS) };
}

function isFlowReply(hex: string): boolean {
  return hex.length >= 32 && hex.slice(0, 4) === '0413' && hex.slice(16, 20) === '0001';
}

t.test('every recorded flow stats reply prints the same', async (t) => {
  const hexes: string[] = [];
  const print = JSON.parse(readFileSync(join(FIXTURES, 'ovs-ofctl', 'ofp-print.json'), 'utf8')) as { hex: string }[];
  hexes.push(...print.map((r) => r.hex).filter(isFlowReply));
  const session = JSON.parse(readFileSync(join(FIXTURES, 'ovs-ofctl', 'session.json'), 'utf8')) as {
    commands: { messages: { hex: string }[] }[];
  };
  for (const c of session.commands) hexes.push(...c.messages.map((m) => m.hex).filter(isFlowReply));
  t.ok(hexes.length > 0, `${hexes.length} recorded replies`);
  let fastOnes = 0;
  let leanOnes = 0;
  for (const hex of hexes) {
    const { fast, lean, slow } = both(Buffer.from(hex, 'hex'));
    if (lean !== undefined) {
      leanOnes++;
      t.equal(lean, slow, `lean: ${hex.slice(0, 48)}`);
    }
    if (fast === undefined) continue;
    fastOnes++;
    t.equal(fast, slow, hex.slice(0, 48));
  }
  t.comment(`${fastOnes} of ${hexes.length} taken by the fast path, ${leanOnes} by the lean engine`);
});

/* ------------------------------------------------ random replies */

interface Tlv {
  field: number;
  value: Buffer;
  mask?: Buffer;
}

const bytes = (n: number): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Buffer.from(a));
const be16 = (v: number): Buffer => Buffer.from([v >> 8, v & 0xff]);
const be32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/** A mostly sensible mask: exact-ish, CIDR, or anything. */
const mask4 = fc.oneof(fc.constant(0xffffffff), fc.integer({ min: 0, max: 32 }).map((n) => (n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0)), fc.nat({ max: 0xffffffff }));

const tlv: fc.Arbitrary<Tlv> = fc.oneof(
  fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(OFPP.LOCAL, OFPP.CONTROLLER, 0xfffffff0)).map((p) => ({ field: 0, value: be32(p) })),
  fc.tuple(fc.constantFrom(3, 4), bytes(6), fc.option(bytes(6))).map(([field, value, mask]) => (mask === null ? { field, value } : { field, value, mask })),
  fc.constantFrom(0x0800, 0x86dd, 0x0806, 0x8035, 0x8847, 0x88cc, 0x0100).map((v) => ({ field: 5, value: be16(v) })),
  fc.constantFrom(1, 6, 17, 58, 132, 47).map((v) => ({ field: 10, value: Buffer.from([v]) })),
  fc.tuple(fc.constantFrom(11, 12), fc.nat({ max: 0xffffffff }), fc.option(mask4), fc.boolean()).map(([field, v, m, clean]) =>
    m === null ? { field, value: be32(v) } : { field, value: be32(clean ? (v & m) >>> 0 : v), mask: be32(m) },
  ),
  fc.tuple(fc.integer({ min: 13, max: 18 }), fc.integer({ min: 0, max: 0xffff }), fc.boolean()).map(([field, v, masked]) =>
    masked ? { field, value: be16(v & 0xff00), mask: be16(0xff00) } : { field, value: be16(v) },
  ),
);

/** A match that usually makes sense: eth_type and ip_proto first, as switches send them. */
const match: fc.Arbitrary<Tlv[]> = fc.oneof(
  fc.array(tlv, { maxLength: 6 }),
  fc
    .tuple(fc.constantFrom(6, 17, 132), fc.subarray([0, 3, 4, 11, 12, 13, 14]), fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 0xffff }))
    .map(([proto, fields, v, port]) => {
      const out: Tlv[] = [{ field: 5, value: be16(0x0800) }, { field: 10, value: Buffer.from([proto]) }];
      for (const f of fields) {
        if (f === 0) out.unshift({ field: 0, value: be32(port % 64) });
        else if (f === 3 || f === 4) out.push({ field: f, value: Buffer.from([0, 0, 0, 0, 0, port & 0xff]) });
        else if (f === 11 || f === 12) out.push({ field: f, value: be32(v) });
        else out.push({ field: (proto === 6 ? 13 : proto === 17 ? 15 : 17) + (f - 13), value: be16(port) });
      }
      return out;
    }),
);

const INSTRUCTIONS: Instruction[][] = [
  [],
  [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: 2, max_len: 0 }] }],
  [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: OFPP.CONTROLLER, max_len: 128 }, { type: OFPAT.DEC_NW_TTL }] }],
  [{ type: OFPIT.GOTO_TABLE, table_id: 3 }, { type: OFPIT.METER, meter_id: 5 }],
  [{ type: OFPIT.WRITE_ACTIONS, actions: [{ type: OFPAT.GROUP, group_id: 9 }] }, { type: OFPIT.CLEAR_ACTIONS, actions: [] }],
  // Lean-text's own set, and its edges.
  [{ type: OFPIT.APPLY_ACTIONS, actions: [] }],
  [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: 0, max_len: 0xffff }, { type: OFPAT.OUTPUT, port: 0xfeff, max_len: 7 }] }],
  [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: OFPP.LOCAL, max_len: 0 }] }],
  [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: 0xff00, max_len: 0 }] }],
  [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: 1, max_len: 0 }] }, { type: OFPIT.GOTO_TABLE, table_id: 1 }],
];

function instructionBytes(list: Instruction[]): Buffer {
  const w = new Writer();
  encodeInstructions(w, list);
  return w.take();
}

interface Entry {
  tlvs: Tlv[];
  instructions: number;
  flags: number;
  priority: number;
  cookie: bigint;
  packets: bigint;
  durationNsec: number;
  idle: number;
  badPadding: boolean;
}

const entry: fc.Arbitrary<Entry> = fc.record({
  tlvs: match,
  instructions: fc.integer({ min: 0, max: INSTRUCTIONS.length - 1 }),
  flags: fc.oneof(fc.constant(0), fc.constantFrom(1, 3, 0x1f, 0x20)),
  priority: fc.oneof(fc.constant(0x8000), fc.integer({ min: 0, max: 0xffff })),
  cookie: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 0xffffffffffffffffn })),
  packets: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 0xffffffffffffffffn })),
  durationNsec: fc.oneof(fc.constant(0), fc.constant(5_000_000), fc.integer({ min: 0, max: 999_999_999 }), fc.nat({ max: 0xffffffff })),
  idle: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffff })),
  badPadding: fc.boolean().map((b) => b && Math.random() < 0.1),
});

/** struct ofp_flow_stats with its match and instructions, written by hand. */
function encodeEntry(e: Entry): Buffer {
  const oxms = Buffer.concat(
    e.tlvs.map((x) => {
      const payload = x.mask ? Buffer.concat([x.value, x.mask]) : x.value;
      return Buffer.concat([Buffer.from([0x80, 0x00, (x.field << 1) | (x.mask ? 1 : 0), payload.length]), payload]);
    }),
  );
  const matchLen = 4 + oxms.length;
  const padded = (matchLen + 7) & ~7;
  const m = Buffer.alloc(padded);
  m.writeUInt16BE(1, 0);
  m.writeUInt16BE(matchLen, 2);
  oxms.copy(m, 4);
  if (e.badPadding && padded > matchLen) m[padded - 1] = 1;
  const inst = instructionBytes(INSTRUCTIONS[e.instructions]!);
  const b = Buffer.alloc(48 + padded + inst.length);
  b.writeUInt16BE(b.length, 0);
  b[2] = 1;
  b.writeUInt32BE(7, 4);
  b.writeUInt32BE(e.durationNsec, 8);
  b.writeUInt16BE(e.priority, 12);
  b.writeUInt16BE(e.idle, 14);
  b.writeUInt16BE(e.flags, 18);
  b.writeBigUInt64BE(e.cookie, 24);
  b.writeBigUInt64BE(e.packets, 32);
  b.writeBigUInt64BE(e.packets / 3n, 40);
  m.copy(b, 48);
  inst.copy(b, 48 + padded);
  return b;
}

function reply(entries: Entry[], more: boolean): Buffer {
  const body = Buffer.concat(entries.map(encodeEntry));
  const h = Buffer.alloc(16);
  h[0] = 4;
  h[1] = 19;
  h.writeUInt16BE(16 + body.length, 2);
  h.writeUInt32BE(0x1234, 4);
  h.writeUInt16BE(1, 8);
  h.writeUInt16BE(more ? 1 : 0, 10);
  return Buffer.concat([h, body]);
}

t.test('random replies: the fast path prints what the printer prints, or declines', async (t) => {
  let taken = 0;
  let leanTaken = 0;
  let runs = 0;
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 4 }), fc.boolean(), (entries, more) => {
      const raw = reply(entries, more);
      if (raw.length > 0xffff) return true;
      runs++;
      const { fast, lean, slow } = both(raw);
      if (lean !== undefined) {
        leanTaken++;
        if (lean !== slow) throw new Error(`lean differs for ${raw.toString('hex')}:\nlean: ${lean}\nslow: ${slow}`);
      }
      if (fast === undefined) return true;
      taken++;
      if (fast !== slow) throw new Error(`differs for ${raw.toString('hex')}:\nfast: ${fast}\nslow: ${slow}`);
      return true;
    }),
    { numRuns: 3000 },
  );
  t.ok(taken > runs / 4, `the fast path took ${taken} of ${runs} replies`);
  t.ok(leanTaken > runs / 20, `the lean engine took ${leanTaken} of ${runs} replies`);
});

t.test('a reply the fast path knows is taken, and one it does not is left to the printer', async (t) => {
  const simple: Entry = { tlvs: [{ field: 5, value: be16(0x0800) }, { field: 10, value: Buffer.from([6]) }, { field: 14, value: be16(80) }], instructions: 1, flags: 1, priority: 5, cookie: 0x10n, packets: 7n, durationNsec: 0, idle: 0, badPadding: false };
  const r = both(reply([simple], false));
  t.equal(r.fast, r.slow);
  t.match(r.fast, /priority=5,tcp,tp_dst=80 actions=output:2/);
  t.equal(r.lean, undefined, 'flags are not for the lean engine');
  const plain = both(reply([{ ...simple, flags: 0 }], true));
  t.equal(plain.lean, plain.slow, 'the lean engine prints a plain flow as the printer does');
  const vlan: Entry = { ...simple, tlvs: [{ field: 6, value: be16(0x1005) }] };
  t.equal(new FlowReplyPrinter(OPTS).formatFlowReply(reply([simple, vlan], false)), undefined, 'a vlan match goes to the printer');
});
