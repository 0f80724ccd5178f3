/**
 * bench/datapath: the fast path, in process, with in-memory ports that
 * receive and send in batches (like system ports, without the kernel).
 *
 * Scenarios, 64-byte IPv4/UDP frames in batches of 32:
 *  - EMC hits: 1,000 flows, all in the exact-match cache, "output:2";
 *  - megaflow hits with 1, 16 and 64 masks: the exact-match cache off,
 *    megaflows of N distinct masks, traffic spread evenly over them;
 *  - flow setups: every packet a new 5-tuple through a 10-table pipeline
 *    ending in a select group (so each 5-tuple is its own megaflow);
 *  - memory per megaflow at 200,000 megaflows (installed from one
 *    translation), and after the flow setups, per megaflow translated on
 *    its own (what its xlate cache adds);
 * and, beside each hit path, the peer measured in the same run: key
 * extraction plus the key hash alone, the part of the per-packet cost no
 * cache can avoid. Rates are per CPU second (process.cpuUsage, which a
 * loaded machine disturbs less than the wall clock, printed beside it);
 * heap growth and garbage collections over millions of packets show the
 * allocation per packet (zero collections: nothing allocated).
 *
 *   node --expose-gc dist/bench/datapath.js   (npm run bench runs it so)
 *   BENCH_ONLY=emc,megaflow16 node --expose-gc --cpu-prof dist/bench/datapath.js
 *     (one or some of: memory, emc, megaflow1, megaflow16, megaflow64, setup)
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Datapath } from '../lib/datapath/datapath.js';
import { trackedClassifiers } from '../lib/datapath/change-log.js';
import { hashKey } from '../lib/datapath/emc.js';
import type { Netdev, NetdevFeatures, NetdevStats } from '../lib/netdev/netdev.js';
import { zeroStats } from '../lib/netdev/netdev.js';
import { FrameBatch } from '../lib/netdev/ring.js';
import { Bridge } from '../lib/ofproto/bridge.js';
import { monotonicClock, type Clock } from '../lib/ofproto/clock.js';
import { parseFlow, parseGroup } from '../lib/cli/syntax/index.js';
import type { OfpMessage } from '../lib/openflow/types.js';
import { buildIpv4 } from '../lib/packet/ipv4.js';
import { buildUdp } from '../lib/packet/udp.js';
import { buildEthernet } from '../lib/packet/ethernet.js';
import { fillIpv4Checksum } from '../lib/packet/checksum.js';
import { Extractor } from '../lib/packet/extract.js';
import { KEY_WORDS, KW, newKey } from '../lib/packet/flow-key.js';
import { ODP } from '../lib/xlate/odp.js';
import type { XlateResult } from '../lib/xlate/context.js';
import { reportHeadline, type Headline } from './lib/headline.js';

const BATCH = 32;
/** Slot size: a 64-byte frame and its headroom (a real ring's are 2 KiB; smaller keeps 100,000 frames in 25 MB). */
const SLOT = 256;
const HEADROOM = 128;

/** A port that takes batches and counts them: the datapath's view of a system port, minus the kernel. */
class NullPort implements Netdev {
  readonly type = 'bench';
  readonly ring = new FrameBatch(new Uint8Array(0), 1);
  txFrames = 0;
  constructor(readonly name: string) {}
  hwAddr(): string {
    return '02:00:00:00:00:01';
  }
  linkUp(): boolean {
    return true;
  }
  features(): NetdevFeatures {
    return { curr: 0, advertised: 0, supported: 0, peer: 0, curr_speed: 0, max_speed: 0 };
  }
  stats(): NetdevStats {
    return zeroStats();
  }
  setAdminUp(): void {}
  setAdvertised(): boolean {
    return true;
  }
  onChange(): () => void {
    return () => undefined;
  }
  onReceive(): void {}
  sendFrames(_bytes: Uint8Array, _desc: Int32Array, count: number): number {
    this.txFrames += count;
    return count;
  }
}

function udpFrame(buf: Uint8Array, off: number, src: number, dst: number, sport: number, dport: number): number {
  const mac = (x: number): Uint8Array => Uint8Array.of(0, 0, 0, 0, 0, x);
  let p = buildEthernet(buf, off, mac(2), mac(1), 0x0800);
  const l3 = p;
  p = buildIpv4(buf, p, { tos: 0, ident: 1, flags: 0, fragOffset: 0, ttl: 64, protocol: 17, src, dst, payloadLen: 8 + 18 });
  fillIpv4Checksum(buf, l3);
  p = buildUdp(buf, p, sport, dport, 18);
  return p + 18 - off;
}

/** `n` batches of BATCH frames (flow i = source port base+i), with headroom. */
function batches(nFlows: number, base = 1000, dst = (i: number): number => 0x0a000002 + (i & 0xff)): { bytes: Uint8Array; desc: Int32Array[] } {
  const nBatches = Math.max(1, Math.ceil(nFlows / BATCH));
  const bytes = new Uint8Array(nBatches * BATCH * SLOT);
  const desc: Int32Array[] = [];
  for (let b = 0; b < nBatches; b++) {
    const d = new Int32Array(2 * BATCH);
    for (let i = 0; i < BATCH; i++) {
      const slot = (b * BATCH + i) * SLOT + HEADROOM;
      const f = (b * BATCH + i) % nFlows;
      d[2 * i] = slot;
      d[2 * i + 1] = udpFrame(bytes, slot, 0x0a000001 + (f >>> 14), dst(f), base + (f & 0x3fff), 53);
    }
    desc.push(d);
  }
  return { bytes, desc };
}

interface Switch {
  bridge: Bridge;
  dp: Datapath;
  out: NullPort;
  clock: Clock;
}

async function makeSwitch(flows: string[], groups: string[] = [], opts: ConstructorParameters<typeof Datapath>[1] = {}): Promise<Switch> {
  // The process clock, as the daemon runs: its fractional milliseconds are what the hit path stores.
  const clock = monotonicClock;
  const bridge = new Bridge({ datapathId: 1n, clock, classifier: trackedClassifiers() });
  bridge.addPort(new NullPort('in'), 1);
  const out = new NullPort('out');
  bridge.addPort(out, 2);
  for (let p = 3; p <= 5; p++) bridge.addPort(new NullPort(`p${p}`), p);
  const dp = new Datapath(bridge, { revalidateIntervalMs: 3_600_000, ...opts }).attach();
  for (const g of groups) await bridge.handle({ ...parseGroup(g, { command: 'add' }), xid: 1 } as OfpMessage, { connId: 1 });
  for (const f of flows) await bridge.handle({ ...parseFlow(f, { command: 'add' }), xid: 1 } as OfpMessage, { connId: 1 });
  return { bridge, dp, out, clock };
}

/* ------------------------------------------------------------ measuring */

const gcCollect = (globalThis as { gc?: () => void }).gc;
let gcs = 0;
const obs = new PerformanceObserver((list) => void (gcs += list.getEntries().length));
obs.observe({ entryTypes: ['gc'] });
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

/** Heap and array buffers in use once garbage is collected. */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gcCollect?.();
    await new Promise((r) => setTimeout(r, 100));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface Figures {
  rate: number;
  ns: number;
  wallNs: number;
  bytesPerPacket: number;
  gcs: number;
  n: number;
}

/** Runs `run(k)` (k batches; returns packets) sized to about `seconds`, measured. */
async function measure(run: (k: number) => number, seconds: number): Promise<Figures> {
  run(2000);
  let t0 = process.hrtime.bigint();
  const probe = run(5000);
  const perPacket = Number(process.hrtime.bigint() - t0) / probe;
  const k = Math.max(20_000, Math.round((seconds * 1e9) / perPacket / BATCH));
  gcCollect?.();
  await settle();
  const g0 = gcs;
  const h0 = process.memoryUsage().heapUsed;
  const c0 = process.cpuUsage();
  t0 = process.hrtime.bigint();
  const n = run(k);
  const wall = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  const h1 = process.memoryUsage().heapUsed;
  await settle();
  const cpuNs = (cpu.user + cpu.system) * 1000;
  return { rate: (n / cpuNs) * 1e9, ns: cpuNs / n, wallNs: wall / n, bytesPerPacket: (h1 - h0) / n, gcs: gcs - g0, n };
}

const fmt = (f: Figures): string =>
  `${(f.rate / 1e6).toFixed(2).padStart(6)} Mpps  ${f.ns.toFixed(1).padStart(6)} ns/pkt (wall ${f.wallNs.toFixed(1)})  ` +
  `heap ${f.bytesPerPacket.toFixed(3)} B/pkt, ${f.gcs} GCs over ${(f.n / 1e6).toFixed(1)}M packets`;

/** The peer: extract and hash every key of the batches, nothing else. */
async function extractOnly(bytes: Uint8Array, desc: Int32Array[], seconds: number): Promise<Figures> {
  const ex = new Extractor();
  const key = newKey();
  let acc = 0;
  const f = await measure((k) => {
    for (let j = 0; j < k; j++) {
      const d = desc[j % desc.length]!;
      for (let i = 0; i < BATCH; i++) {
        ex.extract(bytes, d[2 * i]!, d[2 * i + 1]!, 1, key);
        acc = (acc + hashKey(key)) | 0;
      }
    }
    return k * BATCH;
  }, seconds);
  if (acc === 0.5) console.log('unreachable');
  return f;
}

function receiver(sw: Switch, bytes: Uint8Array, desc: Int32Array[]): (k: number) => number {
  return (k) => {
    for (let j = 0; j < k; j++) sw.dp.receiveBatch(1, bytes, desc[j % desc.length]!, BATCH);
    return k * BATCH;
  };
}

/** Installs `n` megaflows with `nMasks` distinct masks directly (the classifier's cost, not translation's). */
function installMegaflows(sw: Switch, n: number, nMasks: number, flowKeys: Uint32Array[]): void {
  const actions = Int32Array.of(ODP.OUTPUT, 2);
  for (let i = 0; i < n; i++) {
    const key = flowKeys[i]!;
    const wc = new Uint32Array(KEY_WORDS);
    wc[KW.IN_PORT] = 0xffffffff;
    wc[KW.ETH_TYPE_VLAN] = 0xffff0000;
    wc[KW.IP_PROTO_TOS_TTL] = 0xff000003;
    // Each megaflow covers its own packet only (source port exact), and the masks differ by address
    // prefixes: mask m has the destination under /(8 + m % 24) and, from m = 24 on, the source under
    // /(8 + (m - 24) % 24) too, so packets spread evenly over the subtables, as over real masks.
    const m = i % nMasks;
    wc[KW.TP_PORTS] = 0xffff0000;
    wc[KW.NW_DST] = (0xffffffff << (24 - (m % 24))) >>> 0;
    if (m >= 24) wc[KW.NW_SRC] = (0xffffffff << (24 - ((m - 24) % 24))) >>> 0;
    if (m >= 48) wc[KW.ETH_DST_LO] = 0xffffffff;
    const res = {
      actions,
      wc,
      finalKey: key,
      trace: null,
      error: null,
      xc: { userspace: [], meters: [], meterIds: [], rules: [], tables: [], visits: [], groups: [], buckets: [], groupIds: [], groupSeen: [], normal: false, learned: [] },
    } satisfies XlateResult;
    sw.dp.install(key, res);
  }
}

/** BENCH_ONLY=emc,megaflow16,... runs those scenarios only (memory, emc, megaflow1, megaflow16, megaflow64, setup), for profiling one. */
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : null;
const only = (name: string): boolean => ONLY === null || ONLY.includes(name);

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 1.5);
  if (gcCollect === undefined) console.log('(run with --expose-gc for a clean heap baseline)');

  // Memory per megaflow at 200,000, installed directly into a fresh switch, keys made in one reused array.
  if (only('memory')) {
    const sw = await makeSwitch(['udp,actions=output:2']);
    const heap = settledHeap;
    const before = await heap();
    const k = newKey();
    const one = batches(1);
    new Extractor().extract(one.bytes, one.desc[0]![0]!, one.desc[0]![1]!, 1, k);
    const wc = new Uint32Array(KEY_WORDS);
    wc[KW.IN_PORT] = 0xffffffff;
    wc[KW.ETH_TYPE_VLAN] = 0xffff0000;
    wc[KW.NW_SRC] = 0xffffffff;
    wc[KW.TP_PORTS] = 0xffffffff;
    const res0 = { ...sw.dp.translator.translate({ key: k, sideEffects: false, now: 0 }), wc };
    const start = sw.dp.flows.length;
    for (let i = 0; sw.dp.flows.length < 200_000; i++) {
      k[KW.NW_SRC] = (0x0b000000 + i) >>> 0;
      k[KW.TP_PORTS] = ((i & 0xffff) << 16) | 53;
      sw.dp.install(k, res0);
    }
    const n = sw.dp.flows.length - start;
    const perFlow = ((await heap()) - before) / n;
    console.log(`memory: ${n.toLocaleString('en')} megaflows took ${perFlow.toFixed(0)} bytes each (heap + array buffers; ${sw.dp.dpcls.subtableCount} mask)`);
    sw.dp.detach();
  }

  // EMC hits.
  if (only('emc')) {
    const sw = await makeSwitch(['actions=output:2'], [], { emcInsertInvProb: 1 });
    const { bytes, desc } = batches(1000);
    for (let j = 0; j < desc.length * 3; j++) sw.dp.receiveBatch(1, bytes, desc[j % desc.length]!, BATCH);
    const peer = await extractOnly(bytes, desc, seconds);
    const f = await measure(receiver(sw, bytes, desc), seconds);
    console.log(`EMC hits (1,000 flows, output:2)`);
    console.log(`  datapath          ${fmt(f)}`);
    console.log(`  peer: extract+hash ${fmt(peer)}`);
    headlines.push({ name: 'datapath EMC hits, 1,000 flows, in process', unit: 'Mpps/CPU-s', ours: f.rate / 1e6, peer: peer.rate / 1e6, peerName: 'extract+hash alone', better: 'higher' });
    console.log(`  ratio datapath/peer time: ${(f.ns / peer.ns).toFixed(2)}  (EMC hits ${sw.dp.nEmcHits}, megaflow hits ${sw.dp.nMegaflowHits})`);
    sw.dp.detach();
  }

  // Megaflow hits with 1, 16, 64 masks.
  for (const nMasks of [1, 16, 64]) {
    if (!only(`megaflow${nMasks}`)) continue;
    const sw = await makeSwitch(['actions=output:2'], [], { emcInsertInvProb: 0 });
    const nFlows = 4096;
    const { bytes, desc } = batches(nFlows, 1000, (i) => (0x0a000000 + (i * 2654435761)) >>> 0);
    const ex = new Extractor();
    const keys: Uint32Array[] = [];
    for (const d of desc) {
      for (let i = 0; i < BATCH; i++) {
        const k = newKey();
        ex.extract(bytes, d[2 * i]!, d[2 * i + 1]!, 1, k);
        keys.push(k);
      }
    }
    installMegaflows(sw, keys.length, nMasks, keys);
    for (let j = 0; j < desc.length; j++) sw.dp.receiveBatch(1, bytes, desc[j]!, BATCH);
    sw.dp.dpcls.rerank();
    const f = await measure(receiver(sw, bytes, desc), seconds);
    console.log(`megaflow hits, ${nMasks} mask${nMasks === 1 ? '' : 's'} (${sw.dp.flows.length} megaflows, EMC off)`);
    console.log(`  datapath          ${fmt(f)}  misses ${sw.dp.nMissed}`);
    if (nMasks === 16) headlines.push({ name: 'datapath megaflow hits, 16 masks, in process', unit: 'Mpps/CPU-s', ours: f.rate / 1e6, peer: null, peerName: '', better: 'higher' });
    sw.dp.detach();
  }

  // Flow setups through a 10-table pipeline.
  if (only('setup')) {
    const flows: string[] = [];
    for (let t = 0; t < 9; t++) flows.push(`table=${t},udp,actions=goto_table:${t + 1}`, `table=${t},tcp,actions=drop`, `table=${t},priority=0,actions=drop`);
    flows.push('table=9,udp,actions=group:1');
    const sw = await makeSwitch(flows, ['group_id=1,type=select,bucket=output:2,bucket=output:3,bucket=output:4,bucket=output:5'], { flowLimit: 1_000_000, upcallQueue: 4096 });
    const nFlows = 100_000;
    const { bytes, desc } = batches(nFlows, 1);
    const h0 = await settledHeap();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < desc.length; j++) sw.dp.receiveBatch(1, bytes, desc[j]!, BATCH);
    sw.dp.handleUpcalls();
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(c0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    console.log(`flow setups, 10 tables + select group, every packet a new 5-tuple`);
    headlines.push({ name: 'datapath flow setups, 10 tables + select group', unit: '/CPU-s', ours: sw.dp.nUpcalls / cpuS, peer: null, peerName: '', better: 'higher' });
    console.log(`  ${Math.round(sw.dp.nUpcalls / cpuS).toLocaleString('en')} setups/s of CPU (${Math.round(sw.dp.nUpcalls / wall).toLocaleString('en')}/s wall), ${sw.dp.flows.length.toLocaleString('en')} megaflows, lost ${sw.dp.upcalls.lost}`);
    // What these megaflows hold, each translated on its own (the memory scenario above shares one translation).
    const perFlow = ((await settledHeap()) - h0) / sw.dp.flows.length;
    console.log(`  memory: ${perFlow.toFixed(0)} bytes per megaflow so set up (heap + array buffers, with their translations' caches)`);

    sw.dp.detach();
  }

  obs.disconnect();
  reportHeadline('datapath', headlines);
}

/** Headline figures for bench/run-all (lib/headline.ts). */
const headlines: Headline[] = [];

await main();
