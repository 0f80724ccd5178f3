/**
 * Outputs: to a port, to every port (FLOOD, ALL), to the controller, and
 * the reserved ports that name one of those (IN_PORT, LOCAL).
 *
 * Every output commits the flow first (commit.ts), so the datapath sends
 * the packet as the actions so far have made it.
 *
 * Which ports a packet may leave by (OpenFlow 1.3.5 §4.1, §7.2.1, and Open
 * vSwitch's compose_output_action):
 *  - not the one it came in on, except through OFPP_IN_PORT;
 *  - not a port that does not exist (rules may name ports added later);
 *  - not one configured OFPPC_NO_FWD or OFPPC_PORT_DOWN, nor one whose
 *    link is down (OFPPS_LINK_DOWN): nothing would leave it anyway, and
 *    FLOOD and ALL must skip it.
 * FLOOD and ALL are the same set in OpenFlow 1.3, which has no NO_FLOOD
 * bit (as in Open vSwitch): every usable port but the input, LOCAL
 * included, in port-number order.
 *
 * Port state is part of the translation: a port change makes the datapath
 * revalidate every megaflow (lib/datapath/revalidator.ts).
 */
import { OFPP, OFPPC, OFPPS, OFPR } from '../openflow/constants.js';
import type { Match } from '../openflow/types.js';
import { KW } from '../packet/flow-key.js';
import { commitActions, commitTunnel } from './commit.js';
import { MAX_OUTPUTS, type XlateCtx } from './context.js';
import { xlateNormal } from './normal.js';
import { ODP } from './odp.js';

const NO_COOKIE = 0xffffffffffffffffn;

/** Whether a packet may be sent out of `port` (exists, forwarding, link up). */
export function portUsable(ctx: XlateCtx, port: number): boolean {
  const p = ctx.bridge.ports.get(port);
  if (p === undefined) return false;
  if ((p.config & (OFPPC.NO_FWD | OFPPC.PORT_DOWN)) !== 0) return false;
  return (p.state() & OFPPS.LINK_DOWN) === 0;
}

/** Commits and emits OUTPUT to `port`, unless the port cannot take it (the trace says why). */
export function outputTo(ctx: XlateCtx, port: number): void {
  port >>>= 0;
  const p = ctx.bridge.ports.get(port);
  if (p === undefined) {
    ctx.note(`>> Nonexistent output port`);
    return;
  }
  if ((p.config & OFPPC.NO_FWD) !== 0) {
    ctx.note(`>> OFPPC_NO_FWD set, skipping output`);
    return;
  }
  if ((p.config & OFPPC.PORT_DOWN) !== 0 || (p.state() & OFPPS.LINK_DOWN) !== 0) {
    ctx.note(`>> port is down, skipping output`);
    return;
  }
  if (++ctx.outputs > MAX_OUTPUTS) {
    ctx.fail('too many output actions');
    return;
  }
  commitActions(ctx.flow, ctx.base, ctx.wc, ctx.odp);
  if (TUNNEL_TYPES.has(p.netdev.type)) commitTunnel(ctx.flow, ctx.base, ctx.odp);
  ctx.odp.emit(ODP.OUTPUT, port);
}

/** Port types that encapsulate with the packet's tunnel_id (lib/netdev/vxlan.ts). */
const TUNNEL_TYPES: ReadonlySet<string> = new Set(['vxlan']);

/** Every usable port but the input port, in number order, LOCAL last. */
export function floodPorts(ctx: XlateCtx): number[] {
  const out: number[] = [];
  for (const p of ctx.bridge.ports.sorted()) {
    if (p.portNo === ctx.inPort) continue;
    if (portUsable(ctx, p.portNo)) out.push(p.portNo);
  }
  return out;
}

/** FLOOD and ALL. */
export function xlateFlood(ctx: XlateCtx): void {
  for (const port of floodPorts(ctx)) outputTo(ctx, port);
}

/** The match a packet-in carries: in_port, and metadata / tunnel_id when set (§7.4.1). */
export function packetInMatch(ctx: XlateCtx): Match {
  const k = ctx.flow.key;
  const m: Match = [{ field: 'in_port', value: ctx.inPort >>> 0 }];
  const md = (BigInt(k[KW.METADATA_HI]!) << 32n) | BigInt(k[KW.METADATA_LO]!);
  if (md !== 0n) m.push({ field: 'metadata', value: md });
  const tun = (BigInt(k[KW.TUNNEL_HI]!) << 32n) | BigInt(k[KW.TUNNEL_LO]!);
  if (tun !== 0n) m.push({ field: 'tunnel_id', value: tun });
  return m;
}

/**
 * Output to the controller: a packet-in with `reason`, the current table
 * and rule cookie (all ones without a rule: a packet-out), sent as the
 * packet is now. None for a packet from a port configured
 * OFPPC_NO_PACKET_IN.
 */
export function xlateController(ctx: XlateCtx, reason: number, maxLen: number): void {
  const p = ctx.bridge.ports.get(ctx.inPort);
  if (p !== undefined && (p.config & OFPPC.NO_PACKET_IN) !== 0) {
    ctx.note('>> OFPPC_NO_PACKET_IN set on the input port, no packet-in');
    return;
  }
  if (++ctx.outputs > MAX_OUTPUTS) {
    ctx.fail('too many output actions');
    return;
  }
  commitActions(ctx.flow, ctx.base, ctx.wc, ctx.odp);
  const rule = ctx.rule;
  ctx.userspace.push({
    reason,
    tableId: rule === null ? 0xff : ctx.tableId,
    cookie: rule === null ? NO_COOKIE : rule.cookie,
    maxLen,
    match: packetInMatch(ctx),
  });
  ctx.odp.emit(ODP.USERSPACE, ctx.userspace.length - 1);
}

/** Whether the current rule is its table's table-miss entry (priority 0, matches everything). */
function ruleIsTableMiss(ctx: XlateCtx): boolean {
  const r = ctx.rule;
  if (r === null || r.priority !== 0) return false;
  for (let i = 0; i < r.mask.length; i++) if (r.mask[i] !== 0) return false;
  return true;
}

/**
 * An output action to `port` (a number or a reserved port). `walkTable`
 * runs the pipeline for OFPP_TABLE, which only a packet-out may use.
 */
export function xlateOutput(ctx: XlateCtx, port: number, maxLen: number, walkTable: (ctx: XlateCtx) => void): void {
  port >>>= 0;
  switch (port) {
    case OFPP.IN_PORT:
      outputTo(ctx, ctx.inPort);
      return;
    case OFPP.TABLE:
      if (!ctx.packetOut || ctx.depth > 0) {
        ctx.note('>> output:TABLE outside a packet-out, dropping');
        return;
      }
      walkTable(ctx);
      return;
    case OFPP.NORMAL:
      xlateNormal(ctx);
      return;
    case OFPP.FLOOD:
    case OFPP.ALL:
      xlateFlood(ctx);
      return;
    case OFPP.CONTROLLER:
      xlateController(ctx, ruleIsTableMiss(ctx) ? OFPR.NO_MATCH : OFPR.ACTION, maxLen);
      return;
    case OFPP.LOCAL:
      if (ctx.inPort === OFPP.LOCAL) {
        ctx.note('>> skipping output to input port');
        return;
      }
      outputTo(ctx, OFPP.LOCAL);
      return;
    case OFPP.ANY:
      ctx.note('>> output to OFPP_ANY, dropping');
      return;
    default:
      if (port > OFPP.MAX) {
        ctx.note(`>> output to reserved port 0x${port.toString(16)}, dropping`);
        return;
      }
      if (port === ctx.inPort) {
        ctx.note('>> skipping output to input port');
        return;
      }
      outputTo(ctx, port);
  }
}
