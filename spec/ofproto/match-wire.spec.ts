/**
 * A rule keeps its match encoded (Rule.matchWire), not decoded: from a
 * bundled flow_mod's own bytes when they are what the codec would write
 * (oxm.ts lastCanonicalMatch), else encoded once. Held here against the
 * codec: the kept bytes are encodeMatch's for the match as decoded from the
 * message, whichever way the rule was made (a flow_mod, or a bundled ADD
 * prepared when added, with canonical bytes, with padding that is not
 * zero, with fields the decoder's shortcuts do not take); `match` gives
 * back the decoded match; flow stats, FLOW_REMOVED and a MODIFY's
 * successor carry it unchanged.
 */
import t from 'tap';
import {
  decodeMessage,
  encodeMatch,
  encodeMessage,
  encodeMultipartReplies,
  OFPFC,
  OFPFF,
  OFPMP,
  OFPRR,
  OFPT,
  type Experimenter,
  type FlowMod,
  type FlowRemoved,
  type FlowStats,
  type Match,
  type MultipartReply,
} from '../../lib/openflow/index.js';
import { DecodeCache } from '../../lib/openflow/decode-cache.js';
import { decodeMatch, lastCanonicalMatch } from '../../lib/openflow/oxm.js';
import { Reader } from '../../lib/openflow/reader.js';
import { Writer } from '../../lib/openflow/writer.js';
import { OFPBCT, OFPBF, ONF_EXPERIMENTER, ONFT_BUNDLE_ADD_MESSAGE, ONFT_BUNDLE_CONTROL } from '../../lib/ofproto/bundles.js';
import type { Rule } from '../../lib/ofproto/rule.js';
import { add, ALL_FLOWS, apply, f, flowMod, handle, multipart, output, testBridge } from './util.js';

const FLAGS = OFPBF.ATOMIC | OFPBF.ORDERED;

function control(id: number, type: OFPBCT): Experimenter {
  const data = Buffer.alloc(8);
  data.writeUInt32BE(id, 0);
  data.writeUInt16BE(type, 4);
  data.writeUInt16BE(FLAGS, 6);
  return { type: OFPT.EXPERIMENTER, xid: 1, experimenter: ONF_EXPERIMENTER, exp_type: ONFT_BUNDLE_CONTROL, data };
}

/** A BUNDLE_ADD_MESSAGE carrying `inner`'s bytes, with its match padding set to `pad` (the decoder ignores padding). */
function addMsg(id: number, inner: FlowMod, pad = 0): Experimenter {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(id, 0);
  head.writeUInt16BE(FLAGS, 6);
  const body = Buffer.from(encodeMessage({ ...inner, xid: 5 }));
  const length = body.readUInt16BE(48 + 2);
  body.fill(pad, 48 + length, 48 + ((length + 7) & ~7));
  return { type: OFPT.EXPERIMENTER, xid: 5, experimenter: ONF_EXPERIMENTER, exp_type: ONFT_BUNDLE_ADD_MESSAGE, data: Buffer.concat([head, body]) };
}

/** The codec's bytes for `m`. */
function codec(m: Match): Buffer {
  const w = new Writer();
  encodeMatch(w, m);
  return w.take();
}

/** `fm`'s match as the switch receives it: decoded from the message's bytes. */
const received = (fm: FlowMod): Match => (decodeMessage(Buffer.from(encodeMessage(fm))) as FlowMod).match;

const MATCHES: [string, Match][] = [
  ['exact integer fields and an IPv4 address (the decoder\'s shortcuts)', [f('in_port', 1), f('eth_type', 0x0800), f('ip_proto', 6), f('ipv4_dst', '10.1.2.3'), f('tcp_dst', 80)]],
  ['a masked IPv4 address', [f('eth_type', 0x0800), f('ipv4_src', '10.1.0.0', '255.255.0.0')]],
  ['an IPv6 address', [f('eth_type', 0x86dd), f('ipv6_dst', '2001:db8::1')]],
  ['a masked MAC and a VLAN', [f('eth_dst', '01:00:00:00:00:00', '01:00:00:00:00:00'), f('vlan_vid', 0x1005)]],
  ['masked metadata', [f('metadata', 5n << 32n, 0xffffffff00000000n)]],
  ['nothing', []],
];

function rulesOf(b: ReturnType<typeof testBridge>['bridge']): Rule[] {
  return [...b.table(0)!.rules()];
}

for (const [what, match] of MATCHES) {
  t.test(`${what}: the codec's bytes, a flow_mod or bundled`, async (t) => {
    const fm = add(match, [apply(output(2))], { priority: 7 });
    const expected = codec(received(fm));
    for (const [how, pad] of [
      ['flow_mod', -1],
      ['bundled', 0],
      ['bundled, padding not zero', 0xff],
    ] as const) {
      const tb = testBridge();
      const b = tb.bridge;
      if (pad < 0) handle(b, decodeMessage(Buffer.from(encodeMessage(fm))));
      else {
        handle(b, control(1, OFPBCT.OPEN_REQUEST));
        handle(b, addMsg(1, fm, pad));
        handle(b, control(1, OFPBCT.COMMIT_REQUEST));
      }
      const [rule] = rulesOf(b);
      t.ok(Buffer.from(rule!.matchWire, 'latin1').equals(expected), `${how}: kept bytes are encodeMatch's`);
      t.same(rule!.match, received(fm), `${how}: match decodes back`);
      const [reply] = handle(b, multipart({ mp_type: OFPMP.FLOW, body: { ...ALL_FLOWS } })) as MultipartReply[];
      const body = reply!.body as FlowStats[];
      const wire = Buffer.concat(encodeMultipartReplies(reply!).map((x) => Buffer.from(x)));
      const generic = Buffer.concat(encodeMultipartReplies({ ...reply!, body: [...body] } as MultipartReply).map((x) => Buffer.from(x)));
      t.ok(wire.equals(generic), `${how}: flow stats bytes are the codec's`);
      t.ok(wire.includes(expected), `${how}: and carry the match`);
    }
  });
}

t.test('FLOW_REMOVED and a MODIFY\'s successor carry the match as received', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  const removed: Omit<FlowRemoved, 'xid'>[] = [];
  b.onAsync((e) => {
    if (e.kind === 'flow-removed') removed.push(e.msg);
  });
  const match = MATCHES[1]![1];
  const fm = add(match, [apply(output(2))], { flags: OFPFF.SEND_FLOW_REM });
  handle(b, control(1, OFPBCT.OPEN_REQUEST));
  handle(b, addMsg(1, fm));
  handle(b, control(1, OFPBCT.COMMIT_REQUEST));
  const before = rulesOf(b)[0]!;
  handle(b, flowMod(OFPFC.MODIFY_STRICT, match, [apply(output(3))]));
  const after = rulesOf(b)[0]!;
  t.not(after, before, 'a MODIFY makes a new rule');
  t.equal(after.matchWire, before.matchWire, 'with the same match bytes');
  handle(b, flowMod(OFPFC.DELETE, []));
  t.equal(removed.length, 1);
  t.equal(removed[0]!.reason, OFPRR.DELETE);
  t.same(removed[0]!.match, received(fm), 'FLOW_REMOVED has the match as received');
});

t.test('which decoded matches count as their own encoding', async (t) => {
  const cache = new DecodeCache();
  const decode = (bytes: Buffer): Match => decodeMatch(new Reader(bytes, 0, bytes.length), cache);
  const shortcut = codec(MATCHES[0]![1]);
  const m = decode(shortcut);
  t.equal(lastCanonicalMatch(), m, 'exact integer fields and an IPv4 address: yes');
  const padded = Buffer.from(shortcut);
  padded[padded.length - 1] = 1;
  decode(padded);
  t.equal(lastCanonicalMatch(), null, 'padding that is not zero: no');
  for (const [what, match] of MATCHES.slice(1, 5)) {
    decode(codec(match));
    t.equal(lastCanonicalMatch(), null, `${what}: no (encoded again)`);
  }
  decodeMatch(Reader.of(shortcut));
  t.equal(lastCanonicalMatch(), null, 'decoded without a cache: no');
});
