/**
 * Datapath actions: what translation produces and the datapath executes on
 * every packet of a megaflow.
 *
 * What
 * ----
 * A program is an `Int32Array` of instructions, each an opcode followed by
 * a fixed number of operands (ODP_LEN). It says what to do to one frame:
 * output it, push or pop a tag, rewrite header fields (under a mask), run
 * it through a meter, hand it to the controller (USERSPACE: its operand
 * indexes the megaflow's table of packet-in descriptions, which are plain
 * objects and never touched per packet). An empty program is `drop`.
 *
 * This is Open vSwitch's datapath action language (odp-util.h) narrowed to
 * what an OpenFlow 1.3 pipeline can ask for, with three differences:
 *  - no recirculation and no hash action: a select group's bucket is chosen
 *    at translation time from the flow's fields (the key decides it, so the
 *    choice is part of the megaflow), and pop_mpls never re-parses;
 *  - SET_VLAN rewrites the outermost tag's TCI in place, keeping its TPID
 *    (the flow key does not record TPIDs, so Open vSwitch's pop+push could
 *    not restore an 802.1ad one);
 *  - PUSH_PBB / POP_PBB exist (Open vSwitch has no PBB support).
 *
 * Invariants
 * ----------
 *  - Ports in OUTPUT are OpenFlow port numbers (the datapath's port numbers
 *    are the OpenFlow ones; LOCAL is OFPP_LOCAL).
 *  - SET_* values are already ANDed with their masks, and a SET never
 *    carries an all-zero mask: translation only emits what changed.
 *  - A program is immutable once built: megaflows with equal programs may
 *    share one array (megaflow.ts interns them).
 *
 * The builder (`OdpBuilder`) grows one reusable array during a translation
 * and copies out the finished program; the datapath's executor
 * (lib/datapath/execute.ts) walks it without allocating; odp-format.ts
 * prints it in `ovs-dpctl dump-flows` syntax.
 */

/** Opcodes. Operand counts are in ODP_LEN. */
export const enum ODP {
  /** port */
  OUTPUT = 1,
  /** index into the megaflow's packet-in descriptions */
  USERSPACE = 2,
  /** tpid, tci (with the DEI bit clear; OFPVID_PRESENT is not a wire bit) */
  PUSH_VLAN = 3,
  POP_VLAN = 4,
  /** tci, mask: outermost tag, TPID kept */
  SET_VLAN = 5,
  /** ethertype, lse */
  PUSH_MPLS = 6,
  /** ethertype */
  POP_MPLS = 7,
  /** lse, mask */
  SET_MPLS = 8,
  /** itci (I-PCP, I-DEI, UCA, I-SID) */
  PUSH_PBB = 9,
  POP_PBB = 10,
  /** dstHi, dstLo, srcHi, srcLo, then the four masks */
  SET_ETH = 11,
  /** src, dst, tos, ttl, then the four masks */
  SET_IPV4 = 12,
  /** src[4], dst[4], tclass, hlimit, label, then the eleven masks */
  SET_IPV6 = 13,
  /** src, dst, mSrc, mDst */
  SET_TCP = 14,
  SET_UDP = 15,
  SET_SCTP = 16,
  /** type, code, mType, mCode */
  SET_ICMPV4 = 17,
  SET_ICMPV6 = 18,
  /** op, spa, tpa, shaHi, shaLo, thaHi, thaLo, then the seven masks */
  SET_ARP = 19,
  /** target[4], sllHi, sllLo, tllHi, tllLo, then the eight masks */
  SET_ND = 20,
  /** priority (set_queue's queue id; skb_priority in Open vSwitch) */
  SET_PRIORITY = 21,
  /** index into the megaflow's meters */
  METER = 22,
  /**
   * Decrements the IP TTL / hop limit in the packet and stops the program
   * when it was <= 1. Only for packets whose IP header translation could
   * not see (beneath a popped MPLS stack); with a known TTL, translation
   * decides expiry itself and emits SET_IPV4/SET_IPV6.
   */
  DEC_NW_TTL = 23,
  /** As DEC_NW_TTL, for an MPLS label stack entry translation could not see. */
  DEC_MPLS_TTL = 24,
  /** Copies the outermost MPLS TTL inward (to the next entry, or the IP header under the bottom one). */
  COPY_TTL_IN = 25,
  /** Copies the TTL under the outermost MPLS entry (next entry, or IP) outward to it. */
  COPY_TTL_OUT = 26,
  /** isid, mask: the I-SID of the outermost I-TAG */
  SET_PBB = 27,
  /**
   * tunHi, tunLo: the tunnel id later OUTPUTs to tunnel ports encapsulate
   * with (Open vSwitch's set(tunnel(tun_id=...))). Metadata only: the frame's
   * bytes are untouched. Without it a tunnel port uses the id the packet
   * arrived with (0 from a non-tunnel port).
   */
  SET_TUNNEL = 28,
  /**
   * proto: ip_proto (IPv4 Protocol, or the IPv6 Next Header that names the
   * transport header), fixing the checksums that cover it (OpenFlow's
   * set_field ip_proto; Open vSwitch cannot write this field).
   */
  SET_IP_PROTO = 29,
  /**
   * type: the EtherType after the VLAN tags (OpenFlow's set_field eth_type;
   * Open vSwitch cannot write this field). Nothing else of the frame changes.
   */
  SET_ETH_TYPE = 30,
}

/** Operand count of each opcode (index = opcode). */
export const ODP_LEN: readonly number[] = (() => {
  const n: number[] = [];
  n[ODP.OUTPUT] = 1;
  n[ODP.USERSPACE] = 1;
  n[ODP.PUSH_VLAN] = 2;
  n[ODP.POP_VLAN] = 0;
  n[ODP.SET_VLAN] = 2;
  n[ODP.PUSH_MPLS] = 2;
  n[ODP.POP_MPLS] = 1;
  n[ODP.SET_MPLS] = 2;
  n[ODP.PUSH_PBB] = 1;
  n[ODP.POP_PBB] = 0;
  n[ODP.SET_ETH] = 8;
  n[ODP.SET_IPV4] = 8;
  n[ODP.SET_IPV6] = 22;
  n[ODP.SET_TCP] = 4;
  n[ODP.SET_UDP] = 4;
  n[ODP.SET_SCTP] = 4;
  n[ODP.SET_ICMPV4] = 4;
  n[ODP.SET_ICMPV6] = 4;
  n[ODP.SET_ARP] = 14;
  n[ODP.SET_ND] = 16;
  n[ODP.SET_PRIORITY] = 1;
  n[ODP.METER] = 1;
  n[ODP.DEC_NW_TTL] = 0;
  n[ODP.DEC_MPLS_TTL] = 0;
  n[ODP.COPY_TTL_IN] = 0;
  n[ODP.COPY_TTL_OUT] = 0;
  n[ODP.SET_PBB] = 2;
  n[ODP.SET_TUNNEL] = 2;
  n[ODP.SET_IP_PROTO] = 1;
  n[ODP.SET_ETH_TYPE] = 1;
  return n;
})();

/** The empty program: drop. */
export const ODP_DROP: Int32Array = new Int32Array(0);

/** The largest program translation may build (words); beyond it the flow is dropped as oversize. */
export const ODP_MAX_WORDS = 1 << 16;

/**
 * Accumulates one program. Reused across translations: `reset`, emit,
 * then `finish` copies the result out.
 */
export class OdpBuilder {
  private buf = new Int32Array(256);
  /** Words emitted so far. */
  len = 0;
  /** Set when the program would exceed ODP_MAX_WORDS; later emits are ignored. */
  overflow = false;

  reset(): void {
    this.len = 0;
    this.overflow = false;
  }

  /** Appends an opcode and its operands (exactly ODP_LEN[op] of them). */
  emit(op: ODP, ...operands: number[]): void {
    const need = 1 + operands.length;
    if (this.len + need > ODP_MAX_WORDS) {
      this.overflow = true;
      return;
    }
    if (this.len + need > this.buf.length) {
      const next = new Int32Array(Math.min(ODP_MAX_WORDS, Math.max(this.buf.length * 2, this.len + need)));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf[this.len++] = op;
    for (let i = 0; i < operands.length; i++) this.buf[this.len++] = operands[i]! | 0;
  }

  /** The opcode of the last instruction emitted, or 0. */
  lastOp(): number {
    let at = 0;
    let last = 0;
    while (at < this.len) {
      last = this.buf[at]!;
      at += 1 + ODP_LEN[last]!;
    }
    return last;
  }

  /** A copy of the program so far. */
  finish(): Int32Array {
    return this.len === 0 ? ODP_DROP : this.buf.slice(0, this.len);
  }
}

/** Calls `cb(op, at)` for each instruction of `prog` (`at`: index of the first operand). */
export function forEachOdp(prog: Int32Array, cb: (op: ODP, at: number) => void): void {
  for (let i = 0; i < prog.length; ) {
    const op = prog[i]! as ODP;
    cb(op, i + 1);
    i += 1 + (ODP_LEN[op] ?? 0);
  }
}

/** Whether two programs are the same instructions. */
export function odpEqual(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
