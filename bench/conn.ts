/**
 * bench/conn: the connection path of ofswitchd against Open vSwitch's, over
 * loopback, with the same client for both:
 * - echo, ping-pong: one ECHO_REQUEST in flight (round trips per second);
 * - echo, pipelined: 32 ECHO_REQUESTs kept in flight, as a controller or
 *   `ovs-ofctl` batch pushes requests (round trips per second);
 * - barrier latency: BARRIER_REQUEST / BARRIER_REPLY ping-pong (median and
 *   99th percentile);
 * - flow_mod + barrier: what `ovs-ofctl add-flow` waits for (the same flow
 *   re-added each time), for information — it measures the flow table too.
 *
 * ofswitchd runs as users run it (`node bin/ofswitchd`, one bridge, no
 * controller, a ptcp listener). Open vSwitch runs as a private instance
 * (its own ovsdb-server and ovs-vswitchd, userspace datapath, a bridge with
 * a ptcp controller listener), inside a private network namespace so nothing
 * touches the host; that needs root and openvswitch-switch, and is skipped
 * with a note otherwise. The client is this process, so both servers face
 * the same client costs.
 *
 * Target (issue "The switch daemon and its controller connections"): at
 * least 0.8x Open vSwitch on echo round trips per second and on barrier
 * latency.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, OFP_NO_BUFFER, OFPAT, OFPFC, OFPHET, OFPIT, OFPT } from '../lib/openflow/index.js';
import { startDaemon, type RunningDaemon } from '../spec/helpers/daemon.js';
import { reportHeadline } from './lib/headline.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
/** Rounds, alternating between the two switches; each figure is the median round. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PIPELINE = 32;

/* ------------------------------------------------------------ the client */

class Client {
  private buf: Buffer = Buffer.alloc(0);
  private waiters = new Map<number, () => void>();
  private xid = 1;

  private constructor(private readonly s: Socket) {
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => this.onData(d));
  }

  static async connect(port: number): Promise<Client> {
    const s = createConnection({ port, host: '127.0.0.1' });
    await once(s, 'connect');
    const c = new Client(s);
    const hello = new Promise<void>((r) => c.waiters.set(0x10000000, r));
    s.write(encodeMessage({ type: OFPT.HELLO, xid: 0x10000000, elements: [{ type: OFPHET.VERSIONBITMAP, bitmaps: [1 << 4] }] }));
    await hello;
    return c;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let off = 0;
    while (this.buf.length - off >= 8) {
      const len = this.buf.readUInt16BE(off + 2);
      if (this.buf.length - off < len) break;
      const type = this.buf[off + 1]!;
      const xid = this.buf.readUInt32BE(off + 4);
      if (type === OFPT.HELLO) {
        this.waiters.get(0x10000000)?.();
        this.waiters.delete(0x10000000);
      } else if (type === OFPT.ECHO_REQUEST) {
        // The switch's own inactivity probe: answer it like a controller.
        const reply = Buffer.from(this.buf.subarray(off, off + len));
        reply[1] = OFPT.ECHO_REPLY;
        this.s.write(reply);
      } else if (type === OFPT.ERROR) {
        throw new Error(`switch answered with an error to xid ${xid}`);
      } else {
        const w = this.waiters.get(xid);
        if (w) {
          this.waiters.delete(xid);
          w();
        }
      }
      off += len;
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(off);
  }

  /** Sends a pre-encoded message with a fresh xid; resolves on the reply with that xid. */
  request(template: Buffer): Promise<void> {
    const msg = Buffer.from(template);
    const xid = this.xid++;
    msg.writeUInt32BE(xid, 4);
    const p = new Promise<void>((r) => this.waiters.set(xid, r));
    this.s.write(msg);
    return p;
  }

  /** Sends `first` (no reply expected) and `then` in one write; resolves on `then`'s reply. */
  pair(first: Buffer, then: Buffer): Promise<void> {
    const a = Buffer.from(first);
    const b = Buffer.from(then);
    a.writeUInt32BE(this.xid++, 4);
    const xid = this.xid++;
    b.writeUInt32BE(xid, 4);
    const p = new Promise<void>((r) => this.waiters.set(xid, r));
    this.s.write(Buffer.concat([a, b]));
    return p;
  }

  close(): void {
    this.s.destroy();
  }
}

const ECHO = encodeMessage({ type: OFPT.ECHO_REQUEST, xid: 0, data: Buffer.alloc(8) });
const BARRIER = encodeMessage({ type: OFPT.BARRIER_REQUEST, xid: 0 });
const FLOW_MOD = encodeMessage({
  type: OFPT.FLOW_MOD,
  xid: 0,
  cookie: 0n,
  cookie_mask: 0n,
  table_id: 0,
  command: OFPFC.ADD,
  idle_timeout: 0,
  hard_timeout: 0,
  priority: 100,
  buffer_id: OFP_NO_BUFFER,
  out_port: 0,
  out_group: 0,
  flags: 0,
  match: [
    { field: 'eth_type', value: 0x0800 },
    { field: 'ipv4_dst', value: '10.0.0.1' },
  ],
  instructions: [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: 0xfffffffd, max_len: 128 }] }],
});

interface Figures {
  pingPong: number;
  echoMedianUs: number;
  pipelined: number;
  barrierMedianUs: number;
  barrierP99Us: number;
  flowModBarrierMedianUs: number;
}

async function timeLoop(seconds: number, step: () => Promise<void>, samples?: number[]): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    const s = performance.now();
    await step();
    if (samples) samples.push(performance.now() - s);
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function pipelined(c: Client, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (performance.now() < end) {
      await c.request(ECHO);
      done++;
    }
  };
  await Promise.all(Array.from({ length: PIPELINE }, lane));
  return done / ((performance.now() - t0) / 1000);
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 1000;
};

async function measure(port: number): Promise<Figures> {
  const c = await Client.connect(port);
  try {
    // Warm-up: lets ofswitchd's JIT settle before anything is timed.
    await timeLoop(1, () => c.request(ECHO));
    await pipelined(c, 0.5);
    await timeLoop(0.5, () => c.pair(FLOW_MOD, BARRIER));
    const echo: number[] = [];
    const pingPong = await timeLoop(SECONDS, () => c.request(ECHO), echo);
    const pipe = await pipelined(c, SECONDS);
    const barrier: number[] = [];
    await timeLoop(SECONDS, () => c.request(BARRIER), barrier);
    const fm: number[] = [];
    await timeLoop(SECONDS, () => c.pair(FLOW_MOD, BARRIER), fm);
    return {
      pingPong,
      echoMedianUs: pct(echo, 50),
      pipelined: pipe,
      barrierMedianUs: pct(barrier, 50),
      barrierP99Us: pct(barrier, 99),
      flowModBarrierMedianUs: pct(fm, 50),
    };
  } finally {
    c.close();
  }
}

/* ------------------------------------------------------------ the peers */

async function withOfswitchd<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-conn-'));
  const cfg = join(dir, 'ofswitchd.json');
  writeFileSync(cfg, JSON.stringify({ bridges: [{ name: 'bench', controllers: [], listen: ['ptcp:0:127.0.0.1'], failMode: 'secure' }] }));
  let d: RunningDaemon | undefined;
  try {
    d = await startDaemon(['--config', cfg]);
    return await fn(d.port);
  } finally {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function sh(cmd: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync('/bin/sh', ['-c', cmd], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr || r.stdout}`);
}

/** Why Open vSwitch cannot be measured here, or undefined if it can. */
function ovsMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const b of ['ovs-vswitchd', 'ovsdb-server', 'ovsdb-tool', 'ovs-vsctl', 'unshare']) {
    if (spawnSync('/bin/sh', ['-c', `command -v ${b}`]).status !== 0) return `${b} not installed (apt-get install openvswitch-switch)`;
  }
  return undefined;
}

/** A private Open vSwitch: own database, own daemon, userspace datapath, one bridge with a ptcp controller listener. */
async function withOvs<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ovs-'));
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };
  const port = 16000 + Math.floor(Math.random() * 10000);
  const V = `ovs-vsctl --db=unix:${dir}/db.sock`;
  try {
    sh(`ovsdb-tool create ${dir}/conf.db /usr/share/openvswitch/vswitch.ovsschema`, env);
    sh(`ovsdb-server ${dir}/conf.db --remote=punix:${dir}/db.sock --pidfile=${dir}/ovsdb.pid --unixctl=${dir}/ovsdb.ctl --log-file=${dir}/ovsdb.log --detach`, env);
    sh(`${V} --no-wait init`, env);
    sh(`ovs-vswitchd unix:${dir}/db.sock --pidfile=${dir}/vswitchd.pid --unixctl=${dir}/vswitchd.ctl --log-file=${dir}/vswitchd.log --disable-system --detach`, env);
    sh(`${V} add-br bench -- set bridge bench datapath_type=netdev protocols=OpenFlow13 fail-mode=secure other-config:disable-in-band=true`, env);
    sh(`${V} set-controller bench ptcp:${port}:127.0.0.1`, env);
    for (let i = 0; i < 50; i++) {
      const ok = spawnSync('/bin/sh', ['-c', `ovs-ofctl -O OpenFlow13 show tcp:127.0.0.1:${port}`], { env }).status === 0;
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return await fn(port);
  } finally {
    spawnSync('/bin/sh', ['-c', `ovs-appctl -t ${dir}/vswitchd.ctl exit; ovs-appctl -t ${dir}/ovsdb.ctl exit`], { env });
    rmSync(dir, { recursive: true, force: true });
  }
}

/* ------------------------------------------------------------ report */

function row(name: string, ours: number, theirs: number | undefined, unit: string, higherIsBetter: boolean, target = true): void {
  const o = ours.toFixed(unit === '/s' ? 0 : 1).padStart(10);
  if (theirs === undefined) {
    console.log(`  ${name.padEnd(28)} ofswitchd ${o} ${unit}`);
    return;
  }
  const t = theirs.toFixed(unit === '/s' ? 0 : 1).padStart(10);
  const ratio = higherIsBetter ? ours / theirs : theirs / ours;
  console.log(`  ${name.padEnd(28)} ofswitchd ${o} ${unit}   ovs ${t} ${unit}   ratio ${ratio.toFixed(2)}x${!target || ratio >= 0.8 ? '' : '  (below the 0.8x target)'}`);
}

function medianOf(rounds: Figures[]): Figures {
  const m = (k: keyof Figures) => {
    const xs = rounds.map((r) => r[k]).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)]!;
  };
  return {
    pingPong: m('pingPong'),
    echoMedianUs: m('echoMedianUs'),
    pipelined: m('pipelined'),
    barrierMedianUs: m('barrierMedianUs'),
    barrierP99Us: m('barrierP99Us'),
    flowModBarrierMedianUs: m('flowModBarrierMedianUs'),
  };
}

async function main(): Promise<void> {
  // Open vSwitch, when we can run it, lives in a private network namespace;
  // run the whole benchmark there so both switches are measured alike.
  const why = ovsMissing();
  if (why === undefined && process.env.BENCH_CONN_INNER !== '1') {
    const r = spawnSync('unshare', ['-n', '--fork', process.execPath, ...process.execArgv, process.argv[1]!], {
      env: { ...process.env, BENCH_CONN_INNER: '1' },
      stdio: 'inherit',
    });
    process.exit(r.status ?? 1);
  }
  if (process.env.BENCH_CONN_INNER === '1') sh('ip link set lo up', process.env);

  console.log(`conn: loopback, same client for both; ${ROUNDS} alternating rounds of ${SECONDS} s per figure, median round shown; pipelined = ${PIPELINE} in flight`);
  const ours: Figures[] = [];
  const theirs: Figures[] = [];
  await withOfswitchd(async (ourPort) => {
    if (why !== undefined) {
      console.log(`  (Open vSwitch skipped: ${why})`);
      for (let i = 0; i < ROUNDS; i++) ours.push(await measure(ourPort));
      return;
    }
    await withOvs(async (ovsPort) => {
      for (let i = 0; i < ROUNDS; i++) {
        ours.push(await measure(ourPort));
        theirs.push(await measure(ovsPort));
      }
    });
  });
  const o = medianOf(ours);
  const t = theirs.length ? medianOf(theirs) : undefined;
  console.log('target (>= 0.8x Open vSwitch):');
  row('echo ping-pong', o.pingPong, t?.pingPong, '/s', true);
  row(`echo pipelined (${PIPELINE} in flight)`, o.pipelined, t?.pipelined, '/s', true);
  row('barrier latency, median', o.barrierMedianUs, t?.barrierMedianUs, 'µs', false);
  console.log('for information:');
  row('echo latency, median', o.echoMedianUs, t?.echoMedianUs, 'µs', false, false);
  row('barrier latency, p99', o.barrierP99Us, t?.barrierP99Us, 'µs', false, false);
  row('flow_mod+barrier, median', o.flowModBarrierMedianUs, t?.flowModBarrierMedianUs, 'µs', false, false);
  const ovsName = 'Open vSwitch';
  reportHeadline('conn', [
    { name: 'echo round trips, one in flight', unit: '/s', ours: o.pingPong, peer: t?.pingPong ?? null, peerName: ovsName, better: 'higher' },
    { name: `echo round trips, ${PIPELINE} in flight`, unit: '/s', ours: o.pipelined, peer: t?.pipelined ?? null, peerName: ovsName, better: 'higher' },
    { name: 'barrier latency, median', unit: 'µs', ours: o.barrierMedianUs, peer: t?.barrierMedianUs ?? null, peerName: ovsName, better: 'lower' },
  ]);
}

await main();
