/**
 * Multipart bodies against other projects' bytes.
 *
 * Every MULTIPART_REQUEST / _REPLY among Ryu's binary fixtures (written by an
 * Erlang encoder) and LoxiGen's hex fixtures must decode and re-encode to the
 * same bytes, and a few decoded values are checked against Ryu's own JSON
 * reading of the same files. Then: truncation at every byte, each error case
 * on a hand-made body, flowgrammable's torture files, splitting a big reply
 * into REPLY_MORE parts, and the encoding speed of a 1,000-flow reply.
 */
import t from 'tap';
import type { Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OFPAT, OFPGT, OFPIT, OFPMBT, OFPMP, OFPT } from '../../lib/openflow/constants.js';
import { OfpError, OFPBMC, OFPBRC, OFPET, OFPTFFC } from '../../lib/openflow/errors.js';
import {
  decodeFlowStats,
  decodeMultipartReplyBody,
  decodeMultipartRequestBody,
  encodeFlowStats,
  encodeMultipartReplyBody,
  encodeMultipartRequestBody,
  OFP_MULTIPART_HEADER_LEN,
  splitMultipartReply,
} from '../../lib/openflow/multipart.js';
import { Reader } from '../../lib/openflow/reader.js';
import type { FlowStats, MultipartReplyBody, MultipartRequestBody, TableStats } from '../../lib/openflow/types.js';
import { Writer } from '../../lib/openflow/writer.js';
import { SHARED } from '../helpers/paths.js';

type Kind = 'request' | 'reply';
type Body = MultipartRequestBody | MultipartReplyBody;

const RYU_BIN = join(SHARED, 'fixtures/ryu/packet-data-of13');
const RYU_JSON = join(SHARED, 'fixtures/ryu/json-of13');
const LOXI = join(SHARED, 'fixtures/loxigen-of13');
const TORTURE = join(SHARED, 'fixtures/flowgrammable-of13/rep');

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/* ------------------------------------------------------------- plumbing */

interface Fixture {
  name: string;
  kind: Kind;
  mp_type: number;
  flags: number;
  body: Buffer;
}

/** A whole multipart message split at its 16-byte header, or null for any other message. */
function asMultipart(name: string, msg: Buffer): Fixture | null {
  if (msg.length < OFP_MULTIPART_HEADER_LEN || msg[0] !== 4 || msg.readUInt16BE(2) !== msg.length) return null;
  if (msg[1] !== OFPT.MULTIPART_REQUEST && msg[1] !== OFPT.MULTIPART_REPLY) return null;
  return {
    name,
    kind: msg[1] === OFPT.MULTIPART_REQUEST ? 'request' : 'reply',
    mp_type: msg.readUInt16BE(8),
    flags: msg.readUInt16BE(10),
    body: msg.subarray(OFP_MULTIPART_HEADER_LEN),
  };
}

function decode(kind: Kind, mp_type: number, r: Reader): Body {
  return kind === 'request' ? decodeMultipartRequestBody(mp_type, r) : decodeMultipartReplyBody(mp_type, r);
}

function encode(kind: Kind, b: Body): Buffer {
  const w = new Writer();
  if (kind === 'request') encodeMultipartRequestBody(w, b as MultipartRequestBody);
  else encodeMultipartReplyBody(w, b as MultipartReplyBody);
  return w.take();
}

/** Runs `fn`, which must throw an OfpError of exactly `type`/`code`. */
function throwsOfp(t: Test, fn: () => unknown, type: number, code: number, what: string): void {
  try {
    fn();
    t.fail(`${what}: no error`);
  } catch (e) {
    if (e instanceof OfpError) t.same([e.type, e.code], [type, code], `${what}: ${e.message}`);
    else t.fail(`${what}: threw ${String(e)}, not an OfpError`);
  }
}

/**
 * Ryu's JSON for a fixture. Integers of 16 digits or more are kept as
 * strings, because JSON.parse would round them to doubles.
 */
function ryuJson(file: string): Record<string, unknown> {
  const text = readFileSync(join(RYU_JSON, `${file}.json`), 'utf8').replace(/([:[,]\s*)(\d{16,})(?=\s*[,\]}])/g, '$1"$2"');
  const top = JSON.parse(text) as Record<string, Record<string, unknown>>;
  return Object.values(top)[0]!;
}

/** Unwraps Ryu's `{ClassName: {...}}`. */
const inner = (o: unknown): Record<string, unknown> => Object.values(o as Record<string, unknown>)[0] as Record<string, unknown>;

/**
 * Compares every scalar field of Ryu's object that ours also has (after
 * `rename`), numbers as bigints so that 64-bit counters compare exactly.
 * Requires at least `min` such fields, so that a renamed field cannot
 * silently drop out of the comparison.
 */
function sameScalars(t: Test, ours: object, ryu: Record<string, unknown>, min: number, what: string, rename: Record<string, string> = {}): void {
  const mine = ours as Record<string, unknown>;
  let n = 0;
  for (const [key, want] of Object.entries(ryu)) {
    const k = rename[key] ?? key;
    const got = mine[k];
    if (!['number', 'bigint', 'string'].includes(typeof got) || !['number', 'string'].includes(typeof want)) continue;
    if (typeof got === 'number' || typeof got === 'bigint') t.equal(BigInt(got), BigInt(want as number | string), `${what}.${k}`);
    else t.equal(got, want, `${what}.${k}`);
    n++;
  }
  t.ok(n >= min, `${what}: ${n} fields compared with Ryu's`);
}

/* ------------------------------------------------------------- fixtures */

const ryuFixtures = readdirSync(RYU_BIN)
  .filter((f) => f.endsWith('.packet'))
  .sort()
  .map((f) => asMultipart(f, readFileSync(join(RYU_BIN, f))))
  .filter((f): f is Fixture => f !== null);

const LOXI_FILES = [
  'group_desc_stats_reply',
  'group_stats_reply',
  'meter_config_stats_reply',
  'meter_feature_stats_reply',
  'meter_stats_reply',
];
const loxiFixtures = LOXI_FILES.map((f) => asMultipart(f, hex(readFileSync(join(LOXI, `${f}.hex`), 'utf8'))));

const fixtures = [...ryuFixtures, ...loxiFixtures.filter((f): f is Fixture => f !== null)];
const ryu = (file: string): Fixture => {
  const f = ryuFixtures.find((x) => x.name === file);
  if (!f) throw new Error(`no fixture ${file}`);
  return f;
};
const decoded = (f: Fixture): Body => decode(f.kind, f.mp_type, Reader.of(f.body));
const ryuReply = (file: string): MultipartReplyBody => decodeMultipartReplyBody(ryu(file).mp_type, Reader.of(ryu(file).body));
const ryuRequest = (file: string): MultipartRequestBody => decodeMultipartRequestBody(ryu(file).mp_type, Reader.of(ryu(file).body));

t.test('the fixture set holds every multipart message', async (t) => {
  t.equal(ryuFixtures.length, 31, "Ryu's multipart messages (4-0 ... 4-63)");
  t.equal(loxiFixtures.filter((f) => f !== null).length, LOXI_FILES.length, 'LoxiGen stats replies are whole messages');
  const types = new Set(fixtures.map((f) => `${f.kind} ${f.mp_type}`));
  for (const mp of Object.values(OFPMP).filter((v): v is OFPMP => typeof v === 'number')) {
    t.ok(types.has(`request ${mp}`), `a request of type ${OFPMP[mp]}`);
    t.ok(types.has(`reply ${mp}`), `a reply of type ${OFPMP[mp]}`);
  }
});

t.test('every multipart fixture decodes and re-encodes to the same bytes', async (t) => {
  for (const f of fixtures) {
    const b = decoded(f);
    t.equal(b.mp_type, f.mp_type, `${f.name}: mp_type`);
    t.ok(encode(f.kind, b).equals(f.body), `${f.name}: ${f.body.length}-byte body round-trips`);
  }
});

t.test('every truncation raises OfpError, or is a whole shorter body', async (t) => {
  for (const f of fixtures) {
    const full = decoded(f);
    const entries = 'body' in full && Array.isArray(full.body) ? full.body.length : -1;
    let errors = 0;
    let lists = 0;
    for (let cut = 0; cut < f.body.length; cut++) {
      // The bytes past `cut` stay in the buffer: a decoder reading past its
      // reader would decode them and fail the comparison below.
      let b: Body;
      try {
        b = decode(f.kind, f.mp_type, new Reader(f.body, 0, cut));
      } catch (e) {
        if (!(e instanceof OfpError)) {
          t.fail(`${f.name} cut at ${cut}: threw ${String(e)}`);
          break;
        }
        errors++;
        continue;
      }
      // Cut at an entry boundary, an array body is a valid shorter body;
      // cut in its opaque data, so is an experimenter body.
      const n = 'body' in b && Array.isArray(b.body) ? b.body.length : -1;
      const shorter = f.mp_type === OFPMP.EXPERIMENTER ? cut >= 8 : n >= 0 && n < entries;
      if (!shorter || !encode(f.kind, b).equals(f.body.subarray(0, cut))) {
        t.fail(`${f.name} cut at ${cut}: decoded without error`);
        break;
      }
      lists++;
    }
    t.equal(errors + lists, f.body.length, `${f.name}: ${errors} cuts raise OfpError, ${lists} are shorter bodies`);
  }
});

/* ------------------------------------------------------ Ryu's readings */

t.test("decoded values match Ryu's", async (t) => {
  t.test('desc reply', async (t) => {
    const b = ryuReply('4-0-ofp_desc_reply.packet');
    if (b.mp_type !== OFPMP.DESC) return t.fail('type');
    sameScalars(t, b.body, inner(ryuJson('4-0-ofp_desc_reply.packet').body), 5, 'desc');
  });

  t.test('flow and aggregate stats requests', async (t) => {
    for (const file of ['4-11-ofp_flow_stats_request.packet', '4-25-ofp_aggregate_stats_request.packet']) {
      const b = ryuRequest(file);
      if (b.mp_type !== OFPMP.FLOW && b.mp_type !== OFPMP.AGGREGATE) return t.fail('type');
      sameScalars(t, b.body, ryuJson(file), 5, file);
      t.same(b.body.match, [], `${file}: empty match`);
    }
  });

  t.test('flow stats reply', async (t) => {
    const b = ryuReply('4-12-ofp_flow_stats_reply.packet');
    if (b.mp_type !== OFPMP.FLOW) return t.fail('type');
    const want = (ryuJson('4-12-ofp_flow_stats_reply.packet').body as unknown[]).map(inner);
    t.equal(b.body.length, want.length, 'entries');
    b.body.forEach((f, i) => {
      const w = want[i]!;
      sameScalars(t, f, w, 10, `flow ${i}`);
      t.equal(f.match.length, (inner(w.match).oxm_fields as unknown[]).length, `flow ${i}: match fields`);
      t.equal(f.instructions.length, (w.instructions as unknown[]).length, `flow ${i}: instructions`);
    });
    t.match(b.body[1]!.match[0], { field: 'eth_type', value: 2054 });
    t.match(b.body[1]!.instructions[0], { type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: 0xfffffffa }] });
    t.match(b.body[2]!.instructions[0], { type: OFPIT.GOTO_TABLE, table_id: 1 });
  });

  t.test('aggregate, group features and meter features replies', async (t) => {
    const agg = ryuReply('4-26-ofp_aggregate_stats_reply.packet');
    if (agg.mp_type !== OFPMP.AGGREGATE) return t.fail('type');
    sameScalars(t, agg.body, inner(ryuJson('4-26-ofp_aggregate_stats_reply.packet').body), 3, 'aggregate');

    const gf = ryuReply('4-32-ofp_group_features_reply.packet');
    if (gf.mp_type !== OFPMP.GROUP_FEATURES) return t.fail('type');
    const gfWant = inner(ryuJson('4-32-ofp_group_features_reply.packet').body);
    sameScalars(t, gf.body, gfWant, 2, 'group features');
    t.same(gf.body.max_groups, gfWant.max_groups, 'max_groups');
    t.same(gf.body.actions, gfWant.actions, 'actions');

    // Ryu wraps the one struct ofp_meter_features in a list.
    const mf = ryuReply('4-52-ofp_meter_features_reply.packet');
    if (mf.mp_type !== OFPMP.METER_FEATURES) return t.fail('type');
    sameScalars(t, mf.body, inner((ryuJson('4-52-ofp_meter_features_reply.packet').body as unknown[])[0]), 5, 'meter features');
  });

  t.test('table, port, queue stats and port desc replies', async (t) => {
    const cases: Array<[string, number]> = [
      ['4-28-ofp_table_stats_reply.packet', 4],
      ['4-30-ofp_port_stats_reply.packet', 15],
      ['4-38-ofp_queue_stats_reply.packet', 7],
      ['4-54-ofp_port_desc_reply.packet', 11],
    ];
    for (const [file, fields] of cases) {
      const b = ryuReply(file);
      const want = (ryuJson(file).body as unknown[]).map(inner);
      const got = (b as { body: object[] }).body;
      t.equal(got.length, want.length, `${file}: entries`);
      got.forEach((e, i) => sameScalars(t, e, want[i]!, fields, `${file}[${i}]`));
    }
  });

  t.test('group stats and group desc replies', async (t) => {
    const gs = ryuReply('4-58-ofp_group_stats_reply.packet');
    if (gs.mp_type !== OFPMP.GROUP) return t.fail('type');
    const gsWant = inner((ryuJson('4-58-ofp_group_stats_reply.packet').body as unknown[])[0]);
    sameScalars(t, gs.body[0]!, gsWant, 6, 'group stats');
    sameScalars(t, gs.body[0]!.bucket_stats[0]!, inner((gsWant.bucket_stats as unknown[])[0]), 2, 'bucket counter');

    const gd = ryuReply('4-34-ofp_group_desc_reply.packet');
    if (gd.mp_type !== OFPMP.GROUP_DESC) return t.fail('type');
    const gdWant = inner((ryuJson('4-34-ofp_group_desc_reply.packet').body as unknown[])[0]);
    sameScalars(t, gd.body[0]!, gdWant, 2, 'group desc', { type: 'group_type' });
    t.equal(gd.body[0]!.group_type, OFPGT.ALL);
    const bucket = inner((gdWant.buckets as unknown[])[0]);
    sameScalars(t, gd.body[0]!.buckets[0]!, bucket, 3, 'bucket');
    t.match(gd.body[0]!.buckets[0]!.actions, [{ type: OFPAT.OUTPUT, port: 2, max_len: 65535 }]);
  });

  t.test('meter config and meter stats replies', async (t) => {
    const mc = ryuReply('4-48-ofp_meter_config_reply.packet');
    if (mc.mp_type !== OFPMP.METER_CONFIG) return t.fail('type');
    const mcWant = inner((ryuJson('4-48-ofp_meter_config_reply.packet').body as unknown[])[0]);
    sameScalars(t, mc.body[0]!, mcWant, 2, 'meter config');
    sameScalars(t, mc.body[0]!.bands[0]!, inner((mcWant.bands as unknown[])[0]), 3, 'band');
    t.equal(mc.body[0]!.bands[0]!.type, OFPMBT.DROP);

    const ms = ryuReply('4-50-ofp_meter_stats_reply.packet');
    if (ms.mp_type !== OFPMP.METER) return t.fail('type');
    const msWant = inner((ryuJson('4-50-ofp_meter_stats_reply.packet').body as unknown[])[0]);
    sameScalars(t, ms.body[0]!, msWant, 6, 'meter stats');
    t.equal(ms.body[0]!.band_stats.length, 1, 'one band counter');
  });

  t.test('selector requests', async (t) => {
    const cases: Array<[string, number]> = [
      ['4-29-ofp_port_stats_request.packet', 1],
      ['4-37-ofp_queue_stats_request.packet', 2],
      ['4-47-ofp_meter_config_request.packet', 1],
      ['4-49-ofp_meter_stats_request.packet', 1],
      ['4-57-ofp_group_stats_request.packet', 1],
    ];
    for (const [file, fields] of cases) {
      const b = ryuRequest(file) as { body: object };
      sameScalars(t, b.body, ryuJson(file), fields, file);
    }
  });

  t.test('experimenter request and reply', async (t) => {
    const q = ryuRequest('4-61-ofp_experimenter_request.packet');
    if (q.mp_type !== OFPMP.EXPERIMENTER) return t.fail('type');
    const qWant = ryuJson('4-61-ofp_experimenter_request.packet');
    sameScalars(t, q.body, qWant, 2, 'experimenter request');
    t.equal(q.body.data.toString('base64'), qWant.data);

    const p = ryuReply('4-62-ofp_experimenter_reply.packet');
    if (p.mp_type !== OFPMP.EXPERIMENTER) return t.fail('type');
    const pWant = inner(ryuJson('4-62-ofp_experimenter_reply.packet').body);
    sameScalars(t, p.body, pWant, 2, 'experimenter reply');
    t.equal(p.body.data.toString('base64'), pWant.data);
  });

  t.test('table features reply', async (t) => {
    const b = ryuReply('4-56-ofp_table_features_reply.packet');
    if (b.mp_type !== OFPMP.TABLE_FEATURES) return t.fail('type');
    t.equal(b.body.length, (ryuJson('4-56-ofp_table_features_reply.packet').body as unknown[]).length, 'tables');
    // The rest of table features is in table-features.spec.ts.
  });
});

/* ------------------------------------------------------- error cases */

const zeros = (n: number): string => '00'.repeat(n);
/** struct ofp_match with no fields, padded: type OXM, length 4. */
const EMPTY_MATCH = '0001 0004 00000000';

t.test('decodeMultipartRequestBody() errors', async (t) => {
  const req = (mp: number, body: string) => () => decodeMultipartRequestBody(mp, Reader.of(hex(body)));
  for (const mp of [OFPMP.DESC, OFPMP.TABLE, OFPMP.GROUP_DESC, OFPMP.GROUP_FEATURES, OFPMP.METER_FEATURES, OFPMP.PORT_DESC]) {
    throwsOfp(t, req(mp, zeros(8)), OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `${OFPMP[mp]} request with a body`);
  }
  for (const mp of [OFPMP.PORT_STATS, OFPMP.QUEUE, OFPMP.GROUP, OFPMP.METER, OFPMP.METER_CONFIG]) {
    throwsOfp(t, req(mp, zeros(4)), OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `${OFPMP[mp]} request of 4 bytes`);
    throwsOfp(t, req(mp, zeros(16)), OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `${OFPMP[mp]} request of 16 bytes`);
    throwsOfp(t, req(mp, ''), OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `${OFPMP[mp]} request without body`);
  }
  const flowReq = `ff 000000 ffffffff ffffffff 00000000 ${zeros(16)}`;
  throwsOfp(t, req(OFPMP.FLOW, flowReq), OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'flow request without match');
  throwsOfp(t, req(OFPMP.FLOW, `${flowReq} ${EMPTY_MATCH} ${zeros(8)}`), OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'flow request with bytes after its match');
  throwsOfp(t, req(OFPMP.AGGREGATE, `${flowReq} 0001 0010 00000000`), OFPET.BAD_MATCH, OFPBMC.BAD_LEN, 'aggregate request whose match runs past the body');
  throwsOfp(t, req(OFPMP.EXPERIMENTER, '00002320 000000'), OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'experimenter request of 7 bytes');
  // A request sets table features, so its length problems are OFPTFFC_BAD_LEN.
  throwsOfp(t, req(OFPMP.TABLE_FEATURES, `0038 ${zeros(54)}`), OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN, 'table features request with length 56');
  throwsOfp(t, req(OFPMP.TABLE_FEATURES, `0040 ${zeros(62)} 00`), OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN, 'table features request with a stray byte');
  for (const mp of [14, 0x8000, 0xfffe]) {
    throwsOfp(t, req(mp, ''), OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, `request of unknown type ${mp}`);
  }
  t.same(decodeMultipartRequestBody(OFPMP.TABLE_FEATURES, Reader.of(Buffer.alloc(0))), { mp_type: OFPMP.TABLE_FEATURES, body: [] }, 'an empty table features request reads the features');
});

t.test('decodeMultipartReplyBody() errors', async (t) => {
  const rep = (mp: number, body: string) => () => decodeMultipartReplyBody(mp, Reader.of(hex(body)));
  const badLen = (mp: number, body: string, what: string): void => throwsOfp(t, rep(mp, body), OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, what);

  // Fixed structs must be exactly their size.
  for (const [mp, size] of [[OFPMP.DESC, 1056], [OFPMP.AGGREGATE, 24], [OFPMP.GROUP_FEATURES, 40], [OFPMP.METER_FEATURES, 16]] as const) {
    badLen(mp, zeros(size - 1), `${OFPMP[mp]} reply one byte short`);
    badLen(mp, zeros(size + 8), `${OFPMP[mp]} reply 8 bytes long`);
  }
  badLen(OFPMP.EXPERIMENTER, zeros(7), 'experimenter reply of 7 bytes');

  // Arrays of fixed-size entries must hold whole entries.
  for (const [mp, size] of [[OFPMP.TABLE, 24], [OFPMP.PORT_STATS, 112], [OFPMP.QUEUE, 40], [OFPMP.PORT_DESC, 64]] as const) {
    badLen(mp, zeros(size + 1), `${OFPMP[mp]} reply of one entry and a byte`);
    badLen(mp, zeros(size * 2 - 8), `${OFPMP[mp]} reply of one and a part entries`);
  }

  // Entries with a length field: below the fixed part, past the body, partial counters.
  const flow = (len: number, size: number): string => `${len.toString(16).padStart(4, '0')} ${zeros(46)} ${EMPTY_MATCH} ${zeros(size - 56)}`;
  badLen(OFPMP.FLOW, flow(48, 56), 'flow stats with length 48');
  badLen(OFPMP.FLOW, flow(0, 56), 'flow stats with length 0');
  badLen(OFPMP.FLOW, flow(64, 56), 'flow stats whose length runs past the body');
  badLen(OFPMP.FLOW, `${flow(56, 56)} 00`, 'flow stats followed by a stray byte');
  throwsOfp(t, rep(OFPMP.FLOW, `0038 ${zeros(46)} 0001 0010 00000000`), OFPET.BAD_MATCH, OFPBMC.BAD_LEN, 'flow stats whose match runs past the entry');
  badLen(OFPMP.GROUP, `0020 ${zeros(30)}`, 'group stats with length 32');
  badLen(OFPMP.GROUP, `0030 ${zeros(46)}`, 'group stats with half a bucket counter');
  badLen(OFPMP.GROUP, `0038 ${zeros(46)}`, 'group stats whose length runs past the body');
  badLen(OFPMP.GROUP_DESC, '0004 0000 00000001', 'group desc with length 4');
  badLen(OFPMP.GROUP_DESC, '0010 0000 00000001', 'group desc whose length runs past the body');
  badLen(OFPMP.METER, `00000001 0020 ${zeros(34)}`, 'meter stats with len 32');
  badLen(OFPMP.METER, `00000001 0030 ${zeros(42)}`, 'meter stats with half a band counter');
  badLen(OFPMP.METER, '00000001 00', 'meter stats cut in its len field');
  badLen(OFPMP.METER_CONFIG, '0004 0000 00000001', 'meter config with length 4');
  badLen(OFPMP.METER_CONFIG, '0018 0000 00000001', 'meter config whose length runs past the body');
  // A reply's table-features length problems are the body's OFPBRC_BAD_LEN.
  badLen(OFPMP.TABLE_FEATURES, `0038 ${zeros(54)}`, 'table features reply with length 56');

  for (const mp of [14, 0x8000, 0xfffe]) {
    throwsOfp(t, rep(mp, ''), OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, `reply of unknown type ${mp}`);
  }
});

t.test('decodeFlowStats() reads one entry and moves past it', async (t) => {
  const f = ryu('4-12-ofp_flow_stats_reply.packet');
  const r = Reader.of(f.body);
  const first = decodeFlowStats(r);
  t.equal(r.off, 56, 'after the first, 56-byte entry');
  t.equal(first.priority, 65535);
  const w = new Writer();
  encodeFlowStats(w, first);
  t.ok(w.view().equals(f.body.subarray(0, 56)), 'encodeFlowStats() writes the same entry');
});

/* ------------------------------------------------- flowgrammable torture */

/**
 * Their verdicts are arguable, so only three things are held: nothing but
 * OfpError escapes, whatever decodes re-encodes to its own bytes, and every
 * `.pass` file decodes, except the table-features ones whose
 * ofp_table_features.length leaves out its last property's padding. The
 * spec says that length "is padded to 64 bits", and Open vSwitch rejects
 * these too (len % 8, OFPTFFC_BAD_LEN).
 */
t.test("flowgrammable's multipart torture files", async (t) => {
  const files = readdirSync(TORTURE).filter((f) => /^rep_1[89]_/.test(f)).sort();
  let decodedOk = 0;
  let unpadded = 0;
  let rejected = 0;
  for (const file of files) {
    const f = asMultipart(file, readFileSync(join(TORTURE, file)));
    if (f === null) continue; // a framing problem, the framer's to reject
    const pass = file.endsWith('.pass');
    const isUnpadded = pass && f.mp_type === OFPMP.TABLE_FEATURES && f.body.length >= 2 && f.body.readUInt16BE(0) % 8 !== 0;
    let b: Body;
    try {
      b = decoded(f);
    } catch (e) {
      if (!(e instanceof OfpError)) t.fail(`${file}: threw ${String(e)}`);
      else if (isUnpadded) {
        t.equal(e.code, f.kind === 'request' ? OFPTFFC.BAD_LEN : OFPBRC.BAD_LEN, `${file}: ${e.message}`);
        unpadded++;
      } else if (pass) t.fail(`${file}: ${e.message}`);
      else rejected++;
      continue;
    }
    decodedOk++;
    if (isUnpadded) t.fail(`${file}: decoded a table-features length that is not a multiple of 8`);
    if (!encode(f.kind, b).equals(f.body)) t.fail(`${file}: decoded but does not round-trip`);
  }
  t.ok(decodedOk > 0 && rejected > 0, `${decodedOk} decoded, ${unpadded} unpadded table features rejected, ${rejected} .fail rejected`);
});

/* ------------------------------------------------------------ splitting */

function flowStats(i: number): FlowStats {
  return {
    table_id: i % 4,
    duration_sec: i,
    duration_nsec: (i * 1000) % 1e9,
    priority: 100 + (i % 100),
    idle_timeout: 60,
    hard_timeout: 0,
    flags: 1,
    cookie: BigInt(i) << 32n,
    packet_count: BigInt(i * 3),
    byte_count: BigInt(i * 300),
    match: [
      { field: 'in_port', value: (i % 48) + 1 },
      { field: 'eth_type', value: 0x0800 },
      { field: 'ipv4_dst', value: `10.0.${(i >> 8) & 255}.${i & 255}` },
    ],
    instructions: [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: (i % 47) + 2, max_len: 0 }] }],
  };
}

const tableStats = (n: number): TableStats[] =>
  Array.from({ length: n }, (_, i) => ({ table_id: i, active_count: i, lookup_count: BigInt(i), matched_count: 0n }));

t.test('splitMultipartReply() cuts a big flow reply into messages of at most 65,535 bytes', async (t) => {
  const reply: MultipartReplyBody = { mp_type: OFPMP.FLOW, body: Array.from({ length: 1000 }, (_, i) => flowStats(i)) };
  const whole = encode('reply', reply);
  const w = new Writer();
  const pieces = splitMultipartReply(w, reply);
  t.ok(pieces.length > 1, `${whole.length} bytes make ${pieces.length} messages`);
  t.ok(Buffer.concat(pieces).equals(whole), 'the pieces are the whole body, in order');
  let next = 0;
  for (const [i, p] of pieces.entries()) {
    t.ok(p.length + OFP_MULTIPART_HEADER_LEN <= 65535, `message ${i} is ${p.length + 16} bytes`);
    const b = decodeMultipartReplyBody(OFPMP.FLOW, Reader.of(p));
    if (b.mp_type !== OFPMP.FLOW) return t.fail('type');
    t.same(b.body, reply.body.slice(next, next + b.body.length), `message ${i} holds flows ${next}..${next + b.body.length - 1}`);
    next += b.body.length;
    // Greedy: the next entry would not have fitted.
    if (i < pieces.length - 1) {
      const ew = new Writer();
      encodeFlowStats(ew, reply.body[next]!);
      t.ok(p.length + ew.off + OFP_MULTIPART_HEADER_LEN > 65535, `message ${i} is full`);
    }
  }
  t.equal(next, 1000, 'every flow is sent once');
});

t.test('splitMultipartReply() honours maxBytes and the rest of its contract', async (t) => {
  const w = new Writer();
  const seven: MultipartReplyBody = { mp_type: OFPMP.TABLE, body: tableStats(7) };
  t.same(
    splitMultipartReply(w, seven, 16 + 3 * 24).map((p) => p.length),
    [72, 72, 24],
    '3 table stats per 88-byte message',
  );
  t.same(
    splitMultipartReply(w.reset(), seven, 16 + 3 * 24 + 23).map((p) => p.length),
    [72, 72, 24],
    'no partial entry',
  );
  t.same(splitMultipartReply(w.reset(), seven).length, 1, 'all in one by default');

  w.reset();
  w.bytes(hex('deadbeef'));
  const pieces = splitMultipartReply(w, seven, 16 + 4 * 24);
  t.ok(Buffer.concat(pieces).equals(encode('reply', seven)), 'starts where the writer was');
  t.ok(w.view().subarray(0, 4).equals(hex('deadbeef')), 'leaves what was written before');

  const empty = splitMultipartReply(w.reset(), { mp_type: OFPMP.PORT_DESC, body: [] });
  t.same(empty.map((p) => p.length), [0], 'an empty list is one empty body');

  const desc = splitMultipartReply(w.reset(), {
    mp_type: OFPMP.DESC,
    body: { mfr_desc: 'm', hw_desc: 'h', sw_desc: 's', serial_num: '1', dp_desc: 'd' },
  });
  t.same(desc.map((p) => p.length), [1056], 'a single struct is one piece');

  throwsOfp(t, () => splitMultipartReply(w.reset(), seven, 16 + 23), OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'an entry bigger than a message');
  t.same(
    splitMultipartReply(w.reset(), seven, 1 << 20).length,
    1,
    'maxBytes above 65,535 is capped, not an error',
  );
});

t.test('encodeFlowStats() encodes a 1,000-flow reply in under 2 ms', async (t) => {
  const flows = Array.from({ length: 1000 }, (_, i) => flowStats(i));
  const w = new Writer(1 << 17);
  const run = (): number => {
    const t0 = process.hrtime.bigint();
    w.reset();
    for (const f of flows) encodeFlowStats(w, f);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let i = 0; i < 50; i++) run(); // warm up the JIT
  let best = Infinity;
  for (let i = 0; i < 30; i++) best = Math.min(best, run());
  t.ok(best < 2, `best of 30: ${best.toFixed(3)} ms for ${w.off} bytes`);
});
