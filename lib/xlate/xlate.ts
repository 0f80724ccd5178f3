/**
 * Translation: one flow key through the OpenFlow pipeline, to datapath
 * actions and the wildcards they depend on.
 *
 * What
 * ----
 * `Translator.translate` walks the tables of a Bridge for one packet, as
 * OpenFlow 1.3.5 §5 describes: a lookup in table 0 at the committed
 * version; the matched rule's instructions in the spec's order (§5.9:
 * meter, apply-actions, clear-actions, write-actions, write-metadata,
 * goto-table); goto-table repeats with a later table; a pass that ends
 * without goto executes the action set (action-set.ts). A table miss with
 * no table-miss rule drops the packet: what apply-actions already output
 * stays output, the action set is discarded. (Open vSwitch runs the action
 * set even then; the spec says drop.) A packet-out's actions are run in
 * place of the pipeline, where output:TABLE walks it.
 *
 * The result: a datapath program (odp.ts); the wildcards, every key bit
 * any lookup or action depended on; and the xlate cache (context.ts), what
 * to credit and what a later change to the switch may invalidate.
 *
 * Invariants
 * ----------
 *  - Sufficiency: every key that agrees with the translated one on the
 *    wildcard bits gets the same program. Lookups add what they consulted
 *    (lib/classifier); actions add what they read (a TTL before
 *    decrementing it, the outer tag push_vlan copies, the fields a SELECT
 *    group hashes, the addresses NORMAL uses) and every field they write
 *    (commit.ts decides from the packet's own value whether a rewrite is
 *    needed). Translation starts from in_port, eth_type and, for IP,
 *    nw_frag (Open vSwitch's xlate_wc_init).
 *  - Determinism: the program is a function of the key and the switch's
 *    state (tables at the committed version, groups, meters, ports, MAC
 *    table). Translation changes no switch state, except that NORMAL
 *    learns the source address when `sideEffects` is set (upcalls, not
 *    revalidation or traces). Packet-ins are datapath actions, raised when
 *    the program runs, so a translation can be repeated at will.
 *  - Bounded: nesting (groups, packet-out TABLE) ≤ MAX_DEPTH, table
 *    lookups ≤ MAX_TABLE_VISITS, outputs ≤ MAX_OUTPUTS, program ≤
 *    ODP_MAX_WORDS; beyond a bound the packet is dropped with an error.
 *
 * Algorithm notes
 * ---------------
 *  - Two flow states (flow-state.ts): `flow`, what the actions made of the
 *    packet, read by later lookups; `base`, what the datapath's packet is.
 *    Outputs commit the difference (commit.ts).
 *  - TTLs: dec_nw_ttl / dec_mpls_ttl that take a TTL to 0 raise an
 *    OFPR_INVALID_TTL packet-in (connections whose async config does not
 *    want it drop it) and stop translation: nothing after it, the action
 *    set included, happens to the packet (inside a group bucket, to that
 *    bucket's copy only).
 *  - Fields translation cannot see (beneath a received MPLS stack whose
 *    payload extraction could not read, or a customer frame that is itself
 *    MPLS beneath a popped PBB header, since we never recirculate) are written
 *    blind: TTL actions on them become datapath-side operations, which
 *    drop a packet whose TTL runs out without a packet-in.
 *  - push_vlan copies the outer tag's VID and PCP, or uses 0 (§7.2.5,
 *    Table 6); Open vSwitch always pushes 0. push_mpls copies the outer
 *    entry's label, TC and TTL, or uses label 0, TC 0 and the IP TTL.
 */
import type { Bridge } from '../ofproto/bridge.js';
import type { Rule } from '../ofproto/rule.js';
import { OFPAT, OFPC_FRAG, OFPIT, OFPPC } from '../openflow/constants.js';
import type { Action, Instruction } from '../openflow/types.js';
import { KEY_WORDS, KW, MPLS_BENEATH, NW_FRAG } from '../packet/flow-key.js';
import { MAX_TABLE_VISITS, XlateCtx, type XlateResult } from './context.js';
import { copyTtlIn, copyTtlOut, decMplsTtl, decNwTtl, finishPbbWildcards, popPbb, pushMpls, pushPbb } from './encap-actions.js';
import { isIpType, isMplsType } from './flow-state.js';
import { xlateGroup } from './group.js';
import type { MacLearning } from './mac-learning.js';
import { xlateNormal } from './normal.js';
import { ODP, ODP_DROP } from './odp.js';
import { xlateOutput } from './output.js';
import { applySetField, fieldWrite, markBits, markVlans } from './set-field.js';
import { actionText, ruleLine } from './trace-text.js';

export interface XlateInput {
  /** The extracted key (not changed). */
  readonly key: Uint32Array;
  /** Run these actions instead of the pipeline (a packet-out). */
  readonly actions?: readonly Action[];
  /** Learn MACs (a real packet); false for revalidation and traces. */
  readonly sideEffects: boolean;
  /** Collect trace lines. */
  readonly trace?: boolean;
  /** Clock time, ms. */
  readonly now: number;
}

export class Translator {
  private readonly ctx = new XlateCtx();

  constructor(
    readonly bridge: Bridge,
    readonly macs: MacLearning,
  ) {}

  translate(input: XlateInput): XlateResult {
    const ctx = this.ctx;
    const key = input.key;
    ctx.reset(key, key[KW.IN_PORT]!);
    ctx.bridge = this.bridge;
    ctx.macs = this.macs;
    ctx.sideEffects = input.sideEffects;
    ctx.now = input.now;
    ctx.trace = input.trace === true ? [] : null;
    initWildcards(ctx);

    const port = this.bridge.ports.get(ctx.inPort);
    if (input.actions !== undefined) {
      ctx.packetOut = true;
      ctx.note('Executing packet-out actions:');
      ctx.indent += 4;
      runActions(ctx, input.actions);
      ctx.indent -= 4;
    } else if (port !== undefined && (port.config & (OFPPC.NO_RECV | OFPPC.PORT_DOWN)) !== 0) {
      ctx.note((port.config & OFPPC.NO_RECV) !== 0 ? 'OFPPC_NO_RECV is set on the input port, dropping' : 'input port is down, dropping');
    } else if (this.bridge.failMode === 'standalone' && !this.bridge.controllerConnected) {
      ctx.note('fail-open: no controller, acting as a learning switch (NORMAL)');
      xlateNormal(ctx);
    } else {
      walkPipeline(ctx);
    }

    finishPbbWildcards(ctx);
    if (ctx.odp.overflow) ctx.fail('datapath actions too long');
    const actions = ctx.error !== null ? ODP_DROP : ctx.odp.finish();
    // Every packet enters the pipeline with metadata 0 (§7.2.3.7): bits of it consulted say nothing about the packet.
    ctx.wc[KW.METADATA_HI] = 0;
    ctx.wc[KW.METADATA_LO] = 0;
    return {
      actions,
      // Like finalKey: copied only for traces; a flow setup uses it at once (a typed-array copy cost a microsecond).
      wc: ctx.trace !== null ? ctx.wc.slice() : ctx.wc,
      finalKey: ctx.trace !== null ? ctx.flow.key.slice() : ctx.flow.key,
      trace: ctx.trace,
      error: ctx.error,
      xc: {
        userspace: ctx.userspace,
        meters: ctx.meters,
        meterIds: ctx.meterIds,
        rules: ctx.rules,
        // The context's own lists: reset() starts new ones for the next translation, so these need no copy
        // (typed-array copies, allocated outside the heap, were a fifth of a flow setup's time).
        tables: ctx.tables,
        visits: ctx.visits,
        groups: ctx.groups,
        buckets: ctx.buckets,
        groupIds: ctx.groupIds,
        groupSeen: ctx.groupSeen,
        normal: ctx.normal,
        learned: ctx.learned,
      },
    };
  }
}

/** The bits every translation depends on (Open vSwitch's xlate_wc_init). */
function initWildcards(ctx: XlateCtx): void {
  const wc = ctx.wc;
  wc[KW.IN_PORT] = 0xffffffff;
  markBits(wc, KW.ETH_TYPE_VLAN, 0xffff0000 | 0);
  if (isIpType(ctx.flow.ethType)) markBits(wc, KW.IP_PROTO_TOS_TTL, 0x3);
}

/* ----------------------------------------------------------------- tables */

/** One pass through the pipeline from table 0, ending with the action set. */
function walkPipeline(ctx: XlateCtx): void {
  ctx.actionSet.clear();
  const indent = ctx.indent;
  let t = 0;
  for (;;) {
    if (++ctx.tableVisits > MAX_TABLE_VISITS) {
      ctx.fail('too many table lookups');
      return;
    }
    ctx.tableId = t;
    // OFPC_FRAG_DROP (§7.3.2): IP fragments are dropped, as if by a rule
    // with no instructions, counted as a match the way Open vSwitch's
    // drop_frags_rule is. Depends only on nw_frag, which initWildcards
    // already unwildcards for IP, so megaflows keep the mode apart.
    if (ctx.bridge.fragHandling === OFPC_FRAG.DROP && isIpType(ctx.flow.ethType) && (ctx.flow.key[KW.IP_PROTO_TOS_TTL]! & NW_FRAG.ANY) !== 0) {
      recordVisit(ctx, t, true);
      if (ctx.trace !== null) {
        ctx.note(`${tableLabel(t)}Packets are IP fragments and the fragment handling mode is "drop".`);
        ctx.note('    drop');
      }
      ctx.rule = null;
      ctx.actionSet.clear();
      ctx.indent = indent;
      return;
    }
    const rule = ctx.bridge.lookup(t, ctx.flow.key, ctx.wc);
    recordVisit(ctx, t, rule !== null);
    if (rule === null) {
      if (ctx.trace !== null) {
        ctx.note(`${tableLabel(t)}No match.`);
        ctx.note('    drop');
      }
      ctx.rule = null;
      ctx.actionSet.clear();
      ctx.indent = indent;
      return;
    }
    ctx.rule = rule;
    ctx.rules.push(rule);
    if (ctx.trace !== null) ctx.note(`${tableLabel(t)}${ruleLine(rule)}`);
    ctx.indent += 4;
    const next = runInstructions(ctx, rule);
    if (ctx.exit) {
      ctx.indent = indent;
      return;
    }
    if (next < 0) break;
    t = next;
  }
  ctx.indent = indent;
  const set = ctx.actionSet.ordered();
  if (set.length > 0) {
    ctx.note('--. Executing action set:');
    ctx.indent += 4;
    runActions(ctx, set);
    ctx.indent -= 4;
  }
}

function tableLabel(t: number): string {
  return `${String(t).padStart(2, ' ')}. `;
}

/** Notes a lookup for table statistics and for revalidation (context.ts `visits`). */
function recordVisit(ctx: XlateCtx, tableId: number, matched: boolean): void {
  ctx.tables.push(tableId, matched ? 1 : 0);
  const k = ctx.flow.key;
  const ing = ctx.ingress;
  // Every word but metadata's (2 and 3); two loops rather than a test per word (run per lookup of every setup).
  let pristine = k[KW.IN_PORT] === ing[KW.IN_PORT] && k[KW.IN_PHY_PORT] === ing[KW.IN_PHY_PORT] ? 1 : 0;
  for (let w = KW.TUNNEL_HI; pristine === 1 && w < KEY_WORDS; w++) if (k[w] !== ing[w]) pristine = 0;
  ctx.visits.push(tableId, pristine, k[KW.METADATA_HI]! | 0, k[KW.METADATA_LO]! | 0);
}

/** Runs a rule's instructions in the spec's order; returns the goto-table target or -1. */
function runInstructions(ctx: XlateCtx, rule: Rule): number {
  let meter: number | undefined;
  let apply: readonly Action[] | undefined;
  let clear = false;
  let write: readonly Action[] | undefined;
  let md: Instruction | undefined;
  let gotoTable = -1;
  for (const ins of rule.instructions) {
    switch (ins.type) {
      case OFPIT.METER:
        meter = ins.meter_id;
        break;
      case OFPIT.APPLY_ACTIONS:
        apply = ins.actions;
        break;
      case OFPIT.CLEAR_ACTIONS:
        clear = true;
        break;
      case OFPIT.WRITE_ACTIONS:
        write = ins.actions;
        break;
      case OFPIT.WRITE_METADATA:
        md = ins;
        break;
      case OFPIT.GOTO_TABLE:
        gotoTable = ins.table_id;
        break;
      default:
        break;
    }
  }
  if (meter !== undefined) xlateMeter(ctx, meter);
  if (apply !== undefined) runActions(ctx, apply);
  if (ctx.exit) return -1;
  if (clear) {
    ctx.actionSet.clear();
    if (ctx.trace !== null) ctx.note('clear_actions');
  }
  if (write !== undefined) {
    ctx.actionSet.write(write);
    if (ctx.trace !== null) {
      ctx.note(`write_actions(${write.map(actionText).join(',')})`);
      ctx.note(` -> action set is: ${ctx.actionSet.list().map(actionText).join(',')}`);
    }
  }
  if (md !== undefined && md.type === OFPIT.WRITE_METADATA) {
    const k = ctx.flow.key;
    const cur = (BigInt(k[KW.METADATA_HI]!) << 32n) | BigInt(k[KW.METADATA_LO]!);
    const next = (cur & ~md.metadata_mask) | (md.metadata & md.metadata_mask);
    k[KW.METADATA_HI] = Number((next >> 32n) & 0xffffffffn);
    k[KW.METADATA_LO] = Number(next & 0xffffffffn);
    if (ctx.trace !== null) ctx.note(`write_metadata:0x${md.metadata.toString(16)}/0x${md.metadata_mask.toString(16)}`);
  }
  if (gotoTable >= 0 && ctx.trace !== null) ctx.note(`goto_table:${gotoTable}`);
  return gotoTable;
}

function xlateMeter(ctx: XlateCtx, id: number): void {
  const m = ctx.bridge.meter(id);
  if (ctx.trace !== null) ctx.note(`meter:${id}`);
  if (m === undefined) {
    // A rule outlives its meter only within one commit: treat as a drop-all band.
    ctx.fail(`meter ${id} does not exist`);
    return;
  }
  ctx.meters.push(m);
  ctx.meterIds.push(id);
  ctx.odp.emit(ODP.METER, ctx.meters.length - 1);
}

/* ---------------------------------------------------------------- actions */

/** Runs an action list in order (apply-actions, a bucket, an action set, a packet-out). */
export function runActions(ctx: XlateCtx, actions: readonly Action[]): void {
  for (let i = 0; i < actions.length && !ctx.exit; i++) runAction(ctx, actions[i]!);
}

function runAction(ctx: XlateCtx, a: Action): void {
  if (ctx.trace !== null && a.type !== OFPAT.GROUP) ctx.note(actionText(a));
  const flow = ctx.flow;
  switch (a.type) {
    case OFPAT.OUTPUT:
      xlateOutput(ctx, a.port, a.max_len, packetOutTable);
      return;
    case OFPAT.GROUP:
      ctx.note(actionText(a));
      xlateGroup(ctx, a.group_id, runActions);
      return;
    case OFPAT.SET_FIELD: {
      const f = a.field;
      if (f.field === 'other') return;
      let w = ctx.fieldWrites.get(f);
      if (w === undefined) {
        w = fieldWrite(f);
        ctx.fieldWrites.set(f, w);
      }
      if (!applySetField(ctx, w)) ctx.note(' >> unmet prerequisites, skipping');
      return;
    }
    case OFPAT.PUSH_VLAN: {
      markVlans(ctx.wc);
      const tci = flow.nVlans > 0 ? flow.vlanTci[0]! & 0xefff : 0;
      if (!flow.pushVlan(a.ethertype, tci)) ctx.note(' >> too many VLAN tags, skipping');
      return;
    }
    case OFPAT.POP_VLAN:
      markVlans(ctx.wc);
      if (!flow.popVlan()) ctx.note(' >> no VLAN tag to pop');
      return;
    case OFPAT.PUSH_MPLS:
      pushMpls(ctx, a.ethertype);
      return;
    case OFPAT.POP_MPLS:
      if (flow.nMpls === 0) {
        ctx.note(' >> not an MPLS packet, skipping');
        return;
      }
      markBits(ctx.wc, KW.MPLS_LSE, 0x100);
      // Ending the stack exposes what extraction read beneath it (or not): that depends on the key's record of it.
      if (!isMplsType(a.ethertype)) markBits(ctx.wc, KW.PBB_ISID, MPLS_BENEATH.MASK | 0);
      flow.popMpls(a.ethertype);
      // The payload is now the packet: as for one received so (initWildcards), IP translation may depend on nw_frag.
      if (flow.l3Known && isIpType(flow.ethType)) markBits(ctx.wc, KW.IP_PROTO_TOS_TTL, 0x3);
      return;
    case OFPAT.SET_MPLS_TTL:
      if (flow.nMpls === 0) return;
      markBits(ctx.wc, KW.MPLS_LSE, 0xff);
      flow.setMplsTop(a.mpls_ttl, 0xff);
      return;
    case OFPAT.DEC_MPLS_TTL:
      decMplsTtl(ctx);
      return;
    case OFPAT.SET_NW_TTL:
      if (!isIpType(flow.ethType)) return;
      markBits(ctx.wc, KW.IP_PROTO_TOS_TTL, 0xff00);
      flow.nwTtl = a.nw_ttl;
      return;
    case OFPAT.DEC_NW_TTL:
      decNwTtl(ctx);
      return;
    case OFPAT.COPY_TTL_OUT:
      copyTtlOut(ctx);
      return;
    case OFPAT.COPY_TTL_IN:
      copyTtlIn(ctx);
      return;
    case OFPAT.SET_QUEUE:
      flow.priority = a.queue_id;
      return;
    case OFPAT.PUSH_PBB:
      pushPbb(ctx);
      return;
    case OFPAT.POP_PBB:
      popPbb(ctx);
      return;
    case OFPAT.EXPERIMENTER:
      ctx.note(' >> experimenter action ignored');
      return;
    default: {
      const never: never = a;
      return never;
    }
  }
}

/** output:TABLE from a packet-out: a pipeline pass of its own. */
function packetOutTable(ctx: XlateCtx): void {
  const saved = ctx.actionSet;
  ctx.depth++;
  ctx.indent += 4;
  walkPipeline(ctx);
  ctx.indent -= 4;
  ctx.depth--;
  ctx.actionSet = saved;
}
