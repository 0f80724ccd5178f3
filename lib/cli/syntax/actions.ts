/**
 * One action at a time: ovs-ofctl's action names to OpenFlow 1.3 actions.
 *
 * ovs-ofctl's action language is Open vSwitch's, which is wider than
 * OpenFlow 1.3. Each name here falls in one of three groups:
 * - plain OF1.3 actions (`output`, `group`, `push_vlan`, `set_field` ...);
 * - OF1.0-style rewrites that ovs-ofctl turns into OF1.3 ones:
 *   `mod_nw_src:A` is `set_field:A->ip_src`, `mod_tp_src:N` becomes a set of
 *   tcp_src, udp_src or sctp_src depending on the protocol matched, and
 *   `mod_vlan_vid:V` on a packet not known to be tagged is preceded by a
 *   `push_vlan:0x8100`, as ovs-ofctl does;
 * - Open vSwitch extensions (`resubmit`, `learn`, `ct`, `load` into part of
 *   a field, `controller(userdata=...)` ...), which ovs-ofctl would send as
 *   Nicira experimenter actions. We refuse them with a message that says so:
 *   ofctl speaks OpenFlow 1.3, and a switch that is not Open vSwitch would
 *   refuse them anyway. (`load` of a whole field is exactly a set_field, and
 *   becomes one.)
 *
 * Prerequisites. In a flow's apply-actions, ovs-ofctl checks each action
 * against what the match (and the actions before it) guarantee about the
 * packet: `pop_vlan` needs a tag, `dec_ttl` an IP packet, a set_field the
 * field's prerequisites. `ActionContext.facts` carries that knowledge and
 * each action updates it (`push_mpls` changes the ethertype). Inside
 * write_actions ovs-ofctl checks only explicit set_field, and in group
 * buckets and packet-outs nothing; `ActionContext.checks` says which, so we
 * refuse exactly what ovs-ofctl refuses, plus the few cases where it would
 * send an action that does not exist in OF1.3.
 */
import { OFPAT, OFPCML, OFPP } from '../../openflow/constants.js';
import { oxmFieldByName } from '../../openflow/oxm.js';
import type { Action, OxmName } from '../../openflow/types.js';
import { FlowSyntaxError, naming, type WarningSink } from './errors.js';
import { parseFieldValue } from './field-value.js';
import { fieldByName, isOvsExtensionField, prereqHolds, type PacketFacts, type Prereq } from './fields.js';
import { oxmValue } from './match.js';
import { parsePortNumber, type PortNames } from './ports.js';
import { scanKeyValues, type KeyValue } from './scanner.js';
import { parseCUnsigned, parseDecimal, parseIpv4Bits, parseMacBits, parseNumeric, parseUnsigned } from './values.js';

/** Which of ovs-ofctl's consistency checks apply where the actions are. */
export const enum Checks {
  /** Group buckets and packet-outs: none. */
  NONE = 0,
  /** write_actions: explicit set_field only. */
  SET_FIELD = 1,
  /** A flow's apply-actions: all of them. */
  ALL = 2,
}

export interface ActionContext {
  /** What is known of the packet; actions update it as they go. */
  facts: PacketFacts;
  checks: Checks;
  ports?: PortNames;
  warn: WarningSink;
}

const MATCH_INCONSISTENT = 'actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)';

const PREREQ_TEXT: Record<Prereq, string> = {
  none: 'nothing',
  vlan: 'a VLAN tag (dl_vlan=N in the match or an earlier push_vlan)',
  mpls: 'an MPLS packet (mpls or mplsm in the match, or an earlier push_mpls)',
  pbb: 'a PBB packet (dl_type=0x88e7)',
  ipv4: 'an IPv4 packet (ip in the match)',
  ipv6: 'an IPv6 packet (ipv6 in the match)',
  ip: 'an IP packet (ip or ipv6 in the match)',
  arp: 'an ARP packet (arp or rarp in the match)',
  tcp: 'a TCP packet (tcp or tcp6 in the match)',
  udp: 'a UDP packet (udp or udp6 in the match)',
  sctp: 'an SCTP packet (sctp or sctp6 in the match)',
  icmpv4: 'an ICMP packet (icmp in the match)',
  icmpv6: 'an ICMPv6 packet (icmp6 in the match)',
  nd: 'a neighbor discovery packet (icmp6,icmp_type=135 or 136 in the match)',
  nd_solicit: 'a neighbor solicitation (icmp6,icmp_type=135 in the match)',
  nd_advert: 'a neighbor advertisement (icmp6,icmp_type=136 in the match)',
};

function requirePrereq(p: Prereq, token: string, ctx: ActionContext, level: Checks): void {
  if (ctx.checks >= level && !prereqHolds(p, ctx.facts)) {
    throw new FlowSyntaxError(`${token}: needs ${PREREQ_TEXT[p]}; ${MATCH_INCONSISTENT}`, token);
  }
}

/**
 * Open vSwitch actions that OpenFlow 1.3 cannot express, so that we can
 * say so rather than call them unknown.
 */
const OVS_EXTENSION_ACTIONS: ReadonlySet<string> = new Set([
  'resubmit', 'note', 'learn', 'move', 'multipath', 'bundle', 'bundle_load', 'autopath', 'fin_timeout', 'exit',
  'pop_queue', 'enqueue', 'conjunction', 'ct', 'ct_clear', 'nat', 'sample', 'clone', 'check_pkt_larger',
  'dec_nsh_ttl', 'encap', 'decap', 'stack_push', 'stack_pop', 'push', 'pop', 'output_trunc', 'debug_recirc',
  'debug_slow', 'delete_field', 'set_mpls_label_from', 'learn_delete', 'trunc',
]);

function extension(token: string, what: string): FlowSyntaxError {
  return new FlowSyntaxError(
    `${token}: ${what} needs an Open vSwitch extension (a Nicira action), which OpenFlow 1.3 does not have`,
    token,
  );
}

/**
 * Appends the OF1.3 action(s) for one `key[:=(]value` to `out`. A bare
 * port (`2`, `LOCAL`, `p1`) is an output; anything else unknown is
 * `unknown action KEY`. Errors name `kv.raw`, the action as written.
 */
export function parseAction(kv: KeyValue, ctx: ActionContext, out: Action[]): void {
  naming(kv.raw, () => parseOne(kv.key, kv.value, kv.hasValue, kv.raw, ctx, out));
}

function parseOne(key: string, value: string, hasValue: boolean, token: string, ctx: ActionContext, out: Action[]): void {
  // Action names in any case, as ovs-ofctl reads them; `key` as written stays for port names.
  const name = key.toLowerCase();
  switch (name) {
    case 'output':
      return void out.push(output(parseOutPort(value, token, ctx), token, ctx));
    case 'controller':
      return void out.push({ type: OFPAT.OUTPUT, port: OFPP.CONTROLLER, max_len: parseControllerMaxLen(value, token) });
    case 'group':
      return void out.push({ type: OFPAT.GROUP, group_id: Number(parseNumeric(value, 32)) });
    case 'set_queue':
      return void out.push({ type: OFPAT.SET_QUEUE, queue_id: Number(parseNumeric(value, 32)) });
    case 'push_vlan': {
      const ethertype = parseUnsigned(value, 16, 'ethertype');
      if (ethertype !== 0x8100 && ethertype !== 0x88a8) {
        throw new FlowSyntaxError(`${value}: not a valid VLAN ethertype`, value);
      }
      pushVlan(ctx, token, ethertype, out);
      return;
    }
    case 'pop_vlan':
    case 'strip_vlan':
      requirePrereq('vlan', token, ctx, Checks.ALL);
      ctx.facts.vlans = Math.max(0, ctx.facts.vlans - 1);
      return void out.push({ type: OFPAT.POP_VLAN });
    case 'push_mpls': {
      const ethertype = parseUnsigned(value, 16, 'push_mpls');
      ctx.facts = { vlans: ctx.facts.vlans, dlType: ethertype };
      return void out.push({ type: OFPAT.PUSH_MPLS, ethertype });
    }
    case 'pop_mpls': {
      const ethertype = parseUnsigned(value, 16, 'pop_mpls');
      requirePrereq('mpls', token, ctx, Checks.ALL);
      ctx.facts = { vlans: ctx.facts.vlans, dlType: ethertype };
      return void out.push({ type: OFPAT.POP_MPLS, ethertype });
    }
    case 'push_pbb':
      return void out.push({ type: OFPAT.PUSH_PBB, ethertype: parseUnsigned(value, 16, 'push_pbb') });
    case 'pop_pbb':
      return void out.push({ type: OFPAT.POP_PBB });
    case 'dec_ttl':
      if (value !== '') throw extension(token, 'dec_ttl with controller ids');
      requirePrereq('ip', token, ctx, Checks.ALL);
      return void out.push({ type: OFPAT.DEC_NW_TTL });
    case 'set_nw_ttl':
    case 'mod_nw_ttl':
      requirePrereq('ip', token, ctx, Checks.ALL);
      return void out.push({ type: OFPAT.SET_NW_TTL, nw_ttl: parseTtl(value, 'TTL') });
    case 'set_mpls_ttl': {
      const mpls_ttl = parseTtl(value, 'MPLS TTL');
      requirePrereq('mpls', token, ctx, Checks.ALL);
      return void out.push({ type: OFPAT.SET_MPLS_TTL, mpls_ttl });
    }
    case 'dec_mpls_ttl':
      requirePrereq('mpls', token, ctx, Checks.ALL);
      return void out.push({ type: OFPAT.DEC_MPLS_TTL });
    case 'copy_ttl_in':
      return void out.push({ type: OFPAT.COPY_TTL_IN });
    case 'copy_ttl_out':
      return void out.push({ type: OFPAT.COPY_TTL_OUT });
    case 'set_mpls_label': {
      const label = parseNumeric(value, 32);
      if (label > 0xfffffn) throw new FlowSyntaxError(`${value}: not a valid MPLS label`, value);
      return setFieldConverted('mpls_label', label, token, ctx, out);
    }
    case 'set_mpls_tc': {
      const tc = parseUnsigned(value, 8, 'MPLS TC');
      if (tc > 7) throw new FlowSyntaxError(`${value}: not a valid MPLS TC`, value);
      return setFieldConverted('mpls_tc', BigInt(tc), token, ctx, out);
    }
    case 'mod_dl_src':
    case 'mod_dl_dst': {
      const mac = parseMacBits(value);
      if (mac === undefined) throw new FlowSyntaxError(`invalid mac address ${value}`, value);
      return setFieldConverted(name === 'mod_dl_src' ? 'eth_src' : 'eth_dst', mac, token, ctx, out);
    }
    case 'mod_nw_src':
    case 'mod_nw_dst': {
      const ip = parseIpv4Bits(value);
      if (ip === undefined) throw new FlowSyntaxError(`${value}: could not convert to IP address`, value);
      return setFieldConverted(name === 'mod_nw_src' ? 'ipv4_src' : 'ipv4_dst', ip, token, ctx, out);
    }
    case 'mod_nw_tos': {
      const tos = parseUnsigned(value, 8, 'TOS');
      if (tos & 3) throw new FlowSyntaxError(`${value}: not a valid TOS`, value);
      return setFieldConverted('ip_dscp', BigInt(tos >> 2), token, ctx, out);
    }
    case 'mod_nw_ecn': {
      const ecn = parseUnsigned(value, 8, 'ECN');
      if (ecn > 3) throw new FlowSyntaxError(`${value}: not a valid ECN`, value);
      return setFieldConverted('ip_ecn', BigInt(ecn), token, ctx, out);
    }
    case 'mod_tp_src':
    case 'mod_tp_dst':
      return modTransportPort(name, value, token, ctx, out);
    case 'mod_vlan_vid': {
      const vid = parseUnsigned(value, 16, 'VLAN VID');
      if (vid > 0xfff) throw new FlowSyntaxError(`${value}: not a valid VLAN VID`, value);
      if (ctx.facts.vlans === 0) pushVlan(ctx, token, 0x8100, out);
      return setFieldConverted('vlan_vid', BigInt(vid | 0x1000), token, ctx, out);
    }
    case 'mod_vlan_pcp': {
      const pcp = parseUnsigned(value, 8, 'VLAN PCP');
      if (pcp > 7) throw new FlowSyntaxError(`${value}: not a valid VLAN PCP`, value);
      if (ctx.facts.vlans === 0) pushVlan(ctx, token, 0x8100, out);
      return setFieldConverted('vlan_pcp', BigInt(pcp), token, ctx, out);
    }
    case 'set_tunnel':
    case 'set_tunnel64':
      return setFieldConverted('tunnel_id', parseNumeric(value, 64), token, ctx, out);
    case 'set_field':
      return parseSetField(value, token, ctx, out);
    case 'load':
      return parseLoad(value, token, ctx, out);
    default:
      break;
  }
  if (OVS_EXTENSION_ACTIONS.has(name)) throw extension(token, `the ${name} action`);
  if (!hasValue) {
    // A bare port number or name is an output to it.
    const port = parsePortNumber(key, ctx.ports, ctx.warn);
    if (port !== undefined) return void out.push(output(port, token, ctx));
  }
  throw new FlowSyntaxError(`unknown action ${key}`, key);
}

/**
 * An output; to the controller it asks for the whole packet. In a flow,
 * the port must be one a packet can go out of: a real port or a reserved
 * one other than ANY (ovs-ofctl's OFPBAC_BAD_OUT_PORT).
 */
function output(port: number, token: string, ctx: ActionContext): Action {
  const real = port < OFPP.MAX || (port >= OFPP.IN_PORT && port !== OFPP.ANY);
  if (!real && ctx.checks !== Checks.NONE) {
    const message = `${token}: not a port a packet can be output to; actions are invalid with specified match (OFPBAC_BAD_OUT_PORT)`;
    throw new FlowSyntaxError(message, token);
  }
  return { type: OFPAT.OUTPUT, port, max_len: port === OFPP.CONTROLLER ? OFPCML.NO_BUFFER : 0 };
}

function parseOutPort(text: string, token: string, ctx: ActionContext): number {
  const port = parsePortNumber(text, ctx.ports, ctx.warn);
  if (port === undefined) {
    if (/^[A-Za-z0-9_]+\[[0-9.]*\]$/.test(text)) throw extension(token, 'output to a port taken from a field');
    if (text.includes('=')) throw extension(token, 'output with a max_len (output_trunc)');
    throw new FlowSyntaxError(`${text}: output to unknown port`, text);
  }
  return port;
}

/** `controller`, `controller:N` or `controller(max_len=N,reason=action,id=0)`. */
function parseControllerMaxLen(arg: string, token: string): number {
  if (arg === '') return OFPCML.NO_BUFFER;
  if (/^[0-9]+$/.test(arg)) return parseUnsigned(arg, 16, 'max_len');
  let maxLen: number = OFPCML.NO_BUFFER;
  for (const kv of scanKeyValues(arg)) {
    switch (kv.key) {
      case 'max_len':
        maxLen = parseUnsigned(kv.value, 16, 'max_len');
        break;
      case 'reason':
        if (!['action', 'no_match', 'invalid_ttl', 'action_set', 'group', 'packet_out'].includes(kv.value)) {
          throw new FlowSyntaxError(`unknown reason "${kv.value}"`, kv.value);
        }
        if (kv.value !== 'action') throw extension(token, `a controller action with reason=${kv.value}`);
        break;
      case 'id':
        if (parseUnsigned(kv.value, 16, 'controller id') !== 0) throw extension(token, 'a controller action with an id');
        break;
      case 'userdata':
      case 'pause':
      case 'meter_id':
        throw extension(token, `a controller action with ${kv.key}`);
      default:
        throw new FlowSyntaxError(`unknown key "${kv.key}" parsing controller action`, kv.key);
    }
  }
  return maxLen;
}

/** A TTL for set_nw_ttl / set_mpls_ttl: decimal, 0 to 255. */
function parseTtl(text: string, what: string): number {
  const v = parseDecimal(text);
  if (v === undefined || v > 255n) throw new FlowSyntaxError(`invalid ${what} "${text}"`, text);
  return Number(v);
}

function pushVlan(ctx: ActionContext, token: string, ethertype: number, out: Action[]): void {
  if (ctx.checks === Checks.ALL && ctx.facts.vlans >= 2) {
    const message = `${token}: more than two VLAN tags; actions are invalid with specified match (OFPBAC_BAD_TAG)`;
    throw new FlowSyntaxError(message, token);
  }
  ctx.facts.vlans = Math.min(2, ctx.facts.vlans + 1);
  out.push({ type: OFPAT.PUSH_VLAN, ethertype });
}

/** mod_tp_src/dst: a set_field of the port field of the protocol matched. */
function modTransportPort(key: string, value: string, token: string, ctx: ActionContext, out: Action[]): void {
  const port = parseUnsigned(value, 16, key === 'mod_tp_src' ? 'source port' : 'destination port');
  const proto = ctx.facts.nwProto;
  const name = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 132 ? 'sctp' : undefined;
  if (name === undefined || ctx.facts.dlType === undefined) {
    // ovs-ofctl would send OF1.1's SET_TP_SRC/DST here, which OF1.3 does not have.
    throw new FlowSyntaxError(`${token}: needs a TCP, UDP or SCTP packet (tcp, udp or sctp in the match); ${MATCH_INCONSISTENT}`, token);
  }
  setFieldConverted(`${name}_${key === 'mod_tp_src' ? 'src' : 'dst'}` as OxmName, BigInt(port), token, ctx, out);
}

/**
 * A set_field that ovs-ofctl made out of an older action (`mod_*`,
 * `set_tunnel`, `set_mpls_label`): checked only in a flow's apply-actions.
 */
function setFieldConverted(oxm: OxmName, bits: bigint, token: string, ctx: ActionContext, out: Action[]): void {
  // Every OXM name is also a field name (fields.ts lists the spec's names as aliases).
  const f = fieldByName(oxm)!;
  requirePrereq(f.prereq, token, ctx, Checks.ALL);
  out.push(setFieldAction(oxm, bits));
}

function setFieldAction(oxm: OxmName, bits: bigint): Action {
  const info = oxmFieldByName(oxm)!;
  return { type: OFPAT.SET_FIELD, field: { field: oxm, value: oxmValue(info.kind, bits) } };
}

/** `set_field:VALUE->FIELD`. */
function parseSetField(arg: string, token: string, ctx: ActionContext, out: Action[]): void {
  const arrow = arg.indexOf('->');
  if (arrow < 0) throw new FlowSyntaxError(`${arg}: missing \`->'`, arg);
  const name = arg.slice(arrow + 2);
  if (name === '') throw new FlowSyntaxError(`${arg}: missing field name following \`->'`, arg);
  const f = fieldByName(name);
  if (f === undefined) throw new FlowSyntaxError(`${name} is not a valid OXM field name`, name);
  if (f.readOnly) throw new FlowSyntaxError(`${name} is read-only`, name);
  const text = arg.slice(0, arrow);
  const bits = parseFieldValue(f, text, ctx);
  if (f.oxm === undefined) throw extension(token, `a set_field to ${name}`);
  if (bits.mask !== undefined && bits.mask !== (1n << BigInt(8 * f.bytes)) - 1n) {
    throw extension(token, 'a set_field with a mask');
  }
  requirePrereq(f.prereq, token, ctx, Checks.SET_FIELD);
  out.push(setFieldAction(f.oxm, bits.value));
}

/**
 * OXM and NXM names that `load` and `move` use for fields, with the match
 * field each stands for. Only loads into a whole field are accepted, as the
 * set_field they are equivalent to.
 */
const NXM_NAMES: ReadonlyMap<string, string> = new Map([
  ['NXM_OF_IN_PORT', 'in_port'],
  ['NXM_OF_ETH_DST', 'eth_dst'],
  ['NXM_OF_ETH_SRC', 'eth_src'],
  ['NXM_OF_IP_SRC', 'ip_src'],
  ['NXM_OF_IP_DST', 'ip_dst'],
  ['NXM_OF_TCP_SRC', 'tcp_src'],
  ['NXM_OF_TCP_DST', 'tcp_dst'],
  ['NXM_OF_UDP_SRC', 'udp_src'],
  ['NXM_OF_UDP_DST', 'udp_dst'],
  ['NXM_OF_ICMP_TYPE', 'icmp_type'],
  ['NXM_OF_ICMP_CODE', 'icmp_code'],
  ['NXM_OF_ARP_OP', 'arp_op'],
  ['NXM_OF_ARP_SPA', 'arp_spa'],
  ['NXM_OF_ARP_TPA', 'arp_tpa'],
  ['NXM_NX_TUN_ID', 'tun_id'],
  ['NXM_NX_ARP_SHA', 'arp_sha'],
  ['NXM_NX_ARP_THA', 'arp_tha'],
  ['NXM_NX_IPV6_SRC', 'ipv6_src'],
  ['NXM_NX_IPV6_DST', 'ipv6_dst'],
  ['NXM_NX_IPV6_LABEL', 'ipv6_label'],
  ['NXM_NX_ICMPV6_TYPE', 'icmpv6_type'],
  ['NXM_NX_ICMPV6_CODE', 'icmpv6_code'],
  ['NXM_NX_ND_TARGET', 'nd_target'],
  ['NXM_NX_ND_SLL', 'nd_sll'],
  ['NXM_NX_ND_TLL', 'nd_tll'],
  ['NXM_NX_IP_ECN', 'nw_ecn'],
]);

/** `load:VALUE->DST[]`: a set_field when DST is a whole OF1.3 field. */
function parseLoad(arg: string, token: string, ctx: ActionContext, out: Action[]): void {
  const arrow = arg.indexOf('->');
  if (arrow < 0) throw new FlowSyntaxError(`${arg}: missing \`->'`, arg);
  const value = parseCUnsigned(arg.slice(0, arrow));
  if (value === undefined) throw new FlowSyntaxError(`${arg}: cannot parse integer value`, arg);
  const dst = /^([A-Za-z0-9_]+)(?:\[(?:([0-9]+)(?:\.\.([0-9]+))?)?\])?$/.exec(arg.slice(arrow + 2));
  const name = dst?.[1] ?? '';
  const oxmName = name.startsWith('OXM_OF_') ? name.slice(7).toLowerCase() : NXM_NAMES.get(name) ?? name;
  const f = fieldByName(oxmName);
  if (dst !== null && f === undefined && (/^(NXM|OXM|ONFOXM)_/.test(name) || isOvsExtensionField(name))) {
    throw extension(token, `a load into ${name}`);
  }
  if (dst === null || f === undefined) throw new FlowSyntaxError(`${arg.slice(arrow + 2)}: unknown field \`${name}'`, arg);
  const width = 8 * f.bytes;
  const start = dst[2] === undefined ? 0 : Number(dst[2]);
  const end = dst[3] === undefined ? (dst[2] === undefined ? width - 1 : start) : Number(dst[3]);
  if (f.oxm === undefined || f.readOnly || start !== 0 || end !== width - 1) {
    throw extension(token, f.oxm === undefined || f.readOnly ? `a load into ${name}` : 'a load into part of a field');
  }
  if (value >= 1n << BigInt(width) || (value & ~f.valid) !== 0n) {
    throw new FlowSyntaxError(`${arg}: value does not fit in ${f.name}`, arg);
  }
  requirePrereq(f.prereq, token, ctx, Checks.SET_FIELD);
  out.push(setFieldAction(f.oxm, value));
}
