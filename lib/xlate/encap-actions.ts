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
import { KW } from '../packet/flow-key.js';
import { commitActions } from './commit.js';
import type { XlateCtx } from './context.js';
import { clearL3, ETH_TYPE_PBB, FlowState, isIpType } from './flow-state.js';
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

export function popPbb(ctx: XlateCtx): void {
  const flow = ctx.flow;
  if (flow.ethType !== ETH_TYPE_PBB) {
    ctx.note(' >> not a PBB packet, skipping');
    return;
  }
  commitActions(flow, ctx.base, ctx.wc, ctx.odp);
  ctx.odp.emit(ODP.POP_PBB);
  const inner = ctx.pbbInner;
  ctx.pbbInner = null;
  for (const s of [flow, ctx.base]) {
    if (inner !== null) {
      const priority = s.priority;
      s.copyFrom(inner);
      s.priority = priority;
      continue;
    }
    // A PBB frame as received: the customer frame was never parsed.
    for (let w = KW.ETH_DST_HI; w <= KW.ETH_SRC_LO; w++) s.key[w] = 0;
    s.nVlans = 0;
    s.nMpls = 0;
    s.mplsMore = false;
    s.l3Known = false;
    clearL3(s.key);
    s.ethType = 0;
    s.sync();
  }
}
