/**
 * bench/ofctl: `ofctl` against `ovs-ofctl` on the two operations that move
 * a whole flow table, against the same switch in the same run:
 *
 * - `add-flows SWITCH FILE` of 100,000 distinct flows (in_port, IPv4
 *   destination, TCP destination port, output action), from an empty table
 *   each time, checked afterwards (dump-aggregate must count 100,000);
 * - `dump-flows SWITCH` of those 100,000 flows, the output written to a
 *   file, as a user's `> flows.txt` would.
 *
 * Each figure is wall-clock time of the whole command, process start to
 * exit, the median of several runs in which the two tools alternate (so a
 * busy machine slows both alike). The switch is a private Open vSwitch
 * (spec/helpers/ovs-instance.ts, userspace datapath) reached through its
 * management socket, and, when it is ready for it, our own ofswitchd over
 * TCP. Printed: each tool's time, flows per second, and the ratio
 * ovs-ofctl / ofctl (above 1: ofctl is faster). Target: at least 1 on both.
 *
 * Also, for each switch, what the switch itself takes to answer that dump:
 * from the flow statistics request to the last byte of its last reply,
 * over a raw connection opened from this process (no client start-up, no
 * printing), the median of the same number of rounds. With both tools
 * waiting on the switch, this is the floor under both of their figures.
 *
 * Needs root and Open vSwitch for the Open vSwitch part (skipped with a
 * note otherwise). `node dist/bench/ofctl.js [--flows N] [--rounds N]
 * [--add-rounds N] [--port P] [--no-ofswitchd]`; ofswitchd listens on
 * 127.0.0.1:P (default: a free port).
 */
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvsInstance } from '../spec/helpers/ovs-instance.js';
import { startDaemon } from '../spec/helpers/daemon.js';
import { ROOT } from '../spec/helpers/paths.js';
import { EARLY_FLOW_REQUEST, EARLY_HELLO, EARLY_REQUEST_XID } from '../lib/cli/ofctl-early.js';
import { reportHeadline } from './lib/headline.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const FLOWS = arg('--flows', 100_000);
const ADD_ROUNDS = arg('--add-rounds', 2);
const DUMP_ROUNDS = arg('--rounds', 5);
const LISTEN_PORT = arg('--port', 0);

/** The flow file: distinct, realistic flows. */
function flowFile(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const inPort = 1 + (i % 3);
    const dst = `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;
    const port = 1024 + (i % 50_000);
    lines.push(`priority=${100 + (i % 7)},tcp,in_port=${inPort},nw_dst=${dst},tp_dst=${port},actions=output:${1 + ((i + 1) % 3)}`);
  }
  return lines.join('\n') + '\n';
}

interface Tool {
  readonly name: string;
  readonly argv: (args: string[]) => string[];
}

const OVS_OFCTL: Tool = { name: 'ovs-ofctl', argv: (args) => ['ovs-ofctl', '-O', 'OpenFlow13', ...args] };
const OFCTL: Tool = { name: 'ofctl', argv: (args) => [process.execPath, join(ROOT, 'bin', 'ofctl'), '-O', 'OpenFlow13', ...args] };

/** Runs a command with stdout to `outFile`; resolves with its wall time in ms. */
function timed(argv: string[], env: NodeJS.ProcessEnv, outFile: string): Promise<{ ms: number; status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const fd = openSync(outFile, 'w');
    const start = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...env, NODE_OPTIONS: '' }, stdio: ['ignore', fd, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      closeSync(fd);
      resolve({ ms, status, stderr });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function must(p: Promise<{ ms: number; status: number | null; stderr: string }>, what: string): Promise<number> {
  const r = await p;
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr.slice(0, 500)}`);
  return r.ms;
}

async function flowCount(sw: string, env: NodeJS.ProcessEnv, dir: string): Promise<number> {
  const out = join(dir, 'aggregate.txt');
  await must(timed(OVS_OFCTL.argv(['dump-aggregate', sw]), env, out), 'dump-aggregate');
  const { readFileSync } = await import('node:fs');
  const m = /flow_count=(\d+)/.exec(readFileSync(out, 'utf8'));
  return m ? Number(m[1]) : -1;
}

interface Figures {
  add: Record<string, number>;
  dump: Record<string, number>;
  /** The switch's own time to answer the dump (see the essay at the top), ms. */
  reply: number;
}

/**
 * Sends a HELLO and the flow statistics request of `ofctl dump-flows` on a
 * fresh connection to `sw` (`unix:PATH` or `tcp:HOST:PORT`); resolves with
 * the ms from the request to the end of the last OFPST_FLOW reply.
 */
function replyTime(sw: string): Promise<number> {
  const m = /^(?:unix:(.+)|tcp:(.+):(\d+))$/.exec(sw);
  if (!m) throw new Error(`cannot reach ${sw}`);
  return new Promise((resolve, reject) => {
    const socket = m[1] !== undefined ? createConnection(m[1]) : createConnection(Number(m[3]), m[2]);
    let start = 0n;
    let rest: Buffer = Buffer.alloc(0);
    socket.on('connect', () => {
      start = process.hrtime.bigint();
      socket.write(Buffer.concat([EARLY_HELLO, EARLY_FLOW_REQUEST]));
    });
    socket.on('data', (chunk: Buffer) => {
      const b = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let off = 0;
      while (b.length - off >= 8 && b.length - off >= b.readUInt16BE(off + 2)) {
        const len = b.readUInt16BE(off + 2);
        const last = b[off + 1] === 19 && b.readUInt32BE(off + 4) === EARLY_REQUEST_XID && (b.readUInt16BE(off + 10) & 1) === 0;
        if (b[off + 1] === 1) return reject(new Error(`${sw} answered the dump with an error`));
        off += len;
        if (last) {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          socket.destroy();
          return resolve(ms);
        }
      }
      rest = b.subarray(off);
    });
    socket.on('error', reject);
  });
}

async function measure(label: string, sw: string, env: NodeJS.ProcessEnv, dir: string, file: string): Promise<Figures> {
  const tools = [OVS_OFCTL, OFCTL];
  const add: Record<string, number[]> = { 'ovs-ofctl': [], ofctl: [] };
  for (let r = 0; r < ADD_ROUNDS; r++) {
    for (const tool of r % 2 ? [...tools].reverse() : tools) {
      await must(timed(OVS_OFCTL.argv(['del-flows', sw]), env, join(dir, 'del.txt')), 'del-flows');
      const ms = await must(timed(tool.argv(['add-flows', sw, file]), env, join(dir, 'add.txt')), `${tool.name} add-flows`);
      const n = await flowCount(sw, env, dir);
      if (n !== FLOWS) throw new Error(`${label}: ${tool.name} add-flows left ${n} flows, not ${FLOWS}`);
      add[tool.name]!.push(ms);
      console.log(`  ${label} add-flows  ${tool.name.padEnd(9)} ${(ms / 1000).toFixed(2)} s`);
    }
  }
  const dump: Record<string, number[]> = { 'ovs-ofctl': [], ofctl: [] };
  for (let r = 0; r < DUMP_ROUNDS; r++) {
    for (const tool of r % 2 ? [...tools].reverse() : tools) {
      const out = join(dir, `dump-${tool.name}.txt`);
      const ms = await must(timed(tool.argv(['dump-flows', sw]), env, out), `${tool.name} dump-flows`);
      dump[tool.name]!.push(ms);
      console.log(`  ${label} dump-flows ${tool.name.padEnd(9)} ${(ms / 1000).toFixed(3)} s`);
    }
  }
  const reply: number[] = [];
  for (let r = 0; r < DUMP_ROUNDS; r++) {
    const ms = await replyTime(sw);
    reply.push(ms);
    console.log(`  ${label} switch's own reply time ${(ms / 1000).toFixed(3)} s`);
  }
  const med = (o: Record<string, number[]>): Record<string, number> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, median(v)]));
  return { add: med(add), dump: med(dump), reply: median(reply) };
}

function report(label: string, f: Figures): void {
  const line = (what: string, o: Record<string, number>): void => {
    const ovs = o['ovs-ofctl']!;
    const ours = o.ofctl!;
    const rate = (ms: number): string => `${Math.round(FLOWS / (ms / 1000)).toLocaleString('en-US')} flows/s`;
    console.log(
      `${label} ${what.padEnd(10)} ovs-ofctl ${(ovs / 1000).toFixed(3)} s (${rate(ovs)})   ofctl ${(ours / 1000).toFixed(3)} s (${rate(ours)})   ratio ovs-ofctl/ofctl ${(ovs / ours).toFixed(2)}`,
    );
  };
  line('add-flows', f.add);
  line('dump-flows', f.dump);
  console.log(`${label} the switch's own time to answer the dump: ${(f.reply / 1000).toFixed(3)} s`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ofctl-'));
  const file = join(dir, 'flows.txt');
  writeFileSync(file, flowFile(FLOWS));
  console.log(`${FLOWS.toLocaleString('en-US')} flows; medians of ${ADD_ROUNDS} add-flows and ${DUMP_ROUNDS} dump-flows runs per tool, alternating`);
  const results: [string, Figures][] = [];
  try {
    const skip = OvsInstance.skipReason();
    if (skip) {
      console.log(`Open vSwitch: skipped (${skip})`);
    } else {
      const ovs = await OvsInstance.start({ tcp: false });
      try {
        results.push(['Open vSwitch', await measure('ovs', ovs.mgmt('br0'), ovs.env, dir, file)]);
      } finally {
        await ovs.stop();
      }
    }
    if (!process.argv.includes('--no-ofswitchd')) {
      try {
        const d = await startDaemon(['--listen', `ptcp:${LISTEN_PORT}:127.0.0.1`, '--port', '1=p1:dummy', '--port', '2=p2:dummy', '--port', '3=p3:dummy', '--fail-mode', 'secure', '--controller', 'tcp:127.0.0.1:1']);
        try {
          results.push(['ofswitchd', await measure('ofswitchd', `tcp:127.0.0.1:${d.port}`, process.env, dir, file)]);
        } catch (e) {
          // What the switch said about it (warnings and errors), for whoever reads the skip below.
          const said = d.logs.filter((l) => typeof l.level === 'number' && l.level >= 40).slice(-5);
          for (const l of said) console.log(`  ofswitchd log: ${JSON.stringify(l).slice(0, 400)}`);
          if (d.proc.exitCode !== null || d.proc.signalCode !== null) console.log(`  ofswitchd exited (${d.proc.exitCode ?? d.proc.signalCode})`);
          throw e;
        } finally {
          await d.stop();
        }
      } catch (e) {
        console.log(`ofswitchd: skipped (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
  for (const [label, f] of results) report(label.padEnd(12), f);
  const ovsReply = results.find(([label]) => label === 'Open vSwitch')?.[1].reply;
  const ourReply = results.find(([label]) => label === 'ofswitchd')?.[1].reply;
  const replyFigures =
    ovsReply !== undefined && ourReply !== undefined
      ? [{ name: `switch's own reply time, dump of ${FLOWS.toLocaleString('en-US')} flows`, unit: 's', ours: ourReply / 1000, peer: ovsReply / 1000, peerName: 'Open vSwitch', better: 'lower' as const }]
      : [];
  if (replyFigures.length) console.log(`reply time ratio Open vSwitch/ofswitchd ${(ovsReply! / ourReply!).toFixed(2)}`);
  reportHeadline(
    'ofctl',
    results.flatMap(([label, f]) =>
      (['add', 'dump'] as const).map((op) => ({
        name: `${op === 'add' ? 'add-flows' : 'dump-flows'} ${FLOWS.toLocaleString('en-US')} flows (switch: ${label})`,
        unit: 's',
        ours: f[op].ofctl! / 1000,
        peer: f[op]['ovs-ofctl']! / 1000,
        peerName: 'ovs-ofctl',
        better: 'lower' as const,
      })),
    ).concat(replyFigures),
  );
}

await main();
