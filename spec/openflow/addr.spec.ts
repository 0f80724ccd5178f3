/**
 * Address text ⇄ bytes (lib/openflow/addr.ts).
 *
 * Expected texts come from outside the module: RFC 5952's own examples,
 * Ryu's JSON fixtures, and Node's WHATWG URL parser, whose IPv6 serializer
 * (URL Standard §3.5) follows the same RFC 5952 rules; `net.isIP*` is the
 * oracle for which texts are addresses at all.
 */
import t from 'tap';
import fc from 'fast-check';
import { isIPv4, isIPv6 } from 'node:net';
import {
  parseIpv4,
  parseIpv6,
  parseMac,
  readIpv4,
  readIpv6,
  readMac,
  writeIpv4,
  writeIpv6,
  writeMac,
} from '../../lib/openflow/addr.js';
import { Writer } from '../../lib/openflow/writer.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s:]/g, ''), 'hex');

/** The IPv6 text Node's URL serializer gives the 16 bytes. */
function urlText(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function parsed(parse: (s: string, out: Uint8Array, off?: number) => void, n: number, s: string): Buffer {
  const out = Buffer.alloc(n);
  parse(s, out);
  return out;
}

t.test('readMac() prints lower-case colon-separated octets', async (t) => {
  t.equal(readMac(hex('f20ba47df8ea')), 'f2:0b:a4:7d:f8:ea'); // Ryu 4-60 arp_sha
  t.equal(readMac(hex('000000000000')), '00:00:00:00:00:00');
  t.equal(readMac(hex('ffff' + '0102030405060000'), 2), '01:02:03:04:05:06', 'reads at an offset');
});

t.test('parseMac() accepts any case and one-digit octets', async (t) => {
  t.same(parsed(parseMac, 6, 'F2:0B:A4:7D:F8:EA'), hex('f20ba47df8ea'));
  t.same(parsed(parseMac, 6, 'f2:0b:a4:7d:f8:ea'), hex('f20ba47df8ea'));
  t.same(parsed(parseMac, 6, '1:2:3:a:b:c'), hex('0102030a0b0c'));
});

t.test('parseMac() throws a RangeError naming the text for a malformed address', async (t) => {
  for (const bad of [
    '',
    'aa:bb:cc:dd:ee',
    'aa:bb:cc:dd:ee:ff:00',
    'aa-bb-cc-dd-ee-ff',
    'aaa:bb:cc:dd:ee:f',
    'gg:bb:cc:dd:ee:ff',
    'aa:bb:cc:dd:ee:ff ',
    ' aa:bb:cc:dd:ee:ff',
    'aa:bb::dd:ee:ff',
    'aa:bb:cc:dd:ee:',
    'aabb.ccdd.eeff',
  ]) {
    t.throws(() => parsed(parseMac, 6, bad), new RangeError(`invalid Ethernet address: ${JSON.stringify(bad)}`), bad);
  }
});

t.test('readIpv4() prints a dotted quad', async (t) => {
  t.equal(readIpv4(hex('c0a80209')), '192.168.2.9'); // Ryu libofproto flow_mod set_field
  t.equal(readIpv4(hex('00000000')), '0.0.0.0');
  t.equal(readIpv4(hex('ffffffff')), '255.255.255.255');
  t.equal(readIpv4(hex('ff0a000001'), 1), '10.0.0.1');
});

t.test('parseIpv4() agrees with net.isIPv4 on what is an address', async (t) => {
  t.same(parsed(parseIpv4, 4, '10.0.0.3'), hex('0a000003'));
  t.same(parsed(parseIpv4, 4, '255.255.255.255'), hex('ffffffff'));
  for (const s of ['1.2.3', '1.2.3.4.5', '256.0.0.0', '01.2.3.4', '1..2.3', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4.', '1.2.3.-4', 'a.b.c.d', '', '1.2.3.1000']) {
    t.equal(isIPv4(s), false, `${JSON.stringify(s)} is not an IPv4 address`);
    t.throws(() => parsed(parseIpv4, 4, s), new RangeError(`invalid IPv4 address: ${JSON.stringify(s)}`));
  }
});

t.test('readIpv6() follows RFC 5952 section 4', async (t) => {
  // §4.1 no leading zeros; §4.2.1 longest run; §4.2.2 not one group; §4.2.3 leftmost on a tie; §4.3 lower case.
  t.equal(readIpv6(hex('20010db8000000000000000000000001')), '2001:db8::1');
  t.equal(readIpv6(hex('20010db8000000010001000100010001')), '2001:db8:0:1:1:1:1:1');
  t.equal(readIpv6(hex('20010db8000000000001000000000001')), '2001:db8::1:0:0:1');
  t.equal(readIpv6(hex('20010000000000010000000000000001')), '2001:0:0:1::1');
  t.equal(readIpv6(hex('20010db80000000000000000000000ab')), '2001:db8::ab');
  t.equal(readIpv6(hex('00000000000000000000000000000000')), '::');
  t.equal(readIpv6(hex('00000000000000000000000000000001')), '::1');
  t.equal(readIpv6(hex('00010000000000000000000000000000')), '1::');
  t.equal(readIpv6(hex('00000001000000000000000000000000')), '0:1::');
  t.equal(readIpv6(hex('00000000000000000000ffff01020304')), '::ffff:102:304', 'no mixed notation');
  // Ryu 4-60-ofp_flow_mod prints these three.
  t.equal(readIpv6(hex('fe80 0000 0000 0000 f00b a4ff fe48 28a5')), 'fe80::f00b:a4ff:fe48:28a5');
  t.equal(readIpv6(hex('fe80 0000 0000 0000 0a60 6eff fe7f 74e7')), 'fe80::a60:6eff:fe7f:74e7');
  t.equal(readIpv6(hex('ff' + '00010002000300040005000600070008'), 1), '1:2:3:4:5:6:7:8', 'reads at an offset');
});

t.test('readIpv6() matches the URL Standard serializer for any address', async () => {
  const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(
    fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (gs) => {
      const b = Buffer.alloc(16);
      gs.forEach((g, i) => b.writeUInt16BE(g, 2 * i));
      const text = readIpv6(b);
      if (text !== urlText(b)) throw new Error(`${b.toString('hex')}: ${text} vs ${urlText(b)}`);
      if (!parsed(parseIpv6, 16, text).equals(b)) throw new Error(`${text} does not parse back`);
      if (!parsed(parseIpv6, 16, text.toUpperCase()).equals(b)) throw new Error(`${text} upper case`);
    }),
    { numRuns: 5000 },
  );
});

t.test('parseIpv6() accepts every RFC 4291 text form', async (t) => {
  const cases: [string, string][] = [
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1::', '00010000000000000000000000000000'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['FE80::A60:6EFF:FE7F:74E7', 'fe800000000000000a606efffe7f74e7'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '20010db8000000000000000000000001'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
    ['1:2:3::8', '00010002000300000000000000000008'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['::1.2.3.4', '00000000000000000000000001020304'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['1::1.2.3.4', '00010000000000000000000001020304'],
  ];
  for (const [text, bytes] of cases) {
    t.equal(isIPv6(text), true, `${text} is an address to Node`);
    t.same(parsed(parseIpv6, 16, text), hex(bytes), text);
  }
});

t.test('parseIpv6() throws a RangeError naming the text for anything else', async (t) => {
  for (const bad of [
    '',
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    ':1::',
    '1::2:',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '12345::',
    'g::',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '::1.2.3',
    '::1.2.3.256',
    '::01.2.3.4',
    '1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::1.2.3.4:5',
    '2001:db8::/32',
    ' ::1',
    '::1 ',
    '[::1]',
  ]) {
    t.equal(isIPv6(bad), false, `${JSON.stringify(bad)} is not an address to Node`);
    t.throws(() => parsed(parseIpv6, 16, bad), new RangeError(`invalid IPv6 address: ${JSON.stringify(bad)}`));
  }
});

t.test('parseIpv6() refuses a zone id, which names a link and is no match value', async (t) => {
  // Node's isIPv6 accepts "fe80::1%eth0" (RFC 4007 §11), as sockets need it; OXM fields have 16 bytes only.
  t.throws(() => parsed(parseIpv6, 16, 'fe80::1%eth0'), RangeError);
});

t.test('parsers write only their own bytes at the offset', async (t) => {
  const out = Buffer.alloc(20, 0xee);
  parseIpv6('1::2', out, 2);
  t.same(out, hex('eeee 0001 0000 0000 0000 0000 0000 0000 0002 eeee'));
  const m = Buffer.alloc(8, 0xee);
  parseMac('01:02:03:04:05:06', m, 1);
  t.same(m, hex('ee 010203040506 ee'));
  const v4 = Buffer.alloc(6, 0xee);
  parseIpv4('1.2.3.4', v4, 1);
  t.same(v4, hex('ee 01020304 ee'));
  t.throws(() => parseIpv6('::1', Buffer.alloc(16), 1), RangeError, 'no room for 16 bytes');
  t.throws(() => parseMac('01:02:03:04:05:06', Buffer.alloc(6), 1), RangeError, 'no room for 6 bytes');
  t.throws(() => parseIpv4('1.2.3.4', Buffer.alloc(4), 1), RangeError, 'no room for 4 bytes');
});

t.test('writeMac(), writeIpv4() and writeIpv6() append to a Writer, growing it', async (t) => {
  const w = new Writer(4);
  w.u8(0xaa);
  writeMac(w, 'AA:BB:CC:DD:EE:FF');
  writeIpv4(w, '192.168.2.9');
  writeIpv6(w, 'fe80::1');
  t.same(w.take(), hex('aa aabbccddeeff c0a80209 fe800000000000000000000000000001'));
  t.throws(() => writeIpv4(new Writer(), '1.2.3'), RangeError);
});
