/**
 * The hosts of a recorded session, played back on the switch's dummy ports.
 *
 * A recording's hosts are Linux network namespaces behind veths; the
 * commands they ran (`ping`) put frames through the switch that never
 * reached the controller but show in its counters. To reproduce them, each
 * host here answers as a Linux host does, for what the recordings use: ARP
 * (it answers requests for its address and learns the asker, as Linux's
 * neighbour code does) and ICMP echo (it answers requests). `ping -c N -i S`
 * becomes N echo requests S seconds apart on the session's timeline, each
 * resolving the target's address first if the host has not yet, and an
 * unanswered resolution is asked once more a second later (what the
 * recordings show). `ip link set DEV down|up` takes the host's end of the
 * link down or up, and `sleep` moves the following commands later.
 *
 * Frames have the sizes Linux sends (ARP 42 bytes, a default ping 98); the
 * values a host picks freely (IPv4 identification, ICMP identifier, the
 * timestamp in the echo payload) differ from the recording's, and the
 * comparison of packet-in data leaves exactly those bytes out.
 */
import type { DummyNetdev } from '../../lib/netdev/dummy.js';
import { internetChecksum } from '../../lib/packet/checksum.js';

export interface HostSpec {
  name: string;
  port: number;
  mac: string;
  ip: string;
}

const macBytes = (m: string): Buffer => Buffer.from(m.split(':').map((x) => parseInt(x, 16)));
const ipBytes = (ip: string): Buffer => Buffer.from(ip.split('.').map((x) => parseInt(x, 10)));
const BROADCAST = 'ff:ff:ff:ff:ff:ff';
const macStr = (b: Buffer, off: number): string => [...b.subarray(off, off + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
const ipStr = (b: Buffer, off: number): string => [...b.subarray(off, off + 4)].join('.');

function arpFrame(op: 1 | 2, dst: string, sha: string, spa: string, tha: string, tpa: string): Buffer {
  const f = Buffer.alloc(42);
  macBytes(dst).copy(f, 0);
  macBytes(sha).copy(f, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); // Ethernet
  f.writeUInt16BE(0x0800, 16); // IPv4
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(op, 20);
  macBytes(sha).copy(f, 22);
  ipBytes(spa).copy(f, 28);
  macBytes(tha).copy(f, 32);
  ipBytes(tpa).copy(f, 38);
  return f;
}

/** An ICMP echo request or reply over IPv4 with `payload`, as Linux builds it (DF set for requests, TTL 64). */
function icmpFrame(dst: string, src: string, ipSrc: string, ipDst: string, type: 0 | 8, id: number, seq: number, payload: Buffer, ipId: number, df: boolean): Buffer {
  const f = Buffer.alloc(14 + 20 + 8 + payload.length);
  macBytes(dst).copy(f, 0);
  macBytes(src).copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(20 + 8 + payload.length, 16);
  f.writeUInt16BE(ipId, 18);
  f.writeUInt16BE(df ? 0x4000 : 0, 20);
  f[22] = 64;
  f[23] = 1;
  ipBytes(ipSrc).copy(f, 26);
  ipBytes(ipDst).copy(f, 30);
  f.writeUInt16BE(internetChecksum(f, 14, 20), 24);
  f[34] = type;
  f.writeUInt16BE(id, 38);
  f.writeUInt16BE(seq, 40);
  payload.copy(f, 42);
  f.writeUInt16BE(internetChecksum(f, 34, 8 + payload.length), 36);
  return f;
}

/** ping's default 56-byte payload: a timeval, then bytes counting up from 0x10. */
function pingPayload(seq: number): Buffer {
  const p = Buffer.alloc(56);
  p.writeUInt32LE(1_700_000_000 + seq, 0);
  for (let i = 16; i < 56; i++) p[i] = i;
  return p;
}

/** One emulated host on a dummy port. */
class Host {
  readonly arp = new Map<string, string>();
  /** Frames waiting for an address, by the IPv4 address asked for (Linux's neighbour queue). */
  private readonly pending = new Map<string, Array<(mac: string) => Buffer>>();
  private ipId = 1;

  constructor(
    readonly spec: HostSpec,
    private readonly transmit: (f: Buffer) => void,
    private readonly link: (up: boolean) => void,
  ) {}

  /** Sends an IPv4 frame to `ip`, resolving its address first if need be. */
  sendIp(ip: string, build: (dstMac: string) => Buffer): void {
    const mac = this.arp.get(ip);
    if (mac !== undefined) {
      this.transmit(build(mac));
      return;
    }
    const q = this.pending.get(ip);
    if (q !== undefined) {
      q.push(build);
      return;
    }
    this.pending.set(ip, [build]);
    this.askFor(ip);
  }

  askFor(ip: string): void {
    this.transmit(arpFrame(1, BROADCAST, this.spec.mac, this.spec.ip, '00:00:00:00:00:00', ip));
  }

  /** Still resolving `ip`? */
  resolving(ip: string): boolean {
    return this.pending.has(ip);
  }

  ping(ip: string, seq: number): void {
    const id = 0x1000 + parseInt(this.spec.ip.split('.')[3]!, 10);
    this.sendIp(ip, (mac) => icmpFrame(mac, this.spec.mac, this.spec.ip, ip, 8, id, seq, pingPayload(seq), this.ipId++, true));
  }

  /** A frame the switch sent out of this host's port. */
  deliver(f: Buffer): void {
    if (f.length < 14) return;
    const dst = macStr(f, 0);
    if (dst !== this.spec.mac && dst !== BROADCAST) return;
    const type = f.readUInt16BE(12);
    if (type === 0x0806 && f.length >= 42) {
      const op = f.readUInt16BE(20);
      const sha = macStr(f, 22);
      const spa = ipStr(f, 28);
      const tpa = ipStr(f, 38);
      if (tpa !== this.spec.ip) return;
      this.learn(spa, sha);
      if (op === 1) this.transmit(arpFrame(2, sha, this.spec.mac, this.spec.ip, sha, spa));
      return;
    }
    if (type === 0x0800 && f.length >= 42 && f[23] === 1 && ipStr(f, 30) === this.spec.ip && f[34] === 8) {
      const src = ipStr(f, 26);
      const ihl = (f[14]! & 0x0f) * 4;
      const icmp = f.subarray(14 + ihl);
      const payload = Buffer.from(icmp.subarray(8));
      const id = icmp.readUInt16BE(4);
      const seq = icmp.readUInt16BE(6);
      // Linux answers with the address it learnt from the request's ARP, or asks.
      this.sendIp(src, (mac) => icmpFrame(mac, this.spec.mac, this.spec.ip, src, 0, id, seq, payload, this.ipId++, false));
    }
  }

  /** Brings the host's end of the link down or up: the switch's port sees its carrier go or come. */
  setLink(up: boolean): void {
    this.link(up);
  }

  private learn(ip: string, mac: string): void {
    this.arp.set(ip, mac);
    const later = this.pending.get(ip);
    this.pending.delete(ip);
    for (const b of later ?? []) this.transmit(b(mac));
  }
}

/** A step of host traffic on the session's timeline. */
export interface TrafficStep {
  t: number;
  run(): void;
  what: string;
}

export class Hosts {
  private readonly byName = new Map<string, Host>();
  /** Frames the hosts sent, for the report. */
  sent = 0;

  constructor(specs: HostSpec[], ports: Map<number, DummyNetdev>) {
    for (const s of specs) {
      const nd = ports.get(s.port);
      if (nd === undefined) continue;
      const host = new Host(
        s,
        (f) => {
          this.sent++;
          if (process.env.REPLAY_TRACE) console.error(`${s.name} -> ${f.toString('hex').slice(0, 84)}`);
          // Deferred, as a frame on a wire: the switch may be in the middle
          // of sending the frame this one answers.
          setImmediate(() => nd.receive(f));
        },
        (up) => nd.setLink(up),
      );
      this.byName.set(s.name, host);
      // A DummyNetdev records what the switch transmits; the host hears it.
      const send = nd.send.bind(nd);
      nd.send = (f: Buffer): void => {
        send(f);
        const copy = Buffer.from(f);
        setImmediate(() => host.deliver(copy));
      };
    }
  }

  /**
   * The steps of one recorded command, at its recorded time, or an error
   * naming what this emulation cannot do.
   */
  steps(t: number, hostName: string, command: string): TrafficStep[] {
    const host = this.byName.get(hostName);
    if (host === undefined) throw new Error(`traffic from unknown host ${hostName}`);
    const out: TrafficStep[] = [];
    // A shell line: commands one after the other, each starting when the last ended.
    let at = t;
    for (const part of command.split(/;|&&/).map((x) => x.trim()).filter((x) => x !== '')) {
      const argv = part.split(/\s+/);
      if (argv[0] === 'sleep') {
        at += Number(argv[1]);
        continue;
      }
      if (argv[0] === 'ip' && argv[1] === 'link' && argv[2] === 'set' && (argv[4] === 'down' || argv[4] === 'up') && argv.length === 5) {
        // The host's end of the veth: the switch's port loses or regains its carrier.
        const up = argv[4] === 'up';
        out.push({ t: at, what: `${hostName} link ${argv[4]}`, run: () => host.setLink(up) });
        continue;
      }
      if (argv[0] === 'ping') {
        at = this.ping(host, at, argv, part, out);
        continue;
      }
      throw new Error(`traffic command not emulated: ${part}`);
    }
    return out;
  }

  /** `ping -c N -i S [-W s] [-q] IP`: returns when it ends. */
  private ping(host: Host, t: number, argv: string[], command: string, out: TrafficStep[]): number {
    let count = 1;
    let interval = 1;
    let wait = 10;
    let target: string | undefined;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-c') count = Number(argv[++i]);
      else if (a === '-i') interval = Number(argv[++i]);
      else if (a === '-W') wait = Number(argv[++i]);
      else if (a === '-q' || a === '-n') continue;
      else if (a.startsWith('-')) throw new Error(`ping option not emulated: ${a} in ${command}`);
      else target = a;
    }
    if (target === undefined || !Number.isFinite(count) || !Number.isFinite(interval)) throw new Error(`cannot read ${command}`);
    const ip = target;
    const name = host.spec.name;
    for (let k = 0; k < count; k++) out.push({ t: t + k * interval, what: `${name} ping ${ip} #${k + 1}`, run: () => host.ping(ip, k + 1) });
    // Unanswered, the host asks again a second later, and no more: in
    // 18-roles-two-controllers h1's requests reach the controller at 0.10 s
    // and 1.10 s and none follows before the session ends at 2.3 s.
    for (const retry of [1]) {
      out.push({ t: t + retry, what: `${name} arp retry ${retry} for ${ip}`, run: () => (host.resolving(ip) ? host.askFor(ip) : undefined) });
    }
    // ping ends after its last request is answered, or `-W` seconds without.
    return t + (count - 1) * interval + Math.min(wait, 0.01);
  }
}

/**
 * Bytes of a frame that the sending host chooses freely and that this
 * emulation cannot know: for IPv4, the identification and header checksum;
 * for ICMP echo, the checksum, identifier and the payload's timestamp.
 */
export function hostChosenBytes(frame: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (frame.length < 34 || frame.readUInt16BE(12) !== 0x0800) return out;
  const ihl = (frame[14]! & 0x0f) * 4;
  out.push([18, 20], [24, 26]);
  const l4 = 14 + ihl;
  if (frame[23] === 1 && frame.length >= l4 + 8 && (frame[l4] === 0 || frame[l4] === 8)) out.push([l4 + 2, l4 + 6], [l4 + 8, l4 + 24]);
  return out;
}
