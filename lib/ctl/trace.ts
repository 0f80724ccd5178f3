/**
 * `ofproto/trace BRIDGE FLOW [PACKET]`: what the switch would do with a
 * packet, step by step, in Open vSwitch's layout:
 *
 *   Flow: tcp,in_port=1,vlan_tci=0x0000,dl_src=...,tp_dst=80,tcp_flags=0
 *
 *   bridge("br0")
 *   -------------
 *    0. tcp,in_port=1, priority 32768
 *       set_field:10.0.0.9->ip_src
 *       output:2
 *
 *   Final flow: tcp,in_port=1,...,nw_src=10.0.0.9,...
 *   Megaflow: recirc_id=0,eth,tcp,in_port=1,nw_src=1.2.3.4,nw_frag=no
 *   Datapath actions: set(ipv4(src=10.0.0.9)),2
 *
 * FLOW is ovs-ofctl match syntax (lib/cli/syntax), plus the fields of a
 * packet that OpenFlow 1.3 cannot match but a trace may set: nw_ttl,
 * nw_frag, mpls_ttl (and recirc_id=0, tcp_flags, which are accepted and
 * ignored). PACKET, hex, replaces the flow's headers with the packet's
 * (in_port still comes from FLOW). Nothing is sent and nothing learned.
 */
import { parseFlow } from '../cli/syntax/flow.js';
import { scanKeyValues } from '../cli/syntax/scanner.js';
import type { Datapath } from '../datapath/datapath.js';
import { compileMatch } from '../ofproto/match.js';
import { Extractor } from '../packet/extract.js';
import { KEY_WORDS, KW, newKey } from '../packet/flow-key.js';
import { formatOdpActions } from '../xlate/odp-format.js';
import { flowText, megaflowText } from './key-match.js';

/** FLOW text → a flow key. Throws with a message for the user. */
export function parseTraceFlow(text: string, ports?: ReadonlyMap<string, number>): Uint32Array {
  const extras: { key: string; value: string }[] = [];
  const rest: string[] = [];
  for (const kv of scanKeyValues(text)) {
    if (kv.key === 'nw_ttl' || kv.key === 'nw_frag' || kv.key === 'mpls_ttl') extras.push(kv);
    else if (kv.key === 'recirc_id' || kv.key === 'tcp_flags' || kv.key === 'ct_state') continue;
    else rest.push(kv.raw);
  }
  const fm = parseFlow(rest.join(','), { command: 'delete', ...(ports ? { ports } : {}) });
  const key = newKey();
  key.set(compileMatch(fm.match).value);
  key[KW.IN_PHY_PORT] = key[KW.IN_PORT]!;
  for (const { key: name, value } of extras) {
    const n = Number(value);
    if (name === 'nw_ttl') {
      if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`${value}: bad nw_ttl`);
      key[KW.IP_PROTO_TOS_TTL] = ((key[KW.IP_PROTO_TOS_TTL]! & ~0xff00) | (n << 8)) >>> 0;
    } else if (name === 'mpls_ttl') {
      if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`${value}: bad mpls_ttl`);
      key[KW.MPLS_LSE] = ((key[KW.MPLS_LSE]! & ~0xff) | n) >>> 0;
    } else {
      const f = value === 'no' ? 0 : value === 'first' ? 1 : value === 'later' ? 3 : -1;
      if (f < 0) throw new Error(`${value}: bad nw_frag (no, first or later)`);
      key[KW.IP_PROTO_TOS_TTL] = ((key[KW.IP_PROTO_TOS_TTL]! & ~3) | f) >>> 0;
    }
  }
  return key;
}

/** The key of a packet (hex) received on `inPort`. */
export function packetKey(hex: string, inPort: number): Uint32Array {
  const clean = hex.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})+$/.test(clean)) throw new Error('packet must be hex digits');
  const frame = Buffer.from(clean, 'hex');
  const key = newKey();
  new Extractor().extract(frame, 0, frame.length, inPort, key);
  return key;
}

/** The whole trace text for `key`. */
export function traceKey(dp: Datapath, bridgeName: string, key: Uint32Array): string {
  const res = dp.translator.translate({ key, sideEffects: false, trace: true, now: dp.bridge.clock.now() });
  const masked = new Uint32Array(KEY_WORDS);
  for (let w = 0; w < KEY_WORDS; w++) masked[w] = key[w]! & res.wc[w]!;
  let same = true;
  for (let w = 0; w < KEY_WORDS; w++) if (res.finalKey[w] !== key[w]) same = false;
  const title = `bridge("${bridgeName}")`;
  const lines = [`Flow: ${flowText(key)}`, '', title, '-'.repeat(title.length), ...(res.trace ?? [])];
  if (res.error !== null) lines.push('', `Translation failed (${res.error}), packet is dropped.`);
  lines.push('', `Final flow: ${same ? 'unchanged' : flowText(res.finalKey)}`, `Megaflow: ${megaflowText(masked, res.wc)}`, `Datapath actions: ${formatOdpActions(res.actions, res.xc)}`);
  return `${lines.join('\n')}\n`;
}

/** `ofproto/trace` with its arguments after the bridge name: FLOW [PACKET]. */
export function ofprotoTrace(dp: Datapath, bridgeName: string, args: readonly string[]): string {
  if (args.length === 0) throw new Error('"ofproto/trace" needs a flow');
  const names = new Map(dp.bridge.ports.sorted().map((p) => [p.name, p.portNo]));
  let key = parseTraceFlow(args[0]!, names);
  if (args.length > 1) key = packetKey(args.slice(1).join(''), key[KW.IN_PORT]!);
  return traceKey(dp, bridgeName, key);
}
