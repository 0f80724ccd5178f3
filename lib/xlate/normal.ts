/**
 * OFPP_NORMAL: the switch as an ordinary VLAN-aware learning bridge, as
 * Open vSwitch's xlate_normal does it with every port a trunk (no VLAN
 * configuration: tags pass through unchanged, and learning and lookups
 * are per VLAN, the outer tag's VID or 0 untagged). Fail mode standalone
 * with no controller forwards every packet this way.
 *
 *  - Frames to an IEEE 802.1D reserved address (01:80:c2:00:00:0x: STP,
 *    LACP, pause) are dropped; a bridge never forwards them.
 *  - The source address is learned on the input port (not a group address;
 *    only for real packets, not traces or revalidation).
 *  - A group destination floods; a known unicast destination goes to its
 *    port, or nowhere if that is the input port; an unknown one floods.
 *    Flooding is FLOOD's port set (output.ts).
 *
 * Wildcards: both addresses and the outer VLAN are consulted. The result
 * also depends on the MAC table, which is not part of the key: the
 * datapath looks again at NORMAL megaflows whose destination's entry
 * changed (mac-learning.ts, lib/datapath/revalidator.ts).
 */
import { KW } from '../packet/flow-key.js';
import type { XlateCtx } from './context.js';
import { isMulticastMac, isReservedMac } from './mac-learning.js';
import { outputTo, xlateFlood } from './output.js';
import { markBits, markVlans } from './set-field.js';

export function xlateNormal(ctx: XlateCtx): void {
  ctx.normal = true;
  const k = ctx.flow.key;
  const wc = ctx.wc;
  markBits(wc, KW.ETH_DST_HI, 0xffff);
  markBits(wc, KW.ETH_DST_LO, -1);
  markBits(wc, KW.ETH_SRC_HI, 0xffff);
  markBits(wc, KW.ETH_SRC_LO, -1);
  markVlans(wc);
  const vlan = ctx.flow.nVlans > 0 ? ctx.flow.vlanTci[0]! & 0x0fff : 0;
  const dstHi = k[KW.ETH_DST_HI]!;
  const dstLo = k[KW.ETH_DST_LO]!;
  const srcHi = k[KW.ETH_SRC_HI]!;
  const srcLo = k[KW.ETH_SRC_LO]!;

  if (isReservedMac(dstHi, dstLo)) {
    ctx.note('>> packet has reserved destination MAC, dropping');
    return;
  }
  if (!isMulticastMac(srcHi)) {
    const learned = { vlan, macHi: srcHi, macLo: srcLo >>> 0, port: ctx.inPort };
    if (ctx.sideEffects && ctx.macs.learn(vlan, srcHi, srcLo, ctx.inPort, ctx.now)) {
      ctx.note(`learned that ${macText(srcHi, srcLo)} is on port ${ctx.inPort} in VLAN ${vlan}`);
    }
    ctx.learned.push(learned);
  }
  if (isMulticastMac(dstHi)) {
    ctx.note('multicast/broadcast destination, flooding');
    xlateFlood(ctx);
    return;
  }
  const port = ctx.macs.lookup(vlan, dstHi, dstLo, ctx.now);
  if (port < 0) {
    ctx.note('no learned MAC for destination, flooding');
    xlateFlood(ctx);
    return;
  }
  if (port === ctx.inPort) {
    ctx.note('learned port is input port, dropping');
    return;
  }
  ctx.note(`forwarding to learned port`);
  outputTo(ctx, port);
}

function macText(hi: number, lo: number): string {
  const b = [hi >>> 8, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
