/**
 * Property tests of the codec (fast-check).
 *
 * 1. Round trip. Arbitraries below build random VALID values of every
 *    OfpMessage in types.ts: matches whose OXM basic fields have the right
 *    value sizes and whose prerequisites hold, action and instruction lists,
 *    buckets, meter bands, queues, hello elements, errors, every multipart
 *    request and reply body, table-features properties, and experimenter
 *    payloads sized as the wire needs (actions, instructions, bands and queue
 *    properties are multiples of 8 bytes; table-features experimenter data is
 *    whole 32-bit words). For each: decodeMessage(encodeMessage(x)) equals x,
 *    and re-encoding that gives the same bytes.
 * 2. Robustness. Every truncation of every fixture message (Ryu, LoxiGen, the
 *    capture) at every length, with ofp_header.length patched to the new size
 *    and left as it was; random bodies behind a valid-looking header; and
 *    fixture messages with random bytes overwritten. decodeMessage() must
 *    return a message or throw an OfpError, nothing else; what it returns
 *    must encode, and decode again to the same value.
 *
 * The values are generated to the contract in types.ts, not from the codec;
 * strings are generated in the form types.ts names (lower-case MAC, dotted
 * quad, RFC 5952 IPv6), so a decoder that prints them differently fails.
 * Budget: the whole file runs in well under 20 s (numbers below).
 */
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage, encodeMessage, OfpError, OFPT } from '../../lib/openflow/index.js';
import type { OfpMessage } from '../../lib/openflow/index.js';
import { FIXTURES, SHARED } from '../helpers/paths.js';
import { MESSAGES, u8, xid } from '../helpers/of-arbitraries.js';

/** Runs per message type; 27 types + 29 multipart bodies. */
const RUNS = 300;

/* ---------------------------------------------------------- round trip */

/** fast-check failures carry the counterexample (and, as cause, our error); one tap failure each. */
function holds(t: Test, name: string, run: () => void): void {
  try {
    run();
    t.pass(name);
  } catch (e) {
    const cause = e instanceof Error && e.cause !== undefined ? `\ncause: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}` : '';
    t.fail(`${name}\n${e instanceof Error ? e.message : String(e)}${cause}`);
  }
}

/**
 * The first difference between two decoded values, or undefined. Unlike
 * util.isDeepStrictEqual it ignores prototypes (fast-check builds records
 * without one) but not missing-versus-undefined keys; Buffers by content.
 */
function diff(a: unknown, b: unknown, path = '$'): string | undefined {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) {
    return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b) ? undefined : `${path}: ${fc.stringify(a)} vs ${fc.stringify(b)}`;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return Object.is(a, b) ? undefined : `${path}: ${fc.stringify(a)} vs ${fc.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.join() !== kb.join()) return `${path}: keys [${ka.join()}] vs [${kb.join()}]`;
  for (const k of ka) {
    const d = diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

t.test('every message type types.ts lists has an arbitrary', async (t) => {
  const covered = new Set<number>();
  for (const arb of Object.values(MESSAGES)) for (const m of fc.sample(arb, { numRuns: 30, seed: 1 })) covered.add(m.type);
  t.same([...covered].sort((a, b) => a - b), [...Array(30).keys()], 'all 30 OFPT types');
  const mp = (type: OFPT): number[] =>
    [...new Set(Object.values(MESSAGES).flatMap((a) => fc.sample(a, { numRuns: 30, seed: 1 }).filter((m) => m.type === type).map((m) => (m as { mp_type: number }).mp_type)))].sort((a, b) => a - b);
  const all = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0xffff];
  t.same(mp(OFPT.MULTIPART_REQUEST), all, 'every multipart request body');
  t.same(mp(OFPT.MULTIPART_REPLY), all, 'every multipart reply body');
});

t.test('decodeMessage(encodeMessage(x)) gives x back, and the same bytes again', async (t) => {
  for (const [name, arb] of Object.entries(MESSAGES)) {
    holds(t, name, () =>
      fc.assert(
        fc.property(arb, (msg) => {
          const wire = encodeMessage(msg);
          if (wire.length !== wire.readUInt16BE(2)) throw new Error(`ofp_header.length ${wire.readUInt16BE(2)} for ${wire.length} bytes`);
          if (wire[0] !== 4 || wire[1] !== msg.type) throw new Error(`header ${wire.subarray(0, 2).toString('hex')}`);
          const back = decodeMessage(wire);
          const d = diff(back, msg);
          if (d) throw new Error(`decoded differently (decoded vs generated) at ${d}`);
          const again = encodeMessage(back);
          if (!again.equals(wire)) throw new Error(`re-encoded differently:\n${wire.toString('hex')}\n${again.toString('hex')}`);
        }),
        { numRuns: RUNS },
      ),
    );
  }
});

/* ---------------------------------------------------------- robustness */

const RYU_DIR = join(SHARED, 'fixtures', 'ryu', 'packet-data-of13');
const LOXI_DIR = join(FIXTURES, 'loxigen-of13');
const FIXTURE_MESSAGES: { name: string; bytes: Buffer }[] = [
  ...readdirSync(RYU_DIR)
    .filter((f) => f.endsWith('.packet'))
    .map((f) => ({ name: `ryu/${f}`, bytes: readFileSync(join(RYU_DIR, f)) })),
  ...readdirSync(LOXI_DIR)
    .filter((f) => f.endsWith('.hex'))
    .map((f) => ({ name: `loxigen/${f}`, bytes: Buffer.from(readFileSync(join(LOXI_DIR, f), 'utf8').replace(/\s+/g, ''), 'hex') }))
    .filter((m) => m.bytes.length >= 8 && m.bytes[0] === 4 && m.bytes.readUInt16BE(2) === m.bytes.length),
  ...(JSON.parse(readFileSync(join(FIXTURES, 'pcap', 'of13_ericsson.messages.json'), 'utf8')) as { frame: number; hex: string }[]).map((m) => ({
    name: `pcap/frame ${m.frame}`,
    bytes: Buffer.from(m.hex, 'hex'),
  })),
];

/** What decodeMessage did with `b`: a message, an OfpError, or (a defect) something else. */
function tryDecode(b: Buffer): { msg?: OfpMessage; ofpError?: OfpError; other?: unknown } {
  try {
    return { msg: decodeMessage(b) };
  } catch (e) {
    return e instanceof OfpError ? { ofpError: e } : { other: e };
  }
}

/** A decoded message must encode, and decode again to the same value. */
function stable(msg: OfpMessage): string | undefined {
  try {
    const d = diff(decodeMessage(encodeMessage(msg)), msg);
    return d === undefined ? undefined : `decodes differently after encodeMessage(), at ${d}`;
  } catch (e) {
    return `encodeMessage() or the second decode threw ${String(e)}`;
  }
}

/**
 * Messages longer than this are cut at every length only once per distinct
 * length-and-type (see below); shorter ones always at every length.
 */
const LARGE = 4096;
/** Cut every this many bytes, for a large message whose twin was cut at every length. */
const LARGE_STRIDE = 16;

t.test('decodeMessage() of every truncation of every fixture message throws only OfpError', async (t) => {
  // The capture's eight 11,792-byte TABLE_FEATURES replies share one layout;
  // cut at every length, each takes ~2.7 s. The first is cut at every
  // length; the others at every length in their first and last 512 bytes
  // and every 16th in between. Every other message: every length.
  const seen = new Set<string>();
  const largeDone = new Set<string>();
  const others: string[] = [];
  const unpatchedAccepted: string[] = [];
  let decodes = 0;
  for (const { name, bytes } of FIXTURE_MESSAGES) {
    const key = bytes.toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    const shape = `${bytes[1]}/${bytes.length}`;
    const strided = bytes.length > LARGE && largeDone.has(shape);
    largeDone.add(shape);
    // One scratch copy per message; each truncation is a view of it.
    const scratch = Buffer.from(bytes);
    for (let n = 0; n < bytes.length; n++) {
      if (strided && n > 512 && n < bytes.length - 512 && n % LARGE_STRIDE !== 0) continue;
      // As it was: the header still claims the full length.
      if (n >= 4) scratch.writeUInt16BE(bytes.length, 2);
      const u = tryDecode(scratch.subarray(0, n));
      if (u.other !== undefined) others.push(`${name} cut to ${n}: ${String(u.other)}`);
      if (u.msg !== undefined) unpatchedAccepted.push(`${name} cut to ${n}`);
      // Patched: the header claims exactly what is there (a truncated
      // message may still be valid: an echo with less data, say).
      if (n >= 4) scratch.writeUInt16BE(n, 2);
      const p = tryDecode(scratch.subarray(0, n));
      if (p.other !== undefined) others.push(`${name} cut to ${n}, length patched: ${String(p.other)}`);
      else if (p.msg !== undefined) {
        const why = stable(p.msg);
        if (why) others.push(`${name} cut to ${n}, length patched, decoded: ${why}`);
      }
      decodes += 2;
    }
  }
  t.same(others.slice(0, 20), [], `exceptions other than OfpError, or unstable decodes (${others.length})`);
  t.same(unpatchedAccepted.slice(0, 20), [], `decoded although ofp_header.length exceeds the bytes (${unpatchedAccepted.length})`);
  t.comment(`${seen.size} distinct fixture messages, ${decodes} truncated decodes`);
});

const headerAndBody = fc
  .tuple(fc.oneof({ weight: 9, arbitrary: fc.constant(4) }, { weight: 1, arbitrary: u8 }), fc.integer({ min: 0, max: 35 }), xid, fc.uint8Array({ maxLength: 300 }))
  .map(([version, type, x, body]) => {
    const b = Buffer.alloc(8 + body.length);
    b[0] = version;
    b[1] = type;
    b.writeUInt16BE(b.length, 2);
    b.writeUInt32BE(x, 4);
    b.set(body, 8);
    return b;
  });

/** A fixture message with up to 6 bytes after the header overwritten (its length kept right). */
const mutated = fc
  .tuple(fc.constantFrom(...FIXTURE_MESSAGES.filter((m) => m.bytes.length <= 4096)), fc.array(fc.tuple(fc.nat(), u8), { minLength: 1, maxLength: 6 }))
  .map(([m, edits]) => {
    const b = Buffer.from(m.bytes);
    for (const [at, v] of edits) if (b.length > 8) b[8 + (at % (b.length - 8))] = v;
    return b;
  });

for (const [what, arb] of [
  ['random bodies behind a valid-looking header', headerAndBody],
  ['fixture messages with random bytes overwritten', mutated],
] as const) {
  t.test(`decodeMessage() of ${what} returns a stable message or throws an OfpError`, async (t) => {
    let accepted = 0;
    holds(t, what, () =>
      fc.assert(
        fc.property(arb, (b) => {
          const r = tryDecode(b);
          if (r.other !== undefined) throw r.other;
          if (r.msg === undefined) return;
          accepted++;
          const why = stable(r.msg);
          if (why) throw new Error(`${why}: ${b.toString('hex')}`);
        }),
        { numRuns: 10000 },
      ),
    );
    t.comment(`${accepted} of the inputs decoded`);
  });
}
