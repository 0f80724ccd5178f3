/**
 * Short frames leave padded to the Ethernet minimum, as from a NIC.
 *
 * A flow that pops a VLAN tag or an MPLS label off a 60-byte frame leaves
 * 56 bytes. On a real wire the sending NIC pads it to 60 (64 with the FCS);
 * veth, AF_PACKET and TAP do not, so the switch must. h1 sends hand-built
 * frames through the switch; what h2 (behind system port 2) and the TAP
 * port 3 actually receive is read from tcpdump's pcap files, byte for byte:
 * short frames arrive at exactly 60 bytes with zeros appended, frames of 60
 * bytes or more arrive as the flow left them. Each port's tx_bytes, and a
 * queue's, is checked against the kernel's count for the same interface or
 * htb class.
 */
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { capture, netnsSkip, type Netns } from '../helpers/netns.js';
import { startDaemon } from '../helpers/daemon.js';
import { hostMac, ifCounter, makeLab, ofctlIn, ovsOfctlIn, waitUntil } from '../helpers/forwarding.js';

const skip = netnsSkip('tcpdump', 'ovs-ofctl', 'python3');

const ETH_ZLEN = 60; // IEEE 802.3 minimum frame, FCS excluded (Linux's ETH_ZLEN)
const TAP = 'padtap3';

const mac = (m: string): Buffer => Buffer.from(m.replace(/:/g, ''), 'hex');
const u16 = (v: number): Buffer => Buffer.from([v >> 8, v & 0xff]);
/** `n` non-zero bytes, so appended zeros cannot pass for payload. */
const pattern = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => 0x41 + ((seed + i) % 0x3e)));

function checksum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** The Ryu suite's case: IPv4 (36 bytes) carrying an ICMP echo request with 8 bytes of data. */
function ipv4Icmp(): Buffer {
  const icmp = Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('0123456789abcdef', 'hex')]);
  icmp.writeUInt16BE(checksum(icmp), 2);
  const ip = Buffer.from([0x45, 0x20, 0, 20 + icmp.length, 0, 0, 0, 0, 64, 1, 0, 0, 192, 168, 10, 10, 192, 168, 20, 20]);
  ip.writeUInt16BE(checksum(ip), 10);
  return Buffer.concat([ip, icmp]);
}

/** The frames of one pcap file (classic format, either byte order, either time resolution). */
function readPcap(file: string): Buffer[] {
  const b = readFileSync(file);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const frames: Buffer[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = u32(o + 8);
    const orig = u32(o + 12);
    if (incl !== orig) throw new Error(`${file}: a frame was truncated by the capture (${incl} of ${orig} bytes)`);
    frames.push(b.subarray(o + 16, o + 16 + incl));
    o += 16 + incl;
  }
  return frames;
}

/** One frame h1 sends: what it is, its bytes, and what the flow leaves of it before any padding. */
interface Case {
  what: string;
  sent: Buffer;
  out: Buffer;
}

/** Frames that a pop leaves short, at the minimum and above it, and one that arrives short. */
function frameCases(): Case[] {
  const [src, dst] = [mac(hostMac(1)), mac(hostMac(2))];
  const cases: Case[] = [];
  for (const [what, n] of [
    ['60-byte tagged frame (56 after pop_vlan)', 42],
    ['64-byte tagged frame (60 after pop_vlan)', 46],
    ['100-byte tagged frame (96 after pop_vlan)', 82],
  ] as const) {
    const payload = pattern(n, n);
    cases.push({ what, sent: Buffer.concat([dst, src, u16(0x8100), u16(10), u16(0x88b5), payload]), out: Buffer.concat([dst, src, u16(0x88b5), payload]) });
  }
  const ip = ipv4Icmp();
  const trailer = Buffer.alloc(ETH_ZLEN - 14 - 4 - ip.length, 0xee); // the sender's own padding, which the pop keeps
  cases.push({
    what: '60-byte MPLS frame (56 after pop_mpls, the Ryu ICMP case)',
    sent: Buffer.concat([dst, src, u16(0x8847), Buffer.from([0x00, 0x06, 0x47, 0x40]), ip, trailer]),
    out: Buffer.concat([dst, src, u16(0x0800), ip, trailer]),
  });
  const short = Buffer.concat([dst, src, u16(0x88b6), pattern(16, 3)]);
  cases.push({ what: '30-byte frame forwarded as it came', sent: short, out: short });
  return cases;
}

/** Each case's flow: pop_vlan, pop_mpls or nothing, then `actions`. */
const flows = (actions: string): string[] => [
  `priority=20,in_port=1,dl_vlan=10,actions=pop_vlan,${actions}`,
  `priority=20,in_port=1,dl_type=0x8847,actions=pop_mpls:0x0800,${actions}`,
  `priority=10,in_port=1,dl_type=0x88b6,actions=${actions}`,
];

/** The bytes each case takes on the wire: at least ETH_ZLEN. */
const wireLength = (c: Case): number => Math.max(c.out.length, ETH_ZLEN);

async function addFlows(t: Test, sw: Netns, target: string, list: string[]): Promise<void> {
  for (const flow of list) {
    const r = await ofctlIn(sw, '-O', 'OpenFlow13', 'add-flow', target, flow);
    t.equal(r.code, 0, `ofctl add-flow ${flow}: ${r.stderr}`);
  }
}

/** tcpdump writing h1's frames to a pcap file: its text output does not show every byte. */
const pcapOf = (file: string): string[] => ['-w', file, 'ether', 'src', hostMac(1)];

/** AF_PACKET on h1's eth0 sends each frame exactly as given (veth does not pad). */
async function sendFrom(t: Test, h1: Netns, cases: Case[]): Promise<void> {
  const send = await h1.run([
    'python3',
    '-c',
    'import socket,sys\ns=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\ns.bind(("eth0",0))\nfor h in sys.argv[1:]: s.send(bytes.fromhex(h))',
    ...cases.map((c) => c.sent.toString('hex')),
  ]);
  t.equal(send.code, 0, `h1 sent ${cases.length} frames: ${send.stderr}`);
}

/** What `file` captured, frame by frame, against what each case must arrive as. */
function checkArrivals(t: Test, where: string, file: string, cases: Case[]): void {
  const got = readPcap(file);
  t.equal(got.length, cases.length, `${where} received ${cases.length} frames`);
  for (const [k, { what, out }] of cases.entries()) {
    const g = got[k] ?? Buffer.alloc(0);
    if (out.length < ETH_ZLEN) {
      t.equal(g.length, ETH_ZLEN, `${where}: ${what} arrives at ${ETH_ZLEN} bytes`);
      t.same(g.subarray(0, out.length).toString('hex'), out.toString('hex'), `${where}: ${what}: its ${out.length} bytes unchanged`);
      t.ok(g.subarray(out.length).every((x) => x === 0), `${where}: ${what}: padded with ${ETH_ZLEN - out.length} zero bytes`);
    } else {
      t.same(g.toString('hex'), out.toString('hex'), `${where}: ${what} arrives unchanged (${out.length} bytes)`);
    }
  }
}

t.test('frames shorter than 60 bytes leave system and TAP ports padded with zeros', { skip, timeout: 120_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'pad', [null, null]);
  const [h1, h2] = hosts as [Netns, Netns];
  const cases = frameCases();
  const total = cases.reduce((n, c) => n + wireLength(c), 0);

  const d = await startDaemon(['--port', '1=p1', '--port', '2=p2', '--port', `3=${TAP}:tap`, '--fail-mode', 'secure', '--controller', 'none'], {}, 15_000, {
    netns: sw.name,
  });
  t.teardown(() => d.stop('SIGKILL'));
  const target = `tcp:127.0.0.1:${d.port}`;
  await addFlows(t, sw, target, flows('output:2,output:3'));
  sw.must('ip', 'link', 'set', TAP, 'up');
  t.ok(await waitUntil(() => sw.must('cat', `/sys/class/net/${TAP}/operstate`).trim() !== 'down', 5_000), `${TAP} is up`);

  const dir = mkdtempSync(join(tmpdir(), 'pad-'));
  const atH2 = await capture(h2, 'eth0', pcapOf(join(dir, 'h2.pcap')));
  const atTap = await capture(sw, TAP, pcapOf(join(dir, 'tap.pcap')));
  const before = { p2: ifCounter(sw, 'p2', 'tx_bytes'), tap: ifCounter(sw, TAP, 'rx_bytes') };
  await sendFrom(t, h1, cases);
  t.ok(await waitUntil(() => ifCounter(sw, 'p2', 'tx_bytes') - before.p2 >= total && ifCounter(sw, TAP, 'rx_bytes') - before.tap >= total, 5_000), 'the frames left ports 2 and 3');
  await atH2.stop();
  await atTap.stop();
  checkArrivals(t, 'h2 (system port 2)', join(dir, 'h2.pcap'), cases);
  checkArrivals(t, `${TAP} (TAP port 3)`, join(dir, 'tap.pcap'), cases);

  // tx_bytes counts the frames as sent, padding included: what the kernel
  // counted for the same interfaces (p2's transmit, the TAP's receive).
  const kernel = { p2: ifCounter(sw, 'p2', 'tx_bytes') - before.p2, tap: ifCounter(sw, TAP, 'rx_bytes') - before.tap };
  t.equal(kernel.p2, total, `the kernel counted ${total} bytes sent on p2`);
  t.equal(kernel.tap, total, `the kernel counted ${total} bytes received on ${TAP}`);
  const ports = await ovsOfctlIn(sw, 'dump-ports', target);
  t.equal(ports.code, 0, `ovs-ofctl dump-ports: ${ports.stderr}`);
  for (const port of [2, 3]) {
    const m = new RegExp(`port +${port}: rx [^\\n]*\\n\\s*tx pkts=(\\d+), bytes=(\\d+)`).exec(ports.stdout);
    t.same(m && [Number(m[1]), Number(m[2])], [cases.length, total], `port ${port}: tx pkts=${cases.length}, bytes=${total} (padded lengths)\n${ports.stdout}`);
  }

  t.equal(await d.stop(), 0, 'the daemon stops cleanly');
});

t.test("a queue's transmit lane pads too, and its tx_bytes are what its htb class sent", { skip: skip || netnsSkip('tc'), timeout: 120_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'padq', [null, null]);
  const [h1, h2] = hosts as [Netns, Netns];
  const cases = frameCases();
  const onQueue1 = cases.filter((c) => c.sent.readUInt16BE(12) !== 0x88b6); // the popped ones; the last goes to queue 0

  const d = await startDaemon(['--port', '1=p1', '--port', '2=p2:system:queue1.max-rate=100000000', '--fail-mode', 'secure', '--controller', 'none'], {}, 15_000, {
    netns: sw.name,
  });
  t.teardown(() => d.stop('SIGKILL'));
  const target = `tcp:127.0.0.1:${d.port}`;
  await addFlows(t, sw, target, [...flows('set_queue:1,output:2').slice(0, 2), flows('output:2')[2]!]);

  const dir = mkdtempSync(join(tmpdir(), 'padq-'));
  const atH2 = await capture(h2, 'eth0', pcapOf(join(dir, 'h2.pcap')));
  const total = cases.reduce((n, c) => n + wireLength(c), 0);
  const before = ifCounter(sw, 'p2', 'tx_bytes');
  await sendFrom(t, h1, cases);
  t.ok(await waitUntil(() => ifCounter(sw, 'p2', 'tx_bytes') - before >= total, 5_000), 'the frames left port 2');
  await atH2.stop();
  checkArrivals(t, 'h2 (system port 2, queues 1 and 0)', join(dir, 'h2.pcap'), cases);

  const stats = await ovsOfctlIn(sw, 'queue-stats', target, '2');
  t.equal(stats.code, 0, `ovs-ofctl queue-stats: ${stats.stderr}`);
  const ofq = new Map<number, number>();
  for (const m of stats.stdout.matchAll(/port 2 queue (\d+): bytes=(\d+)/g)) ofq.set(Number(m[1]), Number(m[2]));
  const tc = sw.must('tc', '-s', 'class', 'show', 'dev', 'p2');
  const classBytes = (cls: string): number => Number(/Sent (\d+) bytes/.exec(tc.slice(tc.indexOf(`class htb ${cls} `)))?.[1] ?? NaN);
  const q1 = onQueue1.reduce((n, c) => n + wireLength(c), 0);
  t.equal(classBytes('1:2'), q1, `htb class 1:2 (queue 1) sent ${q1} bytes, padding included`);
  t.equal(ofq.get(1), classBytes('1:2'), `queue 1's tx_bytes are what class 1:2 sent\n${stats.stdout}`);
  t.equal(ofq.get(0), classBytes('1:1'), `queue 0's tx_bytes are what class 1:1 sent\n${tc}`);

  t.equal(await d.stop(), 0, 'the daemon stops cleanly');
});
