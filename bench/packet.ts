/**
 * bench/packet: flow key extraction rate on one core, for the three frames
 * that bracket the datapath's common case: a 64-byte IPv4/UDP frame, a
 * VLAN-tagged IPv4/TCP frame and an IPv6/TCP frame (all from the recorded
 * corpus, fixtures/packets/frames.json).
 *
 * For each: frames per second and nanoseconds per frame (of CPU time,
 * from process.cpuUsage, which a busy machine disturbs far less than the
 * wall clock; the wall-clock figure is printed beside it), for
 * `Extractor.extract` (frame at an offset in a slot buffer, layout
 * recorded: what the datapath calls) and `extractKey` (frame at 0, no
 * layout); and the heap allocated per frame, measured across a loop of
 * millions of extractions as the growth of `process.memoryUsage().heapUsed`
 * together with the number of garbage collections that ran meanwhile (a
 * scavenge only runs when the young generation fills, so zero collections
 * over millions of frames means nothing was allocated per frame).
 *
 * There is no in-process peer: Open vSwitch's miniflow_extract runs in C
 * inside ovs-vswitchd and cannot be timed from here. The target is the
 * design's: nothing allocated on the per-packet path.
 *
 *   node --expose-gc dist/bench/packet.js   (npm run bench runs it so)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { Extractor, extractKey } from '../lib/packet/extract.js';
import { KW, newKey } from '../lib/packet/flow-key.js';
import { reportHeadline, type Headline } from './lib/headline.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const frames = (
  JSON.parse(readFileSync(join(ROOT, 'fixtures', 'packets', 'frames.json'), 'utf8')) as { frames: { name: string; hex: string }[] }
).frames;

const CASES: [string, string][] = [
  ['ipv4_udp_64', '64-byte IPv4/UDP'],
  ['vlan_ipv4_tcp', '802.1Q IPv4/TCP'],
  ['ipv6_tcp', 'IPv6/TCP'],
];

const gcCollect = (globalThis as { gc?: () => void }).gc;
let gcs = 0;
const obs = new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
});
obs.observe({ entryTypes: ['gc'] });

/** Lets queued PerformanceObserver entries arrive. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

interface Figures {
  /** Frames per CPU second. */
  rate: number;
  /** CPU nanoseconds per frame. */
  ns: number;
  /** Wall-clock nanoseconds per frame. */
  wallNs: number;
  bytesPerFrame: number;
  gcs: number;
  n: number;
}

async function measure(run: (n: number) => number, seconds: number): Promise<Figures> {
  // Warm up (let the JIT settle), then size the loop to about `seconds`.
  run(200_000);
  let n = 200_000;
  let t0 = process.hrtime.bigint();
  run(n);
  const perFrame = Number(process.hrtime.bigint() - t0) / n;
  n = Math.max(1_000_000, Math.round((seconds * 1e9) / perFrame));

  gcCollect?.();
  await settle();
  const gcBefore = gcs;
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  t0 = process.hrtime.bigint();
  const sink = run(n);
  const wall = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const heapAfter = process.memoryUsage().heapUsed;
  await settle();
  if (sink === 0.5) console.log('unreachable'); // keeps the loop's result alive
  const cpuNs = (cpu.user + cpu.system) * 1000;
  return { rate: (n / cpuNs) * 1e9, ns: cpuNs / n, wallNs: wall / n, bytesPerFrame: (heapAfter - heapBefore) / n, gcs: gcs - gcBefore, n };
}

function fmt(f: Figures): string {
  return (
    `${(f.rate / 1e6).toFixed(2).padStart(6)} M frames/s  ${f.ns.toFixed(1).padStart(6)} ns/frame ` +
    `(wall ${f.wallNs.toFixed(1)})  ` +
    `heap ${f.bytesPerFrame.toFixed(4)} B/frame, ${f.gcs} GCs over ${(f.n / 1e6).toFixed(1)}M frames`
  );
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 1.5);
  if (gcCollect === undefined) console.log('(run with --expose-gc for a clean heap baseline)');
  const ex = new Extractor();
  const key = newKey();
  for (const [name, label] of CASES) {
    const hex = frames.find((f) => f.name === name)?.hex;
    if (hex === undefined) throw new Error(`no frame ${name} in the corpus`);
    const frame = new Uint8Array(Buffer.from(hex, 'hex'));
    // The datapath's view: a 2 KiB slot with 128 bytes of headroom.
    const slot = new Uint8Array(2048);
    slot.set(frame, 128);
    const len = frame.length;

    const viaExtractor = await measure((n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        ex.extract(slot, 128, len, 1 + (i & 7), key);
        acc = (acc + key[KW.TP_PORTS] + ex.l4) | 0; // a small integer: the loop itself allocates nothing
      }
      return acc;
    }, seconds);
    const viaFunction = await measure((n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        extractKey(frame, len, 1 + (i & 7), key);
        acc = (acc + key[KW.TP_PORTS]) | 0;
      }
      return acc;
    }, seconds);
    console.log(`${label} (${len} bytes)`);
    console.log(`  Extractor.extract  ${fmt(viaExtractor)}`);
    console.log(`  extractKey         ${fmt(viaFunction)}`);
    headlines.push({ name: `key extraction, ${label}`, unit: 'Mpps/CPU-s', ours: viaExtractor.rate / 1e6, peer: null, peerName: '', better: 'higher' });
  }
  obs.disconnect();
  reportHeadline('packet', headlines);
}

/** Headline figures for bench/run-all (lib/headline.ts). */
const headlines: Headline[] = [];

await main();
