/**
 * bench/codec: decode and encode rates of the OpenFlow 1.3 codec on one
 * core, for the three messages that dominate a switch's control traffic:
 * a flow_mod with 6 OXMs and 3 actions, a 128-byte packet_in, and a flow
 * stats reply with 1,000 entries.
 *
 * The peer, measured in the same run on the same bytes, is os-ken's (Ryu's)
 * OpenFlow 1.3 parser/serializer — the code a Ryu controller runs on every
 * message (bench/peers/osken-codec.py; skipped with a note if os-ken is not
 * installed).
 *
 * Targets (issue "Project foundation and a complete OpenFlow 1.3 wire codec"):
 * ≥ 500,000 flow_mod decode+encode round trips per second; a 1,000-entry
 * flow stats reply encoded in under 2 ms.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  decodeMessage,
  encodeMessage,
  encodeMultipartReplies,
  OFPAT,
  OFPFC,
  OFPIT,
  OFPMP,
  OFPP,
  OFPT,
  OFPR,
  Writer,
  type FlowMod,
  type FlowStats,
  type MultipartReply,
  type OfpMessage,
  type PacketIn,
} from '../lib/openflow/index.js';
import { reportHeadline } from './lib/headline.js';

const FLOW_MOD: FlowMod = {
  type: OFPT.FLOW_MOD,
  xid: 7,
  cookie: 0x1234n,
  cookie_mask: 0n,
  table_id: 0,
  command: OFPFC.ADD,
  idle_timeout: 60,
  hard_timeout: 0,
  priority: 1000,
  buffer_id: 0xffffffff,
  out_port: OFPP.ANY,
  out_group: 0xffffffff,
  flags: 1,
  match: [
    { field: 'in_port', value: 1 },
    { field: 'eth_dst', value: '00:11:22:33:44:55' },
    { field: 'eth_type', value: 0x0800 },
    { field: 'ip_proto', value: 6 },
    { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' },
    { field: 'tcp_dst', value: 80 },
  ],
  instructions: [
    {
      type: OFPIT.APPLY_ACTIONS,
      actions: [
        { type: OFPAT.SET_FIELD, field: { field: 'eth_src', value: '00:aa:bb:cc:dd:ee' } },
        { type: OFPAT.DEC_NW_TTL },
        { type: OFPAT.OUTPUT, port: 2, max_len: 0 },
      ],
    },
  ],
};

const PACKET_IN: PacketIn = {
  type: OFPT.PACKET_IN,
  xid: 0,
  buffer_id: 0xffffffff,
  total_len: 128,
  reason: OFPR.NO_MATCH,
  table_id: 0,
  cookie: 0n,
  match: [{ field: 'in_port', value: 3 }],
  data: Buffer.alloc(128, 0xab),
};

function flowStats(i: number): FlowStats {
  return {
    table_id: i % 4,
    duration_sec: 100 + i,
    duration_nsec: 5000,
    priority: 100 + (i % 50),
    idle_timeout: 0,
    hard_timeout: 0,
    flags: 0,
    cookie: BigInt(i),
    packet_count: BigInt(i * 10),
    byte_count: BigInt(i * 1000),
    match: [
      { field: 'in_port', value: (i % 8) + 1 },
      { field: 'eth_type', value: 0x0800 },
      { field: 'ipv4_dst', value: `10.${(i >> 8) & 255}.${i & 255}.0`, mask: '255.255.255.0' },
    ],
    instructions: [{ type: OFPIT.APPLY_ACTIONS, actions: [{ type: OFPAT.OUTPUT, port: (i % 8) + 1, max_len: 0 }] }],
  };
}

const FLOW_STATS_REPLY: MultipartReply = {
  type: OFPT.MULTIPART_REPLY,
  xid: 9,
  flags: 0,
  mp_type: OFPMP.FLOW,
  body: Array.from({ length: 1000 }, (_, i) => flowStats(i)),
};

/** Runs `fn` in batches until `seconds` have passed; returns calls per second. */
function rate(fn: () => unknown, seconds = 1): number {
  for (let i = 0; i < 1000; i++) fn(); // warm up the JIT
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  const batch = 100;
  while (elapsed < limit) {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    elapsed = process.hrtime.bigint() - start;
  }
  return (n * 1e9) / Number(elapsed);
}

/** The bench must not measure the writer's growth on every call. */
function measure(msg: OfpMessage, seconds: number): { bytes: Buffer; decode: number; encode: number; roundtrip: number } {
  const bytes = Buffer.from(encodeMessage(msg));
  const w = new Writer(bytes.length + 64);
  return {
    bytes,
    decode: rate(() => decodeMessage(bytes), seconds),
    encode: rate(() => encodeMessage(msg, w.reset()), seconds),
    roundtrip: rate(() => encodeMessage(decodeMessage(bytes), w.reset()), seconds),
  };
}

/**
 * A 1,000-entry flow stats reply is larger than one OpenFlow message can be
 * (65,535 bytes), so it is measured as the switch sends it: split into
 * REPLY_MORE parts. "encode" is all parts, "decode" is all parts.
 */
function measureSplit(msg: MultipartReply, seconds: number): { bytes: Buffer; parts: Buffer[]; decode: number; encode: number; roundtrip: number } {
  const parts = encodeMultipartReplies(msg).map((b) => Buffer.from(b));
  const decodeAll = (): void => {
    for (const p of parts) decodeMessage(p);
  };
  return {
    bytes: Buffer.concat(parts),
    parts,
    decode: rate(decodeAll, seconds),
    encode: rate(() => encodeMultipartReplies(msg), seconds),
    roundtrip: rate(() => {
      for (const p of parts) encodeMessage(decodeMessage(p));
    }, seconds),
  };
}

interface PeerRates {
  decode: number;
  encode: number | null;
  roundtrip: number | null;
}

function runPeer(hex: Record<string, string>): Record<string, PeerRates> | string {
  const script = fileURLToPath(new URL('../../bench/peers/osken-codec.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify(hex), encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `os-ken peer not run: ${r.error.message}`;
  if (r.status !== 0) return `os-ken peer not run: ${(r.stderr || '').trim().split('\n').pop()}`;
  return JSON.parse(r.stdout) as Record<string, PeerRates>;
}

const fmt = (n: number | null | undefined): string => (n == null ? '-' : Math.round(n).toLocaleString('en-US'));
const ratio = (a: number | null | undefined, b: number | null | undefined): string =>
  a == null || b == null ? '-' : `${(a / b).toFixed(1)}x`;

function main(): void {
  const seconds = Number(process.env.BENCH_SECONDS ?? 1);
  const cases = {
    flow_mod: measure(FLOW_MOD, seconds),
    packet_in_128: measure(PACKET_IN, seconds),
    flow_stats_reply_1000: measureSplit(FLOW_STATS_REPLY, seconds),
  };
  // The peer gets the first part of the split reply (os-ken parses one message at a time); its
  // rate is scaled by the number of parts to compare whole replies.
  const split = cases.flow_stats_reply_1000.parts;
  const peerInput: Record<string, string> = {
    flow_mod: cases.flow_mod.bytes.toString('hex'),
    packet_in_128: cases.packet_in_128.bytes.toString('hex'),
  };
  split.forEach((p, i) => (peerInput[`flow_stats_reply_1000.${i}`] = p.toString('hex')));
  const raw = runPeer(peerInput);
  const peer: Record<string, PeerRates> | string = typeof raw === 'string' ? raw : { ...raw };
  if (typeof raw !== 'string' && typeof peer !== 'string') {
    // Whole-reply rate = 1 / (sum of the per-part times).
    const whole = (op: keyof PeerRates): number | null => {
      let t = 0;
      for (let i = 0; i < split.length; i++) {
        const r = raw[`flow_stats_reply_1000.${i}`]?.[op];
        if (r == null) return null;
        t += 1 / r;
      }
      return 1 / t;
    };
    peer.flow_stats_reply_1000 = { decode: whole('decode') ?? 0, encode: whole('encode'), roundtrip: whole('roundtrip') };
  }

  console.log('bench/codec: messages per second, one core (ofswitch vs os-ken, same bytes, same run)');
  console.log(`(flow_stats_reply_1000 is ${split.length} REPLY_MORE parts; its rates are whole replies per second)`);
  console.log('message                 bytes  op          ofswitch       os-ken    ratio');
  for (const [name, c] of Object.entries(cases)) {
    const p = typeof peer === 'string' ? undefined : peer[name];
    for (const op of ['decode', 'encode', 'roundtrip'] as const) {
      console.log(
        `${name.padEnd(22)} ${String(c.bytes.length).padStart(6)}  ${op.padEnd(10)} ${fmt(c[op]).padStart(10)} ${fmt(p?.[op]).padStart(12)} ${ratio(c[op], p?.[op]).padStart(8)}`,
      );
    }
  }
  if (typeof peer === 'string') console.log(peer);
  const fm = cases.flow_mod.roundtrip;
  const encMs = 1000 / cases.flow_stats_reply_1000.encode;
  console.log(`target: flow_mod round trips ≥ 500,000/s: ${fmt(fm)}/s ${fm >= 500_000 ? 'MET' : 'NOT MET'}`);
  console.log(`target: 1,000-entry flow stats reply encoded < 2 ms: ${encMs.toFixed(3)} ms ${encMs < 2 ? 'MET' : 'NOT MET'}`);
  const pr = (name: string, op: keyof PeerRates): number | null => (typeof peer === 'string' ? null : (peer[name]?.[op] ?? null));
  reportHeadline('codec', [
    { name: 'flow_mod decode+encode', unit: 'msg/s', ours: fm, peer: pr('flow_mod', 'roundtrip'), peerName: 'os-ken', better: 'higher' },
    { name: 'packet_in 128 B decode', unit: 'msg/s', ours: cases.packet_in_128.decode, peer: pr('packet_in_128', 'decode'), peerName: 'os-ken', better: 'higher' },
    { name: 'flow stats reply, 1,000 entries, encode', unit: 'replies/s', ours: cases.flow_stats_reply_1000.encode, peer: pr('flow_stats_reply_1000', 'encode'), peerName: 'os-ken', better: 'higher' },
  ]);
}

main();
