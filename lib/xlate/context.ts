/**
 * The translation context: everything one pipeline walk reads and writes,
 * in one object threaded through every function of lib/xlate (as Open
 * vSwitch's struct xlate_ctx), and what the walk hands back.
 *
 * A `Translator` owns one context and reuses it for every translation; the
 * result is copied out at the end (`XlateResult`), so nothing of a context
 * outlives the call that filled it.
 */
import type { Bridge } from '../ofproto/bridge.js';
import type { Group } from '../ofproto/groups.js';
import type { Meter } from '../ofproto/meters.js';
import type { Rule } from '../ofproto/rule.js';
import type { Action, Match } from '../openflow/types.js';
import { KEY_WORDS } from '../packet/flow-key.js';
import { ActionSet } from './action-set.js';
import { FlowState } from './flow-state.js';
import type { MacLearning } from './mac-learning.js';
import { OdpBuilder } from './odp.js';
import type { FieldWrite } from './set-field.js';

/** A packet-in a USERSPACE instruction raises: the event minus the frame. */
export interface PacketInSpec {
  readonly reason: number;
  readonly tableId: number;
  readonly cookie: bigint;
  readonly maxLen: number;
  /** in_port, and metadata / tunnel_id when not zero, as §7.4.1's packet-in match carries them. */
  readonly match: Match;
}

/** A MAC learned by NORMAL for a megaflow, refreshed as long as the megaflow sees traffic. */
export interface LearnedMac {
  readonly vlan: number;
  readonly macHi: number;
  readonly macLo: number;
  readonly port: number;
}

/**
 * What a translation depended on and what its packets must be credited
 * to: Open vSwitch's xlate cache. Megaflows keep it to push statistics
 * (rules, tables, groups, buckets, meters), to refresh learned MACs, and
 * to decide which of them a change to the switch may affect.
 */
export interface XlateCache {
  /** Packet-ins, indexed by USERSPACE operands. */
  readonly userspace: readonly PacketInSpec[];
  /** Meters, indexed by METER operands. */
  readonly meters: readonly Meter[];
  /** Meter ids of `meters`, to notice a meter replaced or deleted. */
  readonly meterIds: readonly number[];
  /** Rules matched, in walk order (credited per packet). */
  readonly rules: readonly Rule[];
  /** Tables looked up: [tableId, matched 0|1] pairs (table statistics). */
  readonly tables: readonly number[];
  /**
   * Per lookup, for revalidation: [tableId, pristine, metadataHi,
   * metadataLo]. Pristine means the lookup key was the ingress key but
   * for metadata, so a rule change in the table can be tested against
   * the megaflow's own key and mask.
   */
  readonly visits: readonly number[];
  /** Groups executed, with `buckets[i]` the bucket of groups[i] taken (-1: the group only). */
  readonly groups: readonly Group[];
  readonly buckets: readonly number[];
  /** Group ids looked up (existing or not), with what was found, to notice group changes. */
  readonly groupIds: readonly number[];
  readonly groupSeen: readonly (Group | undefined)[];
  /** NORMAL ran: MAC learning may change the result. */
  readonly normal: boolean;
  /** MACs learned (to be refreshed while traffic flows). */
  readonly learned: readonly LearnedMac[];
}

export interface XlateResult {
  /** The datapath program (odp.ts). */
  readonly actions: Int32Array;
  /**
   * Every key bit the result depended on: the megaflow's mask. Like
   * finalKey, a copy when traced, else the translator's own array, valid
   * until its next translation.
   */
  readonly wc: Uint32Array;
  readonly xc: XlateCache;
  /**
   * The flow at the end of the walk, for traces: a copy when the
   * translation was traced, else the translator's own array, valid until
   * its next translation (a flow setup needs no copy).
   */
  readonly finalKey: Uint32Array;
  /** Trace lines, when asked for. */
  readonly trace: string[] | null;
  /** Why translation gave up (the actions then drop), or null. */
  readonly error: string | null;
}

/** Translation's bounds: exceeding one drops the packet, as Open vSwitch does. */
export const MAX_DEPTH = 64;
export const MAX_TABLE_VISITS = 4096;
export const MAX_OUTPUTS = 4096;

export class XlateCtx {
  /* ---------------------------------------------------------- inputs */

  /** The switch being translated for; lookups happen at its committed version. */
  bridge!: Bridge;
  /** NORMAL's MAC table. */
  macs!: MacLearning;
  /** The port the packet came in on (OFPP_CONTROLLER for some packet-outs). */
  inPort = 0;
  /** The key as extracted: never written. */
  readonly ingress = new Uint32Array(KEY_WORDS);
  /** Whether translation may change switch state (MAC learning): true for real packets, false for revalidation and traces. */
  sideEffects = false;
  /** Clock time (ms), for MAC learning. */
  now = 0;
  /** A packet-out is being translated: output:TABLE is allowed. */
  packetOut = false;
  /** Set-field values converted to key words, per action (kept across translations; actions are immutable). */
  readonly fieldWrites = new WeakMap<object, FieldWrite>();
  /** Group buckets' actions in action-set order, per bucket action list (kept across translations). */
  readonly bucketSets = new WeakMap<object, readonly Action[]>();

  /* ----------------------------------------------------------- state */

  /** The packet as the actions so far have made it. */
  readonly flow = new FlowState();
  /** The packet as the datapath actions so far have made it. */
  readonly base = new FlowState();
  /** Wildcards: every key bit consulted so far. Never null, only ever OR-ed into. */
  readonly wc = new Uint32Array(KEY_WORDS);
  /** The datapath program being built. */
  readonly odp = new OdpBuilder();
  /** The OpenFlow action set (§5.10) of the current pipeline pass. */
  actionSet = new ActionSet();
  /** Current table and rule (for packet-in reason, table id and cookie). */
  tableId = 0;
  rule: Rule | null = null;
  /** Nesting of groups and packet-out TABLE passes; bounded by MAX_DEPTH. */
  depth = 0;
  /** Table lookups so far; bounded by MAX_TABLE_VISITS. */
  tableVisits = 0;
  /** Outputs so far; bounded by MAX_OUTPUTS. */
  outputs = 0;
  /** Stop translating: a TTL ran out or a bound was hit. */
  exit = false;
  /** Why translation stopped with an error, or null. */
  error: string | null = null;
  /** Saved flows for group buckets, one per nesting level. */
  readonly saved: FlowState[] = [];
  /** The customer frame under a PBB header this walk pushed (restored by pop_pbb). */
  pbbInner: FlowState | null = null;
  /**
   * A received PBB header was popped: from then on the key's L2 words
   * (eth_dst, eth_src, eth_type/VLAN, inner VLAN) hold the customer
   * frame's, which the packet's key has in words C_ETH_DST_HI..C_VLAN_INNER,
   * so marks on them belong there (encap-actions.ts finishPbbWildcards).
   * pbbWcBefore keeps the marks those L2 words had before the pop.
   */
  pbbPopped = false;
  readonly pbbWcBefore = new Uint32Array(6);
  /** Counter for the identities of pushed MPLS entries. */
  mplsIds = 1;

  /* --------------------------------------------------------- results */

  userspace: PacketInSpec[] = [];
  meters: Meter[] = [];
  meterIds: number[] = [];
  rules: Rule[] = [];
  tables: number[] = [];
  visits: number[] = [];
  groups: Group[] = [];
  buckets: number[] = [];
  groupIds: number[] = [];
  groupSeen: (Group | undefined)[] = [];
  normal = false;
  learned: LearnedMac[] = [];
  /** Trace lines, or null when not tracing. */
  trace: string[] | null = null;
  /** Indentation of trace lines (spaces). */
  indent = 0;

  /** Prepares for a new translation of `key` arriving on `inPort`. */
  reset(key: Uint32Array, inPort: number): void {
    this.ingress.set(key);
    this.inPort = inPort >>> 0;
    this.flow.load(key);
    this.base.load(key);
    this.wc.fill(0);
    this.odp.reset();
    this.actionSet.clear();
    this.tableId = 0;
    this.rule = null;
    this.depth = 0;
    this.tableVisits = 0;
    this.outputs = 0;
    this.exit = false;
    this.error = null;
    this.pbbInner = null;
    this.pbbPopped = false;
    this.mplsIds = 1;
    this.userspace = [];
    this.meters = [];
    this.meterIds = [];
    this.rules = [];
    this.tables = [];
    this.visits = [];
    this.groups = [];
    this.buckets = [];
    this.groupIds = [];
    this.groupSeen = [];
    this.normal = false;
    this.learned = [];
    this.indent = 0;
    this.packetOut = false;
  }

  /** A FlowState to save the flow in at nesting level `depth`. */
  savedAt(depth: number): FlowState {
    while (this.saved.length <= depth) this.saved.push(new FlowState());
    return this.saved[depth]!;
  }

  /** Adds a trace line at the current indentation. */
  note(text: string): void {
    if (this.trace !== null) this.trace.push(' '.repeat(this.indent) + text);
  }

  /** Stops translation with an error; the result drops. */
  fail(why: string): void {
    if (this.error === null) this.error = why;
    this.exit = true;
    this.note(`>>>> ${why} <<<<`);
  }
}
