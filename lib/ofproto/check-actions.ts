/**
 * The checks a flow entry's instructions and actions pass before the switch
 * accepts them (flow mods), and the action checks of group buckets and
 * packet-outs. Each failure is the spec's error (§7.4.4); nothing here
 * changes any state.
 *
 * Instructions (ofp_bad_instruction_code):
 * - a type the table does not list (TABLE_FEATURES INSTRUCTIONS or, for
 *   the table-miss entry, INSTRUCTIONS_MISS): OFPBIC_UNSUP_INST; the same
 *   type twice (§5.9 allows one of each): also OFPBIC_UNSUP_INST, as
 *   OpenFlow 1.3 has no code of its own for it (1.4 added
 *   OFPBIC_DUP_INST; Open vSwitch sends ONF's experimenter error 2600);
 * - goto-table to this or an earlier table, to a table that does not
 *   exist, or to one outside NEXT_TABLES: OFPBIC_BAD_TABLE_ID;
 * - write-metadata with mask bits outside the table's metadata_write:
 *   OFPBIC_UNSUP_METADATA_MASK;
 * - experimenter instructions: OFPBIC_BAD_EXPERIMENTER (we implement none);
 * - a meter instruction: meter id 0, above OFPM_MAX or OFPM_ALL:
 *   OFPMMFC_INVALID_METER; a meter that does not exist:
 *   OFPMMFC_UNKNOWN_METER (Open vSwitch answers INVALID_METER for both;
 *   the spec's wording for UNKNOWN_METER, "bad meter in meter action",
 *   names the missing meter).
 *
 * Actions (ofp_bad_action_code):
 * - output to 0, OFPP_ANY, the unassigned range above OFPP_MAX, or
 *   OFPP_TABLE anywhere but a packet-out (§4.5: "can only be used in
 *   packet-out messages"; Open vSwitch allows it): OFPBAC_BAD_OUT_PORT.
 *   Port numbers that do not exist yet are accepted: §6.4 lets a software
 *   switch take flows for ports that may be added later, as OVS does;
 * - output:CONTROLLER with a max_len between OFPCML_MAX and
 *   OFPCML_NO_BUFFER: OFPBAC_BAD_ARGUMENT;
 * - a group that does not exist or is reserved: OFPBAC_BAD_OUT_GROUP;
 * - push_vlan with an ethertype other than 0x8100/0x88a8, push_mpls other
 *   than 0x8847/0x8848, push_pbb other than 0x88e7: OFPBAC_BAD_ARGUMENT;
 * - set_field of another OXM class, of a non-header field (in_port,
 *   in_phy_port, metadata, ipv6_exthdr: §5.12.1) or of one the table does
 *   not list: OFPBAC_BAD_SET_TYPE; a value the field cannot hold:
 *   OFPBAC_BAD_SET_ARGUMENT;
 * - experimenter actions: OFPBAC_BAD_EXPERIMENTER; a type the table does
 *   not list: OFPBAC_BAD_TYPE;
 * - OFPBAC_MATCH_INCONSISTENT, "action can't apply for this match, or
 *   set-field missing prerequisite": as in Open vSwitch (ofp-actions.c,
 *   ofpacts_check), the actions are walked with what the match guarantees
 *   (prereqs.ts Facts), updated by each push and pop. In apply-actions,
 *   pop_vlan needs a tag, pop_mpls/set_mpls_ttl/dec_mpls_ttl/copy_ttl_*
 *   need MPLS, pop_pbb needs PBB, set_nw_ttl/dec_nw_ttl need IP. In
 *   write-actions only set-field prerequisites are checked, in the order
 *   the action set will run them (§5.10), because later tables may change
 *   the packet before the set runs. set_field on vlan_vid or vlan_pcp
 *   needs a tag, as Open vSwitch requires. Group buckets are checked
 *   without facts: any flow may send to a group.
 */
import { OFPAT, OFPCML, OFPG, OFPIT, OFPM, OFPP } from '../openflow/constants.js';
import { OFPBAC, OFPBIC, OFPET, OFPMMFC, OfpError } from '../openflow/errors.js';
import { oxmFieldByName } from '../openflow/oxm.js';
import type { Action, Instruction, OxmField } from '../openflow/types.js';
import { FIELD_PLACES } from '../packet/flow-key.js';
import { fieldToWords } from './match.js';
import {
  ETH_TYPE_MPLS,
  ETH_TYPE_MPLS_MCAST,
  ETH_TYPE_PBB,
  ETH_TYPE_VLAN,
  ETH_TYPE_VLAN_8021AD,
  factsAreIp,
  factsAreMpls,
  prereqsHold,
  type Facts,
} from './prereqs.js';
import { NO_REFS, type RuleRefs } from './rule.js';
import { isSettable, type TableCaps } from './table-caps.js';

/** What the checks need to know about the rest of the switch. */
export interface CheckEnv {
  tableExists(tableId: number): boolean;
  groupExists(groupId: number): boolean;
  meterExists(meterId: number): boolean;
}

/** Where an action list sits, which decides the checks it gets. */
export const enum ActionPlace {
  APPLY,
  WRITE,
  BUCKET,
  PACKET_OUT,
}

/** The state of one action-list walk. */
interface Walk {
  env: CheckEnv;
  place: ActionPlace;
  /** What is known of the packet; null when nothing is (group buckets). */
  facts: Facts | null;
  /** Bitmap of allowed OFPAT types. */
  allowed: number;
  /** Per field code: 1 if set-field may write it; null: every settable field. */
  setfields: Uint8Array | null;
  /** Ports of output actions so far: outPorts[0 .. nOut) (the list may hold more, stale: a scratch list). */
  readonly outPorts: number[];
  nOut: number;
  /** Groups of group actions so far: groups[0 .. nGroups). */
  readonly groups: number[];
  nGroups: number;
}

const badAction = (code: OFPBAC, detail: string): OfpError => new OfpError(OFPET.BAD_ACTION, code, detail);
const badInst = (code: OFPBIC, detail: string): OfpError => new OfpError(OFPET.BAD_INSTRUCTION, code, detail);

/**
 * Checks a flow_mod's instructions for table `tableId`; `facts` is what its
 * match guarantees (it is updated as apply-actions would change the
 * packet). Returns what they refer to.
 */
export function checkInstructions(
  insts: readonly Instruction[],
  tableId: number,
  caps: TableCaps,
  isMiss: boolean,
  facts: Facts,
  env: CheckEnv,
): RuleRefs {
  if (insts.length === 0) return NO_REFS;
  const m = isMiss ? 1 : 0;
  let seen = 0;
  let meterId = 0;
  let apply: readonly Action[] | null = null;
  let write: readonly Action[] | null = null;
  for (const inst of insts) {
    if (inst.type === OFPIT.EXPERIMENTER) {
      throw badInst(OFPBIC.BAD_EXPERIMENTER, `experimenter instruction 0x${inst.experimenter.toString(16)}`);
    }
    const bit = 1 << inst.type;
    if ((caps.instructions[m] & bit) === 0) throw badInst(OFPBIC.UNSUP_INST, `table ${tableId} takes no instruction ${inst.type}`);
    if ((seen & bit) !== 0) throw badInst(OFPBIC.UNSUP_INST, `instruction ${inst.type} given twice`);
    seen |= bit;
    switch (inst.type) {
      case OFPIT.GOTO_TABLE: {
        const t = inst.table_id;
        if (t <= tableId) throw badInst(OFPBIC.BAD_TABLE_ID, `goto_table:${t} from table ${tableId} is not forward`);
        if (!env.tableExists(t) || caps.nextTables[m][t] !== 1) {
          throw badInst(OFPBIC.BAD_TABLE_ID, `goto_table:${t}: no such next table`);
        }
        break;
      }
      case OFPIT.WRITE_METADATA:
        if ((inst.metadata_mask & ~caps.metadataWrite) !== 0n) {
          throw badInst(OFPBIC.UNSUP_METADATA_MASK, `metadata mask 0x${inst.metadata_mask.toString(16)}`);
        }
        break;
      case OFPIT.METER:
        checkMeterRef(inst.meter_id, env);
        meterId = inst.meter_id;
        break;
      case OFPIT.APPLY_ACTIONS:
        apply = inst.actions;
        break;
      case OFPIT.WRITE_ACTIONS:
        write = inst.actions;
        break;
      case OFPIT.CLEAR_ACTIONS:
        break;
    }
  }
  // One walk for both lists: §5.9 runs apply-actions before write-actions,
  // and the facts and the refs flow in that order.
  const w = scratchWalk;
  w.env = env;
  w.place = ActionPlace.APPLY;
  w.facts = facts;
  w.allowed = caps.applyActions[m];
  w.setfields = caps.applySetfield[m];
  w.nOut = 0;
  w.nGroups = 0;
  try {
    if (apply !== null) walkActions(apply, w);
    if (write !== null) {
      w.place = ActionPlace.WRITE;
      w.allowed = caps.writeActions[m];
      w.setfields = caps.writeSetfield[m];
      walkActions(actionSetOrder(write), w);
    }
  } finally {
    // The walk outlives the call: it must not keep the switch (env) alive after it is gone.
    w.env = NO_ENV;
    w.facts = null;
  }
  const { nOut, nGroups } = w;
  if (meterId === 0 && nOut === 0 && nGroups === 0) return NO_REFS;
  if (meterId === 0 && nOut === 1 && nGroups === 0) return outputOnly(scratchOutPorts[0]!);
  return { outPorts: unique(scratchOutPorts, nOut), groups: unique(scratchGroups, nGroups), meterId };
}

/**
 * checkInstructions' lists of ports and groups (it never runs inside
 * itself): what it returns is copied from them, or shared (outputOnly).
 * Two fresh lists per flow_mod were most of what checking one allocated.
 */
const scratchOutPorts: number[] = [];
const scratchGroups: number[] = [];
/** checkInstructions' walk, over the scratch lists; its other fields are set by each call. */
const NO_ENV: CheckEnv = { tableExists: () => false, groupExists: () => false, meterExists: () => false };
const scratchWalk: Walk = {
  env: NO_ENV,
  place: ActionPlace.APPLY,
  facts: null,
  allowed: 0,
  setfields: null,
  outPorts: scratchOutPorts,
  nOut: 0,
  groups: scratchGroups,
  nGroups: 0,
};

/**
 * The refs of the commonest entry, one output and nothing else, shared by
 * every entry with the same port: at 100,000 entries a refs object and two
 * arrays each were about a tenth of the heap. Frozen values, not state.
 */
const OUTPUT_ONLY = new Map<number, RuleRefs>();
const OUTPUT_ONLY_MAX = 4096;

function outputOnly(port: number): RuleRefs {
  let refs = OUTPUT_ONLY.get(port);
  if (refs === undefined) {
    refs = Object.freeze({ outPorts: Object.freeze([port]), groups: NO_REFS.groups, meterId: 0 });
    if (OUTPUT_ONLY.size < OUTPUT_ONLY_MAX) OUTPUT_ONLY.set(port, refs);
  }
  return refs;
}

/** Meter references from instructions: OFPMMFC_INVALID_METER / OFPMMFC_UNKNOWN_METER. */
function checkMeterRef(meterId: number, env: CheckEnv): void {
  const id = meterId >>> 0;
  // The virtual meters (OFPM_CONTROLLER, OFPM_SLOWPATH) meter what the switch
  // itself sends, never a flow's packets: a flow naming one is refused, as
  // Open vSwitch refuses it, even while the virtual meter is configured.
  if (id === 0 || id > OFPM.MAX) {
    throw new OfpError(OFPET.METER_MOD_FAILED, OFPMMFC.INVALID_METER, `meter ${id}`);
  }
  if (!env.meterExists(id)) throw new OfpError(OFPET.METER_MOD_FAILED, OFPMMFC.UNKNOWN_METER, `meter ${id} does not exist`);
}

/**
 * Checks a group bucket's or packet-out's action list. `facts` is what is
 * known of the packet (a packet-out's frame), or null (a bucket).
 */
export function checkActionList(
  actions: readonly Action[],
  place: ActionPlace.BUCKET | ActionPlace.PACKET_OUT,
  facts: Facts | null,
  env: CheckEnv,
): { outPorts: number[]; groups: number[] } {
  const outPorts: number[] = [];
  const groups: number[] = [];
  // Fresh lists: their first nOut / nGroups elements are all they hold.
  walkActions(actions, { env, place, facts, allowed: 0xffffffff, setfields: null, outPorts, nOut: 0, groups, nGroups: 0 });
  return { outPorts, groups };
}

function walkActions(actions: readonly Action[], w: Walk): void {
  for (const a of actions) {
    if (a.type === OFPAT.EXPERIMENTER) {
      throw badAction(OFPBAC.BAD_EXPERIMENTER, `experimenter action 0x${a.experimenter.toString(16)}`);
    }
    if (a.type > 31 || ((w.allowed >>> a.type) & 1) === 0) throw badAction(OFPBAC.BAD_TYPE, `action ${a.type} not allowed here`);
    checkAction(a, w);
  }
}

/** Whether an action that needs `ok` is consistent in this walk (only apply-actions and packet-outs are judged). */
function consistent(w: Walk, ok: (f: Facts) => boolean): boolean {
  if (w.facts === null || w.place === ActionPlace.WRITE || w.place === ActionPlace.BUCKET) return true;
  return ok(w.facts);
}

function inconsistent(what: string): OfpError {
  return badAction(OFPBAC.MATCH_INCONSISTENT, `${what} does not apply to this match`);
}

function checkAction(a: Action, w: Walk): void {
  const f = w.facts;
  switch (a.type) {
    case OFPAT.OUTPUT:
      checkOutputPort(a.port >>> 0, w.place === ActionPlace.PACKET_OUT);
      if (a.port >>> 0 === OFPP.CONTROLLER && a.max_len > OFPCML.MAX && a.max_len !== OFPCML.NO_BUFFER) {
        throw badAction(OFPBAC.BAD_ARGUMENT, `output:CONTROLLER max_len ${a.max_len}`);
      }
      w.outPorts[w.nOut++] = a.port >>> 0;
      return;
    case OFPAT.GROUP: {
      const g = a.group_id >>> 0;
      if (g > OFPG.MAX || !w.env.groupExists(g)) throw badAction(OFPBAC.BAD_OUT_GROUP, `group ${g} does not exist`);
      w.groups[w.nGroups++] = g;
      return;
    }
    case OFPAT.SET_QUEUE:
      // Queues belong to the output port, which is not known yet: Open vSwitch accepts any id too.
      return;
    case OFPAT.PUSH_VLAN:
      if (a.ethertype !== ETH_TYPE_VLAN && a.ethertype !== ETH_TYPE_VLAN_8021AD) {
        throw badAction(OFPBAC.BAD_ARGUMENT, `push_vlan ethertype 0x${a.ethertype.toString(16)}`);
      }
      if (f) f.vlan = true;
      return;
    case OFPAT.POP_VLAN:
      if (!consistent(w, (x) => x.vlan === true)) throw inconsistent('pop_vlan');
      // An inner tag may now be outermost.
      if (f) f.vlan = undefined;
      return;
    case OFPAT.PUSH_MPLS:
      if (a.ethertype !== ETH_TYPE_MPLS && a.ethertype !== ETH_TYPE_MPLS_MCAST) {
        throw badAction(OFPBAC.BAD_ARGUMENT, `push_mpls ethertype 0x${a.ethertype.toString(16)}`);
      }
      if (f) setEthType(f, a.ethertype);
      return;
    case OFPAT.POP_MPLS:
      if (!consistent(w, factsAreMpls)) throw inconsistent('pop_mpls');
      if (f) setEthType(f, a.ethertype);
      return;
    case OFPAT.PUSH_PBB:
      if (a.ethertype !== ETH_TYPE_PBB) throw badAction(OFPBAC.BAD_ARGUMENT, `push_pbb ethertype 0x${a.ethertype.toString(16)}`);
      if (f) {
        setEthType(f, ETH_TYPE_PBB);
        f.vlan = false;
      }
      return;
    case OFPAT.POP_PBB:
      if (!consistent(w, (x) => x.ethType === ETH_TYPE_PBB)) throw inconsistent('pop_pbb');
      if (f) {
        setEthType(f, undefined);
        f.vlan = undefined;
      }
      return;
    case OFPAT.SET_MPLS_TTL:
    case OFPAT.DEC_MPLS_TTL:
    case OFPAT.COPY_TTL_OUT:
    case OFPAT.COPY_TTL_IN:
      if (!consistent(w, factsAreMpls)) throw inconsistent(`action ${a.type}`);
      return;
    case OFPAT.SET_NW_TTL:
    case OFPAT.DEC_NW_TTL:
      if (!consistent(w, factsAreIp)) throw inconsistent(`action ${a.type}`);
      return;
    case OFPAT.SET_FIELD:
      checkSetField(a.field, w);
      return;
    case OFPAT.EXPERIMENTER:
      return;
  }
}

function setEthType(f: Facts, ethType: number | undefined): void {
  f.ethType = ethType;
  f.ipProto = undefined;
  f.icmpv6Type = undefined;
}

function checkSetField(field: OxmField, w: Walk): void {
  if (field.field === 'other') throw badAction(OFPBAC.BAD_SET_TYPE, `set_field of OXM class 0x${field.oxm_class.toString(16)}`);
  const info = oxmFieldByName(field.field);
  if (info === undefined || !isSettable(field.field) || (w.setfields !== null && w.setfields[info.code] !== 1)) {
    throw badAction(OFPBAC.BAD_SET_TYPE, `set_field cannot write ${field.field}`);
  }
  if (field.mask !== undefined) throw badAction(OFPBAC.BAD_SET_ARGUMENT, 'set_field takes no mask');
  fieldToWords(info, FIELD_PLACES[field.field], field.value, new Uint32Array(4), OFPET.BAD_ACTION, OFPBAC.BAD_SET_ARGUMENT);
  const f = w.facts;
  if (f === null || w.place === ActionPlace.BUCKET) return;
  const needsTag = field.field === 'vlan_vid' || field.field === 'vlan_pcp';
  if (!prereqsHold(field.field, f) || (needsTag && f.vlan !== true)) {
    throw badAction(OFPBAC.MATCH_INCONSISTENT, `set_field ${field.field} lacks its prerequisites`);
  }
  const v = field.value as number;
  if (field.field === 'eth_type') setEthType(f, v);
  else if (field.field === 'ip_proto') {
    f.ipProto = v;
    f.icmpv6Type = undefined;
  } else if (field.field === 'icmpv6_type') f.icmpv6Type = v;
}

/** Valid output ports (§4.5): physical/logical ones, and the reserved ones that can be output to. */
export function checkOutputPort(port: number, inPacketOut: boolean): void {
  if (port >= 1 && port <= OFPP.MAX) return;
  switch (port) {
    case OFPP.IN_PORT:
    case OFPP.NORMAL:
    case OFPP.FLOOD:
    case OFPP.ALL:
    case OFPP.CONTROLLER:
    case OFPP.LOCAL:
      return;
    case OFPP.TABLE:
      if (inPacketOut) return;
      break;
    default:
      break;
  }
  throw badAction(OFPBAC.BAD_OUT_PORT, `output to port 0x${port.toString(16)}`);
}

/** §5.10's execution order of an action set, by action type. */
const SET_RANK: Readonly<Record<number, number>> = {
  [OFPAT.COPY_TTL_IN]: 0,
  [OFPAT.POP_VLAN]: 1,
  [OFPAT.POP_MPLS]: 1,
  [OFPAT.POP_PBB]: 1,
  [OFPAT.PUSH_MPLS]: 2,
  [OFPAT.PUSH_PBB]: 3,
  [OFPAT.PUSH_VLAN]: 4,
  [OFPAT.COPY_TTL_OUT]: 5,
  [OFPAT.DEC_MPLS_TTL]: 6,
  [OFPAT.DEC_NW_TTL]: 6,
  [OFPAT.SET_MPLS_TTL]: 7,
  [OFPAT.SET_NW_TTL]: 7,
  [OFPAT.SET_FIELD]: 7,
  [OFPAT.SET_QUEUE]: 8,
  [OFPAT.GROUP]: 9,
  [OFPAT.OUTPUT]: 10,
};

/** A write-actions list in the order its action set would run (stable within a rank). */
export function actionSetOrder(actions: readonly Action[]): Action[] {
  return actions
    .map((a, i) => ({ a, i, r: SET_RANK[a.type] ?? 11 }))
    .sort((x, y) => x.r - y.r || x.i - y.i)
    .map((x) => x.a);
}

/** The distinct numbers of xs[0 .. n), in a new array (xs is a scratch list). */
function unique(xs: number[], n: number): number[] {
  const firsts = xs.slice(0, n);
  return n < 2 ? firsts : [...new Set(firsts)];
}
