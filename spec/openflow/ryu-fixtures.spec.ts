/**
 * The codec against Ryu's OpenFlow 1.3 test data (fixtures/ryu, see its
 * SOURCE.md): binary messages recorded from three other encoders (the
 * Erlang of_protocol, Open vSwitch's libofproto, ovs-ofctl), each with
 * Ryu's JSON reading of it.
 *
 * For every `packet-data-of13/X.packet`:
 *   (a) decodeMessage accepts it;
 *   (b) encodeMessage gives back exactly the same bytes;
 *   (c) the decoded value equals Ryu's JSON `json-of13/X.json`, mapped to
 *       our form by spec/helpers/ryu-json.ts, field by field; the mapping
 *       also checks Ryu's own length fields and that nothing Ryu reports is
 *       left unmapped.
 * And (d): the first 64 bytes of libofproto's flow_mod are rejected with
 * OFPET_BAD_REQUEST / OFPBRC_BAD_LEN.
 *
 * JSON files with no packet are Ryu's ofctl library's messages
 * (`lib-ofctl-*`): Ryu checks only JSON → message → JSON for them. Here
 * they are mapped (which checks the mapping's consistency), then encoded and
 * decoded by our codec; that is not an independent check of the bytes, and
 * the test names say so.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage, encodeMessage, OfpError, OFPBRC, OFPET, OFPT } from '../../lib/openflow/index.js';
import type { OfpMessage } from '../../lib/openflow/index.js';
import { FIXTURES } from '../helpers/paths.js';
import { comparable, mapRyuMessage, NOT_INDEPENDENTLY_CHECKED, readRyuJson, ryuTruncated } from '../helpers/ryu-json.js';

const PACKETS = join(FIXTURES, 'ryu', 'packet-data-of13');
const JSONS = join(FIXTURES, 'ryu', 'json-of13');

const packetNames = readdirSync(PACKETS)
  .filter((f) => f.endsWith('.packet'))
  .map((f) => f.slice(0, -'.packet'.length))
  .sort();
const jsonNames = readdirSync(JSONS)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

/** Packets with no JSON beside them: none, today. */
const PACKETS_WITHOUT_JSON: readonly string[] = [];

/** JSON files with no packet: Ryu's ofctl library's requests, and the truncated flow_mod of (d). */
const JSON_WITHOUT_PACKET: readonly string[] = [
  'lib-ofctl-ofp_group_stats_request.packet',
  'lib-ofctl-ofp_meter_config_request.packet',
  'lib-ofctl-ofp_meter_stats_request.packet',
  'lib-ofctl-ofp_port_stats_request.packet',
  'lib-ofctl-ofp_queue_get_config_request.packet',
  'lib-ofctl-ofp_queue_stats_request.packet1',
  'lib-ofctl-ofp_queue_stats_request.packet2',
  'lib-ofctl-ofp_queue_stats_request.packet3',
  'lib-ofctl-ofp_table_features_request.packet',
  'libofproto-OFP13-flow_mod.packet.truncated64',
];

/** Bytes as lines of 16, so that a failed comparison points at the line. */
const hexLines = (b: Buffer): string[] =>
  Array.from({ length: Math.ceil(b.length / 16) }, (_, i) =>
    `${(i * 16).toString(16).padStart(4, '0')}: ${b.subarray(i * 16, i * 16 + 16).toString('hex').replace(/(..)/g, '$1 ').trim()}`,
  );

/** `Header.version` is optional in our form and means 4 when absent (types.ts). */
const withVersion = (m: OfpMessage): OfpMessage => ({ ...m, version: m.version ?? 4 });

t.test('the fixture set is the one described above', async (t) => {
  t.equal(packetNames.length, 104, 'packets');
  t.equal(jsonNames.length, 114, 'JSON files');
  t.strictSame(
    packetNames.filter((n) => !jsonNames.includes(`${n}.packet`)),
    PACKETS_WITHOUT_JSON,
    'packets without JSON',
  );
  t.strictSame(
    jsonNames.filter((n) => !packetNames.includes(n.replace(/\.packet$/, ''))),
    JSON_WITHOUT_PACKET,
    'JSON without packets',
  );
  t.comment("Ryu fields not independently checked:\n- " + NOT_INDEPENDENTLY_CHECKED.join('\n- '));
});

for (const name of packetNames) {
  if (PACKETS_WITHOUT_JSON.includes(name)) continue;
  t.test(`ryu ${name}: decodes, round-trips and matches Ryu's JSON`, async (t) => {
    const packet = readFileSync(join(PACKETS, `${name}.packet`));
    const ryu = mapRyuMessage(readRyuJson(join(JSONS, `${name}.packet.json`)), packet);
    t.strictSame(ryu.problems, [], `Ryu's ${ryu.ryuClass} is consistent with itself and with the packet`);

    let decoded: OfpMessage;
    try {
      decoded = decodeMessage(packet);
    } catch (e) {
      t.fail(`(a) decodeMessage throws ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    t.pass('(a) decodeMessage accepts it');

    let encoded: Buffer | undefined;
    try {
      encoded = encodeMessage(decoded);
    } catch (e) {
      t.fail(`(b) encodeMessage throws ${e instanceof Error ? e.message : String(e)}`);
    }
    if (encoded) t.strictSame(hexLines(encoded), hexLines(packet), '(b) encodeMessage gives back the same bytes');

    t.strictSame(comparable(withVersion(decoded)), comparable(ryu.message), `(c) the decoded value is Ryu's ${ryu.ryuClass}`);
  });
}

for (const name of JSON_WITHOUT_PACKET) {
  if (name.endsWith('.truncated64')) continue;
  t.test(`ryu ${name} (JSON only): maps, and our codec encodes and decodes it back (no recorded bytes to compare)`, async (t) => {
    const ryu = mapRyuMessage(readRyuJson(join(JSONS, `${name}.json`)));
    t.strictSame(ryu.problems, [], `Ryu's ${ryu.ryuClass} is consistent with itself`);
    const bytes = encodeMessage(ryu.message);
    t.equal(bytes.length, ryu.size, 'encodes to the size the spec gives');
    t.strictSame(comparable(withVersion(decodeMessage(bytes))), comparable(ryu.message), 'decodes to the same value');
  });
}

t.test('ryu libofproto-OFP13-flow_mod.packet.truncated64: the first 64 bytes of a flow_mod are OFPBRC_BAD_LEN', async (t) => {
  const full = readFileSync(join(PACKETS, 'libofproto-OFP13-flow_mod.packet'));
  const cut = full.subarray(0, 64);
  // Ryu's verdict: an OFPTruncatedMessage holding the part of the flow_mod
  // it could read (the fixed fields and the match's first field). The spec
  // gives no partial messages: ofp_header.length (here the full message's)
  // is more than the 64 bytes there are, which §7.4.4 answers with
  // OFPET_BAD_REQUEST / OFPBRC_BAD_LEN ("wrong length for type").
  const ryu = ryuTruncated(readRyuJson(join(JSONS, 'libofproto-OFP13-flow_mod.packet.truncated64.json')));
  t.equal(ryu?.ryuClass, 'OFPFlowMod', "Ryu's JSON calls it a truncated OFPFlowMod");
  t.equal(cut[1], OFPT.FLOW_MOD, 'the bytes are a flow_mod');
  t.equal(cut.readUInt16BE(2), full.length, 'whose header still announces the full length');
  t.ok(cut.readUInt16BE(2) > cut.length, 'more than the 64 bytes given');

  let thrown: unknown;
  try {
    decodeMessage(cut);
  } catch (e) {
    thrown = e;
  }
  t.ok(thrown instanceof OfpError, `decodeMessage throws an OfpError (got ${String(thrown)})`);
  if (thrown instanceof OfpError) {
    t.equal(thrown.type, OFPET.BAD_REQUEST, 'type OFPET_BAD_REQUEST');
    t.equal(thrown.code, OFPBRC.BAD_LEN, 'code OFPBRC_BAD_LEN');
  }
});
