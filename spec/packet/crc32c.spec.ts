/**
 * The CRC32c shortcuts SCTP port rewrites use (lib/packet/checksum.ts
 * crc32cZerosFast and crc32cDelta32), held to the byte-at-a-time CRC that
 * checksum.spec.ts pins to RFC 3720's check values: advancing the register
 * over n zero bytes in O(log n) equals doing it byte by byte, and the CRC
 * change of a 4-byte rewrite equals the difference of two full CRCs,
 * wherever the bytes sit. Then SctpView.setPorts on random segments, good
 * and corrupted: the stored CRC moves exactly as the true one does. The
 * bytes Open vSwitch produces are pinned in sctp-set-field.spec.ts.
 */
import t from 'tap';
import { crc32c, crc32cDelta32, crc32cZeros, crc32cZerosFast, fillSctpChecksum } from '../../lib/packet/checksum.js';
import { SctpView } from '../../lib/packet/sctp.js';

/** xorshift32: the same sequence every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

t.test('crc32cZerosFast equals crc32cZeros', async (t) => {
  const r = rng(0x5c7f);
  const bad: string[] = [];
  const lengths = [0, 1, 2, 3, 4, 7, 8, 31, 32, 33, 1480, 9000, 65535];
  for (let i = 0; i < 300; i++) lengths.push(r() % 5000);
  for (const n of lengths) {
    for (const c of [0, 1, 0xffffffff, 0x80000000, r(), r()]) {
      const want = crc32cZeros(c, n);
      const got = crc32cZerosFast(c, n);
      if (got !== want) bad.push(`n=${n} c=${c.toString(16)}: ${got.toString(16)} != ${want.toString(16)}`);
    }
  }
  t.same(bad, []);
});

t.test('crc32cDelta32 is the CRC change of a 4-byte rewrite, wherever it sits', async (t) => {
  const r = rng(0x132);
  const bad: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const len = 4 + (r() % 1600);
    const b = new Uint8Array(len);
    for (let j = 0; j < len; j++) b[j] = r();
    const at = r() % (len - 3);
    const diff = i === 0 ? 0 : r();
    const before = crc32c(b, 0, len);
    b[at] ^= diff >>> 24;
    b[at + 1] ^= diff >>> 16;
    b[at + 2] ^= diff >>> 8;
    b[at + 3] ^= diff;
    const after = crc32c(b, 0, len);
    const got = crc32cDelta32(diff, len - at - 4);
    if (got !== (before ^ after) >>> 0) bad.push(`len=${len} at=${at} diff=${diff.toString(16)}`);
  }
  t.same(bad, []);
});

t.test('SctpView.setPorts moves the stored CRC exactly as the true one moves', async (t) => {
  const r = rng(0x9260);
  const v = new SctpView();
  const bad: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const len = 12 + (r() % 1500);
    const pad = r() % 8; // bytes before and after the window, which must not count
    const b = new Uint8Array(pad + len + pad);
    for (let j = 0; j < b.length; j++) b[j] = r();
    fillSctpChecksum(b, pad, len);
    if (i % 2 === 1) b[pad + 8 + (r() % 4)] ^= 1 + (r() % 255); // a corrupted CRC, half the time
    v.reset(b, pad, len);
    const err = (v.checksum() ^ v.computeChecksum()) >>> 0;
    const src = r() & 0xffff;
    const dst = i % 3 === 0 ? v.dstPort() : r() & 0xffff;
    v.setPorts(src, dst);
    const errAfter = (v.checksum() ^ v.computeChecksum()) >>> 0;
    if (v.srcPort() !== src || v.dstPort() !== dst || errAfter !== err) {
      bad.push(`len=${len} src=${src} dst=${dst}: error ${err.toString(16)} -> ${errAfter.toString(16)}`);
    }
  }
  t.same(bad, []);
});
