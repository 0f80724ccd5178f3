/**
 * bench/netdev: how many 64-byte frames per second a system port receives
 * and sends on a veth pair, with each receive path (recvmmsg and
 * TPACKET_V3), and what each costs in CPU time per million frames.
 *
 * The peer is the traffic generator alone: the addon's sendmmsg blaster
 * (native/blaster.cc) in a child process in a namespace, on the far end of
 * the veth, measured in the same run sending into nothing. A receiver that
 * keeps up with it shows ~100% of the generator's rate; the generator and
 * the receiver each have one of the machine's cores.
 *
 * Receive figures count frames seen by the JS batch handler (which reads
 * each frame's length, as the datapath would read its header), from the
 * first batch to the last. Send figures come from a loop of
 * `SystemNetdev.send` calls with a prebuilt batch of 256 frames, counted
 * delivered by the kernel at the other end. Latency is one frame at a time
 * between two ports of the same process (a veth pair, both ends ours):
 * the time from send() to the receiving handler, median of 200. A TAP
 * device is measured the same way, with the blaster sending out of it.
 *
 * Needs root (namespaces, AF_PACKET); prints a note and exits 0 otherwise.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { SystemNetdev } from '../lib/netdev/system.js';
import { TapNetdev } from '../lib/netdev/tap.js';
import { FrameBatch } from '../lib/netdev/ring.js';
import type { BlastResult } from '../lib/netdev/native.js';
import { reportHeadline } from './lib/headline.js';

const FRAMES = Number(process.env.NETDEV_BENCH_FRAMES ?? 3_000_000);
const ns = `ofsbench-${process.pid}`;
const port = `obn${process.pid % 100000}`;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

function frame64(seq: number): Uint8Array {
  const f = new Uint8Array(64);
  f.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5], 0);
  new DataView(f.buffer).setUint32(14, seq);
  return f;
}

/** Runs the blaster on `dev` (in the namespace unless `inRoot`), in its own process; resolves with its own figures. */
function blast(count: number, dev = 'eth0', inRoot = false): Promise<BlastResult> {
  const native = new URL('../lib/netdev/native.js', import.meta.url).href;
  const hex = Buffer.from(frame64(0)).toString('hex');
  const script = `const { loadNative } = await import(${JSON.stringify(native)});
    const r = loadNative().blast('${dev}', Buffer.from('${hex}', 'hex'), 64, ${count}, 64);
    console.log(JSON.stringify(r));`;
  return new Promise((resolve, reject) => {
    const node = [process.execPath, '--input-type=module', '-e', script];
    const c = inRoot ? spawn(node[0]!, node.slice(1)) : spawn('ip', ['netns', 'exec', ns, ...node]);
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as BlastResult) : reject(new Error(`blast exited ${code}`))));
  });
}

const mpps = (n: number, s: number): string => `${(n / s / 1e6).toFixed(3)} Mpps`;
const cpuPerM = (cpuMicros: number, n: number): string => `${((cpuMicros / 1e6 / n) * 1e6).toFixed(2)} s CPU per million`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function receive(mode: 'mmsg' | 'tpacket_v3', ceiling: number): Promise<number> {
  const nd = new SystemNetdev(port, { mode });
  let n = 0;
  let bytes = 0;
  let first = 0n;
  let last = 0n;
  nd.onReceive((ring) => {
    const now = process.hrtime.bigint();
    if (!first) first = now;
    last = now;
    for (let i = 0; i < ring.count; i++) bytes += ring.length(i);
    n += ring.count;
  });
  await sleep(50);
  const cpu0 = process.cpuUsage();
  const gen = await blast(FRAMES);
  for (let seen = -1; seen !== n; ) {
    seen = n;
    await sleep(200);
  }
  const cpu = process.cpuUsage(cpu0);
  const c = nd.ioCounters();
  nd.close();
  const secs = Number(last - first) / 1e9;
  const rate = n / secs;
  console.log(
    `receive ${mode.padEnd(10)} ${mpps(n, secs)} (${((rate / ceiling) * 100).toFixed(0)}% of the generator alone), ` +
      `${cpuPerM(cpu.user + cpu.system, n)} (user ${cpuPerM(cpu.user, n).split(" ")[0]}), ${n}/${FRAMES} frames (${bytes} bytes), ` +
      `kernel drops ${c.kernelDrops}, ${(n / Math.max(1, c.wakeups)).toFixed(1)} frames/wakeup, ` +
      `${c.rxSyscalls ? (n / c.rxSyscalls).toFixed(1) : '-'} frames/syscall, ${(n / c.rxBatches).toFixed(1)} frames/batch; ` +
      `generator meanwhile ${mpps(gen.sent, gen.seconds)}`,
  );
  return rate;
}

function rxCount(): number {
  const j = JSON.parse(ip('netns', 'exec', ns, 'ip', '-s', '-j', 'link', 'show', 'eth0')) as Array<{
    stats64: { rx: { packets: number } };
  }>;
  return j[0]!.stats64.rx.packets;
}

function send(): number {
  const nd = new SystemNetdev(port);
  const batch = FrameBatch.of(Array.from({ length: 256 }, (_, i) => frame64(i)));
  const rx0 = rxCount();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let sent = 0;
  while (sent < FRAMES) sent += nd.send(batch);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const c = nd.ioCounters();
  nd.close();
  const delivered = rxCount() - rx0;
  console.log(
    `send    sendmmsg   ${mpps(sent, secs)}, ${cpuPerM(cpu.user + cpu.system, sent)}, ` +
      `${(sent / c.txSyscalls).toFixed(1)} frames/syscall, dropped ${c.txDropped}, ` +
      `delivered to the far end ${delivered} (${((delivered / sent) * 100).toFixed(1)}%)`,
  );
  return delivered / secs;
}

/**
 * A TAP device: receive what an AF_PACKET blaster sends out of it (the
 * kernel hands those frames to our descriptor), and send frames into it
 * (the kernel receives and drops them: nothing listens for their type).
 */
async function tap(): Promise<void> {
  const name = `obt${process.pid % 100000}`;
  const nd = new TapNetdev(name);
  try {
    spawnSync('sysctl', ['-qw', `net.ipv6.conf.${name}.disable_ipv6=1`]);
    ip('link', 'set', name, 'up');
    const frames = Math.min(FRAMES, 1_000_000);
    let n = 0;
    let first = 0n;
    let last = 0n;
    nd.onReceive((ring) => {
      const now = process.hrtime.bigint();
      if (!first) first = now;
      last = now;
      n += ring.count;
    });
    await sleep(50);
    const cpu0 = process.cpuUsage();
    const gen = await blast(frames, name, true);
    for (let seen = -1; seen !== n; ) {
      seen = n;
      await sleep(200);
    }
    const cpu = process.cpuUsage(cpu0);
    const c = nd.ioCounters();
    const secs = Number(last - first) / 1e9;
    console.log(
      `receive tap        ${mpps(n, secs)}, ${cpuPerM(cpu.user + cpu.system, n)}, ${n}/${frames} frames, ` +
        `${(n / Math.max(1, c.wakeups)).toFixed(1)} frames/wakeup (one read each); generator meanwhile ${mpps(gen.sent, gen.seconds)}`,
    );
    nd.onReceive(null);
    const batch = FrameBatch.of(Array.from({ length: 256 }, (_, i) => frame64(i)));
    const tcpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let sent = 0;
    while (sent < frames) sent += nd.send(batch);
    const tsecs = Number(process.hrtime.bigint() - t0) / 1e9;
    const tcpu = process.cpuUsage(tcpu0);
    console.log(`send    tap        ${mpps(sent, tsecs)}, ${cpuPerM(tcpu.user + tcpu.system, sent)} (one write each)`);
  } finally {
    nd.close();
  }
}

async function latency(mode: 'mmsg' | 'tpacket_v3'): Promise<void> {
  const a = `oba${process.pid % 100000}`;
  const b = `obb${process.pid % 100000}`;
  ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  try {
    for (const d of [a, b]) {
      spawnSync('sysctl', ['-qw', `net.ipv6.conf.${d}.disable_ipv6=1`]);
      ip('link', 'set', d, 'up');
    }
    const tx = new SystemNetdev(a);
    const rx = new SystemNetdev(b, { mode });
    let arrived: (() => void) | null = null;
    rx.onReceive(() => arrived?.());
    const one = FrameBatch.of([frame64(1)]);
    await sleep(100);
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) {
      const got = new Promise<void>((r) => (arrived = r));
      const t0 = process.hrtime.bigint();
      tx.send(one);
      await got;
      samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    tx.close();
    rx.close();
    samples.sort((x, y) => x - y);
    console.log(
      `latency ${mode.padEnd(10)} one frame, send() to handler: median ${samples[100]!.toFixed(0)} µs, ` +
        `p90 ${samples[180]!.toFixed(0)} µs`,
    );
  } finally {
    spawnSync('ip', ['link', 'del', a]);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('bench/netdev: skipped (needs root for namespaces and AF_PACKET)');
    return;
  }
  ip('netns', 'add', ns);
  try {
    ip('link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    spawnSync('sysctl', ['-qw', `net.ipv6.conf.${port}.disable_ipv6=1`]);
    ip('netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
    ip('link', 'set', port, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'up');

    console.log(`${FRAMES} frames of 64 bytes per run, veth pair, generator in its own process`);
    const alone = await blast(FRAMES);
    const ceiling = alone.sent / alone.seconds;
    console.log(
      `peer    generator  ${mpps(alone.sent, alone.seconds)} alone (sendmmsg, 64 frames per call), ` +
        `${cpuPerM(alone.cpuSeconds * 1e6, alone.sent)}`,
    );
    const mmsg = await receive('mmsg', ceiling);
    const v3 = await receive('tpacket_v3', ceiling);
    const tx = send();
    const gen = { peer: ceiling / 1e6, peerName: 'generator alone', unit: 'Mpps', better: 'higher' as const };
    reportHeadline('netdev', [
      { name: 'system port receive, recvmmsg', ours: mmsg / 1e6, ...gen },
      { name: 'system port receive, TPACKET_V3', ours: v3 / 1e6, ...gen },
      { name: 'system port send, sendmmsg (delivered)', ours: tx / 1e6, ...gen },
    ]);
    await tap();
    await latency('mmsg');
    await latency('tpacket_v3');
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', port]);
  }
}

await main();
