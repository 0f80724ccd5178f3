/**
 * Reads a classic pcap file (as `tcpdump -w` writes it) and reassembles the
 * TCP byte streams of every connection in it, with the capture time of each
 * byte run, so that the recorder can cut the streams into OpenFlow messages
 * and stamp each message with the time it was complete on the wire.
 *
 * Only what a loopback capture holds is handled: Ethernet (DLT_EN10MB, what
 * Linux gives for `lo`) or Linux cooked (DLT_LINUX_SLL) frames carrying IPv4
 * and TCP. Segments are placed by sequence number relative to the SYN, so a
 * retransmission or overlap adds nothing and an out-of-order segment lands in
 * its place; a gap (bytes tcpdump never saw) is an error, since the messages
 * after it could not be trusted.
 */
import { readFileSync } from 'node:fs';

const DLT_EN10MB = 1;
const DLT_LINUX_SLL = 113;

/** Every frame in the file: { ts (seconds, float), data (Buffer) }. */
export function readPcap(path) {
  const buf = readFileSync(path);
  if (buf.length < 24) return { linktype: DLT_EN10MB, frames: [] };
  const magicBE = buf.readUInt32BE(0);
  const magicLE = buf.readUInt32LE(0);
  let le;
  let nanos;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nanos = magicLE === 0xa1b23c4d;
  } else if (magicBE === 0xa1b2c3d4 || magicBE === 0xa1b23c4d) {
    le = false;
    nanos = magicBE === 0xa1b23c4d;
  } else {
    throw new Error(`${path}: not a classic pcap file (magic ${magicBE.toString(16)})`);
  }
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20) & 0x0fffffff;
  const frames = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const orig = u32(off + 12);
    off += 16;
    if (off + incl > buf.length) break; // a capture cut short while writing its last record
    if (incl !== orig) throw new Error(`${path}: frame of ${orig} bytes captured as ${incl} (snaplen too small)`);
    frames.push({ ts: sec + frac / (nanos ? 1e9 : 1e6), data: buf.subarray(off, off + incl) });
    off += incl;
  }
  return { linktype, frames };
}

/** The TCP segment in a frame, or null for anything else. */
function tcpSegment(linktype, frame) {
  const d = frame.data;
  let ipOff;
  let ethertype;
  if (linktype === DLT_EN10MB) {
    ethertype = d.readUInt16BE(12);
    ipOff = 14;
  } else if (linktype === DLT_LINUX_SLL) {
    ethertype = d.readUInt16BE(14);
    ipOff = 16;
  } else {
    throw new Error(`pcap link type ${linktype} not handled`);
  }
  if (ethertype !== 0x0800) return null;
  const ihl = (d[ipOff] & 0x0f) * 4;
  if (d[ipOff + 9] !== 6) return null;
  const totalLen = d.readUInt16BE(ipOff + 2);
  const src = d.subarray(ipOff + 12, ipOff + 16).join('.');
  const dst = d.subarray(ipOff + 16, ipOff + 20).join('.');
  const t = ipOff + ihl;
  const doff = (d[t + 12] >> 4) * 4;
  const flags = d[t + 13];
  return {
    ts: frame.ts,
    src,
    dst,
    sport: d.readUInt16BE(t),
    dport: d.readUInt16BE(t + 2),
    seq: d.readUInt32BE(t + 4),
    syn: (flags & 0x02) !== 0,
    synAck: (flags & 0x12) === 0x12,
    fin: (flags & 0x01) !== 0,
    rst: (flags & 0x04) !== 0,
    // The IP total length, not the frame length: Ethernet may pad short frames.
    payload: d.subarray(t + doff, ipOff + totalLen),
  };
}

/**
 * The TCP connections in capture order (by their first SYN). Each has
 * `client` and `server` endpoints ("ip:port"), the time of its SYN, and for
 * each direction (`c2s`, `s2c`) the reassembled bytes plus `runs`: [end
 * offset, capture time] of each piece as it arrived, to time messages by.
 */
export function tcpStreams(path) {
  const { linktype, frames } = readPcap(path);
  const conns = new Map();
  const order = [];
  for (const f of frames) {
    const s = tcpSegment(linktype, f);
    if (!s) continue;
    const a = `${s.src}:${s.sport}`;
    const b = `${s.dst}:${s.dport}`;
    let c = conns.get(`${a}>${b}`) ?? conns.get(`${b}>${a}`);
    if (!c || (s.syn && !isSynAck(s) && c.closed)) {
      // A new connection begins with a SYN; a reused 4-tuple after a close is a new one too.
      if (!s.syn || isSynAck(s)) continue; // joined the capture mid-stream: not ours to cut
      c = { client: a, server: b, start: s.ts, c2s: newDir(), s2c: newDir(), closed: false };
      conns.set(`${a}>${b}`, c);
      order.push(c);
    }
    const dir = `${s.src}:${s.sport}` === c.client ? c.c2s : c.s2c;
    if (s.syn) {
      dir.isn = s.seq;
      continue;
    }
    if (s.fin || s.rst) c.closed = true;
    if (s.payload.length === 0 || dir.isn === undefined) continue;
    const rel = (s.seq - dir.isn - 1 + 0x100000000) % 0x100000000;
    dir.segments.push({ off: rel, ts: s.ts, data: s.payload });
  }
  for (const c of order) for (const d of [c.c2s, c.s2c]) assemble(d, c);
  return order;
}

function isSynAck(s) {
  return s.synAck;
}

function newDir() {
  return { isn: undefined, segments: [], bytes: Buffer.alloc(0), runs: [] };
}

function assemble(dir, conn) {
  // Stable sort by offset: a retransmission keeps the earlier capture time.
  const segs = dir.segments.map((s, i) => ({ ...s, i })).sort((x, y) => x.off - y.off || x.i - y.i);
  const parts = [];
  let next = 0;
  for (const s of segs) {
    const end = s.off + s.data.length;
    if (end <= next) continue;
    if (s.off > next) throw new Error(`TCP ${conn.client} ↔ ${conn.server}: ${s.off - next} bytes missing at offset ${next}`);
    parts.push(s.data.subarray(next - s.off));
    next = end;
    dir.runs.push([next, s.ts]);
  }
  dir.bytes = Buffer.concat(parts);
  delete dir.segments;
}

/** The capture time at which byte `end - 1` of a direction had arrived. */
export function timeAt(dir, end) {
  for (const [e, ts] of dir.runs) if (e >= end) return ts;
  return dir.runs.at(-1)?.[1];
}
