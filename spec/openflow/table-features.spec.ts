/**
 * struct ofp_table_features against Ryu's fixtures (4-55 request, 4-56
 * reply: ten tables with every kind of property, written by an Erlang
 * encoder) and Ryu's JSON reading of them, LoxiGen's instruction/action id
 * fragments, and hand-made malformed tables for each error.
 */
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OFPIT, OFPTFPT, OFPXMC } from '../../lib/openflow/constants.js';
import { OfpError, OFPBRC, OFPET, OFPTFFC } from '../../lib/openflow/errors.js';
import { oxmFieldByName } from '../../lib/openflow/oxm.js';
import { Reader } from '../../lib/openflow/reader.js';
import {
  decodeTableFeatures,
  decodeTableFeaturesList,
  encodeTableFeatures,
  OFP_TABLE_FEATURES_LEN,
} from '../../lib/openflow/table-features.js';
import type { TableFeatures } from '../../lib/openflow/types.js';
import { Writer } from '../../lib/openflow/writer.js';
import { SHARED } from '../helpers/paths.js';

const RYU_BIN = join(SHARED, 'fixtures/ryu/packet-data-of13');
const RYU_JSON = join(SHARED, 'fixtures/ryu/json-of13');
const LOXI = join(SHARED, 'fixtures/loxigen-of13');

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
type Obj = Record<string, unknown>;
const inner = (o: unknown): Obj => Object.values(o as Obj)[0] as Obj;

/** The body of a Ryu fixture (after the 16-byte multipart header). */
const body = (file: string): Buffer => readFileSync(join(RYU_BIN, file)).subarray(16);

/** Ryu's JSON, 16+-digit integers kept as strings (JSON.parse would round them). */
function ryuTables(file: string): Obj[] {
  const text = readFileSync(join(RYU_JSON, `${file}.json`), 'utf8').replace(/([:[,]\s*)(\d{16,})(?=\s*[,\]}])/g, '$1"$2"');
  return (inner(JSON.parse(text)).body as unknown[]).map(inner);
}

function encodeAll(list: readonly TableFeatures[]): Buffer {
  const w = new Writer();
  for (const tf of list) encodeTableFeatures(w, tf);
  return w.take();
}

/** Runs `fn`, which must throw an OfpError of `type`/`code` whose message matches `detail`. */
function throwsOfp(t: Test, fn: () => unknown, type: number, code: number, what: string, detail = /./): void {
  try {
    fn();
    t.fail(`${what}: no error`);
  } catch (e) {
    if (e instanceof OfpError) t.ok(e.type === type && e.code === code && detail.test(e.message), `${what}: ${e.message}`);
    else t.fail(`${what}: threw ${String(e)}, not an OfpError`);
  }
}

const FIXTURES = ['4-55-ofp_table_features_request.packet', '4-56-ofp_table_features_reply.packet'];

/* ----------------------------------------------------------- fixtures */

t.test("decodeTableFeaturesList() reads Ryu's fixtures as Ryu does", async (t) => {
  for (const file of FIXTURES) {
    const got = decodeTableFeaturesList(Reader.of(body(file)));
    const want = ryuTables(`${file}`);
    t.equal(got.length, want.length, `${file}: tables`);
    got.forEach((tf, i) => {
      const w = want[i]!;
      const at = `${file} table ${i}`;
      t.equal(tf.table_id, w.table_id, `${at}: table_id`);
      // The name is bytes on the wire; Ryu reads them as UTF-8 ("私のテーブル").
      t.equal(Buffer.from(tf.name, 'latin1').toString('utf8'), w.name, `${at}: name`);
      t.equal(tf.metadata_match, BigInt(w.metadata_match as string), `${at}: metadata_match`);
      t.equal(tf.metadata_write, BigInt(w.metadata_write as string), `${at}: metadata_write`);
      t.equal(tf.config, w.config, `${at}: config`);
      t.equal(tf.max_entries, w.max_entries, `${at}: max_entries`);
      const props = (w.properties as unknown[]).map(inner);
      t.same(tf.properties.map((p) => p.type), props.map((p) => p.type), `${at}: property types`);
      tf.properties.forEach((p, j) => {
        const wp = props[j]!;
        const pat = `${at} property ${j}`;
        if ('instruction_ids' in p || 'action_ids' in p) {
          const ids = 'instruction_ids' in p ? p.instruction_ids : p.action_ids;
          const wids = ((wp.instruction_ids ?? wp.action_ids) as unknown[]).map(inner);
          t.same(ids.map((id) => [id.type, 4 + id.data.length]), wids.map((id) => [id.type, id.len]), `${pat}: ids and their lengths`);
        } else if ('table_ids' in p) {
          t.same(p.table_ids, wp.table_ids, `${pat}: next tables`);
        } else if ('oxm_ids' in p) {
          const wids = (wp.oxm_ids as unknown[]).map(inner);
          t.same(
            p.oxm_ids.map((id) => [id.oxm_class, id.oxm_field, id.hasmask, id.length]),
            wids.map((id) => [OFPXMC.OPENFLOW_BASIC, oxmFieldByName(id.type as string)?.code, id.hasmask === 1, id.length]),
            `${pat}: ${wids.length} OXM ids`,
          );
        } else {
          t.equal(p.experimenter, wp.experimenter, `${pat}: experimenter`);
          t.equal(p.exp_type, wp.exp_type, `${pat}: exp_type`);
          const words = Array.from({ length: p.data.length / 4 }, (_, k) => p.data.readUInt32BE(4 * k));
          t.same(words, wp.data, `${pat}: experimenter data`);
        }
      });
    });
  }
});

t.test('encodeTableFeatures() reproduces both fixtures byte for byte', async (t) => {
  for (const file of FIXTURES) {
    const b = body(file);
    t.ok(encodeAll(decodeTableFeaturesList(Reader.of(b))).equals(b), `${file}: ${b.length} bytes`);
  }
});

t.test('decodeTableFeatures() reads one table and moves past it', async (t) => {
  const b = body(FIXTURES[1]!);
  const r = Reader.of(b);
  const first = decodeTableFeatures(r);
  t.equal(r.off, b.readUInt16BE(0), 'after the first table');
  t.equal(first.properties.length, 11);
  t.equal(decodeTableFeatures(r).table_id, 1, 'the next table follows');
});

t.test('decodeTableFeatures() raises OfpError on every truncation', async (t) => {
  const b = body(FIXTURES[1]!);
  const len = b.readUInt16BE(0);
  let errors = 0;
  for (let cut = 0; cut < len; cut++) {
    try {
      // The bytes past `cut` stay in the buffer, to catch a read past the reader.
      decodeTableFeatures(new Reader(b, 0, cut));
      t.fail(`cut at ${cut}: no error`);
      break;
    } catch (e) {
      if (!(e instanceof OfpError)) {
        t.fail(`cut at ${cut}: threw ${String(e)}`);
        break;
      }
      errors++;
    }
  }
  t.equal(errors, len, `all ${len} cuts of the ${len}-byte first table`);
});

/* -------------------------------------------------- ids and padding */

/** A table with `props` (hex) after the 64-byte fixed part; `length` defaults to the real one. */
function table(props: string, length?: number): Buffer {
  const p = hex(props);
  const b = Buffer.alloc(OFP_TABLE_FEATURES_LEN + p.length);
  b.writeUInt16BE(length ?? b.length, 0);
  b[2] = 7; // table_id
  b.write('t7', 8, 'latin1');
  p.copy(b, OFP_TABLE_FEATURES_LEN);
  return b;
}

t.test('instruction and action ids take their size from their own len', async (t) => {
  // 4-byte ids, an 8-byte experimenter id (LoxiGen's form), an odd 5-byte one.
  const instructions = '0000 0015  0001 0004  ffff 0008 00002320  0004 0005 ab  000000';
  const actions = '0006 0014  0000 0004  ffff 000c 00002320 00000001  00000000';
  const b = table(`${instructions} ${actions}`);
  const [tf] = decodeTableFeaturesList(Reader.of(b));
  const [inst, act] = tf!.properties;
  t.same(inst, {
    type: OFPTFPT.INSTRUCTIONS,
    instruction_ids: [
      { type: OFPIT.GOTO_TABLE, data: Buffer.alloc(0) },
      { type: OFPIT.EXPERIMENTER, data: hex('00002320') },
      { type: OFPIT.APPLY_ACTIONS, data: hex('ab') },
    ],
  });
  t.same(act, {
    type: OFPTFPT.APPLY_ACTIONS,
    action_ids: [
      { type: 0, data: Buffer.alloc(0) },
      { type: 0xffff, data: hex('00002320 00000001') },
    ],
  });
  t.ok(encodeAll([tf!]).equals(b), 'round-trips exactly');
});

t.test("encodeTableFeatures() writes ids as LoxiGen's fragments do", async (t) => {
  const loxi = (f: string): Buffer => hex(readFileSync(join(LOXI, `${f}.hex`), 'utf8'));
  const tf: TableFeatures = {
    table_id: 0,
    name: '',
    metadata_match: 0n,
    metadata_write: 0n,
    config: 0,
    max_entries: 0,
    properties: [
      { type: OFPTFPT.INSTRUCTIONS, instruction_ids: [{ type: OFPIT.GOTO_TABLE, data: Buffer.alloc(0) }] },
      { type: OFPTFPT.WRITE_ACTIONS, action_ids: [{ type: 0, data: Buffer.alloc(0) }] },
    ],
  };
  const b = encodeAll([tf]);
  t.ok(b.subarray(68, 72).equals(loxi('instruction_id_goto_table')), 'instruction_id_goto_table');
  t.ok(b.subarray(76, 80).equals(loxi('action_id_output')), 'action_id_output');
});

t.test('encodeTableFeatures() pads each property to 8 and counts the pad only in the table length', async (t) => {
  const tf: TableFeatures = {
    table_id: 3,
    name: 'x',
    metadata_match: 0xffn,
    metadata_write: 1n,
    config: 3,
    max_entries: 1000,
    properties: [
      { type: OFPTFPT.NEXT_TABLES_MISS, table_ids: [4, 5, 6] },
      { type: OFPTFPT.EXPERIMENTER_MISS, experimenter: 0x2320, exp_type: 9, data: hex('01') },
    ],
  };
  const want = hex(`
    0058 03 0000000000  78 ${'00'.repeat(31)}
    00000000000000ff 0000000000000001 00000003 000003e8
    0003 0007 040506 00
    ffff 000d 00002320 00000009 01 000000`);
  t.ok(encodeAll([tf]).equals(want), 'struct ofp_table_features, 88 bytes');
  t.same(decodeTableFeaturesList(Reader.of(want)), [tf], 'and back');
});

/* ------------------------------------------------------------ errors */

/**
 * Each malformed table, read as a reply (the body's OFPBRC_BAD_LEN) and as
 * a request (a reader raising OFPTFFC_BAD_LEN, as multipart.ts carves it).
 */
const LEN_CASES: Array<[string, Buffer, RegExp]> = [
  ['length < 64', table('', 56), /length 56 < 64/],
  ['length 0', table('', 0), /length 0 < 64/],
  ['length not a multiple of 8', table('0002 0005 01 000000', 69), /not a multiple of 8/],
  ['length past the body', table('', 72), /runs past the body/],
  ['a property length < 4', table('0002 0002 00000000'), /property length 2 < 4/],
  ['a property past the table', table('0002 0014 01020304 05060708 090a0b0c'), /runs past its table/],
  ['zeros after the last property', table('0002 0004 00000000 00000000 00000000'), /property length 0 < 4/],
  ['an instruction id len < 4', table('0000 000c 0001 0002 00000000 00000000'), /id length 2 < 4/],
  ['an instruction id past its property', table('0000 0008 0001 0008'), /id length 8 runs past its property/],
  ['half an instruction id', table('0000 0006 0001 0000'), /truncated instruction\/action id/],
  ['half an action id', table('0004 000a 0000 0004 0000 000000000000'), /truncated instruction\/action id/],
  ['an experimenter property of 8 bytes', table('fffe 0008 00002320'), /experimenter table feature property length 8 < 12/],
  ['half an OXM id', table('0008 000a 80000004 0000 000000000000'), /need 4 bytes, have 2/],
  ['an experimenter OXM id without its experimenter', table('0008 0008 ffff0004'), /need 4 bytes, have 0/],
];

t.test("decodeTableFeatures() raises the reader's BAD_LEN for each length problem", async (t) => {
  for (const [what, b, detail] of LEN_CASES) {
    throwsOfp(t, () => decodeTableFeaturesList(Reader.of(b)), OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `reply: ${what}`, detail);
    const r = new Reader(b, 0, b.length, OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN);
    throwsOfp(t, () => decodeTableFeaturesList(r), OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN, `request: ${what}`, detail);
  }
});

t.test('decodeTableFeatures() rejects an unknown property type with OFPTFFC_BAD_TYPE', async (t) => {
  for (const type of [9, 11, 16, 0x8000, 0xfffd]) {
    const b = table(`${type.toString(16).padStart(4, '0')} 0004 00000000`);
    for (const r of [Reader.of(b), new Reader(b, 0, b.length, OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN)]) {
      throwsOfp(t, () => decodeTableFeaturesList(r), OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_TYPE, `property type ${type}`);
    }
  }
});

t.test('decodeTableFeaturesList() takes an empty body as no tables', async (t) => {
  t.same(decodeTableFeaturesList(Reader.of(Buffer.alloc(0))), []);
});
