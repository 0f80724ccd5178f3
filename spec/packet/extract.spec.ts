/**
 * extractKey() / Extractor against the corpus (fixtures/packets/frames.json):
 * every frame's key must equal the key built from the fields scapy reports
 * (or, for malformed frames, the hand-written expectation), word for word,
 * so absent fields must be zero too. The frames cover every protocol of
 * lib/packet, VLAN double tags, MPLS stacks, PBB, IPv4 options and
 * fragments, IPv6 extension header chains in odd orders, ND options, ARP
 * variants, and malformed or truncated headers.
 *
 * Also: a frame at an offset in a larger buffer full of garbage extracts
 * to the same key (nothing outside the window is read); every truncation
 * and random byte strings extract without throwing; the Extractor's layout
 * (L3/L4 offsets, TCP flags) agrees with scapy's layer offsets and flags.
 */
import t from 'tap';
import { Extractor, extractKey } from '../../lib/packet/extract.js';
import { KEY_WORDS, newKey } from '../../lib/packet/flow-key.js';
import { IN_PORT, corpus, expectedKey, fromHex, keyDiff } from './helpers.js';
import { reconcileBeneathMpls } from './mpls-beneath.js';
import { reconcileBeneathPbb } from './pbb-beneath.js';

const frames = corpus();

t.test('extractKey() gives the fields scapy reports, for every corpus frame', async (t) => {
  const key = newKey();
  for (const f of frames) {
    const b = fromHex(f.hex);
    extractKey(b, b.length, IN_PORT, key);
    const want = expectedKey(f.expect);
    reconcileBeneathMpls(key, want, b, b.length);
    reconcileBeneathPbb(key, want, b, b.length);
    t.equal(keyDiff(key, want), '', `${f.name} (${f.expect_source})`);
  }
});

t.test('Extractor.extract() at an offset reads nothing outside its window', async (t) => {
  const ex = new Extractor();
  const slot = new Uint8Array(4096);
  const a = newKey();
  const b = newKey();
  for (const f of frames) {
    const frame = fromHex(f.hex);
    slot.fill(0xa5);
    slot.set(frame, 128);
    ex.extract(slot, 128, frame.length, IN_PORT, a);
    extractKey(frame, frame.length, IN_PORT, b);
    t.equal(keyDiff(a, b), '', f.name);
  }
});

t.test('extractKey() of every truncation of every frame does not throw, inside garbage or not', async (t) => {
  const key = newKey();
  const ex = new Extractor();
  const slot = new Uint8Array(4096);
  const exact = newKey();
  let n = 0;
  let mismatches = 0;
  for (const f of frames) {
    const frame = fromHex(f.hex);
    for (let len = 0; len <= frame.length; len++) {
      const cut = frame.slice(0, len);
      extractKey(cut, len, IN_PORT, exact);
      slot.fill(0xff);
      slot.set(cut, 64);
      ex.extract(slot, 64, len, IN_PORT, key);
      if (keyDiff(key, exact) !== '') mismatches++;
      n++;
    }
  }
  t.equal(mismatches, 0, `${n} truncations: a frame in a slot keys as the frame alone`);
});

t.test('extractKey() never throws on random bytes under every EtherType it parses', async (t) => {
  // A deterministic generator (xorshift32): the same bytes on every run.
  let s = 0x2545f491;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const types = [0x0800, 0x86dd, 0x0806, 0x8035, 0x8847, 0x8848, 0x88e7, 0x8100, 0x88a8, 0x0005];
  const key = newKey();
  const slot = new Uint8Array(256);
  const ex = new Extractor();
  let runs = 0;
  for (let i = 0; i < 20000; i++) {
    const len = rnd() % 200;
    for (let j = 0; j < len; j++) slot[j] = rnd() & 0xff;
    if (len >= 14) {
      const ty = types[rnd() % types.length];
      slot[12] = ty >>> 8;
      slot[13] = ty & 0xff;
    }
    ex.extract(slot, 0, len, IN_PORT, key);
    if (ex.l4 >= 0 && (ex.l4 > len || ex.l3End > len)) t.fail(`layout points past the frame: ${ex.l4} ${ex.l3End} ${len}`);
    runs++;
  }
  t.equal(runs, 20000);
  t.equal(key.length, KEY_WORDS);
});

t.test('Extractor layout: L3/L4 offsets and TCP flags agree with scapy', async (t) => {
  const ex = new Extractor();
  const key = newKey();
  const L3 = new Set(['IP', 'IPv6', 'ARP']);
  const L4 = new Set(['TCP', 'UDP', 'SCTP', 'ICMP']);
  for (const f of frames) {
    if (f.expect_source !== 'scapy') continue;
    const b = fromHex(f.hex);
    ex.extract(b, 0, b.length, IN_PORT, key);
    const l3 = f.layers.find((l) => L3.has(l.layer));
    // Only the first L4 layer: ICMP errors quote an inner one.
    const l4 = f.layers.find((l) => L4.has(l.layer) || /^ICMPv6/.test(l.layer));
    const parsedL3 = f.expect.ipv4_src !== undefined || f.expect.ipv6_src !== undefined || f.expect.arp_op !== undefined;
    if (l3 !== undefined && parsedL3) t.equal(ex.l3, l3.offset, `${f.name}: l3`);
    const hasL4 =
      f.expect.tcp_src !== undefined || f.expect.udp_src !== undefined || f.expect.sctp_src !== undefined ||
      f.expect.icmpv4_type !== undefined || f.expect.icmpv6_type !== undefined;
    if (hasL4 && l4 !== undefined) t.equal(ex.l4, l4.offset, `${f.name}: l4`);
    if (!hasL4) t.equal(ex.l4, -1, `${f.name}: no l4`);
    t.equal(ex.tcpFlags, Number(f.expect.tcp_flags ?? 0), `${f.name}: tcp flags`);
    const vlans = f.layers.filter((l) => l.layer === 'Dot1Q' || l.layer === 'Dot1AD').length;
    t.equal(ex.vlans, Math.min(vlans, 2), `${f.name}: vlans`);
    const routed = f.layers.some((l) => l.layer === 'IPv6ExtHdrRouting' && l.fields.segleft !== 0);
    t.equal(ex.routed, routed, `${f.name}: routed`);
  }
});

t.test('extractKey() sets in_port and in_phy_port, and zeroes a dirty key', async (t) => {
  const key = newKey().fill(0xdeadbeef);
  const b = fromHex(frames[0].hex);
  extractKey(b, b.length, 0xfffffffe, key);
  t.equal(key[0], 0xfffffffe);
  t.equal(key[1], 0xfffffffe);
  t.equal(key[2], 0, 'metadata starts at 0');
  t.equal(key[5], 0, 'tunnel_id is the tunnel port\'s to set');
  const short = newKey().fill(7);
  extractKey(new Uint8Array(3), 3, 9, short);
  t.same(Array.from(short.slice(2)), new Array(KEY_WORDS - 2).fill(0), 'a runt frame: only the ports');
});
