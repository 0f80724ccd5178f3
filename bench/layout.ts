/**
 * bench/layout: should the codec describe fixed structs with `buffer-layout`?
 *
 * The design card names buffer-layout for fixed-layout structs "where it
 * keeps the codec clear without costing speed: measure". This is the
 * measurement: struct ofp_port (64 bytes: numbers, a MAC, a NUL-padded name)
 * and struct ofp_port_stats (112 bytes, twelve 64-bit counters), decoded and
 * encoded by buffer-layout and by the codec's own Reader/Writer functions,
 * on the same bytes in the same run. The codec keeps whichever is faster;
 * the figures below are why it uses Reader/Writer.
 */
import { createRequire } from 'node:module';
import { Reader } from '../lib/openflow/reader.js';
import { Writer } from '../lib/openflow/writer.js';
import { decodePort, encodePort } from '../lib/openflow/structs.js';
import { decodePortStats, encodePortStats } from '../lib/openflow/stats.js';
import type { Port, PortStats } from '../lib/openflow/types.js';
import { reportHeadline } from './lib/headline.js';

// buffer-layout is CommonJS without type declarations: describe the little we use.
interface Layout<T> {
  span: number;
  decode(b: Buffer, offset?: number): T;
  encode(src: T, b: Buffer, offset?: number): number;
}
interface BufferLayout {
  struct<T>(fields: unknown[], property?: string): Layout<T>;
  u32be(property?: string): unknown;
  nu64be(property?: string): unknown;
  blob(length: number, property?: string): unknown;
  cstr(property?: string): unknown;
}
const BL = createRequire(import.meta.url)('buffer-layout') as BufferLayout;

interface RawPort {
  port_no: number;
  pad: Buffer;
  hw_addr: Buffer;
  pad2: Buffer;
  name: Buffer;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  curr_speed: number;
  max_speed: number;
}

/** struct ofp_port, 64 bytes, in buffer-layout's terms. */
const PORT_LAYOUT = BL.struct<RawPort>([
  BL.u32be('port_no'),
  BL.blob(4, 'pad'),
  BL.blob(6, 'hw_addr'),
  BL.blob(2, 'pad2'),
  BL.blob(16, 'name'),
  BL.u32be('config'),
  BL.u32be('state'),
  BL.u32be('curr'),
  BL.u32be('advertised'),
  BL.u32be('supported'),
  BL.u32be('peer'),
  BL.u32be('curr_speed'),
  BL.u32be('max_speed'),
]);

const COUNTERS = [
  'rx_packets', 'tx_packets', 'rx_bytes', 'tx_bytes', 'rx_dropped', 'tx_dropped',
  'rx_errors', 'tx_errors', 'rx_frame_err', 'rx_over_err', 'rx_crc_err', 'collisions',
] as const;

/** struct ofp_port_stats, 112 bytes. nu64be gives numbers (exact below 2^53), not bigints. */
const PORT_STATS_LAYOUT = BL.struct<Record<string, number | Buffer>>([
  BL.u32be('port_no'),
  BL.blob(4, 'pad'),
  ...COUNTERS.map((c) => BL.nu64be(c)),
  BL.u32be('duration_sec'),
  BL.u32be('duration_nsec'),
]);

const port: Port = {
  port_no: 7,
  hw_addr: '02:00:00:00:00:07',
  name: 'veth7',
  config: 0,
  state: 4,
  curr: 0x2820,
  advertised: 0,
  supported: 0,
  peer: 0,
  curr_speed: 10_000_000,
  max_speed: 0,
};
const stats: PortStats = {
  port_no: 7,
  rx_packets: 1000n,
  tx_packets: 2000n,
  rx_bytes: 64000n,
  tx_bytes: 128000n,
  rx_dropped: 0n,
  tx_dropped: 0n,
  rx_errors: 0n,
  tx_errors: 0n,
  rx_frame_err: 0n,
  rx_over_err: 0n,
  rx_crc_err: 0n,
  collisions: 0n,
  duration_sec: 100,
  duration_nsec: 5,
};

function rate(fn: () => unknown, seconds = 0.5): number {
  for (let i = 0; i < 10_000; i++) fn();
  const c0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  let n = 0;
  while (process.hrtime.bigint() - start < BigInt(seconds * 1e9)) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
  }
  const c = process.cpuUsage(c0);
  return n / ((c.user + c.system) / 1e6); // per CPU-second: fair on a busy machine
}

const w = new Writer(256);
const portBytes = (() => {
  encodePort(w.reset(), port);
  return Buffer.from(w.view());
})();
const statsBytes = (() => {
  encodePortStats(w.reset(), stats);
  return Buffer.from(w.view());
})();
const out = Buffer.alloc(256);
const rawPort = PORT_LAYOUT.decode(portBytes);
const rawStats = PORT_STATS_LAYOUT.decode(statsBytes);

const rows: Array<[string, number, number]> = [
  ['ofp_port decode', rate(() => decodePort(new Reader(portBytes, 0, 64))), rate(() => PORT_LAYOUT.decode(portBytes))],
  ['ofp_port encode', rate(() => encodePort(w.reset(), port)), rate(() => PORT_LAYOUT.encode(rawPort, out))],
  ['ofp_port_stats decode', rate(() => decodePortStats(new Reader(statsBytes, 0, 112))), rate(() => PORT_STATS_LAYOUT.decode(statsBytes))],
  ['ofp_port_stats encode', rate(() => encodePortStats(w.reset(), stats)), rate(() => PORT_STATS_LAYOUT.encode(rawStats, out))],
];

console.log('bench/layout: structs per CPU-second, Reader/Writer vs buffer-layout (same bytes, same run)');
console.log('struct                    Reader/Writer  buffer-layout   ratio');
for (const [name, ours, bl] of rows) {
  console.log(`${name.padEnd(24)} ${Math.round(ours).toLocaleString('en-US').padStart(14)} ${Math.round(bl).toLocaleString('en-US').padStart(14)} ${(ours / bl).toFixed(1).padStart(6)}x`);
}
console.log('(buffer-layout also yields raw blobs for addresses and names, and numbers for 64-bit counters, which the');
console.log(' decoded form would still have to convert; those conversions are not counted in its figures.)');
reportHeadline(
  'layout',
  rows.map(([name, ours, bl]) => ({ name, unit: 'structs/CPU-s', ours, peer: bl, peerName: 'buffer-layout', better: 'higher' as const })),
);
