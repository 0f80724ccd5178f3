/**
 * Framer: a TCP byte stream in, whole OpenFlow messages out, whatever way the
 * stream is cut into chunks.
 *
 * The streams are recorded messages from other implementations, laid end to
 * end: all Ryu packet-data files (three independent encoders), the whole
 * LoxiGen messages, and each direction of each TCP stream of the
 * of13_ericsson capture. Their message boundaries are known from the files
 * themselves (one message per file, or the capture's extraction), so the
 * expected output owes nothing to the framer under test.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Framer, OFPBRC, OFPET } from '../../lib/openflow/index.js';
import { FIXTURES, SHARED } from '../helpers/paths.js';

/* ------------------------------------------------------------ fixtures */

const RYU_DIR = join(SHARED, 'fixtures', 'ryu', 'packet-data-of13');
const ryu = readdirSync(RYU_DIR)
  .filter((f) => f.endsWith('.packet'))
  .sort()
  .map((f) => readFileSync(join(RYU_DIR, f)));

const LOXI_DIR = join(FIXTURES, 'loxigen-of13');
const loxigen = readdirSync(LOXI_DIR)
  .filter((f) => f.endsWith('.hex'))
  .sort()
  .map((f) => Buffer.from(readFileSync(join(LOXI_DIR, f), 'utf8').replace(/\s+/g, ''), 'hex'))
  .filter((b) => b.length >= 8 && b[0] === 4 && b.readUInt16BE(2) === b.length);

const captured = JSON.parse(readFileSync(join(FIXTURES, 'pcap', 'of13_ericsson.messages.json'), 'utf8')) as {
  stream: number;
  from: string;
  hex: string;
}[];
/** One stream per TCP stream and direction, as the switch or controller received it. */
const pcapStreams = new Map<string, Buffer[]>();
for (const m of captured) {
  const k = `${m.stream}/${m.from}`;
  pcapStreams.set(k, [...(pcapStreams.get(k) ?? []), Buffer.from(m.hex, 'hex')]);
}

const STREAMS: [string, Buffer[]][] = [
  ['Ryu packet-data-of13', ryu],
  ['LoxiGen whole messages', loxigen],
  ...[...pcapStreams].map(([k, msgs]): [string, Buffer[]] => [`of13_ericsson stream ${k}`, msgs]),
];

/* ------------------------------------------------------------- helpers */

/** Feeds the chunks in order, draining after each push; returns every message. */
function frameAll(chunks: Buffer[]): Buffer[] {
  const f = new Framer();
  const out: Buffer[] = [];
  for (const c of chunks) {
    f.push(c);
    for (let m = f.next(); m !== null; m = f.next()) out.push(m);
  }
  return out;
}

/**
 * Compared only after the last push, so a returned buffer is also checked
 * to stay valid while the framer goes on receiving. Buffers, not hex: the
 * split test runs this ~100,000 times on the largest stream.
 */
function sameMessages(got: Buffer[], want: Buffer[]): boolean {
  return got.length === want.length && got.every((g, i) => g.equals(want[i]!));
}

/** The framer's count of held bytes, where the implementation exposes one. */
function buffered(f: Framer): number | undefined {
  const b = (f as unknown as { buffered?: unknown }).buffered;
  return typeof b === 'number' ? b : undefined;
}

/* --------------------------------------------------------------- tests */

t.test('fixture streams are there', async (t) => {
  t.equal(ryu.length, 104, 'Ryu .packet files');
  t.equal(loxigen.length, 25, 'LoxiGen whole messages');
  t.equal(pcapStreams.size, 38, 'capture stream directions');
});

for (const [name, msgs] of STREAMS) {
  const stream = Buffer.concat(msgs);
  const expected = msgs.map((m) => m.toString('hex'));
  const hex = (bufs: Buffer[]): string[] => bufs.map((b) => b.toString('hex'));

  t.test(`Framer on ${name} (${msgs.length} messages, ${stream.length} bytes)`, async (t) => {
    t.same(hex(frameAll([stream])), expected, 'in one chunk');

    // Split at every byte offset into two chunks; the failure output lists
    // the offsets that broke rather than every message.
    const bad: number[] = [];
    for (let at = 0; at <= stream.length; at++) {
      if (!sameMessages(frameAll([stream.subarray(0, at), stream.subarray(at)]), msgs)) bad.push(at);
    }
    t.same(bad, [], `two chunks, split at each of ${stream.length + 1} offsets`);

    const bytes: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1));
    t.same(hex(frameAll(bytes)), expected, 'one byte at a time');

    // Three chunks at pseudo-random offsets, a cheap check that a message
    // spanning more than two chunks is put together right.
    let seed = 0x9e3779b9;
    const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % (n + 1));
    const bad3: string[] = [];
    for (let i = 0; i < 200; i++) {
      const a = rand(stream.length);
      const b = a + rand(stream.length - a);
      const got = frameAll([stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
      if (!sameMessages(got, msgs)) bad3.push(`${a}/${b}`);
    }
    t.same(bad3, [], 'three chunks at 200 pseudo-random offsets');
  });
}

t.test('Framer.next() returns null while a message is incomplete', async (t) => {
  const f = new Framer();
  t.equal(f.next(), null, 'nothing pushed');
  const msg = ryu[0]!;
  f.push(msg.subarray(0, 7));
  t.equal(f.next(), null, 'seven bytes: no header yet');
  f.push(msg.subarray(7, msg.length - 1));
  t.equal(f.next(), null, 'all but the last byte');
  f.push(msg.subarray(msg.length - 1));
  t.equal(f.next()?.toString('hex'), msg.toString('hex'), 'the last byte completes it');
  t.equal(f.next(), null, 'and nothing follows');
  f.push(Buffer.alloc(0));
  t.equal(f.next(), null, 'an empty chunk changes nothing');
});

t.test('Framer with a lying length (65535, then silence) holds one message at most', async (t) => {
  const f = new Framer();
  // A header that announces 65535 bytes: an echo request whose body never comes.
  const header = Buffer.from('0402ffff00000001', 'hex');
  f.push(header);
  t.equal(f.next(), null, 'header alone');
  // The peer trickles 65,526 more bytes in 1 KiB chunks: one byte short.
  const chunk = 1024;
  let sent = header.length;
  let maxHeld = 0;
  let nonNull = 0;
  while (sent < 0xffff - 1) {
    const n = Math.min(chunk, 0xffff - 1 - sent);
    f.push(Buffer.alloc(n, 0x61));
    sent += n;
    if (f.next() !== null) nonNull++;
    maxHeld = Math.max(maxHeld, buffered(f) ?? 0);
  }
  t.equal(nonNull, 0, 'next() stays null until all 65535 bytes are there');
  const held = buffered(f);
  if (held === undefined) {
    t.comment('Framer exposes no byte count; holding is checked only through next()');
  } else {
    t.equal(held, 0xffff - 1, 'holds exactly what arrived');
    t.ok(maxHeld <= 0xffff + chunk, `never more than 65535 + one chunk (max ${maxHeld})`);
  }
  // Then the last byte of this message and the start of the next one.
  f.push(Buffer.from('61' + '0402000800000002', 'hex'));
  const big = f.next();
  t.equal(big?.length, 0xffff, 'the 65535-byte message comes out whole');
  t.equal(big?.readUInt32BE(4), 1, 'with its xid');
  t.equal(f.next()?.toString('hex'), '0402000800000002', 'and the stream goes on');
  t.equal(f.next(), null);
  if (held !== undefined) t.equal(buffered(f), 0, 'nothing left behind');
});

t.test('Framer never holds more than 65535 + one chunk when drained after each push', async (t) => {
  // Every message announces the maximum length; chunks of varied size.
  const msg = Buffer.alloc(0xffff, 0x62);
  Buffer.from('0402ffff', 'hex').copy(msg);
  const stream = Buffer.concat([msg, msg, msg]);
  const f = new Framer();
  let off = 0;
  let i = 0;
  let out = 0;
  let worst = 0;
  while (off < stream.length) {
    const n = [1, 7, 4096, 65535, 70000][i++ % 5]!;
    const c = stream.subarray(off, off + n);
    off += c.length;
    f.push(c);
    while (f.next() !== null) out++;
    const held = buffered(f);
    if (held !== undefined) worst = Math.max(worst, held - c.length);
  }
  t.equal(out, 3, 'three messages');
  if (buffered(f) !== undefined) t.ok(worst < 0xffff, `held beyond the last chunk < 65535 (worst ${worst})`);
});

t.test('Framer.next() raises OFPBRC_BAD_LEN for a length below 8', async (t) => {
  for (let len = 0; len < 8; len++) {
    const f = new Framer();
    f.push(Buffer.from([4, 0, 0, len, 0, 0, 0, 9]));
    t.throws(() => f.next(), { name: 'OfpError', type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_LEN }, `length ${len}`);
  }
  // After a good message, and with the length field split across chunks.
  const f = new Framer();
  f.push(Buffer.from('0400000800000001' + '0400', 'hex'));
  f.push(Buffer.from('00', 'hex'));
  f.push(Buffer.from('0400000002', 'hex'));
  t.equal(f.next()?.toString('hex'), '0400000800000001', 'the good message first');
  t.throws(() => f.next(), { name: 'OfpError', type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_LEN }, 'then BAD_LEN');
});

t.test('Framer waits for a whole header before judging the length', async (t) => {
  const f = new Framer();
  f.push(Buffer.from('040000', 'hex'));
  t.equal(f.next(), null, 'three bytes: no length yet');
  f.push(Buffer.from('0800000001', 'hex'));
  t.equal(f.next()?.toString('hex'), '0400000800000001');
});
