/**
 * The dump-flows fast path's engine: OFPST_FLOW replies read straight from
 * their bytes and written straight into output bytes (ascii-out.ts), for
 * flows made only of what large flow tables are made of (see
 * fast-flow-stats.ts for the whole story and the set of fields).
 *
 * It is split from fast-flow-stats.ts so that it loads without the printer
 * (lib/cli/print) and the codec: everything rare enough to need them — the
 * text of instructions and flags, masked addresses, reserved port names,
 * odd durations and reply flags — comes through a `FlowText`, whose
 * methods return undefined to give up on the reply. fast-flow-stats.ts
 * gives it the printer's; lean-dump.ts gives it lean-text.ts's, which
 * loads nothing and knows only the commonest instructions, so that a plain
 * `dump-flows SWITCH` can print before (and usually without) ofctl proper
 * being loaded.
 */
import type { PrintOptions } from '../print/options.js';
import { AsciiOut } from './ascii-out.js';

/** The rare parts of a flow's text; each returns undefined when it cannot say (the reply then goes elsewhere). */
export interface FlowText {
  /** `multipartFlags()` of the printer, for reply flags other than 0 and OFPMPF_REPLY_MORE. */
  replyFlags(flags: number): string | undefined;
  /** The instruction list in `b[off, end)` as it follows "actions=". */
  instructions(b: Buffer, off: number, end: number): string | undefined;
  /** The flow's flags as the printer writes them, each followed by a space (`send_flow_rem check_overlap `). */
  flowFlags(flags: number): string | undefined;
  /** A port number as `in_port=` shows it: a reserved port's name, or a name from --names. */
  port(port: number): string | undefined;
  macMasked(value: Buffer, mask: Buffer): string | undefined;
  ipv4Masked(value: number, mask: number): string | undefined;
  /** `duration=` for nanoseconds out of range (≥ 10^9). */
  duration(sec: number, nsec: number): string | undefined;
}

/** OpenFlow 1.3; OFPT_MULTIPART_REPLY; OFPMP_FLOW; OFPMPF_REPLY_MORE (constants.ts, not imported: it is large). */
const OFP_VERSION = 4;
const OFPT_MULTIPART_REPLY = 19;
const OFPMP_FLOW = 1;
const OFPMPF_REPLY_MORE = 1;
/** struct ofp_multipart_reply, 16 bytes; struct ofp_flow_stats without match, 48 bytes. */
const MP_HEADER_LEN = 16;
const FLOW_STATS_LEN = 48;
const OXM_CLASS_BASIC = 0x8000;
const OFPMT_OXM = 1;
const DEFAULT_PRIORITY = 0x8000;

// OXM field numbers (OFPXMT_OFB_*) this path prints; anything else falls back.
const IN_PORT = 0;
const ETH_DST = 3;
const ETH_SRC = 4;
const ETH_TYPE = 5;
const IP_PROTO = 10;
const IPV4_SRC = 11;
const IPV4_DST = 12;
const TCP_SRC = 13;
const TCP_DST = 14;
const UDP_SRC = 15;
const UDP_DST = 16;
const SCTP_SRC = 17;
const SCTP_DST = 18;

const ETH_TYPE_IP = 0x0800;
const ETH_TYPE_IPV6 = 0x86dd;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;

/** See writeFlowReply(); AsciiOut buffers for dumps are sized from it. */
export const MAX_TEXT_PER_BYTE = 16;

/** Reserved port numbers ovs-ofctl prints by name (its 16-bit view: 0xfff7 and up). */
const FIRST_RESERVED = 0xfffffff7;

/** Caches shared by every reply of one dump: instruction bytes and flag values → their text. */
export class FlowReplyCore {
  /** Instruction bytes → text, by a hash of the bytes (with the bytes, to tell collisions apart). */
  private readonly actions = new Map<number, { words: Int32Array; text: Uint8Array }[]>();
  private readonly flags = new Map<number, Uint8Array>();
  /** The match being read, reset for each entry. */
  private readonly m = new MatchScratch();

  constructor(
    private readonly opts: PrintOptions,
    private readonly text: FlowText,
  ) {}

  /**
   * Writes one OFPST_FLOW reply to `out` as ovs-ofctl prints it and
   * returns true, or writes nothing and returns false to have the caller
   * print it the general way.
   */
  writeFlowReply(raw: Buffer, out: AsciiOut): boolean {
    if (raw.length < MP_HEADER_LEN || raw[0] !== OFP_VERSION || raw[1] !== OFPT_MULTIPART_REPLY) return false;
    if (u16(raw, 2) !== raw.length || u16(raw, 8) !== OFPMP_FLOW) return false;
    const replyFlags = u16(raw, 10);
    const flagsText = replyFlags === 0 ? '' : replyFlags === OFPMPF_REPLY_MORE ? ' flags=[more]' : this.text.replyFlags(replyFlags);
    if (flagsText === undefined) return false;
    // No entry prints as more than 16 characters per byte it takes in the reply (a bare
    // 56-byte entry is ~250 characters; fields and actions take more bytes than they print).
    if (out.room() < MAX_TEXT_PER_BYTE * raw.length + 4096) out.flush();
    if (out.room() < MAX_TEXT_PER_BYTE * raw.length + 4096) return false;
    out.mark();
    // print/messages.ts versionAndXid() for OpenFlow 1.3.
    out.str('OFPST_FLOW reply (OF1.3) (xid=0x');
    out.hex32(u32(raw, 4));
    out.str('):');
    out.str(flagsText);
    let off = MP_HEADER_LEN;
    while (off < raw.length) {
      out.str('\n ');
      const next = this.entry(raw, off, out);
      if (next < 0) {
        out.rollback();
        return false;
      }
      off = next;
    }
    out.byte(0x0a);
    out.commit();
    return true;
  }

  /** The text of one OFPST_FLOW reply, or undefined to have the caller print it the general way. */
  formatFlowReply(raw: Buffer): string | undefined {
    let text = '';
    const out = new AsciiOut((b) => (text += b.toString('latin1')), MAX_TEXT_PER_BYTE * raw.length + 65536);
    if (!this.writeFlowReply(raw, out)) return undefined;
    out.flush();
    return text;
  }

  /** Writes one entry's line; returns the next entry's offset, or -1 to give up. */
  private entry(b: Buffer, off: number, out: AsciiOut): number {
    if (off + FLOW_STATS_LEN + 8 > b.length) return -1;
    const len = u16(b, off);
    const end = off + len;
    if (len < FLOW_STATS_LEN + 8 || end > b.length || len % 8 !== 0) return -1;
    const priority = u16(b, off + 12);
    const idle = u16(b, off + 14);
    const hard = u16(b, off + 16);
    const flags = u16(b, off + 18);

    // struct ofp_match: type, length (without padding), OXMs, padding to 8.
    const mAt = off + FLOW_STATS_LEN;
    if (u16(b, mAt) !== OFPMT_OXM) return -1;
    const mLen = u16(b, mAt + 2);
    const mEnd = mAt + mLen;
    const mPadded = mAt + ((mLen + 7) & ~7);
    if (mLen < 4 || mPadded > end) return -1;
    for (let i = mEnd; i < mPadded; i++) if (b[i] !== 0) return -1;
    if (!this.readMatch(b, mAt + 4, mEnd)) return -1;
    const actions = this.instructions(b, mPadded, end);
    if (actions === undefined) return -1;
    const flagText = flags === 0 ? undefined : this.flagText(flags);
    if (flags !== 0 && flagText === undefined) return -1;
    const sec = u32(b, off + 4);
    const nsec = u32(b, off + 8);
    // Nanoseconds out of range: the printer's own arithmetic says what that prints as.
    const oddDuration = nsec < 1_000_000_000 ? undefined : this.text.duration(sec, nsec);
    if (nsec >= 1_000_000_000 && oddDuration === undefined) return -1;

    // Cookies and counters are mostly zero: such runs go out as one string.
    if (s32(b, off + 24) === 0 && s32(b, off + 28) === 0) out.str('cookie=0x0, duration=');
    else {
      out.str('cookie=0x');
      hex64(b, off + 24, out);
      out.str(', duration=');
    }
    if (oddDuration === undefined) duration(sec, nsec, out);
    else out.str(oddDuration);
    out.str(', table=');
    out.dec(b[off + 2]!);
    if ((s32(b, off + 32) | s32(b, off + 36) | s32(b, off + 40) | s32(b, off + 44)) === 0) out.str(', n_packets=0, n_bytes=0, ');
    else {
      out.str(', n_packets=');
      dec64(b, off + 32, out);
      out.str(', n_bytes=');
      dec64(b, off + 40, out);
      out.str(', ');
    }
    if (idle) {
      out.str('idle_timeout=');
      out.dec(idle);
      out.str(', ');
    }
    if (hard) {
      out.str('hard_timeout=');
      out.dec(hard);
      out.str(', ');
    }
    if (flagText) out.bytes(flagText);
    if (this.m.write(priority, out)) out.byte(0x20);
    out.str('actions=');
    out.bytes(actions);
    return end;
  }

  /** Reads the match's fields into the scratch; false if it is not for this path. */
  private readMatch(b: Buffer, off: number, end: number): boolean {
    const m = this.m.reset();
    while (off < end) {
      if (off + 4 > end) return false;
      const cls = u16(b, off);
      const fh = b[off + 2]!;
      const plen = b[off + 3]!;
      const field = fh >> 1;
      const hasMask = (fh & 1) === 1;
      const p = off + 4;
      off = p + plen;
      if (cls !== OXM_CLASS_BASIC || off > end) return false;
      if (m.seen & (1 << field)) return false;
      m.seen |= 1 << field;
      switch (field) {
        case IN_PORT: {
          if (hasMask || plen !== 4) return false;
          const port = u32(b, p);
          // print/ports.ts isOvsPortNumber(): the printer refuses the others.
          if (port >= 0xff00 && port < 0xffffff00) return false;
          if (port >= FIRST_RESERVED || this.opts.portNames) {
            const text = this.text.port(port);
            if (text === undefined) return false;
            m.inPortText = text;
          }
          m.inPort = port;
          break;
        }
        case ETH_DST:
        case ETH_SRC: {
          if (plen !== (hasMask ? 12 : 6)) return false;
          if (hasMask) {
            let any = false;
            let all = true;
            for (let i = 0; i < 6; i++) {
              const mk = b[p + 6 + i]!;
              if (b[p + i]! & ~mk) return false;
              if (mk) any = true;
              if (mk !== 0xff) all = false;
            }
            if (!any) break; // a zero mask matches anything and prints nothing
            if (!all) {
              const text = this.text.macMasked(b.subarray(p, p + 6), b.subarray(p + 6, p + 12));
              if (text === undefined) return false;
              if (field === ETH_DST) m.dlDstText = text;
              else m.dlSrcText = text;
              break;
            }
          }
          if (field === ETH_DST) m.dlDst = p;
          else m.dlSrc = p;
          m.buf = b;
          break;
        }
        case ETH_TYPE:
          if (hasMask || plen !== 2) return false;
          m.dlType = u16(b, p);
          break;
        case IP_PROTO:
          if (hasMask || plen !== 1 || (m.dlType !== ETH_TYPE_IP && m.dlType !== ETH_TYPE_IPV6)) return false;
          m.nwProto = b[p]!;
          break;
        case IPV4_SRC:
        case IPV4_DST: {
          if (plen !== (hasMask ? 8 : 4) || m.dlType !== ETH_TYPE_IP) return false;
          const v = u32(b, p);
          if (hasMask) {
            const mask = u32(b, p + 4);
            if ((v & ~mask) >>> 0 !== 0) return false;
            if (mask === 0) break;
            if (mask !== 0xffffffff) {
              const text = this.text.ipv4Masked(v, mask);
              if (text === undefined) return false;
              if (field === IPV4_SRC) m.nwSrcText = text;
              else m.nwDstText = text;
              break;
            }
          }
          if (field === IPV4_SRC) m.nwSrc = v;
          else m.nwDst = v;
          break;
        }
        case TCP_SRC:
        case TCP_DST:
        case UDP_SRC:
        case UDP_DST:
        case SCTP_SRC:
        case SCTP_DST: {
          const proto = field <= TCP_DST ? IPPROTO_TCP : field <= UDP_DST ? IPPROTO_UDP : IPPROTO_SCTP;
          if (hasMask || plen !== 2 || m.nwProto !== proto) return false;
          // Both directions of one protocol share OVS's tp_src / tp_dst.
          if ((field - TCP_SRC) % 2 === 0) {
            if (m.tpSrc >= 0) return false;
            m.tpSrc = u16(b, p);
          } else {
            if (m.tpDst >= 0) return false;
            m.tpDst = u16(b, p);
          }
          break;
        }
        default:
          return false;
      }
    }
    return true;
  }

  private instructions(b: Buffer, off: number, end: number): Uint8Array | undefined {
    // Instruction lists are whole 8-byte units (the entry's length and the
    // match's padding see to that), so they are hashed and compared a
    // 32-bit word at a time: a table has few distinct lists, and this is
    // much cheaper than making a string key of each.
    const words = (end - off) >> 2;
    let h = words;
    for (let i = off; i < end; i += 4) h = Math.imul(h ^ s32(b, i), 0x01000193);
    const bucket = this.actions.get(h);
    if (bucket) {
      outer: for (const e of bucket) {
        const w = e.words;
        if (w.length !== words) continue;
        for (let k = 0, i = off; k < words; k++, i += 4) if (w[k] !== s32(b, i)) continue outer;
        return e.text;
      }
    }
    const s = this.text.instructions(b, off, end);
    if (s === undefined) return undefined;
    const text = Buffer.from(s, 'latin1');
    const w = new Int32Array(words);
    for (let k = 0, i = off; k < words; k++, i += 4) w[k] = s32(b, i);
    const entry = { words: w, text };
    if (bucket) bucket.push(entry);
    else this.actions.set(h, [entry]);
    return text;
  }

  /** Flags as the printer writes them (each followed by a space), learnt from it once per value. */
  private flagText(flags: number): Uint8Array | undefined {
    let text = this.flags.get(flags);
    if (text === undefined) {
      const s = this.text.flowFlags(flags);
      if (s === undefined) return undefined;
      text = Buffer.from(s, 'latin1');
      this.flags.set(flags, text);
    }
    return text;
  }
}

/** The whitelisted fields of one match, as read; written in Open vSwitch's order. */
class MatchScratch {
  seen = 0;
  buf: Buffer | undefined;
  inPort = -1;
  /** in_port's text when it is not its number (a reserved port, or --names). */
  inPortText: string | undefined;
  /** Offsets of exact Ethernet addresses in `buf`, or -1; masked ones come as text. */
  dlSrc = -1;
  dlDst = -1;
  dlSrcText: string | undefined;
  dlDstText: string | undefined;
  dlType = -1;
  nwProto = -1;
  /** Exact IPv4 addresses, or -1; masked ones come as text. */
  nwSrc = -1;
  nwDst = -1;
  nwSrcText: string | undefined;
  nwDstText: string | undefined;
  tpSrc = -1;
  tpDst = -1;

  reset(): this {
    this.seen = 0;
    this.buf = undefined;
    this.inPort = this.dlSrc = this.dlDst = this.dlType = this.nwProto = this.nwSrc = this.nwDst = this.tpSrc = this.tpDst = -1;
    this.inPortText = this.dlSrcText = this.dlDstText = this.nwSrcText = this.nwDstText = undefined;
    return this;
  }

  /**
   * `match_format` for these fields (see lib/cli/print/flow-match.ts, whose
   * order this follows), led by "priority=N," unless N is the default.
   * Returns whether it wrote anything.
   */
  write(priority: number, out: AsciiOut): boolean {
    this.sep = false;
    if (priority !== DEFAULT_PRIORITY) {
      this.field('priority=', out);
      out.dec(priority);
    }
    const t = this.dlType;
    const proto = this.nwProto;
    let typeShown = false;
    let protoShown = false;
    if (t === ETH_TYPE_IP || t === ETH_TYPE_IPV6) {
      const v6 = t === ETH_TYPE_IPV6;
      typeShown = true;
      const short =
        proto === (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)
          ? v6
            ? 'icmp6'
            : 'icmp'
          : proto === IPPROTO_TCP
            ? 'tcp'
            : proto === IPPROTO_UDP
              ? 'udp'
              : proto === IPPROTO_SCTP
                ? 'sctp'
                : undefined;
      if (short === undefined) this.field(v6 ? 'ipv6' : 'ip', out);
      else {
        protoShown = true;
        this.field(short === 'icmp6' || !v6 ? short : `${short}6`, out);
      }
    } else if (t === 0x0806 || t === 0x8035 || t === 0x8847 || t === 0x8848) {
      typeShown = true;
      this.field(t === 0x0806 ? 'arp' : t === 0x8035 ? 'rarp' : t === 0x8847 ? 'mpls' : 'mplsm', out);
    }
    if (this.inPort >= 0) {
      this.field('in_port=', out);
      if (this.inPortText !== undefined) out.str(this.inPortText);
      else out.dec(this.inPort);
    }
    if (this.dlSrc >= 0 || this.dlSrcText) {
      this.field('dl_src=', out);
      this.mac(this.dlSrc, this.dlSrcText, out);
    }
    if (this.dlDst >= 0 || this.dlDstText) {
      this.field('dl_dst=', out);
      this.mac(this.dlDst, this.dlDstText, out);
    }
    if (!typeShown && t >= 0) {
      this.field('dl_type=0x', out);
      const h = t.toString(16);
      out.str('0000'.slice(h.length) + h);
    }
    if (this.nwSrc >= 0 || this.nwSrcText) {
      this.field('nw_src=', out);
      ipv4(this.nwSrc, this.nwSrcText, out);
    }
    if (this.nwDst >= 0 || this.nwDstText) {
      this.field('nw_dst=', out);
      ipv4(this.nwDst, this.nwDstText, out);
    }
    if (!protoShown && proto >= 0) {
      this.field('nw_proto=', out);
      out.dec(proto);
    }
    if (this.tpSrc >= 0) {
      this.field('tp_src=', out);
      out.dec(this.tpSrc);
    }
    if (this.tpDst >= 0) {
      this.field('tp_dst=', out);
      out.dec(this.tpDst);
    }
    return this.sep;
  }

  /** Whether a field was written (and the next needs a comma first). */
  private sep = false;

  private field(name: string, out: AsciiOut): void {
    if (this.sep) out.byte(0x2c);
    out.str(name);
    this.sep = true;
  }

  private mac(at: number, text: string | undefined, out: AsciiOut): void {
    if (text !== undefined) {
      out.str(text);
      return;
    }
    const b = this.buf!;
    for (let i = 0; i < 6; i++) {
      if (i) out.byte(0x3a);
      out.hex8(b[at + i]!);
    }
  }
}

function ipv4(v: number, text: string | undefined, out: AsciiOut): void {
  if (text !== undefined) {
    out.str(text);
    return;
  }
  out.dec(v >>> 24);
  out.byte(0x2e);
  out.dec((v >>> 16) & 0xff);
  out.byte(0x2e);
  out.dec((v >>> 8) & 0xff);
  out.byte(0x2e);
  out.dec(v & 0xff);
}

/**
 * `ofp_print_duration`, as print/text.ts formatDuration writes it: three
 * decimals for whole milliseconds, else as many as the nanoseconds need
 * (`nsec` below 10^9).
 */
function duration(sec: number, nsec: number, out: AsciiOut): void {
  out.dec(sec);
  if (nsec > 0) {
    out.byte(0x2e);
    const msec = Math.floor(nsec / 1_000_000);
    if (msec * 1_000_000 === nsec) out.decPadded(msec, 3);
    else out.decFraction(nsec, 9);
  }
  out.byte(0x73);
}

// Plain byte loads: cheaper than Buffer's read methods, which check their arguments.
const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
/** A big-endian 32-bit word as a signed small integer (for hashing and comparing). */
const s32 = (b: Uint8Array, o: number): number => (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);

/** A 64-bit big-endian counter in decimal, without a BigInt unless it needs one. */
function dec64(b: Buffer, off: number, out: AsciiOut): void {
  const hi = u32(b, off);
  const lo = u32(b, off + 4);
  if (hi < 0x200000) out.dec(hi * 0x100000000 + lo);
  else out.str(b.readBigUInt64BE(off).toString());
}

/** A 64-bit big-endian value in hex, without leading zeros. */
function hex64(b: Buffer, off: number, out: AsciiOut): void {
  const hi = u32(b, off);
  const lo = u32(b, off + 4);
  if (hi === 0) {
    out.hex32(lo);
    return;
  }
  out.hex32(hi);
  const h = lo.toString(16);
  out.str('00000000'.slice(h.length) + h);
}
