/**
 * The receive fix-ups (native/frame.cc) on frames the kernel can hand us
 * but this machine's kernel will not make on demand — GSO super-frames
 * behind a stripped VLAN tag — and on malformed vnet headers. Expected
 * segments are built by scapy, field by field, as the kernel's own
 * segmentation would cut them (tcp_gso_segment, __udp_gso_segment).
 */
import t from 'tap';
import { loadNative } from '../../lib/netdev/native.js';
import { hex, sh } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const SLOT = 2048;

interface Case {
  name: string;
  input: string;
  meta: number[];
  expected: string[];
}

const scapyOk = ((): boolean => {
  try {
    sh(PYTHON, ['-c', 'import scapy.all']);
    return true;
  } catch {
    return false;
  }
})();

function emit(frame: Uint8Array, meta: number[], slots = 16): { rc: number; frames: string[]; desc: Int32Array } {
  const buf = new ArrayBuffer(slots * SLOT);
  const desc = new Int32Array(slots * 2);
  const rc = loadNative().emitFrame(frame, Int32Array.from(meta), buf, SLOT, desc);
  const bytes = new Uint8Array(buf);
  const frames: string[] = [];
  for (let i = 0; i < Math.max(rc, 0); i++) frames.push(hex(bytes.subarray(desc[2 * i]!, desc[2 * i]! + desc[2 * i + 1]!)));
  return { rc, frames, desc };
}

/** A deterministic PRNG (mulberry32) so a failing fuzz case can be rerun. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

if (!scapyOk) {
  t.plan(0, `frame fix-up tests skipped: needs scapy under ${PYTHON}`);
} else {
  const cases = JSON.parse(
    sh(PYTHON, [
      '-c',
      `
import json, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import *
eth = dict(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
payload = bytes((i * 7) % 256 for i in range(3500))
mss = 1000
chunks = [payload[i:i + mss] for i in range(0, len(payload), mss)]
opts = [('NOP', None), ('NOP', None), ('Timestamp', (1, 2))]
out = []

def tcp_flags(k, n):
    f = 'A'
    if k == 0: f += 'C'
    if k == n - 1: f += 'FP'
    return f

# TCPv4 behind an 802.1Q tag (PCP 2, VID 9)
big = Ether(**eth)/IP(src='198.18.7.1', dst='198.18.7.2', id=100, flags='DF')/TCP(sport=1000, dport=2000, seq=4294966000, ack=5, flags='FPAC', window=500, options=opts)/Raw(payload)
segs = [Ether(**eth)/Dot1Q(prio=2, vlan=9)/IP(src='198.18.7.1', dst='198.18.7.2', id=100 + k, flags='DF')/TCP(sport=1000, dport=2000, seq=(4294966000 + k * mss) % 2**32, ack=5, flags=tcp_flags(k, len(chunks)), window=500, options=opts)/Raw(c) for k, c in enumerate(chunks)]
out.append(dict(name='TCPv4 GSO behind 802.1Q', input=raw(big).hex(), meta=[1, 0x8100, (2 << 13) | 9, 0, 1, 1, 1, 0, mss, 34, 16], expected=[raw(s).hex() for s in segs]))

# TCPv6 behind an 802.1ad tag
big = Ether(**eth)/IPv6(src='fd00::1', dst='fd00::2')/TCP(sport=1000, dport=2000, seq=77, flags='PA', options=opts)/Raw(payload)
segs = [Ether(**eth)/Dot1AD(vlan=300)/IPv6(src='fd00::1', dst='fd00::2')/TCP(sport=1000, dport=2000, seq=77 + k * mss, flags='PA' if k == len(chunks) - 1 else 'A', options=opts)/Raw(c) for k, c in enumerate(chunks)]
out.append(dict(name='TCPv6 GSO behind 802.1ad', input=raw(big).hex(), meta=[1, 0x88a8, 300, 0, 1, 1, 4, 0, mss, 54, 16], expected=[raw(s).hex() for s in segs]))

# UDP_L4 (USO), IPv4, untagged
big = Ether(**eth)/IP(src='198.18.7.1', dst='198.18.7.2', id=7)/UDP(sport=5, dport=6)/Raw(payload)
segs = [Ether(**eth)/IP(src='198.18.7.1', dst='198.18.7.2', id=7 + k)/UDP(sport=5, dport=6)/Raw(c) for k, c in enumerate(chunks)]
out.append(dict(name='UDP GSO (USO)', input=raw(big).hex(), meta=[0, 0, 0, 0, 1, 1, 5, 0, mss, 34, 6], expected=[raw(s).hex() for s in segs]))
print(json.dumps(out))
`,
    ]),
  ) as Case[];

  for (const c of cases) {
    t.test(`emitFrame() cuts ${c.name} as the kernel would`, async (t) => {
      const { rc, frames } = emit(Buffer.from(c.input, 'hex'), c.meta);
      t.equal(rc, c.expected.length);
      t.same(frames, c.expected);
    });
  }

  t.test('emitFrame() rejects malformed vnet headers and frames without writing past them', async (t) => {
    const tcp = Buffer.from(cases[0]!.input, 'hex');
    const m = cases[0]!.meta;
    const withVnet = (i: number, v: number): number[] => m.map((x, j) => (j === i ? v : x));
    t.equal(emit(tcp, withVnet(8, 0)).rc, -1, 'gso_size 0');
    t.equal(emit(tcp, withVnet(9, 4000)).rc, -1, 'csum_start past the end');
    t.equal(emit(tcp, withVnet(9, 20)).rc, -1, 'csum_start inside the IP header');
    t.equal(emit(tcp, withVnet(6, 3)).rc, -1, 'UFO (IP fragmentation offload)');
    t.equal(emit(tcp, withVnet(5, 0)).rc, -1, 'GSO without NEEDS_CSUM');
    t.equal(emit(tcp.subarray(0, 40), m).rc, -1, 'headers cut short');
    t.equal(emit(tcp.subarray(0, 11), [1, 0x8100, 1, 0, 0, 0, 0, 0, 0, 0, 0]).rc, -1, 'a tag on a frame shorter than two MACs');
    t.equal(emit(new Uint8Array(3000), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).rc, -2, 'a frame larger than a slot');
    t.equal(emit(tcp, m, 2).rc, -3, 'more segments than slots');
    t.equal(emit(new Uint8Array(60), [0, 0, 0, 0, 1, 1, 0, 0, 0, 200, 16]).rc, 1, 'a partial checksum out of range is left alone');
  });

  t.test('emitFrame() survives random frames and vnet headers', async (t) => {
    const rnd = prng(20241121);
    const r = (n: number): number => Math.floor(rnd() * n);
    let ok = 0;
    const bad: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const frame = new Uint8Array(r(400));
      for (let j = 0; j < frame.length; j++) frame[j] = r(256);
      if (frame.length > 14 && r(2)) frame.set(r(2) ? [0x08, 0x00, 0x45] : [0x86, 0xdd, 0x60], 12);
      const meta = [r(2), r(2) ? 0x8100 : 0x88a8, r(65536), r(2), r(2), r(4), [0, 1, 3, 4, 5, 0x81][r(6)]!, r(400), r(3) ? r(200) : 0, r(120), r(40)];
      const { rc, desc } = emit(frame, meta, 8);
      if (rc < -3 || rc > 8) bad.push(`case ${i}: rc ${rc}`);
      for (let k = 0; k < Math.max(rc, 0); k++) {
        if (desc[2 * k + 1]! > SLOT || desc[2 * k]! !== k * SLOT) bad.push(`case ${i}: descriptor ${k} out of its slot`);
      }
      if (rc >= 0) ok++;
    }
    t.same(bad, [], 'every result is a count or a refusal, every frame inside its slot');
    t.ok(ok > 0, `${ok} of 5000 random frames were accepted; the rest were refused cleanly`);
  });
}
