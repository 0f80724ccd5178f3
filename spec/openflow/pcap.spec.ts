/**
 * The codec against a real capture (fixtures/pcap/of13_ericsson.messages.json,
 * extracted from tcpdump's of13_ericsson.pcapng by
 * scripts/extract-pcap-messages). The message types come from tshark's
 * OpenFlow dissector, an implementation independent of ours.
 *
 * Every OpenFlow 1.3 message must decode to the type tshark saw (and, for
 * multipart messages, the same multipart type) and re-encode to the bytes on
 * the wire. The capture also holds two OpenFlow 1.0 messages from a
 * controller that spoke only 1.0: its HELLO must decode (version negotiation,
 * §6.3.1, needs it) and its FEATURES_REQUEST must be refused with
 * OFPET_BAD_REQUEST/OFPBRC_BAD_VERSION (§7.4.4: "the version ... is not
 * supported").
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage, encodeMessage, OFPBRC, OFPET, OFPT, OfpError } from '../../lib/openflow/index.js';
import type { OfpMessage } from '../../lib/openflow/index.js';
import { FIXTURES } from '../helpers/paths.js';

interface CapturedMessage {
  stream: number;
  from: 'controller' | 'switch';
  frame: number;
  version: number;
  hex: string;
  tshark_type: number;
  tshark_mp_type?: number;
}

const messages = JSON.parse(
  readFileSync(join(FIXTURES, 'pcap', 'of13_ericsson.messages.json'), 'utf8'),
) as CapturedMessage[];

/**
 * Messages whose captured bytes hold non-zero padding. The spec asks for
 * zeros (§7.2.3.1, struct ofp_match: "Exactly ((length + 7)/8*8 - length)
 * (between 0 and 7) bytes of all-zero bytes"); the capturing switch sent
 * leftovers. A decoder may ignore padding and an encoder must write zeros,
 * so the re-encoding must equal the capture with these byte ranges
 * ([start, end) offsets in the message, found by decoding by hand) zeroed,
 * and nothing else changed.
 */
const NONZERO_PADDING: Record<number, { ranges: [number, number][]; why: string }> = {
  81: {
    ranges: [
      [74, 80],
      [156, 160],
    ],
    why:
      'flow stats reply: entry 1 (offset 16) has a 10-byte match at 64, pad 74..79 = b8 b8 2a 7f 00 00; ' +
      'entry 2 (offset 88) has a 20-byte match at 136, pad 156..159 = 2a 7f 00 00',
  },
};

const label = (m: CapturedMessage): string =>
  `stream ${m.stream} frame ${m.frame} ${m.from} ${OFPT[m.tshark_type] ?? m.tshark_type}` +
  (m.tshark_mp_type === undefined ? '' : `/mp ${m.tshark_mp_type}`);

t.test('the capture holds what SOURCE.md says', async (t) => {
  t.equal(messages.length, 103, 'messages');
  t.equal(messages.filter((m) => m.version === 4).length, 101, 'OpenFlow 1.3 messages');
  // Every OFPT type of OpenFlow 1.3 is in it.
  const types = new Set(messages.filter((m) => m.version === 4).map((m) => m.tshark_type));
  t.same([...types].sort((a, b) => a - b), [...Array(30).keys()], 'all 30 message types');
});

for (const m of messages) {
  const bytes = Buffer.from(m.hex, 'hex');

  if (m.version !== 4) {
    t.test(`${label(m)} (OpenFlow 0x${m.version.toString(16).padStart(2, '0')})`, async (t) => {
      if (m.tshark_type === OFPT.HELLO) {
        const msg = decodeMessage(bytes);
        t.match(msg, { type: OFPT.HELLO, version: m.version, xid: bytes.readUInt32BE(4) });
        t.equal(encodeMessage(msg).toString('hex'), m.hex, 're-encodes');
      } else {
        t.throws(() => decodeMessage(bytes), { name: 'OfpError', type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_VERSION }, 'BAD_VERSION');
      }
    });
    continue;
  }

  t.test(`${label(m)} decodes as tshark did and re-encodes`, async (t) => {
    let msg: OfpMessage;
    try {
      msg = decodeMessage(bytes);
    } catch (e) {
      t.fail(`decodeMessage threw ${e instanceof OfpError ? e.message : String(e)}`);
      return;
    }
    t.equal(msg.type, m.tshark_type, 'type as tshark decoded it');
    if (m.tshark_mp_type !== undefined) {
      t.equal((msg as { mp_type?: number }).mp_type, m.tshark_mp_type, 'multipart type as tshark decoded it');
    }
    t.equal(msg.xid, bytes.readUInt32BE(4), 'xid');
    let out: Buffer;
    try {
      out = encodeMessage(msg);
    } catch (e) {
      t.fail(`encodeMessage threw ${String(e)}`);
      return;
    }
    const pad = NONZERO_PADDING[m.frame];
    if (pad) {
      const zeroed = Buffer.from(bytes);
      for (const [a, b] of pad.ranges) zeroed.fill(0, a, b);
      t.equal(out.toString('hex'), zeroed.toString('hex'), `identical bytes, but zeros for the padding (${pad.why})`);
    } else {
      t.equal(out.toString('hex'), m.hex, 'identical bytes');
    }
  });
}
