/**
 * Running a datapath program (lib/xlate/odp.ts) on one frame.
 *
 * The frame sits in a buffer with headroom before it, at (off, len); pushes
 * move its start back into the headroom and pops move it forward, never
 * its end (lib/packet/encap.ts), so the offsets of the headers behind the
 * one pushed or popped stay where they are. The executor therefore keeps
 * the L3/L4 offsets that extraction found, and re-extracts (into a scratch
 * key, allocation-free) only when a pop exposes headers extraction never
 * parsed: beneath an MPLS stack or inside a PBB frame.
 *
 * Every rewrite keeps checksums right: the IPv4 header checksum, and the
 * TCP/UDP/ICMPv6 checksums over the pseudo-header when addresses change
 * (lib/packet/set-field.ts), the transport checksum when ports or ICMP
 * type/code change (the views' setters), SCTP's CRC32c. Updates are
 * incremental, as Open vSwitch does, so a checksum that was wrong stays
 * wrong by the same amount.
 *
 * What leaves the executor goes through `ExecSink`: outputs (with whether
 * the frame is final, i.e. nothing after this instruction changes it, so
 * the sink may send it without copying), packet-ins, meters.
 *
 * Hot path: no allocation. Views are created once and `reset` per use;
 * the program, the xlate cache's side tables and the frame are read in
 * place.
 */
import type { PacketInSpec, XlateCache } from '../xlate/context.js';
import { ODP, ODP_LEN } from '../xlate/odp.js';
import type { Meter } from '../ofproto/meters.js';
import { remarkDscp } from '../ofproto/meters.js';
import { OFPMBT } from '../openflow/constants.js';
import { ArpView } from '../packet/arp.js';
import { l2HeaderLen, popMpls, popPbb, pushMpls, pushPbb, pushVlan, popVlan } from '../packet/encap.js';
import { Extractor, type FrameLayout } from '../packet/extract.js';
import { KW, newKey } from '../packet/flow-key.js';
import { Icmpv4View } from '../packet/icmpv4.js';
import { Icmpv6View, ND_OPT } from '../packet/icmpv6.js';
import { IPV4, Ipv4View } from '../packet/ipv4.js';
import { IPV6, Ipv6View } from '../packet/ipv6.js';
import { SctpView } from '../packet/sctp.js';
import { setIpProto, setIpv4Addr, setIpv6Addr } from '../packet/set-field.js';
import { ipv6ExtHeaderLen, isIpv6ExtHeader } from '../packet/ipv6-ext.js';
import { TcpView } from '../packet/tcp.js';
import { UdpView } from '../packet/udp.js';
import { get16, get32, put16, put32 } from '../packet/wire.js';

/** Where the executor's effects go (the datapath). */
export interface ExecSink {
  /**
   * Send the frame buf[off, off+len) out of `port`; `final`: the program
   * changes it no more. tunHi/tunLo: the tunnel id a tunnel port
   * encapsulates it with (ignored by other ports). queue: the queue
   * set_queue chose (SET_PRIORITY), 0 if none.
   */
  output(port: number, buf: Uint8Array, off: number, len: number, final: boolean, tunHi: number, tunLo: number, queue: number): void;
  /** Raise a packet-in for the frame as it is now. */
  userspace(spec: PacketInSpec, buf: Uint8Array, off: number, len: number): void;
  /** Meter `len` bytes; the band that applies, or -1. */
  meter(m: Meter, len: number): number;
}

/** The index of the last instruction that changes the frame, or -1 (outputs after it need no copy). */
export function lastModifyingOp(prog: Int32Array): number {
  let last = -1;
  for (let i = 0; i < prog.length; ) {
    const op = prog[i]!;
    if (op !== ODP.OUTPUT && op !== ODP.USERSPACE && op !== ODP.SET_PRIORITY && op !== ODP.SET_TUNNEL) last = i;
    i += 1 + ODP_LEN[op]!;
  }
  return last;
}

const ETH_ADDR_LEN = 6;

export class Executor {
  private readonly scratchKey = newKey();
  private readonly extractor = new Extractor();
  private readonly ip4 = new Ipv4View();
  private readonly ip6 = new Ipv6View();
  private readonly tcp = new TcpView();
  private readonly udp = new UdpView();
  private readonly sctp = new SctpView();
  private readonly icmp4 = new Icmpv4View();
  private readonly icmp6 = new Icmpv6View();
  private readonly arp = new ArpView();

  /* The frame being worked on. */
  private buf: Uint8Array = new Uint8Array(0);
  private off = 0;
  private end = 0;
  private inPort = 0;
  /** L3 header offset, -1 if none; valid only while l3Valid. */
  private l3 = -1;
  private l4 = -1;
  private l3End = -1;
  private proto = 0;
  /** The EtherType of the header at l3. */
  private l3Type = 0;
  private routed = false;
  private l3Valid = false;
  /** The tunnel id outputs carry: the packet's own (key) until a SET_TUNNEL. */
  private tunHi = 0;
  private tunLo = 0;
  /** The queue outputs go to: set_queue's (SET_PRIORITY), 0 until one. */
  private queue = 0;

  /**
   * Runs `prog` on buf[off, off+len), which arrived on `inPort` and whose
   * layout (from extraction) is `lay` and key `key`. `lastMod` is
   * lastModifyingOp(prog). Returns the frame's final offset (its end never
   * moves), or -1 if the program stopped (a meter band or TTL dropped it).
   */
  run(
    prog: Int32Array,
    xc: XlateCache,
    lastMod: number,
    buf: Uint8Array,
    off: number,
    len: number,
    inPort: number,
    lay: FrameLayout,
    key: Uint32Array,
    sink: ExecSink,
  ): number {
    this.buf = buf;
    this.off = off;
    this.end = off + len;
    this.inPort = inPort;
    this.l3 = lay.l3;
    this.l4 = lay.l4;
    this.l3End = lay.l3End;
    this.routed = lay.routed;
    this.proto = key[KW.IP_PROTO_TOS_TTL]! >>> 24;
    this.l3Type = key[KW.ETH_TYPE_VLAN]! >>> 16;
    this.l3Valid = true;
    this.tunHi = key[KW.TUNNEL_HI]!;
    this.tunLo = key[KW.TUNNEL_LO]!;
    this.queue = 0;
    const n = prog.length;
    for (let i = 0; i < n; ) {
      const op = prog[i]!;
      const a = i + 1;
      switch (op) {
        case ODP.OUTPUT:
          sink.output(prog[a]! >>> 0, buf, this.off, this.end - this.off, i > lastMod, this.tunHi, this.tunLo, this.queue);
          break;
        case ODP.SET_TUNNEL:
          this.tunHi = prog[a]! >>> 0;
          this.tunLo = prog[a + 1]! >>> 0;
          break;
        case ODP.USERSPACE:
          sink.userspace(xc.userspace[prog[a]!]!, buf, this.off, this.end - this.off);
          break;
        case ODP.METER: {
          const m = xc.meters[prog[a]!]!;
          const band = sink.meter(m, this.end - this.off);
          if (band >= 0) {
            const b = m.bands[band]!;
            if (b.type === OFPMBT.DROP) return -1;
            if (b.type === OFPMBT.DSCP_REMARK) this.remark(b.prec_level);
          }
          break;
        }
        case ODP.PUSH_VLAN: {
          const at = pushVlan(buf, this.off, this.end - this.off, prog[a]!, prog[a + 1]! & 0xefff);
          if (at >= 0) this.off = at;
          break;
        }
        case ODP.POP_VLAN: {
          const at = popVlan(buf, this.off, this.end - this.off);
          if (at >= 0) this.off = at;
          break;
        }
        case ODP.SET_VLAN: {
          const o = this.off + 2 * ETH_ADDR_LEN;
          if (this.end - o >= 4) {
            const m = prog[a + 1]!;
            const tci = get16(buf, o + 2);
            put16(buf, o + 2, (tci & ~m) | (prog[a]! & m));
          }
          break;
        }
        case ODP.PUSH_MPLS: {
          const at = pushMpls(buf, this.off, this.end - this.off, prog[a]!, prog[a + 1]! >>> 0);
          if (at >= 0) this.off = at;
          break;
        }
        case ODP.POP_MPLS: {
          const at = popMpls(buf, this.off, this.end - this.off, prog[a]!);
          if (at >= 0) {
            this.off = at;
            // What follows the stack was never parsed if the packet arrived as MPLS.
            if (this.l3 < 0) this.l3Valid = false;
          }
          break;
        }
        case ODP.SET_MPLS: {
          const o = this.mplsAt();
          if (o >= 0) {
            const m = prog[a + 1]!;
            put32(buf, o, ((get32(buf, o) & ~m) | (prog[a]! & m)) >>> 0);
          }
          break;
        }
        case ODP.PUSH_PBB: {
          const at = pushPbb(buf, this.off, this.end - this.off, prog[a]! >>> 0);
          if (at >= 0) this.off = at;
          break;
        }
        case ODP.POP_PBB: {
          const at = popPbb(buf, this.off, this.end - this.off);
          if (at >= 0) {
            this.off = at;
            if (this.l3 < 0) this.l3Valid = false;
          }
          break;
        }
        case ODP.SET_PBB: {
          const o = this.off + l2HeaderLen(buf, this.off, this.end - this.off) + 2;
          if (this.end - o >= 4) {
            const m = prog[a + 1]!;
            put32(buf, o, ((get32(buf, o) & ~m) | (prog[a]! & m)) >>> 0);
          }
          break;
        }
        case ODP.SET_ETH:
          this.setEth(prog, a);
          break;
        case ODP.SET_IPV4:
          this.setIpv4(prog, a);
          break;
        case ODP.SET_IPV6:
          this.setIpv6(prog, a);
          break;
        case ODP.SET_ETH_TYPE: {
          const o = this.off + l2HeaderLen(buf, this.off, this.end - this.off);
          if (this.end - o >= 2) {
            put16(buf, o, prog[a]! & 0xffff);
            // What follows now reads as the new type: later rewrites re-extract.
            this.l3Valid = false;
          }
          break;
        }
        case ODP.SET_IP_PROTO:
          this.setIpProto(prog[a]! & 0xff);
          break;
        case ODP.SET_TCP:
        case ODP.SET_UDP:
        case ODP.SET_SCTP:
          this.setPorts(op, prog, a);
          break;
        case ODP.SET_ICMPV4:
        case ODP.SET_ICMPV6:
          this.setIcmp(op === ODP.SET_ICMPV6, prog, a);
          break;
        case ODP.SET_ARP:
          this.setArp(prog, a);
          break;
        case ODP.SET_ND:
          this.setNd(prog, a);
          break;
        case ODP.SET_PRIORITY:
          this.queue = prog[a]! >>> 0;
          break;
        case ODP.DEC_NW_TTL:
          if (!this.decNwTtl()) return -1;
          break;
        case ODP.DEC_MPLS_TTL: {
          const o = this.mplsAt();
          if (o >= 0) {
            const ttl = buf[o + 3]!;
            if (ttl <= 1) return -1;
            buf[o + 3] = ttl - 1;
          }
          break;
        }
        case ODP.COPY_TTL_OUT:
          this.copyTtl(true);
          break;
        case ODP.COPY_TTL_IN:
          this.copyTtl(false);
          break;
        default:
          // Unknown opcodes cannot come from translation; stop rather than misread operands.
          return -1;
      }
      i = a + ODP_LEN[op]!;
    }
    return this.off;
  }

  /* ------------------------------------------------------------ layout */

  /** The top label stack entry's offset, or -1. */
  private mplsAt(): number {
    const o = this.off + l2HeaderLen(this.buf, this.off, this.end - this.off);
    const t = get16(this.buf, o);
    if ((t !== 0x8847 && t !== 0x8848) || this.end - o < 6) return -1;
    return o + 2;
  }

  /** Makes l3/l4 describe the frame as it is now (re-extracting after a pop exposed unparsed headers). */
  private ensureL3(): boolean {
    if (!this.l3Valid) {
      const lay = this.extractor;
      lay.extract(this.buf, this.off, this.end - this.off, this.inPort, this.scratchKey);
      this.l3 = lay.l3;
      this.l4 = lay.l4;
      this.l3End = lay.l3End;
      this.routed = lay.routed;
      this.proto = this.scratchKey[KW.IP_PROTO_TOS_TTL]! >>> 24;
      this.l3Type = this.scratchKey[KW.ETH_TYPE_VLAN]! >>> 16;
      this.l3Valid = true;
    }
    return this.l3 >= 0;
  }

  /* ------------------------------------------------------------ rewrites */

  private setIpProto(now: number): void {
    if (!this.ensureL3() || this.proto === now) return;
    const b = this.buf;
    const l3 = this.l3;
    if (this.l3Type === 0x0800) {
      setIpProto(b, l3, false, l3 + IPV4.PROTOCOL, this.proto, now, this.l4);
    } else if (this.l3Type === 0x86dd) {
      // ip_proto is the Next Header that names the transport header: the last one of the chain.
      let at = l3 + IPV6.NEXT_HEADER;
      let q = l3 + IPV6.HEADER_LEN;
      while (isIpv6ExtHeader(b[at]!) && this.l3End - q >= 2) {
        const nh = b[at]!;
        at = q;
        q += ipv6ExtHeaderLen(nh, b, q);
      }
      if (b[at] !== this.proto) return;
      setIpProto(b, l3, true, at, this.proto, now, this.l4);
    } else {
      return;
    }
    this.proto = now;
  }

  private setEth(p: Int32Array, a: number): void {
    const b = this.buf;
    const o = this.off;
    if (this.end - o < 2 * ETH_ADDR_LEN) return;
    const dh = p[a + 4]!;
    const dl = p[a + 5]!;
    const sh = p[a + 6]!;
    const sl = p[a + 7]!;
    if ((dh | dl) !== 0) {
      put16(b, o, (get16(b, o) & ~dh) | (p[a]! & dh));
      put32(b, o + 2, ((get32(b, o + 2) & ~dl) | (p[a + 1]! & dl)) >>> 0);
    }
    if ((sh | sl) !== 0) {
      put16(b, o + 6, (get16(b, o + 6) & ~sh) | (p[a + 2]! & sh));
      put32(b, o + 8, ((get32(b, o + 8) & ~sl) | (p[a + 3]! & sl)) >>> 0);
    }
  }

  private setIpv4(p: Int32Array, a: number): void {
    if (!this.ensureL3() || this.l3Type !== 0x0800) return;
    const b = this.buf;
    const l3 = this.l3;
    const mSrc = p[a + 4]!;
    const mDst = p[a + 5]!;
    const mTos = p[a + 6]!;
    const mTtl = p[a + 7]!;
    if (mSrc !== 0) setIpv4Addr(b, l3, IPV4.SRC, (get32(b, l3 + IPV4.SRC) & ~mSrc) | (p[a]! & mSrc), this.l4);
    if (mDst !== 0) setIpv4Addr(b, l3, IPV4.DST, (get32(b, l3 + IPV4.DST) & ~mDst) | (p[a + 1]! & mDst), this.l4);
    if ((mTos | mTtl) !== 0) {
      const v = this.ip4.reset(b, l3, this.end - l3);
      if (mTos !== 0) v.setTos((v.tos() & ~mTos) | (p[a + 2]! & mTos));
      if (mTtl !== 0) v.setTtl((v.ttl() & ~mTtl) | (p[a + 3]! & mTtl));
    }
  }

  private setIpv6(p: Int32Array, a: number): void {
    if (!this.ensureL3() || this.l3Type !== 0x86dd) return;
    const b = this.buf;
    const l3 = this.l3;
    const m = a + 11;
    if ((p[m]! | p[m + 1]! | p[m + 2]! | p[m + 3]!) !== 0) {
      const o = l3 + IPV6.SRC;
      setIpv6Addr(
        b,
        l3,
        IPV6.SRC,
        (get32(b, o) & ~p[m]!) | (p[a]! & p[m]!),
        (get32(b, o + 4) & ~p[m + 1]!) | (p[a + 1]! & p[m + 1]!),
        (get32(b, o + 8) & ~p[m + 2]!) | (p[a + 2]! & p[m + 2]!),
        (get32(b, o + 12) & ~p[m + 3]!) | (p[a + 3]! & p[m + 3]!),
        this.l4,
        this.proto,
      );
    }
    if ((p[m + 4]! | p[m + 5]! | p[m + 6]! | p[m + 7]!) !== 0) {
      const o = l3 + IPV6.DST;
      setIpv6Addr(
        b,
        l3,
        IPV6.DST,
        (get32(b, o) & ~p[m + 4]!) | (p[a + 4]! & p[m + 4]!),
        (get32(b, o + 4) & ~p[m + 5]!) | (p[a + 5]! & p[m + 5]!),
        (get32(b, o + 8) & ~p[m + 6]!) | (p[a + 6]! & p[m + 6]!),
        (get32(b, o + 12) & ~p[m + 7]!) | (p[a + 7]! & p[m + 7]!),
        this.routed ? -1 : this.l4,
        this.proto,
      );
    }
    const v = this.ip6.reset(b, l3, this.end - l3);
    const mTc = p[m + 8]!;
    const mHl = p[m + 9]!;
    const mFl = p[m + 10]!;
    if (mTc !== 0) v.setTrafficClass((v.trafficClass() & ~mTc) | (p[a + 8]! & mTc));
    if (mHl !== 0) v.setHopLimit((v.hopLimit() & ~mHl) | (p[a + 9]! & mHl));
    if (mFl !== 0) v.setFlowLabel((v.flowLabel() & ~mFl) | (p[a + 10]! & mFl));
  }

  private setPorts(op: number, p: Int32Array, a: number): void {
    if (!this.ensureL3() || this.l4 < 0) return;
    if (this.proto !== (op === ODP.SET_TCP ? 6 : op === ODP.SET_UDP ? 17 : 132)) return;
    const mS = p[a + 2]!;
    const mD = p[a + 3]!;
    const n = this.l3End - this.l4;
    if (op === ODP.SET_TCP) {
      const v = this.tcp.reset(this.buf, this.l4, n);
      if (mS !== 0) v.setSrcPort((v.srcPort() & ~mS) | (p[a]! & mS));
      if (mD !== 0) v.setDstPort((v.dstPort() & ~mD) | (p[a + 1]! & mD));
    } else if (op === ODP.SET_UDP) {
      const v = this.udp.reset(this.buf, this.l4, n);
      if (mS !== 0) v.setSrcPort((v.srcPort() & ~mS) | (p[a]! & mS));
      if (mD !== 0) v.setDstPort((v.dstPort() & ~mD) | (p[a + 1]! & mD));
    } else {
      const v = this.sctp.reset(this.buf, this.l4, n);
      v.setPorts((v.srcPort() & ~mS) | (p[a]! & mS), (v.dstPort() & ~mD) | (p[a + 1]! & mD));
    }
  }

  private setIcmp(v6: boolean, p: Int32Array, a: number): void {
    if (!this.ensureL3() || this.l4 < 0 || this.proto !== (v6 ? 58 : 1)) return;
    const mT = p[a + 2]!;
    const mC = p[a + 3]!;
    const v = v6 ? this.icmp6.reset(this.buf, this.l4, this.l3End - this.l4) : this.icmp4.reset(this.buf, this.l4, this.l3End - this.l4);
    v.setTypeCode((v.type() & ~mT) | (p[a]! & mT), (v.code() & ~mC) | (p[a + 1]! & mC));
  }

  private setArp(p: Int32Array, a: number): void {
    if (!this.ensureL3() || (this.l3Type !== 0x0806 && this.l3Type !== 0x8035)) return;
    const v = this.arp.reset(this.buf, this.l3, this.end - this.l3);
    const m = a + 7;
    if (p[m]! !== 0) v.setOper((v.oper() & ~p[m]!) | (p[a]! & p[m]!));
    if (p[m + 1]! !== 0) v.setSpa(((v.spa() & ~p[m + 1]!) | (p[a + 1]! & p[m + 1]!)) >>> 0);
    if (p[m + 2]! !== 0) v.setTpa(((v.tpa() & ~p[m + 2]!) | (p[a + 2]! & p[m + 2]!)) >>> 0);
    if ((p[m + 3]! | p[m + 4]!) !== 0) {
      v.setSha((v.shaHi() & ~p[m + 3]!) | (p[a + 3]! & p[m + 3]!), ((v.shaLo() & ~p[m + 4]!) | (p[a + 4]! & p[m + 4]!)) >>> 0);
    }
    if ((p[m + 5]! | p[m + 6]!) !== 0) {
      v.setTha((v.thaHi() & ~p[m + 5]!) | (p[a + 5]! & p[m + 5]!), ((v.thaLo() & ~p[m + 6]!) | (p[a + 6]! & p[m + 6]!)) >>> 0);
    }
  }

  private setNd(p: Int32Array, a: number): void {
    if (!this.ensureL3() || this.l4 < 0 || this.proto !== 58) return;
    const v = this.icmp6.reset(this.buf, this.l4, this.l3End - this.l4);
    if (!v.isNeighborDiscovery()) return;
    const m = a + 8;
    if ((p[m]! | p[m + 1]! | p[m + 2]! | p[m + 3]!) !== 0) {
      v.setTargetWords(
        ((v.targetWord(0) & ~p[m]!) | (p[a]! & p[m]!)) >>> 0,
        ((v.targetWord(1) & ~p[m + 1]!) | (p[a + 1]! & p[m + 1]!)) >>> 0,
        ((v.targetWord(2) & ~p[m + 2]!) | (p[a + 2]! & p[m + 2]!)) >>> 0,
        ((v.targetWord(3) & ~p[m + 3]!) | (p[a + 3]! & p[m + 3]!)) >>> 0,
      );
    }
    this.setLinkAddr(v, ND_OPT.SOURCE_LINKADDR, p[a + 4]!, p[a + 5]!, p[m + 4]!, p[m + 5]!);
    this.setLinkAddr(v, ND_OPT.TARGET_LINKADDR, p[a + 6]!, p[a + 7]!, p[m + 6]!, p[m + 7]!);
  }

  private setLinkAddr(v: Icmpv6View, type: number, hi: number, lo: number, mHi: number, mLo: number): void {
    if ((mHi | mLo) === 0) return;
    const opt = v.findLinkAddrOption(type);
    if (opt < 0) return;
    v.setLinkAddr(opt, (v.linkAddrHi(opt) & ~mHi) | (hi & mHi), ((v.linkAddrLo(opt) & ~mLo) | (lo & mLo)) >>> 0);
  }

  private decNwTtl(): boolean {
    if (!this.ensureL3()) return true;
    const b = this.buf;
    const version = b[this.l3]! >>> 4;
    if (version === 4) {
      const v = this.ip4.reset(b, this.l3, this.end - this.l3);
      if (v.ttl() <= 1) return false;
      v.setTtl(v.ttl() - 1);
    } else if (version === 6) {
      const h = b[this.l3 + IPV6.HOP_LIMIT]!;
      if (h <= 1) return false;
      b[this.l3 + IPV6.HOP_LIMIT] = h - 1;
    }
    return true;
  }

  /** COPY_TTL_OUT (outward = true) and COPY_TTL_IN between the top entry and what is beneath it. */
  private copyTtl(outward: boolean): void {
    const top = this.mplsAt();
    if (top < 0) return;
    const b = this.buf;
    if ((b[top + 2]! & 1) === 0) {
      const next = top + 4;
      if (this.end - next < 4) return;
      if (outward) b[top + 3] = b[next + 3]!;
      else b[next + 3] = b[top + 3]!;
      return;
    }
    const ip = top + 4;
    if (this.end - ip < 20) return;
    const version = b[ip]! >>> 4;
    if (version === 4) {
      const v = this.ip4.reset(b, ip, this.end - ip);
      if (outward) b[top + 3] = v.ttl();
      else v.setTtl(b[top + 3]!);
    } else if (version === 6 && this.end - ip >= IPV6.HEADER_LEN) {
      if (outward) b[top + 3] = b[ip + IPV6.HOP_LIMIT]!;
      else b[ip + IPV6.HOP_LIMIT] = b[top + 3]!;
    }
  }

  /** A DSCP_REMARK band: raise the drop precedence of an IP packet's DSCP. */
  private remark(precLevel: number): void {
    if (!this.ensureL3()) return;
    const version = this.buf[this.l3]! >>> 4;
    if (version === 4) {
      const v = this.ip4.reset(this.buf, this.l3, this.end - this.l3);
      v.setDscp(remarkDscp(v.dscp(), precLevel));
    } else if (version === 6) {
      const v = this.ip6.reset(this.buf, this.l3, this.end - this.l3);
      v.setDscp(remarkDscp(v.dscp(), precLevel));
    }
  }
}
