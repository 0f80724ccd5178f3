/**
 * The fast path's shortcuts give the answers their plain versions give:
 *  - the megaflow classifier with its per-subtable filters (dpcls.ts),
 *    before and after reranks build them, through inserts and removals and
 *    a subtable outgrowing its filter, against a linear search of the
 *    megaflows (key & mask = masked key);
 *  - the exact-match cache comparing only the words extraction can set
 *    (emc.ts): keys from real frames that differ only in the words it may
 *    skip for IPv4 still miss when those words can differ (ICMPv6 in IPv4,
 *    IPv6, ARP);
 *  - shared xlate caches (xc-interner.ts): equal caches are one object,
 *    held until the last megaflow holding it lets go.
 */
import t from 'tap';
import fc from 'fast-check';
import { Dpcls } from '../../lib/datapath/dpcls.js';
import { ExactMatchCache, hashKey } from '../../lib/datapath/emc.js';
import { CounterSlab, Megaflow } from '../../lib/datapath/megaflow.js';
import { XlateCacheInterner } from '../../lib/datapath/xc-interner.js';
import { KEY_WORDS, KW, newKey } from '../../lib/packet/flow-key.js';
import { extractKey } from '../../lib/packet/extract.js';
import type { XlateCache } from '../../lib/xlate/context.js';
import { ODP } from '../../lib/xlate/odp.js';
import { buildFrame } from './frames.js';

const slab = new CounterSlab();
const xc = (over: Partial<XlateCache> = {}): XlateCache => ({
  userspace: [],
  meters: [],
  meterIds: [],
  rules: [],
  tables: [],
  visits: [],
  groups: [],
  buckets: [],
  groupIds: [],
  groupSeen: [],
  normal: false,
  learned: [],
  ...over,
});
const program = { actions: Int32Array.of(ODP.OUTPUT, 2), lastMod: -1, outPort: 2 };
let nextId = 1;
const megaflow = (): Megaflow => new Megaflow(nextId++, program, xc(), 0, slab);

/** Masks over the words the bench's megaflows use: exact in_port and eth_type, address prefixes, ports. */
function mask(m: number): Uint32Array {
  const w = newKey();
  w[KW.IN_PORT] = 0xffffffff;
  w[KW.ETH_TYPE_VLAN] = 0xffff0000;
  w[KW.NW_DST] = (0xffffffff << (24 - (m % 24))) >>> 0;
  if (m % 3 === 0) w[KW.TP_PORTS] = 0xffff0000;
  if (m % 4 === 1) w[KW.NW_SRC] = 0xffffff00;
  return w;
}

function key(inPort: number, src: number, dst: number, ports: number): Uint32Array {
  const k = newKey();
  k[KW.IN_PORT] = inPort;
  k[KW.ETH_TYPE_VLAN] = 0x08000000;
  k[KW.NW_SRC] = src >>> 0;
  k[KW.NW_DST] = dst >>> 0;
  k[KW.TP_PORTS] = ports >>> 0;
  return k;
}

interface Installed {
  mf: Megaflow;
  masked: Uint32Array;
  mask: Uint32Array;
}

const covers = (f: Installed, k: Uint32Array): boolean => {
  for (let w = 0; w < KEY_WORDS; w++) if ((k[w]! & f.mask[w]!) >>> 0 !== f.masked[w]) return false;
  return true;
};

t.test('dpcls with filters finds what a linear search finds, through reranks, inserts, removals and growth', async (t) => {
  const word = fc.integer({ min: 0, max: 7 }).map((x) => 0x0a000000 + x * 0x01010101);
  const k = fc.tuple(fc.integer({ min: 1, max: 2 }), word, word, fc.integer({ min: 0, max: 3 }).map((x) => (x << 16) | 53)).map(([p, s, d, tp]) => key(p, s, d, tp));
  const op = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), m: fc.integer({ min: 0, max: 11 }), k }),
    fc.record({ kind: fc.constant('remove' as const), i: fc.nat() }),
    fc.record({ kind: fc.constant('rerank' as const) }),
    fc.record({ kind: fc.constant('lookup' as const), k }),
  );
  await fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), fc.array(k, { minLength: 20, maxLength: 20 }), (ops, probes) => {
      const cls = new Dpcls();
      const live: Installed[] = [];
      const check = (q: Uint32Array): void => {
        const found = cls.lookup(q);
        const want = live.filter((f) => covers(f, q));
        if (want.length === 0 ? found !== null : !want.some((f) => f.mf === found)) {
          throw new Error(`lookup gave ${found?.id ?? null}, linear search ${want.map((f) => f.mf.id).join(',') || 'none'}`);
        }
      };
      for (const o of ops) {
        if (o.kind === 'insert') {
          const m = mask(o.m);
          const masked = newKey();
          for (let w = 0; w < KEY_WORDS; w++) masked[w] = (o.k[w]! & m[w]!) >>> 0;
          const mf = megaflow();
          const old = cls.insert(mf, masked, m);
          if (old !== null) live.splice(live.findIndex((f) => f.mf === old), 1);
          live.push({ mf, masked, mask: m });
        } else if (o.kind === 'remove') {
          if (live.length === 0) continue;
          const [f] = live.splice(o.i % live.length, 1);
          cls.remove(f!.mf);
        } else if (o.kind === 'rerank') {
          cls.rerank();
        } else {
          check(o.k);
        }
      }
      cls.rerank();
      for (const q of probes) check(q);
      for (const f of live) check(f.masked);
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 200) },
  );

  // A subtable filtered at a rerank, then grown past the filter's size, then shrunk and reranked again.
  const cls = new Dpcls();
  const m = mask(3);
  const all: Installed[] = [];
  const add = (i: number): void => {
    const k = key(1, 0x0a000000, 0x0b000000 + (i << 8), (i << 16) | 53);
    const masked = newKey();
    for (let w = 0; w < KEY_WORDS; w++) masked[w] = (k[w]! & m[w]!) >>> 0;
    const mf = megaflow();
    cls.insert(mf, masked, m);
    all.push({ mf, masked, mask: m });
  };
  for (let i = 0; i < 100; i++) add(i);
  cls.rerank();
  for (let i = 100; i < 3000; i++) add(i);
  t.equal(all.filter((f) => cls.lookup(f.masked) === f.mf).length, 3000, 'all 3000 found after the subtable outgrew its filter');
  for (const f of all.splice(50)) cls.remove(f.mf);
  cls.rerank();
  let ok = 0;
  for (const f of all) if (cls.lookup(f.masked) === f.mf) ok++;
  t.equal(ok, 50, 'the 50 left are found after the filter is rebuilt');
  t.equal(cls.lookup(key(1, 0x0a000000, 0x0b000000 + (2999 << 8), (2999 << 16) | 53)), null, 'a removed one is not');
});

t.test('the exact-match cache tells apart keys that differ only in words it skips for IPv4', async (t) => {
  const emc = new ExactMatchCache(1024, 1);
  const mf = megaflow();
  const fromFrame = (frame: Uint8Array): Uint32Array => {
    const k = newKey();
    extractKey(frame, frame.length, 1, k);
    return k;
  };
  // ICMPv6 carried by IPv4: extraction reads its ND fields whatever the IP version.
  const icmp6in4 = fromFrame(buildFrame({ l4: 'udp' }));
  icmp6in4[KW.IP_PROTO_TOS_TTL] = ((58 << 24) | (icmp6in4[KW.IP_PROTO_TOS_TTL]! & 0xffffff)) >>> 0;
  icmp6in4[KW.ND_TARGET] = 0xfe800000;
  const cases: Array<[string, Uint32Array]> = [
    ['ICMPv6 over IPv4 (ND words)', icmp6in4],
    ['IPv6 (address words)', fromFrame(buildFrame({ l3: 'ipv6', l4: 'udp' }))],
    ['ARP (hardware address words)', fromFrame(buildFrame({ l3: 'arp' }))],
  ];
  for (const [name, a] of cases) {
    emc.insert(a, hashKey(a), mf);
    t.equal(emc.lookup(a, hashKey(a)), mf, `${name}: the key itself hits`);
    const hits: number[] = [];
    for (let w = KW.TP_PORTS + 1; w < KW.VLAN_INNER; w++) {
      const b = a.slice();
      b[w] = (b[w]! ^ 1) >>> 0;
      // The same hash on purpose: the slot's word comparison alone must refuse it.
      if (emc.lookup(b, hashKey(a)) !== null) hits.push(w);
    }
    t.same(hits, [], `${name}: a key differing in any of words 15..34 misses`);
  }
  // A plain IPv4 key: extraction leaves words 15..34 zero, so the cache may skip them (and does).
  const frame = buildFrame({ l4: 'udp' });
  const k = newKey();
  extractKey(frame, frame.length, 1, k);
  for (let w = KW.TP_PORTS + 1; w < KW.VLAN_INNER; w++) t.equal(k[w], 0, `IPv4/UDP: extraction leaves word ${w} zero`);
  emc.insert(k, hashKey(k), mf);
  const other = k.slice();
  other[KW.TP_PORTS] = (other[KW.TP_PORTS]! + 1) >>> 0;
  t.equal(emc.lookup(other, hashKey(k)), null, 'IPv4: a different port misses even with the same hash');
  t.equal(emc.lookup(k, hashKey(k)), mf);
});

t.test('equal xlate caches are shared until the last holder lets go', async (t) => {
  const ix = new XlateCacheInterner();
  const a = ix.intern(xc({ tables: [0, 1, 1, 1], visits: [0, 1, 0, 0, 1, 1, 0, 0], buckets: [2] }));
  const b = ix.intern(xc({ tables: [0, 1, 1, 1], visits: [0, 1, 0, 0, 1, 1, 0, 0], buckets: [2] }));
  const c = ix.intern(xc({ tables: [0, 1, 1, 1], visits: [0, 1, 0, 0, 1, 1, 0, 0], buckets: [3] }));
  t.equal(a, b, 'equal caches: one object');
  t.not(a, c, 'another bucket: another cache');
  t.equal(ix.size, 2);
  const learned = xc({ normal: true, learned: [{ vlan: 0, macHi: 0, macLo: 1, port: 1 }] });
  t.equal(ix.intern(learned), learned, 'caches with learned MACs are never shared');
  t.equal(ix.size, 2);
  ix.release(a);
  t.equal(ix.size, 2, 'still held once');
  ix.release(b);
  t.equal(ix.size, 1, 'released by both holders: gone');
  const d = ix.intern(xc({ tables: [0, 1, 1, 1], visits: [0, 1, 0, 0, 1, 1, 0, 0], buckets: [2] }));
  t.not(d, a, 'a new one is made afterwards');
});
