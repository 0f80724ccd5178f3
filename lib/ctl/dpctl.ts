/**
 * The datapath's show commands, in Open vSwitch's layouts:
 *
 *  - `dpctl/dump-flows [-m]`: one line per megaflow, its key and mask in
 *    datapath syntax, counters, time since last use, TCP flags, actions:
 *      recirc_id(0),in_port(1),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no),
 *      packets:3, bytes:294, used:0.500s, actions:2
 *    `-m` adds the megaflow's id (ufid), every field whether masked or not
 *    (as value/mask), and its subtable.
 *  - `dpctl/show [-s]`: lookups (hit, missed, lost), flows, masks and the
 *    hit ratio per mask, ports; -s adds per-port counters.
 *  - `upcall/show`: flow count and limit, upcall and revalidation counts.
 *  - `fdb/show`: NORMAL's MAC table.
 */
import type { Datapath } from '../datapath/datapath.js';
import type { Megaflow } from '../datapath/megaflow.js';
import { KEY_WORDS } from '../packet/flow-key.js';
import { formatOdpActions, formatOdpKey, formatPort, macText } from '../xlate/odp-format.js';

const TCP_FLAGS = ['F', 'S', 'R', 'P', '.', 'U', 'E', 'C', 'N'];

function tcpFlagsText(f: number): string {
  let s = '';
  for (let i = 0; i < TCP_FLAGS.length; i++) if (f & (1 << i)) s += TCP_FLAGS[i];
  return s;
}

function usedText(mf: Megaflow, now: number): string {
  if (mf.packets === 0) return 'never';
  return `${Math.max(0, (now - mf.used) / 1000).toFixed(3)}s`;
}

/** One megaflow's line. */
export function formatMegaflow(dp: Datapath, mf: Megaflow, now: number, verbose = false): string {
  const key = mf.subtable.maskedKey(mf.slot, new Uint32Array(KEY_WORDS));
  const keyText = formatOdpKey(key, mf.subtable.mask, verbose);
  const flags = mf.tcpFlags !== 0 ? `, flags:${tcpFlagsText(mf.tcpFlags)}` : '';
  const head = verbose ? `ufid:${mf.id.toString(16).padStart(8, '0')}, ` : '';
  const tail = verbose ? `, dp:ofswitch, mask:${dp.dpcls.list().indexOf(mf.subtable)}` : '';
  return `${head}${keyText}, packets:${mf.packets}, bytes:${mf.bytes}, used:${usedText(mf, now)}${flags}, actions:${formatOdpActions(mf.program.actions, mf.xc)}${tail}`;
}

export function dumpFlows(dp: Datapath, args: readonly string[] = []): string {
  const verbose = args.includes('-m') || args.includes('--more');
  const now = dp.bridge.clock.now();
  const lines = [...dp.flows].sort((a, b) => a.id - b.id).map((mf) => formatMegaflow(dp, mf, now, verbose));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export function dpShow(dp: Datapath, name: string, args: readonly string[] = []): string {
  const stats = args.includes('-s');
  const hit = dp.nEmcHits + dp.nMegaflowHits;
  const lines = [
    `ofswitch@${name}:`,
    `  lookups: hit:${hit} missed:${dp.nMissed} lost:${dp.upcalls.lost}`,
    `  flows: ${dp.flows.length}`,
    `  masks: hit:${hit} total:${dp.dpcls.subtableCount} hit/pkt:${hit + dp.nMissed === 0 ? '0.00' : (subtableProbes(dp) / Math.max(1, hit)).toFixed(2)}`,
    `  cache: emc hits:${dp.nEmcHits} (${pct(dp.nEmcHits, hit + dp.nMissed)}) entries:${dp.emc.used}/${dp.emc.entries} insert:${emcInsertText(dp)}, megaflow hits:${dp.nMegaflowHits} (${pct(dp.nMegaflowHits, hit + dp.nMissed)})`,
  ];
  for (const p of dp.portList()) {
    lines.push(`  port ${formatPort(p.portNo)}: ${p.netdev.name}${p.netdev.type === 'system' ? '' : ` (${p.netdev.type})`}`);
    if (stats) {
      const s = p.netdev.stats();
      lines.push(`    RX packets:${s.rx_packets} errors:${s.rx_errors} dropped:${s.rx_dropped}`);
      lines.push(`    TX packets:${s.tx_packets} errors:${s.tx_errors} dropped:${s.tx_dropped}`);
      lines.push(`    RX bytes:${s.rx_bytes}  TX bytes:${s.tx_bytes}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Subtables visited per megaflow hit, estimated from the rank of the subtable each hit came from. */
function subtableProbes(dp: Datapath): number {
  let n = 0;
  dp.dpcls.list().forEach((s, i) => (n += (s.totalHits + s.hits) * (i + 1)));
  return n;
}

/** The exact-match cache's insertion probability, as emc-insert-inv-prob sets it. */
const emcInsertText = (dp: Datapath): string => (dp.emc.insertInvProb === 0 ? 'disabled' : `1/${dp.emc.insertInvProb}`);

const pct = (a: number, b: number): string => (b === 0 ? '0.0%' : `${((100 * a) / b).toFixed(1)}%`);

export function upcallShow(dp: Datapath, name: string): string {
  const r = dp.revalidator;
  return [
    `ofswitch@${name}:`,
    `  flows         : (current ${dp.flows.length}) (limit ${dp.flowLimit})`,
    `  max idle      : ${dp.maxIdleMs} ms`,
    `  emc insert    : ${emcInsertText(dp)}`,
    `  upcalls       : handled ${dp.nUpcalls}, queued now ${dp.upcalls.count}/${dp.upcalls.capacity}, lost ${dp.upcalls.lost}`,
    `  revalidations : ${r.nRevalidated} (modified ${r.nModified}, deleted ${r.nDeleted}), idle expired ${r.nExpired}`,
    `  masks         : ${dp.dpcls.subtableCount}, programs ${dp.programs.size}`,
    '',
  ].join('\n');
}

export function fdbShow(dp: Datapath): string {
  const now = dp.bridge.clock.now();
  const lines = [' port  VLAN  MAC                Age'];
  for (const e of dp.macs.list()) {
    lines.push(`${formatPort(e.port).padStart(5)}  ${String(e.vlan).padStart(4)}  ${macText(e.macHi, e.macLo)}  ${Math.floor((now - e.seen) / 1000)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Deletes every megaflow (dpctl/del-flows). */
export function delFlows(dp: Datapath): string {
  dp.flushFlows();
  return '';
}
