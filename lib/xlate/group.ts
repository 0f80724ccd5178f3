/**
 * Group actions (OpenFlow 1.3.5 §5.6): ALL runs every bucket, INDIRECT its
 * one bucket, SELECT one bucket chosen by the flow, FAST_FAILOVER the first
 * live bucket.
 *
 * Each bucket runs on a copy of the packet: its actions (an action set,
 * action-set.ts) change the flow, and afterwards the flow is restored to
 * what it was before the bucket, while `base` (what the datapath's packet
 * looks like) is not, so the next output commits whatever is needed to
 * undo the bucket's rewrites. This is Open vSwitch's way of cloning a
 * packet without a clone action.
 *
 * SELECT: the bucket is a function of a hash of the flow's addresses
 * (Ethernet, and IP or ARP protocol addresses), EtherType, VLAN, IP protocol
 * and transport ports (those present), over
 * the live buckets by weight (groups.ts selectBucket), decided here once
 * per megaflow; the fields hashed go into the wildcards, so every packet of
 * the megaflow takes the same bucket. Open vSwitch hashes in the datapath
 * instead (dp_hash and recirculation), which needs no extra megaflow bits
 * but a second lookup per packet; we trade megaflow breadth for one pass.
 *
 * Liveness (FAST_FAILOVER, and SELECT's choice of live buckets) depends on
 * port state: port changes revalidate every megaflow.
 */
import { hashAddWord, hashFinish } from '../classifier/hash.js';
import { OFPGT } from '../openflow/constants.js';
import { KW } from '../packet/flow-key.js';
import { ActionSet } from './action-set.js';
import { finishPbbWildcards } from './encap-actions.js';
import { MAX_DEPTH, type XlateCtx } from './context.js';
import { ETH_TYPE_ARP, ETH_TYPE_IPV4, ETH_TYPE_IPV6, ETH_TYPE_RARP } from './flow-state.js';
import { markBits, markVlans } from './set-field.js';
import type { Bucket } from '../openflow/types.js';
import type { Group } from '../ofproto/groups.js';

/** Runs an action list; provided by xlate.ts. */
export type RunActions = (ctx: XlateCtx, actions: readonly import('../openflow/types.js').Action[]) => void;

export function xlateGroup(ctx: XlateCtx, groupId: number, run: RunActions): void {
  const id = groupId >>> 0;
  const g = ctx.bridge.group(id);
  ctx.groupIds.push(id);
  ctx.groupSeen.push(g);
  if (g === undefined) {
    if (ctx.trace !== null) ctx.note(`>> group ${id} does not exist, dropping`);
    return;
  }
  if (ctx.depth >= MAX_DEPTH) {
    ctx.fail('group chain too deep');
    return;
  }
  const env = { portLive: (p: number) => ctx.bridge.portLive(p) };
  switch (g.type) {
    case OFPGT.ALL:
      for (let i = 0; i < g.buckets.length && !ctx.exit; i++) runBucket(ctx, g, i, run);
      if (g.buckets.length === 0) record(ctx, g, -1);
      return;
    case OFPGT.INDIRECT:
      runBucket(ctx, g, 0, run);
      return;
    case OFPGT.FF: {
      const i = ctx.bridge.groups.failoverBucket(g, env);
      if (i < 0) {
        ctx.note(' -> no live bucket');
        record(ctx, g, -1);
        return;
      }
      if (ctx.trace !== null) ctx.note(` -> using bucket ${i}`);
      runBucket(ctx, g, i, run);
      return;
    }
    case OFPGT.SELECT: {
      const i = ctx.bridge.groups.selectBucket(g, selectHash(ctx), env);
      if (i < 0) {
        ctx.note(' -> no live bucket');
        record(ctx, g, -1);
        return;
      }
      if (ctx.trace !== null) ctx.note(` -> using bucket ${i}`);
      runBucket(ctx, g, i, run);
      return;
    }
    default:
      ctx.note(`>> group type ${g.type as number} not implemented, dropping`);
  }
}

function record(ctx: XlateCtx, g: Group, bucket: number): void {
  ctx.groups.push(g);
  ctx.buckets.push(bucket);
}

function runBucket(ctx: XlateCtx, g: Group, i: number, run: RunActions): void {
  const b: Bucket | undefined = g.buckets[i];
  if (b === undefined) return;
  record(ctx, g, i);
  if (ctx.trace !== null) ctx.note(`bucket ${i}`);
  const saved = ctx.savedAt(ctx.depth);
  saved.copyFrom(ctx.flow);
  const savedPbb = ctx.pbbInner;
  const wasPopped = ctx.pbbPopped;
  const wasExit = ctx.exit;
  ctx.depth++;
  ctx.indent += 8;
  let set = ctx.bucketSets.get(b.actions);
  if (set === undefined) {
    set = ActionSet.fromList(b.actions);
    ctx.bucketSets.set(b.actions, set);
  }
  run(ctx, set);
  ctx.indent -= 8;
  ctx.depth--;
  // A TTL that ran out drops this bucket's copy only; an error stops everything.
  if (ctx.error === null) ctx.exit = wasExit;
  ctx.flow.copyFrom(saved);
  ctx.pbbInner = savedPbb;
  // A pop_pbb in this bucket moved the customer frame's L2 fields; the next bucket has the backbone frame's.
  if (!wasPopped) finishPbbWildcards(ctx);
}

/** The flow hash that picks a SELECT bucket; marks the fields it reads. */
export function selectHash(ctx: XlateCtx): number {
  const k = ctx.flow.key;
  const wc = ctx.wc;
  let h = 0;
  const take = (w: number, mask: number): void => {
    markBits(wc, w, mask);
    h = hashAddWord(h, k[w]! & mask);
  };
  take(KW.ETH_DST_HI, 0xffff);
  take(KW.ETH_DST_LO, -1);
  take(KW.ETH_SRC_HI, 0xffff);
  take(KW.ETH_SRC_LO, -1);
  take(KW.ETH_TYPE_VLAN, 0xffff0fff | 0);
  // Word 10's tag may be the packet's inner one after a pop.
  markVlans(wc);
  const type = ctx.flow.ethType;
  if (type === ETH_TYPE_IPV4 || type === ETH_TYPE_IPV6) {
    if (type === ETH_TYPE_IPV4) {
      take(KW.NW_SRC, -1);
      take(KW.NW_DST, -1);
    } else {
      for (let i = 0; i < 4; i++) {
        take(KW.IPV6_SRC + i, -1);
        take(KW.IPV6_DST + i, -1);
      }
    }
    take(KW.IP_PROTO_TOS_TTL, 0xff000000 | 0);
    const proto = ctx.flow.ipProto;
    if (proto === 6 || proto === 17 || proto === 132) take(KW.TP_PORTS, -1);
  } else if (type === ETH_TYPE_ARP || type === ETH_TYPE_RARP) {
    // ARP between many hosts behind one router shares its MAC addresses:
    // the protocol addresses (in the IPv4 address words) spread it.
    take(KW.NW_SRC, -1);
    take(KW.NW_DST, -1);
  }
  return hashFinish(h, 16) >>> 0;
}
