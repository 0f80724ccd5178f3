/**
 * Actions and instructions in ovs-ofctl's syntax (`ofpacts_format`):
 * `actions=meter:1,output:2,clear_actions,write_actions(group:1),goto_table:3`.
 *
 * Open vSwitch turns an OF1.3 instruction list into one flat action list in
 * a fixed order — meter, the apply-actions' actions (bare), clear_actions,
 * write_actions(...), write_metadata, goto_table — whatever the order on
 * the wire, and prints "drop" for an empty one. Output to a reserved port
 * is just the port's name ("IN_PORT", "CONTROLLER:128"); a plain port is
 * "output:N" (or its name under --names).
 *
 * Strict mode is ovs-ofctl's decoder: actions Open vSwitch does not
 * implement (copy_ttl_*, push/pop_pbb, unknown experimenter actions) and
 * values it refuses raise `OvsReject` with the error ovs-ofctl reports.
 * Lenient mode, for printing our own switch's state, gives such actions a
 * readable form instead.
 */
import { OFPAT, OFPIT, OFPP } from '../../openflow/constants.js';
import type { Action, Instruction, OxmField } from '../../openflow/types.js';
import { formatFieldValue, OVS_FIELDS, putHex } from './fields.js';
import { formatNxAction } from './nx-actions.js';
import { isCtField } from './nx-ct.js';
import type { PrintOptions } from './options.js';
import { formatPort, isOvsPortNumber } from './ports.js';
import { OvsReject, reject } from './reject.js';

export interface ActionFormat {
  readonly opts?: PrintOptions;
  /** Refuse, as ovs-ofctl's decoder does, what Open vSwitch cannot represent. */
  readonly strict: boolean;
  /** Formatting the actions nested in a ct action, where only ct_mark / ct_label may be set. */
  readonly inCt?: boolean;
}

const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

/** The Nicira extension fields a set_field may name in OF1.3 (Open vSwitch's load/set_field to registers). */
const NX_SET_FIELDS: ReadonlyMap<string, { name: string; bytes: number; style: 'hex' | 'ipv4' }> = new Map([
  ...Array.from({ length: 16 }, (_, i) => [`1:${i}`, { name: `reg${i}`, bytes: 4, style: 'hex' as const }] as const),
  ['1:31', { name: 'tun_src', bytes: 4, style: 'ipv4' }],
  ['1:32', { name: 'tun_dst', bytes: 4, style: 'ipv4' }],
  ['1:33', { name: 'pkt_mark', bytes: 4, style: 'hex' }],
  ['1:107', { name: 'ct_mark', bytes: 4, style: 'hex' }],
  ['1:108', { name: 'ct_label', bytes: 16, style: 'hex' }],
]);

function setFieldValid(name: string, v: number): boolean {
  switch (name) {
    case 'vlan_vid':
      return (v & 0x1000) !== 0 && v <= 0x1fff;
    case 'vlan_pcp':
    case 'mpls_tc':
      return v < 8;
    case 'ip_dscp':
      return v < 64;
    case 'ip_ecn':
      return v < 4;
    case 'ipv6_flabel':
    case 'mpls_label':
      return v >>> 0 < 0x100000;
    case 'arp_op':
      return v < 256;
    default:
      return true;
  }
}

function formatSetField(field: OxmField, fmt: ActionFormat): string {
  // ofpacts_verify: ct_mark and ct_label are set only inside ct(exec(...)), and nothing else is.
  const ctField = field.field === 'other' && isCtField(field.oxm_class, field.oxm_field);
  if (fmt.strict && ctField !== (fmt.inCt ?? false)) reject(ctField ? 'OFPBAC_BAD_SET_ARGUMENT' : 'OFPBAC_BAD_ARGUMENT', 'set_field nesting');
  if (field.field === 'other') {
    const info = NX_SET_FIELDS.get(`${field.oxm_class}:${field.oxm_field}`);
    if (info === undefined || field.hasmask || field.payload.length !== info.bytes) {
      // ovs-ofctl reports an experimenter-class field it does not know as a length error.
      if (fmt.strict) reject(field.oxm_class === 0xffff ? 'OFPBAC_BAD_SET_LEN' : 'OFPBAC_BAD_SET_TYPE', `OXM class ${field.oxm_class} field ${field.oxm_field}`);
      return `set_field:${putHex(field.payload)}->oxm(0x${field.oxm_class.toString(16)},${field.oxm_field})`;
    }
    const value =
      info.style === 'ipv4' ? Array.from(field.payload).join('.') : putHex(field.payload);
    return `set_field:${value}->${info.name}`;
  }
  const ovs = OVS_FIELDS[field.field];
  if (ovs === undefined) {
    if (fmt.strict) reject('OFPBAC_BAD_SET_TYPE', field.field);
    return `set_field:${String(field.value)}->${field.field}`;
  }
  if (fmt.strict) {
    if (!ovs.writable) reject('OFPBAC_BAD_SET_ARGUMENT', field.field);
    if (typeof field.value === 'number' && !setFieldValid(field.field, field.value)) reject('OFPBAC_BAD_SET_ARGUMENT', field.field);
  }
  return `set_field:${formatFieldValue(ovs, field.value)}->${ovs.name}`;
}

function formatOutput(port: number, maxLen: number, fmt: ActionFormat): string {
  port >>>= 0;
  if (fmt.strict && !isOvsPortNumber(port)) reject('OFPBAC_BAD_OUT_PORT', `port ${port}`);
  if (port === OFPP.CONTROLLER) return `CONTROLLER:${maxLen}`;
  const name = formatPort(port, fmt.opts);
  return port < 0xff00 ? `output:${name}` : name;
}

/** One action in ovs-ofctl's syntax. */
export function formatAction(a: Action, fmt: ActionFormat): string {
  switch (a.type) {
    case OFPAT.OUTPUT:
      return formatOutput(a.port, a.max_len, fmt);
    case OFPAT.COPY_TTL_OUT:
    case OFPAT.COPY_TTL_IN:
    case OFPAT.PUSH_PBB:
    case OFPAT.POP_PBB:
      // Open vSwitch implements none of these.
      if (fmt.strict) reject('OFPBAC_BAD_TYPE', `action ${a.type}`);
      return a.type === OFPAT.COPY_TTL_OUT
        ? 'copy_ttl_out'
        : a.type === OFPAT.COPY_TTL_IN
          ? 'copy_ttl_in'
          : a.type === OFPAT.POP_PBB
            ? 'pop_pbb'
            : `push_pbb:${hex4((a as { ethertype: number }).ethertype)}`;
    case OFPAT.SET_MPLS_TTL:
      return `set_mpls_ttl(${a.mpls_ttl})`;
    case OFPAT.DEC_MPLS_TTL:
      return 'dec_mpls_ttl';
    case OFPAT.PUSH_VLAN:
      if (fmt.strict && a.ethertype !== 0x8100 && a.ethertype !== 0x88a8) reject('OFPBAC_BAD_ARGUMENT', 'push_vlan');
      return `push_vlan:0x${a.ethertype.toString(16)}`;
    case OFPAT.POP_VLAN:
      return 'pop_vlan';
    case OFPAT.PUSH_MPLS:
      if (fmt.strict && a.ethertype !== 0x8847 && a.ethertype !== 0x8848) reject('OFPBAC_BAD_ARGUMENT', 'push_mpls');
      return `push_mpls:${hex4(a.ethertype)}`;
    case OFPAT.POP_MPLS:
      return `pop_mpls:${hex4(a.ethertype)}`;
    case OFPAT.SET_QUEUE:
      return `set_queue:${a.queue_id >>> 0}`;
    case OFPAT.GROUP:
      return `group:${a.group_id >>> 0}`;
    case OFPAT.SET_NW_TTL:
      return `mod_nw_ttl:${a.nw_ttl}`;
    case OFPAT.DEC_NW_TTL:
      return 'dec_ttl';
    case OFPAT.SET_FIELD:
      return formatSetField(a.field, fmt);
    case OFPAT.EXPERIMENTER: {
      const nx = formatNxAction(a.experimenter, a.data, fmt);
      if (nx !== undefined) return nx;
      // Nicira and ONF are vendors Open vSwitch knows: an action it lacks is an unknown type of theirs.
      const known = a.experimenter >>> 0 === 0x2320 || a.experimenter >>> 0 === 0x4f4e4600;
      if (fmt.strict) reject(known ? 'OFPBAC_BAD_VENDOR_TYPE' : 'OFPBAC_BAD_VENDOR', `experimenter ${a.experimenter}`);
      return `experimenter(0x${(a.experimenter >>> 0).toString(16).padStart(8, '0')},${Buffer.from(a.data).toString('hex')})`;
    }
    default: {
      const t = (a as { type: number }).type;
      if (fmt.strict) reject('OFPBAC_BAD_TYPE', `action ${t}`);
      return `action(${t})`;
    }
  }
}

/** An action list joined by commas; empty for no actions. */
export function formatActionList(actions: readonly Action[], fmt: ActionFormat): string {
  return actions.map((a) => formatAction(a, fmt)).join(',');
}

/**
 * Instructions as ovs-ofctl prints them after "actions=": in Open vSwitch's
 * order, not the wire's, and "drop" when nothing remains.
 */
export function formatInstructionList(instructions: readonly Instruction[], fmt: ActionFormat): string {
  const byType = new Map<number, Instruction>();
  for (const inst of instructions) {
    if (inst.type === OFPIT.EXPERIMENTER) {
      if (fmt.strict) reject('OFPBIC_BAD_EXPERIMENTER', `experimenter ${inst.experimenter}`);
    } else if (byType.has(inst.type)) {
      if (fmt.strict) reject('OFPBIC_DUP_INST', `instruction ${inst.type}`);
      continue;
    }
    if (!byType.has(inst.type)) byType.set(inst.type, inst);
  }
  const parts: string[] = [];
  const meter = byType.get(OFPIT.METER);
  if (meter?.type === OFPIT.METER) parts.push(`meter:${meter.meter_id >>> 0}`);
  const apply = byType.get(OFPIT.APPLY_ACTIONS);
  if (apply?.type === OFPIT.APPLY_ACTIONS && apply.actions.length) parts.push(formatActionList(apply.actions, fmt));
  if (byType.has(OFPIT.CLEAR_ACTIONS)) parts.push('clear_actions');
  const write = byType.get(OFPIT.WRITE_ACTIONS);
  if (write?.type === OFPIT.WRITE_ACTIONS) parts.push(`write_actions(${formatActionList(write.actions, fmt) || 'drop'})`);
  const md = byType.get(OFPIT.WRITE_METADATA);
  if (md?.type === OFPIT.WRITE_METADATA) {
    const alt = (n: bigint): string => (n === 0n ? '0' : `0x${n.toString(16)}`);
    parts.push(`write_metadata:${alt(md.metadata)}${md.metadata_mask === 0xffffffffffffffffn ? '' : `/${alt(md.metadata_mask)}`}`);
  }
  const goto = byType.get(OFPIT.GOTO_TABLE);
  if (goto?.type === OFPIT.GOTO_TABLE) parts.push(`goto_table:${goto.table_id}`);
  for (const inst of instructions) {
    if (inst.type === OFPIT.EXPERIMENTER) {
      parts.push(`experimenter_instruction(0x${(inst.experimenter >>> 0).toString(16).padStart(8, '0')},${Buffer.from(inst.data).toString('hex')})`);
    }
  }
  return parts.length ? parts.join(',') : 'drop';
}

/** Whether an error thrown while formatting is a refusal (as opposed to a bug). */
export const isReject = (e: unknown): e is OvsReject => e instanceof OvsReject;
