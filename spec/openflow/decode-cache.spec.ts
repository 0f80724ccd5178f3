/**
 * decodeMessage(buf, cache) (decode-cache.ts) against decodeMessage(buf):
 * the same message, field for field, or the same error, for random valid
 * FLOW_MODs (fast-check arbitraries built to types.ts, not from the codec)
 * and for FLOW_MODs with random bytes overwritten — through one cache that
 * has seen every earlier input, so hits, misses and failed decodes mix. And
 * what the cache is for: equal instruction bytes and equal small exact
 * fields give one shared object; a list whose decode failed is not kept.
 */
import t from 'tap';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { decodeMessage, encodeMessage, OfpError, OFPAT, OFPIT, OFPT, type Experimenter, type FlowMod, type OfpMessage } from '../../lib/openflow/index.js';
import { DecodeCache } from '../../lib/openflow/decode-cache.js';
import { MESSAGES } from '../helpers/of-arbitraries.js';

type Outcome = { msg: OfpMessage } | { err: string };

function outcome(b: Buffer, cache?: DecodeCache): Outcome {
  try {
    return { msg: decodeMessage(b, cache) };
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    return { err: `${e.type}/${e.code}` };
  }
}

const flowMods = MESSAGES.FLOW_MOD!.map((m) => Buffer.from(encodeMessage(m)));

t.test('with a cache, every FLOW_MOD decodes to the same value or the same error as without', async (t) => {
  const cache = new DecodeCache();
  const edited = fc.tuple(flowMods, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([b, edits]) => {
    const c = Buffer.from(b);
    for (const [at, v] of edits) c[8 + (at % (c.length - 8))] = v;
    return c;
  });
  let errors = 0;
  for (const [what, arb] of [
    ['valid', flowMods],
    ['edited', edited],
  ] as const) {
    fc.assert(
      fc.property(arb, (b) => {
        const plain = outcome(b);
        // Twice: the second decode is served from what the first left in the cache.
        const first = outcome(b, cache);
        const second = outcome(b, cache);
        if ('err' in plain) errors++;
        return isDeepStrictEqual(plain, first) && isDeepStrictEqual(plain, second);
      }),
      { numRuns: 1500 },
    );
    t.pass(`${what} flow_mods`);
  }
  t.ok(errors > 0, `some edited flow_mods were refused (${errors})`);
});

function flowMod(port: number, ipDst: string, inPort: number): Buffer {
  const fm: FlowMod = {
    type: OFPT.FLOW_MOD,
    xid: 1,
    cookie: 0n,
    cookie_mask: 0n,
    table_id: 0,
    command: 0,
    idle_timeout: 0,
    hard_timeout: 0,
    priority: 100,
    buffer_id: 0xffffffff,
    out_port: 0xffffffff,
    out_group: 0xffffffff,
    flags: 0,
    match: [
      { field: 'in_port', value: inPort },
      { field: 'eth_type', value: 0x0800 },
      { field: 'ipv4_dst', value: ipDst },
    ],
    instructions: [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port, max_len: 0 }] }],
  };
  return Buffer.from(encodeMessage(fm));
}

t.test('equal instruction bytes and equal small exact fields decode to one shared object', async (t) => {
  const cache = new DecodeCache();
  const a = decodeMessage(flowMod(2, '10.0.0.1', 1), cache) as FlowMod;
  const b = decodeMessage(flowMod(2, '10.0.0.2', 1), cache) as FlowMod;
  const c = decodeMessage(flowMod(3, '10.0.0.3', 4), cache) as FlowMod;
  t.equal(a.instructions, b.instructions, 'same actions: the same list');
  t.not(a.instructions, c.instructions, 'other actions: another list');
  t.equal(a.match[0], b.match[0], 'in_port=1 shared');
  t.equal(a.match[1], c.match[1], 'eth_type=0x0800 shared');
  t.not(a.match[0], c.match[0], 'in_port=4 is not in_port=1');
  t.not(a.match[2], b.match[2], 'ipv4_dst is decoded per message');
  t.same(c.match[0], { field: 'in_port', value: 4 });
  const fresh = decodeMessage(flowMod(2, '10.0.0.1', 1)) as FlowMod;
  t.not(fresh.instructions, a.instructions, 'without a cache every decode is fresh');
});

t.test('an instruction list that fails to decode is not kept', async (t) => {
  const cache = new DecodeCache();
  const bad = flowMod(2, '10.0.0.1', 1);
  // The output action's length (at the end of the message: 16-byte action after the 8-byte instruction header) made 12.
  bad.writeUInt16BE(12, bad.length - 16 + 2);
  const expectErr = outcome(bad);
  t.ok('err' in expectErr, 'refused without a cache');
  t.same(outcome(bad, cache), expectErr, 'refused with it');
  t.same(outcome(bad, cache), expectErr, 'and again: the failure was not cached');
  const good = decodeMessage(flowMod(2, '10.0.0.1', 1), cache) as FlowMod;
  t.same(good.instructions, [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: 2, max_len: 0 }] }]);
});

t.test('a buffer edited after a cached decode decodes as its new bytes', async (t) => {
  const cache = new DecodeCache();
  const buf = flowMod(2, '10.0.0.1', 1);
  decodeMessage(buf, cache);
  // The same buffer, now carrying output:3 (the port is the output action's bytes 4..8, 16 from the end).
  buf.writeUInt32BE(3, buf.length - 16 + 4);
  const again = decodeMessage(buf, cache) as FlowMod;
  t.same(again.instructions, (decodeMessage(buf) as FlowMod).instructions, 'the edited bytes decode as themselves');
  t.same(again.instructions, [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: 3, max_len: 0 }] }]);
  const first = decodeMessage(flowMod(2, '10.0.0.9', 1), cache) as FlowMod;
  t.same(first.instructions, [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: 2, max_len: 0 }] }], 'and the first bytes still find their list');
});

t.test('small field values of many codes and past the arrays\' budget decode to the same values as without a cache', async (t) => {
  const cache = new DecodeCache();
  // tcp_dst, udp_dst, tcp_src, udp_src, eth_type, vlan_vid, sctp_src, sctp_dst, arp_op, ipv6_exthdr, mpls_label values below 2^16.
  const codes = ['tcp_dst', 'tcp_src', 'udp_dst', 'udp_src', 'sctp_src', 'sctp_dst', 'eth_type', 'arp_op', 'mpls_label', 'ipv6_exthdr', 'pbb_isid'] as const;
  let shared = 0;
  for (const field of codes) {
    for (const value of [0, 1, 255, 256, 4096, 65535]) {
      const fm: FlowMod = { ...(decodeMessage(flowMod(1, '10.0.0.1', 1)) as FlowMod), match: [{ field, value }], xid: 1 };
      const b = Buffer.from(encodeMessage(fm));
      const x = decodeMessage(b, cache) as FlowMod;
      const y = decodeMessage(b, cache) as FlowMod;
      t.same(x, decodeMessage(b), `${field}=${value}`);
      if (x.match[0] === y.match[0]) shared++;
    }
  }
  t.equal(shared, codes.length * 6, 'each decoded once, then shared');
});

t.test('an EXPERIMENTER decoded with a cache (a switch) has its body as a view of the message, without one a copy', async (t) => {
  const b = Buffer.from(
    encodeMessage({ type: OFPT.EXPERIMENTER, xid: 9, experimenter: 0x4f4e4600, exp_type: 2301, data: Buffer.from('0000000100000001aabbccdd', 'hex') }),
  );
  const viewed = decodeMessage(b, new DecodeCache()) as Experimenter;
  const copied = decodeMessage(b) as Experimenter;
  t.same(viewed, copied, 'the same message');
  b[b.length - 1] = 0xee;
  t.equal(viewed.data[viewed.data.length - 1], 0xee, 'with a cache: a view of the bytes');
  t.equal(copied.data[copied.data.length - 1], 0xdd, 'without: a copy');
});
