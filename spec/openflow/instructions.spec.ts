/**
 * Instruction lists (lib/openflow/instructions.ts).
 *
 * Expected bytes: LoxiGen's instruction_goto_table and the instructions of
 * its flow_add, the instruction lists in Ryu's binary fixtures (checked
 * against Ryu's JSON decoding of them), and byte strings written by hand
 * here from the spec's struct layouts. Flowgrammable's torture messages
 * check that nothing but an OfpError ever escapes.
 */
import t, { type Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeActions } from '../../lib/openflow/actions.js';
import { OFPAT, OFPIT } from '../../lib/openflow/constants.js';
import { OFPBAC, OFPBIC, OFPET, OfpError } from '../../lib/openflow/errors.js';
import { decodeInstruction, decodeInstructions, encodeInstructions } from '../../lib/openflow/instructions.js';
import { OXM_OFB_FIELDS, decodeMatch } from '../../lib/openflow/oxm.js';
import { Reader } from '../../lib/openflow/reader.js';
import type { Instruction } from '../../lib/openflow/types.js';
import { Writer } from '../../lib/openflow/writer.js';
import { SHARED } from '../helpers/paths.js';
import { ryuDiffInstruction, ryuFragments, type Json } from '../helpers/ryu-fragments.js';

const FIX = join(SHARED, 'fixtures');
const loxi = (name: string): Buffer =>
  Buffer.from(readFileSync(join(FIX, 'loxigen-of13', `${name}.hex`), 'utf8').replace(/\s+/g, ''), 'hex');
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const BASIC_NAMES: ReadonlySet<string> = new Set(OXM_OFB_FIELDS.map((f) => f.name));
const reader = (b: Buffer, end = b.length): Reader => new Reader(b, 0, end, OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN);

function encoded(list: Instruction[]): Buffer {
  const w = new Writer(8);
  encodeInstructions(w, list);
  return w.take();
}

function throwsInst(t: Test, bytes: string, type: number, code: number, what: string): void {
  t.throws(() => decodeInstructions(reader(hex(bytes))), { name: 'OfpError', type, code }, what);
}

/** Offsets between the instructions of a well-formed list. */
function boundaries(b: Buffer): number[] {
  const s = [0];
  for (let at = 0; at < b.length; ) {
    at += b.readUInt16BE(at + 2);
    s.push(at);
  }
  return s;
}

/* --------------------------------------------------------------- LoxiGen */

t.test('decodeInstructions() reads LoxiGen instruction_goto_table and writes it back', async (t) => {
  // instruction_goto_table(table_id=5)
  const b = loxi('instruction_goto_table');
  const r = reader(b);
  t.same(decodeInstruction(r), { type: OFPIT.GOTO_TABLE, table_id: 5 });
  t.equal(r.off, 8);
  t.same(encoded([{ type: OFPIT.GOTO_TABLE, table_id: 5 }]), b);
  for (let k = 1; k < b.length; k++) {
    t.throws(() => decodeInstructions(reader(b, k)), { type: OFPET.BAD_INSTRUCTION, code: OFPBIC.BAD_LEN }, `cut to ${k}`);
  }
});

t.test('decodeInstructions() reads the instructions of LoxiGen flow_add', async (t) => {
  // flow_add(..., instructions=[goto_table(4), goto_table(7)]): they follow struct
  // ofp_flow_mod (48 bytes) and the match (length at 50, padded to 8).
  const msg = loxi('flow_add');
  const at = 48 + ((msg.readUInt16BE(50) + 7) & ~7);
  const b = msg.subarray(at);
  const list = decodeInstructions(reader(b));
  t.same(list, [
    { type: OFPIT.GOTO_TABLE, table_id: 4 },
    { type: OFPIT.GOTO_TABLE, table_id: 7 },
  ]);
  t.same(encoded(list), b);
});

/* ------------------------------------------------------------------ Ryu */

t.test('decodeInstructions() reads every instruction list in Ryu’s fixtures as Ryu does, and writes the same bytes', async (t) => {
  const frags = ryuFragments().filter((f) => f.kind === 'instructions');
  t.ok(frags.length >= 30, `${frags.length} lists`);
  const seen = new Set<number>();
  for (const f of frags) {
    const list = decodeInstructions(reader(f.bytes));
    t.equal(list.length, f.json.length, `${f.name}: instruction count`);
    const diffs = list.flatMap((x, i) => ryuDiffInstruction(x as unknown as Json, f.json[i], BASIC_NAMES, `${f.name} ${i}`));
    t.same(diffs, [], `${f.name}: as Ryu reads it`);
    t.same(encoded(list), f.bytes, `${f.name}: same bytes back`);
    for (const x of list) seen.add(x.type);
  }
  // Ryu's fixtures have no write_metadata, clear_actions or experimenter instruction; those are hand-made below.
  t.same([...seen].sort((a, b) => a - b), [1, 3, 4, 6], 'goto, write, apply, meter');
});

t.test('decodeInstructions() rejects every cut of Ryu’s lists that is not between instructions', async (t) => {
  for (const f of ryuFragments().filter((f) => f.kind === 'instructions')) {
    const ends = boundaries(f.bytes);
    let ok = true;
    for (let k = 0; k < f.bytes.length; k++) {
      try {
        const n = decodeInstructions(reader(f.bytes, k)).length;
        if (ends.indexOf(k) !== n) ok = false;
      } catch (e) {
        const { type, code } = e as { type?: number; code?: number };
        if (ends.includes(k) || type !== OFPET.BAD_INSTRUCTION || code !== OFPBIC.BAD_LEN) ok = false;
      }
    }
    t.ok(ok, f.name);
  }
});

/* ------------------------------------------------------------ hand-made */

t.test('decodeInstruction() reads each instruction by its struct layout', async (t) => {
  const cases: [string, Instruction][] = [
    // struct ofp_instruction_goto_table: type, len 8, table_id, pad 3
    ['0001 0008 fe 000000', { type: OFPIT.GOTO_TABLE, table_id: 254 }],
    // struct ofp_instruction_write_metadata: type, len 24, pad 4, metadata, metadata_mask
    ['0002 0018 00000000 0123456789abcdef ffffffffffffffff', { type: OFPIT.WRITE_METADATA, metadata: 0x0123456789abcdefn, metadata_mask: 0xffffffffffffffffn }],
    // struct ofp_instruction_actions: type, len, pad 4, actions
    ['0003 0018 00000000 0000 0010 00000001 ffff 000000000000', { type: OFPIT.WRITE_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: 1, max_len: 0xffff }] }],
    ['0004 0008 00000000', { type: OFPIT.APPLY_ACTIONS, actions: [] }],
    ['0005 0008 00000000', { type: OFPIT.CLEAR_ACTIONS, actions: [] }],
    // struct ofp_instruction_meter: type, len 8, meter_id
    ['0006 0008 00000001', { type: OFPIT.METER, meter_id: 1 }],
    // struct ofp_instruction_experimenter: type, len, experimenter, data
    ['ffff 0010 00002320 0102030405060708', { type: OFPIT.EXPERIMENTER, experimenter: 0x2320, data: hex('0102030405060708') }],
    ['ffff 0008 00abcdef', { type: OFPIT.EXPERIMENTER, experimenter: 0xabcdef, data: hex('') }],
  ];
  for (const [bytes, want] of cases) {
    t.same(decodeInstructions(reader(hex(bytes))), [want], bytes);
    t.same(encoded([want]), hex(bytes), `${bytes} back`);
  }
  t.same(decodeInstructions(reader(hex(''))), [], 'an empty list');
});

t.test('decodeInstructions() rejects a list with fewer than 4 bytes left for a header', async (t) => {
  throwsInst(t, '0001 0008 01000000 0001 00', OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, '3 bytes');
});

t.test('decodeInstructions() rejects len < 8, not a multiple of 8, or beyond the list', async (t) => {
  // §7.2.4: instructions are at least 8 bytes and padded to 64 bits.
  throwsInst(t, '0001 0004 01000000', OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, 'len 4');
  throwsInst(t, '0001 0000 01000000', OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, 'len 0');
  throwsInst(t, 'ffff 000c 00002320 00000000', OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, 'len 12');
  throwsInst(t, '0004 0018 00000000 0012 0008 00000000', OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, 'apply of 24 in 16');
});

t.test('decodeInstructions() rejects a fixed-size instruction whose len is not its size', async (t) => {
  throwsInst(t, '0001 0010 01000000 00000000 00000000', OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, 'goto_table of 16');
  throwsInst(t, '0002 0010 00000000 0000000000000001', OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, 'write_metadata of 16');
  throwsInst(t, '0006 0010 00000001 00000000', OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, 'meter of 16');
});

t.test('decodeInstructions() rejects a clear_actions that carries anything', async (t) => {
  // §7.2.4: OFPIT_CLEAR_ACTIONS uses ofp_instruction_actions with no actions.
  throwsInst(t, '0005 0010 00000000 0012 0008 00000000', OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, 'clear with pop_vlan');
});

t.test('decodeInstructions() rejects an unknown instruction type with OFPBIC_UNKNOWN_INST', async (t) => {
  // 7 would be OF1.5's stat_trigger; 0 was never defined.
  throwsInst(t, '0007 0008 00000000', OFPET.BAD_INSTRUCTION, OFPBIC.UNKNOWN_INST, 'type 7');
  throwsInst(t, '0000 0008 00000000', OFPET.BAD_INSTRUCTION, OFPBIC.UNKNOWN_INST, 'type 0');
});

t.test('decodeInstructions() reports a broken action as an action error, bounded by its instruction', async (t) => {
  // The output action claims 16 bytes; its instruction holds 8 of them, the next instruction the rest.
  throwsInst(t, '0004 0010 00000000 0000 0010 00000001 0001 0008 01000000', OFPET.BAD_ACTION, OFPBAC.BAD_LEN, 'action past its instruction');
  throwsInst(t, '0003 0010 00000000 0001 0008 00000000', OFPET.BAD_ACTION, OFPBAC.BAD_TYPE, 'unknown action');
  throwsInst(t, '0004 0010 00000000 0019 0008 80000000', OFPET.BAD_ACTION, OFPBAC.BAD_SET_LEN, 'bad set_field');
});

t.test('encodeInstructions() refuses a clear_actions with actions, and pads experimenter data', async (t) => {
  t.throws(() => encoded([{ type: OFPIT.CLEAR_ACTIONS, actions: [{ type: OFPAT.POP_VLAN }] }]), RangeError);
  t.same(encoded([{ type: OFPIT.EXPERIMENTER, experimenter: 1, data: hex('aa') }]), hex('ffff 0010 00000001 aa00000000000000'));
});

/* -------------------------------------------------------- Flowgrammable */

t.test('the codecs raise only OfpError on Flowgrammable’s flow_mod, packet_out and group_mod torture tests', async (t) => {
  const dir = join(FIX, 'flowgrammable-of13', 'rep');
  const files = readdirSync(dir).filter((f) => /^rep_(13|14|15)_/.test(f));
  t.ok(files.length > 20, `${files.length} files`);
  let decoded = 0;
  for (const f of files) {
    const b = readFileSync(join(dir, f));
    if (b.length < 8) continue;
    const end = Math.min(b.length, b.readUInt16BE(2));
    try {
      if (b[1] === 14 && end >= 48) {
        // struct ofp_flow_mod: match at 48, instructions after it.
        const r = new Reader(b, 48, end);
        decodeMatch(r);
        decodeInstructions(new Reader(b, r.off, end, OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN));
      } else if (b[1] === 13 && end >= 24) {
        // struct ofp_packet_out: actions_len at 16, actions at 24.
        decodeActions(new Reader(b, 24, Math.min(end, 24 + b.readUInt16BE(16)), OFPET.BAD_ACTION, OFPBAC.BAD_LEN));
      } else if (b[1] === 15 && end >= 32) {
        // struct ofp_group_mod (16) then the first bucket (16 + actions).
        const blen = Math.min(end - 16, b.readUInt16BE(16));
        if (blen >= 16) decodeActions(new Reader(b, 32, 16 + blen, OFPET.BAD_ACTION, OFPBAC.BAD_LEN));
      } else continue;
      decoded++;
    } catch (e) {
      if (!(e instanceof OfpError)) t.fail(`${f}: ${String(e)}`);
    }
  }
  t.ok(decoded > 0, `${decoded} decoded without error`);
});
