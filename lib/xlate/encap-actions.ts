/**
 * The actions that restructure the frame or work on its TTLs: MPLS and
 * PBB pushes and pops, TTL decrements and copies (OpenFlow 1.3.5 §5.12),
 * as translation applies them to the flow (xlate.ts dispatches here).
 *
 * Where the field an action reads is known to translation, the action is
 * decided here (a TTL that runs out raises the INVALID_TTL packet-in and
 * stops the packet); where it is not (beneath a popped stack the packet
 * arrived with), everything pending is committed and a datapath-side
 * operation does the work on the packet's bytes (odp.ts DEC_NW_TTL,
 * DEC_MPLS_TTL, COPY_TTL_IN, COPY_TTL_OUT). The first MPLS push and PBB
 * pushes and pops commit first too: they move headers that pending
 * rewrites refer to.
 */
import { OFPCML, OFPR } from '../openflow/constants.js';
import { KW, PBB_CUSTOMER_TARGETS, PBB_CUSTOMER_WORDS } from '../packet/flow-key.js';
import { commitActions } from './commit.js';
import type { XlateCtx } from './context.js';
import { clearL3, ETH_TYPE_PBB, FlowState, isIpType, OFPVID_PRESENT } from './flow-state.js';
import { ODP } from './odp.js';
import { xlateController } from './output.js';
import { markBits } from './set-field.js';

/** The TTL ran out: an OFPR_INVALID_TTL packet-in, and nothing more for this packet. */
export function ttlExpired(ctx: XlateCtx, what: string): void {
  ctx.note(` >> ${what} TTL exception`);
  xlateController(ctx, OFPR.INVALID_TTL, OFPCML.NO_BUFFER);
  ctx.exit = true;
}

export function decNwTtl(ctx: XlateCtx): void {
  const flow = ctx.flow;
  if (!isIpType(flow.ethType)) {
    ctx.note(' >> not an IP packet, skipping');
    return;
  }
  if (!flow.l3Known) {
    commitActions(flow, ctx.base, ctx.wc, ctx.odp);
    ctx.odp.emit(ODP.DEC_NW_TTL);
    return;
  }
  markBits(ctx.wc, KW.IP_PROTO_TOS_TTL, 0xff00);
  const ttl = flow.nwTtl;
  if (ttl <= 1) ttlExpired(ctx, 'IP');
  else flow.nwTtl = ttl - 1;
}

export function decMplsTtl(ctx: XlateCtx): void {
  const flow = ctx.flow;
  if (flow.nMpls === 0) {
    ctx.note(' >> not an MPLS packet, skipping');
    return;
  }
  if ((flow.mplsKnown[0]! & 0xff) !== 0xff) {
    commitActions(flow, ctx.base, ctx.wc, ctx.odp);
    ctx.odp.emit(ODP.DEC_MPLS_TTL);
    return;
  }
  markBits(ctx.wc, KW.MPLS_LSE, 0xff);
  const ttl = flow.mpls[0]! & 0xff;
  if (ttl <= 1) ttlExpired(ctx, 'MPLS');
  else flow.setMplsTop(ttl - 1, 0xff);
}

export function pushMpls(ctx: XlateCtx, ethertype: number): void {
  const flow = ctx.flow;
  let lse = 0;
  if (flow.nMpls > 0) {
    markBits(ctx.wc, KW.MPLS_LSE, 0xfffffeff | 0);
    lse = flow.mpls[0]! & flow.mplsKnown[0]! & ~0x100;
  } else {
    // The first push restructures the frame: commit what is pending for the headers now above it.
    commitActions(flow, ctx.base, ctx.wc, ctx.odp);
    if (isIpType(flow.ethType) && flow.l3Known) {
      markBits(ctx.wc, KW.IP_PROTO_TOS_TTL, 0xff00);
      lse = flow.nwTtl;
    }
  }
  if (!flow.pushMpls(ethertype, lse, ctx.mplsIds++)) ctx.note(' >> too many MPLS labels, skipping');
}

/** The TTL beneath the outermost entry, or -1 when translation cannot see it. */
function ttlBeneath(ctx: XlateCtx): number {
  const flow = ctx.flow;
  // Whether an entry or the payload is beneath follows from the packet's bottom-of-stack bit.
  markBits(ctx.wc, KW.MPLS_LSE, 0x100);
  if (flow.nMpls >= 2) return (flow.mplsKnown[1]! & 0xff) === 0xff ? flow.mpls[1]! & 0xff : -1;
  if (flow.mplsMore || !flow.l3Known || !isIpType(flow.mplsPayloadType)) return -1;
  markBits(ctx.wc, KW.IP_PROTO_TOS_TTL, 0xff00);
  return flow.nwTtl;
}

export function copyTtlOut(ctx: XlateCtx): void {
  const flow = ctx.flow;
  if (flow.nMpls === 0) return;
  const ttl = ttlBeneath(ctx);
  if (ttl >= 0) {
    flow.setMplsTop(ttl, 0xff);
    return;
  }
  commitActions(flow, ctx.base, ctx.wc, ctx.odp);
  ctx.odp.emit(ODP.COPY_TTL_OUT);
  for (const s of [flow, ctx.base]) {
    s.mpls[0] = s.mpls[0]! & ~0xff;
    s.mplsKnown[0] = s.mplsKnown[0]! & ~0xff;
    s.sync();
  }
}

export function copyTtlIn(ctx: XlateCtx): void {
  const flow = ctx.flow;
  if (flow.nMpls === 0) return;
  // The target sits beneath the top entry, where commits cannot reach: the datapath copies.
  markBits(ctx.wc, KW.MPLS_LSE, 0x100);
  commitActions(flow, ctx.base, ctx.wc, ctx.odp);
  ctx.odp.emit(ODP.COPY_TTL_IN);
  const known = (flow.mplsKnown[0]! & 0xff) === 0xff;
  if (known) markBits(ctx.wc, KW.MPLS_LSE, 0xff);
  const ttl = flow.mpls[0]! & 0xff;
  for (const s of [flow, ctx.base]) {
    if (s.nMpls >= 2) {
      s.mpls[1] = (s.mpls[1]! & ~0xff) | (known ? ttl : 0);
      s.mplsKnown[1] = known ? s.mplsKnown[1]! | 0xff : s.mplsKnown[1]! & ~0xff;
    } else if (!s.mplsMore && s.l3Known && isIpType(s.mplsPayloadType)) {
      if (known) s.nwTtl = ttl;
    }
  }
}

export function pushPbb(ctx: XlateCtx): void {
  const flow = ctx.flow;
  let isid = 0;
  if (flow.ethType === ETH_TYPE_PBB) {
    markBits(ctx.wc, KW.PBB_ISID, 0xffffff);
    isid = flow.key[KW.PBB_ISID]! & 0xffffff;
  }
  commitActions(flow, ctx.base, ctx.wc, ctx.odp);
  const inner = new FlowState();
  inner.copyFrom(flow);
  ctx.pbbInner = inner;
  ctx.odp.emit(ODP.PUSH_PBB, isid);
  for (const s of [flow, ctx.base]) {
    s.nVlans = 0;
    s.nMpls = 0;
    s.mplsMore = false;
    s.l3Known = false;
    clearL3(s.key);
    s.key[KW.PBB_ISID] = isid;
    s.ethType = ETH_TYPE_PBB;
    s.sync();
  }
}

/**
 * pop_pbb. The customer frame beneath is one this walk pushed the header
 * onto (ctx.pbbInner, restored as it was) or the one the packet arrived
 * with, which extraction read beneath the I-TAG (FlowState.popReceivedPbb):
 * either way later tables match the customer frame itself, as OpenFlow
 * 1.3.5 §5.12 wants, without recirculating. In the second case the
 * customer's L2 fields move within the key, so wildcards marked on them
 * from now on belong to other words of the packet's key (finishPbbWildcards).
 */
export function popPbb(ctx: XlateCtx): void {
  const flow = ctx.flow;
  if (flow.ethType !== ETH_TYPE_PBB) {
    ctx.note(' >> not a PBB packet, skipping');
    return;
  }
  const inner = ctx.pbbInner;
  if (inner === null) {
    // Whether there is a customer frame, and its tags, shape what follows.
    markBits(ctx.wc, KW.C_ETH_TYPE_VLAN, 0xffff0000 | OFPVID_PRESENT);
    markBits(ctx.wc, KW.C_VLAN_INNER, OFPVID_PRESENT);
    if (flow.key[KW.C_ETH_TYPE_VLAN] === 0) {
      // The datapath's pop leaves such a frame alone too (encap.ts popPbb).
      ctx.note(' >> no customer frame beneath the I-TAG (cut short), skipping');
      return;
    }
  }
  commitActions(flow, ctx.base, ctx.wc, ctx.odp);
  ctx.odp.emit(ODP.POP_PBB);
  ctx.pbbInner = null;
  if (inner === null) {
    // Marks so far on the L2 words are the backbone frame's: keep them aside.
    // (A second pop of a received header would need the customer frame to be PBB, which popReceivedPbb leaves unparsed.)
    ctx.pbbPopped = true;
    for (let i = 0; i < PBB_CUSTOMER_TARGETS.length; i++) {
      ctx.pbbWcBefore[i] = ctx.wc[PBB_CUSTOMER_TARGETS[i]!]!;
      ctx.wc[PBB_CUSTOMER_TARGETS[i]!] = 0;
    }
  }
  for (const s of [flow, ctx.base]) {
    if (inner !== null) {
      const priority = s.priority;
      s.copyFrom(inner);
      s.priority = priority;
    } else {
      s.popReceivedPbb();
    }
  }
  // As for a packet received so (xlate.ts initWildcards): an IP packet's translation may depend on nw_frag.
  if (inner === null && isIpType(flow.ethType)) markBits(ctx.wc, KW.IP_PROTO_TOS_TTL, 0x3);
}

/**
 * Ends the stretch of translation after a received PBB header's pop
 * (popPbb) in which the key's L2 words hold the customer frame's: marks
 * made on them meanwhile move to the packet key's customer words
 * (C_ETH_DST_HI..C_VLAN_INNER), and the backbone frame's marks from
 * before the pop come back. Called when translation is done, and when a
 * group bucket that popped ends (the next bucket starts from the backbone
 * frame again, group.ts).
 */
export function finishPbbWildcards(ctx: XlateCtx): void {
  if (!ctx.pbbPopped) return;
  const wc = ctx.wc;
  for (let i = 0; i < PBB_CUSTOMER_WORDS.length; i++) {
    const from = PBB_CUSTOMER_TARGETS[i]!;
    wc[PBB_CUSTOMER_WORDS[i]!] |= wc[from]!;
    wc[from] = ctx.pbbWcBefore[i]!;
  }
  ctx.pbbPopped = false;
}
