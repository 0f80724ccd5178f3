/**
 * Committing: turning the difference between what the OpenFlow actions
 * have made of the packet (`flow`) and what the datapath's copy looks like
 * (`base`) into datapath actions, as Open vSwitch's commit_odp_actions.
 *
 * Why deferred: OpenFlow actions change fields one at a time, and most of
 * them only matter if the packet is then output. Committing at each output
 * (and before the few actions that restructure the frame eagerly: the
 * first MPLS push, PBB push and pop) folds all changes to one header into
 * one SET, and changes that are undone before an output cost nothing.
 *
 * Order (Open vSwitch's): Ethernet addresses; MPLS pops first if they
 * expose the network header (so that L3 rewrites land on it); network
 * header; transport ports; ICMP/ND; the rest of MPLS (pushes, top entry);
 * VLAN tags; priority. Each SET names only the fields that differ, with
 * the megaflow's wildcard bits of that field as its mask, so every packet
 * of the megaflow gets the same rewrite (set_field un-wildcards the whole
 * field it sets, which is what makes "differs" the same for all of them).
 *
 * After a commit `base` equals `flow` in everything the datapath can
 * rewrite.
 */
import { KW } from '../packet/flow-key.js';
import { isIpType, isMplsType, ETH_TYPE_ARP, ETH_TYPE_IPV4, ETH_TYPE_IPV6, ETH_TYPE_PBB, ETH_TYPE_RARP, MAX_MPLS, MPLS_RECEIVED, type FlowState } from './flow-state.js';
import { ODP, type OdpBuilder } from './odp.js';

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;

/** Writes datapath actions that make `base` into `flow`; updates `base`. */
export function commitActions(flow: FlowState, base: FlowState, wc: Uint32Array, b: OdpBuilder): void {
  commitEth(flow, base, wc, b);
  let mplsDone = false;
  if (isMplsType(base.ethType) && !isMplsType(flow.ethType)) {
    commitMpls(flow, base, wc, b);
    mplsDone = true;
  }
  if (base.ethType === flow.ethType) {
    const t = flow.ethType;
    if (t === ETH_TYPE_IPV4) commitIpv4(flow, base, wc, b);
    else if (t === ETH_TYPE_IPV6) commitIpv6(flow, base, wc, b);
    else if (t === ETH_TYPE_ARP || t === ETH_TYPE_RARP) commitArp(flow, base, wc, b);
    if (isIpType(t) && diff(flow, base, KW.IP_PROTO_TOS_TTL, 0xff000000 | 0) !== 0) {
      // set_field ip_proto: the transport header stays as it is; later rewrites follow the new protocol.
      b.emit(ODP.SET_IP_PROTO, flow.ipProto);
      settle(flow, base, KW.IP_PROTO_TOS_TTL, 0xff000000 | 0);
    }
    if (isIpType(t) && flow.ipProto === base.ipProto && (flow.key[KW.IP_PROTO_TOS_TTL]! & 2) === 0) {
      commitL4(flow, base, wc, b, t === ETH_TYPE_IPV6);
    }
  }
  if (!mplsDone) commitMpls(flow, base, wc, b);
  if (flow.ethType === ETH_TYPE_PBB && base.ethType === ETH_TYPE_PBB) {
    const d = diff(flow, base, KW.PBB_ISID, 0xffffff);
    if (d !== 0) {
      b.emit(ODP.SET_PBB, flow.key[KW.PBB_ISID]! & 0xffffff, 0xffffff);
      settle(flow, base, KW.PBB_ISID, 0xffffff);
    }
  }
  commitVlans(flow, base, b);
  // Pushes and pops keep both sides' EtherTypes in step; what still differs is a set_field eth_type.
  if (flow.ethType !== base.ethType) {
    b.emit(ODP.SET_ETH_TYPE, flow.ethType);
    base.ethType = flow.ethType;
  }
  if (flow.priority !== base.priority) {
    b.emit(ODP.SET_PRIORITY, flow.priority);
    base.priority = flow.priority;
  }
}

/**
 * Commits tunnel_id (set_field:N->tunnel_id) before an output to a tunnel
 * port, as Open vSwitch commits flow->tunnel only for tunnel outputs: other
 * ports carry no tunnel metadata, so their programs stay as they were.
 */
export function commitTunnel(flow: FlowState, base: FlowState, b: OdpBuilder): void {
  const k = flow.key;
  if (k[KW.TUNNEL_HI] === base.key[KW.TUNNEL_HI] && k[KW.TUNNEL_LO] === base.key[KW.TUNNEL_LO]) return;
  b.emit(ODP.SET_TUNNEL, k[KW.TUNNEL_HI]!, k[KW.TUNNEL_LO]!);
  base.key[KW.TUNNEL_HI] = k[KW.TUNNEL_HI]!;
  base.key[KW.TUNNEL_LO] = k[KW.TUNNEL_LO]!;
}

/* ---------------------------------------------------------------- helpers */

/** The bits of word `w` under `fieldMask` that differ between flow and base. */
function diff(flow: FlowState, base: FlowState, w: number, fieldMask: number): number {
  return (flow.key[w]! ^ base.key[w]!) & fieldMask;
}

/** The SET mask for a field that differs: its wildcard bits, plus whatever changed. */
function setMask(flow: FlowState, base: FlowState, wc: Uint32Array, w: number, fieldMask: number): number {
  return ((wc[w]! | (flow.key[w]! ^ base.key[w]!)) & fieldMask) | 0;
}

/** Copies the bits `fieldMask` of word `w` from flow to base. */
function settle(flow: FlowState, base: FlowState, w: number, fieldMask: number): void {
  base.key[w] = ((base.key[w]! & ~fieldMask) | (flow.key[w]! & fieldMask)) >>> 0;
}

/** Whether any of `words` (all bits) differ. */
function wordsDiffer(flow: FlowState, base: FlowState, w0: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (flow.key[w0 + i] !== base.key[w0 + i]) return true;
  return false;
}

/* ---------------------------------------------------------------- headers */

function commitEth(flow: FlowState, base: FlowState, wc: Uint32Array, b: OdpBuilder): void {
  const dst = wordsDiffer(flow, base, KW.ETH_DST_HI, 2);
  const src = wordsDiffer(flow, base, KW.ETH_SRC_HI, 2);
  if (!dst && !src) return;
  const k = flow.key;
  const mDh = dst ? setMask(flow, base, wc, KW.ETH_DST_HI, 0xffff) : 0;
  const mDl = dst ? setMask(flow, base, wc, KW.ETH_DST_LO, -1) : 0;
  const mSh = src ? setMask(flow, base, wc, KW.ETH_SRC_HI, 0xffff) : 0;
  const mSl = src ? setMask(flow, base, wc, KW.ETH_SRC_LO, -1) : 0;
  b.emit(
    ODP.SET_ETH,
    k[KW.ETH_DST_HI]! & mDh,
    k[KW.ETH_DST_LO]! & mDl,
    k[KW.ETH_SRC_HI]! & mSh,
    k[KW.ETH_SRC_LO]! & mSl,
    mDh,
    mDl,
    mSh,
    mSl,
  );
  for (let w = KW.ETH_DST_HI; w <= KW.ETH_SRC_LO; w++) base.key[w] = flow.key[w]!;
}

const TOS_BITS = 0x00ff0000;
const TTL_BITS = 0x0000ff00;

function commitIpv4(flow: FlowState, base: FlowState, wc: Uint32Array, b: OdpBuilder): void {
  const k = flow.key;
  const src = diff(flow, base, KW.NW_SRC, -1) !== 0;
  const dst = diff(flow, base, KW.NW_DST, -1) !== 0;
  const tos = diff(flow, base, KW.IP_PROTO_TOS_TTL, TOS_BITS) !== 0;
  const ttl = diff(flow, base, KW.IP_PROTO_TOS_TTL, TTL_BITS) !== 0;
  if (!src && !dst && !tos && !ttl) return;
  const mSrc = src ? setMask(flow, base, wc, KW.NW_SRC, -1) : 0;
  const mDst = dst ? setMask(flow, base, wc, KW.NW_DST, -1) : 0;
  const mTos = tos ? setMask(flow, base, wc, KW.IP_PROTO_TOS_TTL, TOS_BITS) >>> 16 : 0;
  const mTtl = ttl ? setMask(flow, base, wc, KW.IP_PROTO_TOS_TTL, TTL_BITS) >>> 8 : 0;
  const w11 = k[KW.IP_PROTO_TOS_TTL]!;
  b.emit(
    ODP.SET_IPV4,
    k[KW.NW_SRC]! & mSrc,
    k[KW.NW_DST]! & mDst,
    (w11 >>> 16) & mTos,
    (w11 >>> 8) & mTtl,
    mSrc,
    mDst,
    mTos,
    mTtl,
  );
  settle(flow, base, KW.NW_SRC, -1);
  settle(flow, base, KW.NW_DST, -1);
  settle(flow, base, KW.IP_PROTO_TOS_TTL, TOS_BITS | TTL_BITS);
}

function commitIpv6(flow: FlowState, base: FlowState, wc: Uint32Array, b: OdpBuilder): void {
  const k = flow.key;
  const src = wordsDiffer(flow, base, KW.IPV6_SRC, 4);
  const dst = wordsDiffer(flow, base, KW.IPV6_DST, 4);
  const tc = diff(flow, base, KW.IP_PROTO_TOS_TTL, TOS_BITS) !== 0;
  const hl = diff(flow, base, KW.IP_PROTO_TOS_TTL, TTL_BITS) !== 0;
  const fl = diff(flow, base, KW.IPV6_FLABEL, 0xfffff) !== 0;
  if (!src && !dst && !tc && !hl && !fl) return;
  const ops: number[] = new Array<number>(22).fill(0);
  for (let i = 0; i < 4; i++) {
    const ms = src ? setMask(flow, base, wc, KW.IPV6_SRC + i, -1) : 0;
    const md = dst ? setMask(flow, base, wc, KW.IPV6_DST + i, -1) : 0;
    ops[i] = k[KW.IPV6_SRC + i]! & ms;
    ops[4 + i] = k[KW.IPV6_DST + i]! & md;
    ops[11 + i] = ms;
    ops[15 + i] = md;
  }
  const w11 = k[KW.IP_PROTO_TOS_TTL]!;
  const mTc = tc ? setMask(flow, base, wc, KW.IP_PROTO_TOS_TTL, TOS_BITS) >>> 16 : 0;
  const mHl = hl ? setMask(flow, base, wc, KW.IP_PROTO_TOS_TTL, TTL_BITS) >>> 8 : 0;
  const mFl = fl ? setMask(flow, base, wc, KW.IPV6_FLABEL, 0xfffff) : 0;
  ops[8] = (w11 >>> 16) & mTc;
  ops[9] = (w11 >>> 8) & mHl;
  ops[10] = k[KW.IPV6_FLABEL]! & mFl;
  ops[19] = mTc;
  ops[20] = mHl;
  ops[21] = mFl;
  b.emit(ODP.SET_IPV6, ...ops);
  for (let i = 0; i < 4; i++) {
    settle(flow, base, KW.IPV6_SRC + i, -1);
    settle(flow, base, KW.IPV6_DST + i, -1);
  }
  settle(flow, base, KW.IP_PROTO_TOS_TTL, TOS_BITS | TTL_BITS);
  settle(flow, base, KW.IPV6_FLABEL, 0xfffff);
}

function commitArp(flow: FlowState, base: FlowState, wc: Uint32Array, b: OdpBuilder): void {
  const k = flow.key;
  const op = diff(flow, base, KW.ARP_OP_EXTHDR, 0xffff0000) !== 0;
  const spa = diff(flow, base, KW.NW_SRC, -1) !== 0;
  const tpa = diff(flow, base, KW.NW_DST, -1) !== 0;
  const sha = wordsDiffer(flow, base, KW.ARP_SHA_HI, 2);
  const tha = wordsDiffer(flow, base, KW.ARP_THA_HI, 2);
  if (!op && !spa && !tpa && !sha && !tha) return;
  const mOp = op ? setMask(flow, base, wc, KW.ARP_OP_EXTHDR, 0xffff0000) >>> 16 : 0;
  const mSpa = spa ? setMask(flow, base, wc, KW.NW_SRC, -1) : 0;
  const mTpa = tpa ? setMask(flow, base, wc, KW.NW_DST, -1) : 0;
  const mShaH = sha ? setMask(flow, base, wc, KW.ARP_SHA_HI, 0xffff) : 0;
  const mShaL = sha ? setMask(flow, base, wc, KW.ARP_SHA_LO, -1) : 0;
  const mThaH = tha ? setMask(flow, base, wc, KW.ARP_THA_HI, 0xffff) : 0;
  const mThaL = tha ? setMask(flow, base, wc, KW.ARP_THA_LO, -1) : 0;
  b.emit(
    ODP.SET_ARP,
    (k[KW.ARP_OP_EXTHDR]! >>> 16) & mOp,
    k[KW.NW_SRC]! & mSpa,
    k[KW.NW_DST]! & mTpa,
    k[KW.ARP_SHA_HI]! & mShaH,
    k[KW.ARP_SHA_LO]! & mShaL,
    k[KW.ARP_THA_HI]! & mThaH,
    k[KW.ARP_THA_LO]! & mThaL,
    mOp,
    mSpa,
    mTpa,
    mShaH,
    mShaL,
    mThaH,
    mThaL,
  );
  settle(flow, base, KW.ARP_OP_EXTHDR, 0xffff0000);
  settle(flow, base, KW.NW_SRC, -1);
  settle(flow, base, KW.NW_DST, -1);
  for (let w = KW.ARP_SHA_HI; w <= KW.ARP_THA_LO; w++) base.key[w] = flow.key[w]!;
}

function commitL4(flow: FlowState, base: FlowState, wc: Uint32Array, b: OdpBuilder, v6: boolean): void {
  const k = flow.key;
  const proto = flow.ipProto;
  const w = KW.TP_PORTS;
  if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP) {
    const src = diff(flow, base, w, 0xffff0000 | 0) !== 0;
    const dst = diff(flow, base, w, 0xffff) !== 0;
    if (!src && !dst) return;
    const mS = src ? setMask(flow, base, wc, w, 0xffff0000 | 0) >>> 16 : 0;
    const mD = dst ? setMask(flow, base, wc, w, 0xffff) : 0;
    const op = proto === IPPROTO_TCP ? ODP.SET_TCP : proto === IPPROTO_UDP ? ODP.SET_UDP : ODP.SET_SCTP;
    b.emit(op, (k[w]! >>> 16) & mS, k[w]! & mD, mS, mD);
    settle(flow, base, w, -1);
    return;
  }
  if (proto === (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)) {
    const type = diff(flow, base, w, 0x00ff0000) !== 0;
    const code = diff(flow, base, w, 0xff) !== 0;
    if (type || code) {
      // The ICMP header is rewritten whole, type and code (Open vSwitch sets it unmasked):
      // both are then part of the megaflow.
      wc[w] = (wc[w]! | 0x00ff00ff) >>> 0;
      b.emit(v6 ? ODP.SET_ICMPV6 : ODP.SET_ICMPV4, (k[w]! >>> 16) & 0xff, k[w]! & 0xff, 0xff, 0xff);
      settle(flow, base, w, 0x00ff00ff);
    }
    if (v6) commitNd(flow, base, wc, b);
  }
}

function commitNd(flow: FlowState, base: FlowState, wc: Uint32Array, b: OdpBuilder): void {
  const type = (flow.key[KW.TP_PORTS]! >>> 16) & 0xff;
  if ((type !== 135 && type !== 136) || (flow.key[KW.TP_PORTS]! & 0xff) !== 0) return;
  const k = flow.key;
  const target = wordsDiffer(flow, base, KW.ND_TARGET, 4);
  const sll = wordsDiffer(flow, base, KW.ARP_SHA_HI, 2);
  const tll = wordsDiffer(flow, base, KW.ARP_THA_HI, 2);
  if (!target && !sll && !tll) return;
  const ops: number[] = new Array<number>(16).fill(0);
  for (let i = 0; i < 4; i++) {
    const m = target ? setMask(flow, base, wc, KW.ND_TARGET + i, -1) : 0;
    ops[i] = k[KW.ND_TARGET + i]! & m;
    ops[8 + i] = m;
  }
  const mSh = sll ? setMask(flow, base, wc, KW.ARP_SHA_HI, 0xffff) : 0;
  const mSl = sll ? setMask(flow, base, wc, KW.ARP_SHA_LO, -1) : 0;
  const mTh = tll ? setMask(flow, base, wc, KW.ARP_THA_HI, 0xffff) : 0;
  const mTl = tll ? setMask(flow, base, wc, KW.ARP_THA_LO, -1) : 0;
  ops[4] = k[KW.ARP_SHA_HI]! & mSh;
  ops[5] = k[KW.ARP_SHA_LO]! & mSl;
  ops[6] = k[KW.ARP_THA_HI]! & mTh;
  ops[7] = k[KW.ARP_THA_LO]! & mTl;
  ops[12] = mSh;
  ops[13] = mSl;
  ops[14] = mTh;
  ops[15] = mTl;
  b.emit(ODP.SET_ND, ...ops);
  for (let i = 0; i < 4; i++) settle(flow, base, KW.ND_TARGET + i, -1);
  for (let w = KW.ARP_SHA_HI; w <= KW.ARP_THA_LO; w++) base.key[w] = flow.key[w]!;
}

/**
 * MPLS. A label stack is the entries translation pushed, over the
 * packet's own entries from the first one not yet popped. So base pops
 * its pushed entries and as many of the packet's entries as flow popped;
 * then the two stacks share their bottom, whose top entry is rewritten if
 * its value differs (only the top can: an action reaches an entry only
 * while it is outermost, and an entry above it that was popped on the flow
 * side is not shared); then flow's pushed entries are pushed, innermost
 * first. An entry translation knows only partly is rewritten in the bits
 * it knows. Each pop's EtherType is MPLS while MPLS remains beneath, else
 * the payload's as flow says it (Open vSwitch's commit_mpls_action).
 */
function commitMpls(flow: FlowState, base: FlowState, wc: Uint32Array, b: OdpBuilder): void {
  const flowHasOwn = flow.mplsMore || hasReceived(flow);
  const payloadType = isMplsType(flow.ethType) ? flow.mplsPayloadType || 0x0800 : flow.ethType;
  for (let guard = 0; guard < 4 * MAX_MPLS; guard++) {
    const needOwn = flow.mplsRecvPopped - base.mplsRecvPopped;
    const topPushed = base.nMpls > 0 && base.mplsId[0]! < MPLS_RECEIVED;
    if (!topPushed && needOwn <= 0) break;
    if (base.nMpls === 0) break;
    let mplsBeneath: boolean;
    if (topPushed) mplsBeneath = base.nMpls > 1 || base.mplsMore;
    else mplsBeneath = needOwn > 1 || flowHasOwn;
    const type = mplsBeneath ? (isMplsType(base.ethType) ? base.ethType : 0x8847) : payloadType;
    b.emit(ODP.POP_MPLS, type);
    base.popMpls(type);
  }
  // Base now holds only entries flow holds too, at the bottom of flow's stack.
  const shared = base.nMpls;
  const nf = flow.nMpls - shared;
  if (shared > 0) {
    const i = nf;
    const known = flow.mplsKnown[i]!;
    const changed = (flow.mpls[i]! ^ base.mpls[0]!) | (known & ~base.mplsKnown[0]!);
    if (changed !== 0) {
      // The packet's own top entry: rewrite what changed and what the megaflow pins (as any
      // header field). A pushed entry is translation's in every bit; one exposed by a pop is
      // rewritten in the bits actions set.
      const id = flow.mplsId[i]!;
      const mask = id === MPLS_RECEIVED ? (wc[KW.MPLS_LSE]! | changed) & known : id > MPLS_RECEIVED ? known : -1;
      b.emit(ODP.SET_MPLS, flow.mpls[i]! & mask, mask);
      base.setMplsTop(flow.mpls[i]!, mask);
    }
  }
  for (let i = nf - 1; i >= 0; i--) {
    const type = isMplsType(flow.ethType) ? flow.ethType : 0x8847;
    b.emit(ODP.PUSH_MPLS, type, flow.mpls[i]!);
    base.pushMpls(type, flow.mpls[i]!, flow.mplsId[i]!);
  }
  if (flow.nMpls > 0 && base.ethType !== flow.ethType) base.ethType = flow.ethType;
}

/**
 * VLAN tags: the tags both sides share at the inner end are left alone;
 * then base's outer tags are popped, except that when both sides still
 * have a tag the innermost differing one is rewritten in place (SET_VLAN)
 * if flow's tag came from the packet (TPID unknown, so it must be kept),
 * and flow's remaining tags are pushed, innermost first.
 */
function hasReceived(s: FlowState): boolean {
  for (let i = 0; i < s.nMpls; i++) if (s.mplsId[i]! >= MPLS_RECEIVED) return true;
  return false;
}

function commitVlans(flow: FlowState, base: FlowState, b: OdpBuilder): void {
  let nb = base.nVlans;
  let nf = flow.nVlans;
  while (
    nb > 0 &&
    nf > 0 &&
    base.vlanTci[nb - 1] === flow.vlanTci[nf - 1] &&
    (flow.vlanTpid[nf - 1] === 0 || flow.vlanTpid[nf - 1] === base.vlanTpid[nb - 1])
  ) {
    nb--;
    nf--;
  }
  if (nb === 0 && nf === 0) return;
  let rewrite = nb > 0 && nf > 0 && (flow.vlanTpid[nf - 1] === 0 || flow.vlanTpid[nf - 1] === base.vlanTpid[nb - 1]);
  for (let pops = rewrite ? nb - 1 : nb; pops > 0; pops--) {
    b.emit(ODP.POP_VLAN);
    base.popVlan();
  }
  if (rewrite) {
    const tci = flow.vlanTci[nf - 1]! & 0xefff;
    const old = base.vlanTci[0]! & 0xefff;
    const mask = ((tci ^ old) & 0xe000 ? 0xe000 : 0) | ((tci ^ old) & 0x0fff ? 0x0fff : 0);
    b.emit(ODP.SET_VLAN, tci & mask, mask);
    base.vlanTci[0] = flow.vlanTci[nf - 1]!;
    if (flow.vlanTpid[nf - 1] !== 0) base.vlanTpid[0] = flow.vlanTpid[nf - 1]!;
    base.sync();
    nf--;
    rewrite = false;
  }
  for (let i = nf - 1; i >= 0; i--) {
    const tpid = flow.vlanTpid[i] || 0x8100;
    const tci = flow.vlanTci[i]! & 0xefff;
    b.emit(ODP.PUSH_VLAN, tpid, tci);
    base.pushVlan(tpid, tci);
  }
}
