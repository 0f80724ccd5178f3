/**
 * bench/flow-mod: how fast the switch takes flow entries, and what one
 * costs in memory.
 *
 * 1. End to end, against the peer: 100,000 distinct flows sent by the real
 *    `ovs-ofctl -O OpenFlow13 add-flows` (and again with `--bundle`), timed
 *    until ovs-ofctl exits, which is after the barrier reply that follows
 *    its last flow_mod. The same file goes to a private Open vSwitch
 *    (userspace, dummy datapath; spec/helpers/ofproto-harness.ts) and to
 *    ofswitch — bin/ofswitchd when it is built, else a Bridge served
 *    in-process — in the same run, and the ratio is printed (target: faster
 *    than Open vSwitch). Skipped with a note where Open vSwitch or root is
 *    missing.
 * 2. In process: `Bridge.handle()` on 100,000 decoded ADDs, and on the
 *    same flow_mods from their bytes (decodeMessage + handle), in flow_mods
 *    per second.
 * 3. Memory per installed rule at 100,000 rules: the heap and array
 *    buffers grown by installing them from their bytes, after a full GC,
 *    divided by 100,000.
 *
 *   node dist/bench/flow-mod.js [--flows N] [--runs R] [--no-peer] [--in-process] [--tcp] [--only bundle|plain]
 *
 * --only runs one of the two end-to-end modes (with or without --bundle).
 *
 * Besides the wall time, each run's CPU time of the switch process
 * (ovs-vswitchd; ofswitchd when it runs as a daemon) is read from
 * /proc/PID/stat: on a loaded machine the wall time is mostly waiting for a
 * core, and the CPU time says what the switch itself spent.
 *
 * ovs-ofctl reaches both switches on a Unix socket (Open vSwitch's
 * management socket, ofswitchd's `--listen punix:`), so that the round
 * trips of the mode without --bundle cost the same for both; --tcp puts
 * ofswitchd on TCP loopback instead, as before.
 *
 * --in-process serves the Bridge from this process even when the daemon is
 * built (the harness's minimal connection instead of lib/conn), which shows
 * what the connection layer costs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Bridge } from '../lib/ofproto/bridge.js';
import { DummyNetdev } from '../lib/netdev/dummy.js';
import {
  decodeMessage,
  encodeMessage,
  OFP_NO_BUFFER,
  OFPAT,
  OFPFC,
  OFPG,
  OFPIT,
  OFPP,
  OFPT,
  type FlowMod,
} from '../lib/openflow/index.js';
import {
  daemonBuilt,
  ovsOfctl,
  ovsUnavailable,
  serveBridge,
  startOfswitchd,
  startOvs,
  type CommandResult,
} from '../spec/helpers/ofproto-harness.js';
import { startDaemon } from '../spec/helpers/daemon.js';
import { reportHeadline, type Headline } from './lib/headline.js';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--flows') + 1] ?? 0) || 100_000;
const withPeer = !args.includes('--no-peer');
const forceInProcess = args.includes('--in-process');
const overTcp = args.includes('--tcp');
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 0) || 3;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
if (only !== undefined && only !== 'bundle' && only !== 'plain') throw new Error('--only takes bundle or plain');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/* -------------------------------------------------------------- the flows */

/** Flow i: distinct by (nw_dst, tp_dst); a realistic 5-field match and one output. */
function flowText(i: number): string {
  return `priority=${100 + (i % 7)},tcp,in_port=${(i % 3) + 1},nw_dst=10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255},tp_dst=${1024 + (i % 50000)},actions=output:${((i + 1) % 3) + 1}`;
}

function flowMod(i: number): FlowMod {
  return {
    type: OFPT.FLOW_MOD,
    xid: i,
    cookie: 0n,
    cookie_mask: 0n,
    table_id: 0,
    command: OFPFC.ADD,
    idle_timeout: 0,
    hard_timeout: 0,
    priority: 100 + (i % 7),
    buffer_id: OFP_NO_BUFFER,
    out_port: OFPP.ANY,
    out_group: OFPG.ANY,
    flags: 0,
    match: [
      { field: 'in_port', value: (i % 3) + 1 },
      { field: 'eth_type', value: 0x0800 },
      { field: 'ip_proto', value: 6 },
      { field: 'ipv4_dst', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      { field: 'tcp_dst', value: 1024 + (i % 50000) },
    ],
    instructions: [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: ((i + 1) % 3) + 1, max_len: 0 }] }],
  };
}

function newBridge(): Bridge {
  const b = new Bridge({ datapathId: 1n });
  for (const p of [1, 2, 3]) b.addPort(new DummyNetdev(`p${p}`), p);
  return b;
}

const ORIGIN = { connId: 1 };
const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`;

/* ------------------------------------------------------------ in process */

/**
 * A full collection that has finished: freed array buffers are counted
 * down only when their backing stores are swept, which a second collection
 * after a turn of the event loop waits for. One gc() alone left the figure
 * anywhere between 20 and 1,400 bytes per rule from one run to the next.
 */
async function settle(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 20));
  gc();
}

async function inProcess(): Promise<void> {
  const mods = Array.from({ length: N }, (_, i) => flowMod(i));
  const bytes = mods.map((m) => Buffer.from(encodeMessage(m)));

  // Warm up on a throwaway bridge so that the JIT has seen the path.
  const warm = newBridge();
  for (let i = 0; i < Math.min(N, 20_000); i++) warm.handle(mods[i]!, ORIGIN);

  let handleMs = Infinity;
  let decodeMs = Infinity;
  const perRule: number[] = [];
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  for (let run = 0; run < RUNS; run++) {
    gc();
    let b: Bridge | null = newBridge();
    let t0 = performance.now();
    for (let i = 0; i < N; i++) b.handle(mods[i]!, ORIGIN);
    handleMs = Math.min(handleMs, performance.now() - t0);
    if (b.table(0)!.nRules !== N) throw new Error(`expected ${N} rules, have ${b.table(0)!.nRules}`);
    b = null;

    // From bytes, as a connection hands them over: the rules keep the decoded
    // matches and instructions, so this is also where memory is measured.
    await settle();
    const before = used();
    let b2: Bridge | null = newBridge();
    t0 = performance.now();
    for (let i = 0; i < N; i++) b2.handle(decodeMessage(bytes[i]!), ORIGIN);
    decodeMs = Math.min(decodeMs, performance.now() - t0);
    await settle();
    perRule.push((used() - before) / N);
    // Used after the measurement, so that the collector cannot take it early.
    if (b2.table(0)!.nRules !== N) throw new Error(`expected ${N} rules, have ${b2.table(0)!.nRules}`);
    b2 = null;
  }

  console.log(`in process, ${N.toLocaleString('en')} distinct ADDs into one table (best of ${RUNS}):`);
  console.log(`  Bridge.handle()                 ${(handleMs / 1000).toFixed(3)} s  ${rate(N, handleMs)}`);
  console.log(`  decodeMessage() + handle()      ${(decodeMs / 1000).toFixed(3)} s  ${rate(N, decodeMs)}`);
  perRule.sort((a, b) => a - b);
  console.log(`memory per installed rule at ${N.toLocaleString('en')} rules: ${Math.round(perRule[perRule.length >> 1]!)} bytes (median of ${RUNS})`);
  console.log('  (heap and array buffers grown by installing them from bytes, after a full GC: rule, key words,');
  console.log('   classifier entry, and the decoded match and instructions kept for stats replies)');
}

/* ------------------------------------------------------------ end to end */

async function timed(argv: string[]): Promise<{ ms: number; r: CommandResult }> {
  const t0 = performance.now();
  const r = await ovsOfctl(argv, 600_000);
  return { ms: performance.now() - t0, r };
}

/** CPU seconds (user + system) process `pid` has used, or NaN when it cannot be read. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    // Fields 14 and 15 (utime, stime) after the parenthesised command name, in clock ticks (100 per second on Linux).
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

async function endToEnd(): Promise<void> {
  const why = ovsUnavailable();
  if (why !== null) {
    console.log(`end to end against Open vSwitch: skipped (${why})`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-flow-mod-'));
  const file = join(dir, 'flows.txt');
  writeFileSync(file, Array.from({ length: N }, (_, i) => flowText(i)).join('\n') + '\n');
  const ports = { 1: 'p1', 2: 'p2', 3: 'p3' };
  const ovs = startOvs({ ports });
  let ours: { target: string; stop(): Promise<void> | void; label: string; pid?: number };
  if (daemonBuilt() && !forceInProcess && !overTcp) {
    // The same transport as the peer's: ovs-ofctl reaches Open vSwitch on
    // its Unix management socket, and without --bundle every flow_mod is a
    // round trip (flow_mod + barrier), which TCP loopback makes slower for
    // whichever switch sits behind it.
    const d = await startDaemon(['--listen', `punix:${join(dir, 'ofswitchd.sock')}`, '--controller', 'tcp:127.0.0.1:1', '--fail-mode', 'secure', '--dpid', '1',
      ...Object.entries(ports).flatMap(([no, name]) => ['--port', `${no}=${name}:dummy`])]);
    ours = { target: `unix:${join(dir, 'ofswitchd.sock')}`, stop: async () => void (await d.stop()), label: 'ofswitchd (Unix socket)', pid: d.pid };
  } else if (daemonBuilt() && !forceInProcess) {
    const d = await startOfswitchd({ ports });
    ours = { target: d.target, stop: () => d.stop(), label: 'ofswitchd (TCP loopback)' };
  } else {
    const served = await serveBridge(newBridge());
    ours = { target: served.target, stop: () => served.close(), label: 'ofswitch (in-process Bridge over TCP)' };
  }
  const peers = [
    { label: 'Open vSwitch', target: ovs.target, pid: Number(readFileSync(join(ovs.dir, 'vswitchd.pid'), 'utf8').trim()) || undefined },
    { label: ours.label, target: ours.target, pid: ours.pid },
  ];
  try {
    console.log(`end to end: ovs-ofctl -O OpenFlow13 add-flows, ${N.toLocaleString('en')} flows, timed to the barrier reply`);
    console.log(`  (best and median of ${RUNS} runs, the two switches taking turns; without --bundle ovs-ofctl waits`);
    console.log('   for a barrier reply after every flow_mod, so that mode measures round trips more than flow_mods)');
    for (const bundle of only === 'bundle' ? [true] : only === 'plain' ? [false] : [false, true]) {
      const times: (number | string)[][] = peers.map(() => []);
      const cpus: number[][] = peers.map(() => []);
      for (let run = 0; run < RUNS; run++) {
        for (let k = 0; k < peers.length; k++) {
          const target = peers[k]!.target;
          await ovsOfctl(['del-flows', target]);
          const cpu0 = cpuSeconds(peers[k]!.pid);
          const { ms, r } = await timed([...(bundle ? ['--bundle'] : []), 'add-flows', target, file]);
          cpus[k]!.push(cpuSeconds(peers[k]!.pid) - cpu0);
          const count = (await ovsOfctl(['dump-aggregate', target])).stdout.match(/flow_count=(\d+)/)?.[1];
          if (r.status !== 0) times[k]!.push(`failed: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
          else if (Number(count) !== N) times[k]!.push(`installed ${count} of ${N}`);
          else times[k]!.push(ms);
        }
      }
      console.log(`  ${bundle ? 'with --bundle' : 'without bundle'}:`);
      const best: (number | undefined)[] = [];
      const bestCpu: (number | undefined)[] = [];
      peers.forEach((peer, k) => {
        const ok = times[k]!.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
        const failure = times[k]!.find((x) => typeof x === 'string');
        if (ok.length === 0) {
          console.log(`    ${peer.label.padEnd(40)} ${String(failure)}`);
          return;
        }
        best[k] = ok[0]!;
        const median = ok[Math.floor(ok.length / 2)]!;
        const cpu = cpus[k]!.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
        bestCpu[k] = cpu[0];
        const cpuText = cpu.length === 0 ? '' : `; switch CPU best ${cpu[0]!.toFixed(2)} s, median ${cpu[Math.floor(cpu.length / 2)]!.toFixed(2)} s`;
        console.log(`    ${peer.label.padEnd(40)} best ${(ok[0]! / 1000).toFixed(2)} s (${rate(N, ok[0]!)}), median ${(median / 1000).toFixed(2)} s${cpuText}`);
      });
      if (best[1] !== undefined) {
        headlines.push({
          name: `add-flows ${N.toLocaleString('en')} flows${bundle ? ', --bundle' : ''}`,
          unit: 's',
          ours: best[1] / 1000,
          peer: best[0] === undefined ? null : best[0] / 1000,
          peerName: 'Open vSwitch',
          better: 'lower',
        });
      }
      if (best[0] !== undefined && best[1] !== undefined) {
        console.log(`    ratio (Open vSwitch time / ours, best runs): ${(best[0] / best[1]).toFixed(2)}x ${best[1] < best[0] ? '(faster than Open vSwitch)' : '(slower than Open vSwitch)'}`);
      }
      if (bestCpu[0] !== undefined && bestCpu[1] !== undefined) {
        console.log(`    CPU ratio (Open vSwitch switch CPU / ours, best runs): ${(bestCpu[0] / bestCpu[1]).toFixed(2)}x`);
      }
    }
  } finally {
    await ours.stop();
    ovs.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Headline figures for bench/run-all (lib/headline.ts). */
const headlines: Headline[] = [];

await inProcess();
if (withPeer) await endToEnd();
reportHeadline('flow-mod', headlines);
