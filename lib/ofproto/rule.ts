/**
 * A flow entry (OpenFlow 1.3.5 §5.2, Table 5): match fields and priority,
 * counters, instructions, timeouts, cookie and flags.
 *
 * A Rule is immutable in everything a lookup reads (key, mask, priority,
 * instructions): a MODIFY does not edit a rule in place but replaces it
 * with a new Rule in the next classifier version, as Open vSwitch does, so
 * that a lookup at any version sees one consistent entry. The replaced rule
 * points at its successor (`replacedBy`) so that counts the datapath still
 * holds for the old one are credited to the entry that took its place.
 *
 * Counters are JavaScript numbers: exact up to 2^53 packets or bytes, which
 * the datapath's batched credits reach only after centuries, and far cheaper
 * to add to than bigints.
 *
 * Alongside the instructions the rule keeps what flow-mod filters and
 * reference counts ask about (`refs`): its output ports, its groups, its
 * meter, computed once when the instructions were checked.
 */
import type { ClsRule } from '../classifier/rule.js';
import { decodeMatch, encodeMatch } from '../openflow/oxm.js';
import { Reader } from '../openflow/reader.js';
import type { Instruction, Match } from '../openflow/types.js';
import { Writer } from '../openflow/writer.js';

/** What a rule's instructions point at; filled in by check-actions.ts. */
export interface RuleRefs {
  /** Ports of output actions in apply- and write-actions (for out_port filters). */
  readonly outPorts: readonly number[];
  /** Groups of group actions in apply- and write-actions. */
  readonly groups: readonly number[];
  /** The meter instruction's meter, or 0. */
  readonly meterId: number;
}

export const NO_REFS: RuleRefs = Object.freeze({ outPorts: Object.freeze([]), groups: Object.freeze([]), meterId: 0 });


export class Rule implements ClsRule {
  packets = 0;
  bytes = 0;
  /** Clock time of the last packet the datapath credited, or of creation. */
  lastUsed: number;
  /** Set once the rule has left its table. */
  removed = false;
  /** The rule that replaced this one (MODIFY or ADD over it), for late credits. */
  replacedBy: Rule | null = null;
  /**
   * The cookie and instructions as a flow stats entry carries them,
   * encoded by the first stats reply that lists this rule and reused by the
   * next (none ever changes: a MODIFY makes a new Rule); see ofproto/stats.ts.
   */
  statsWire: string | null = null;

  constructor(
    readonly tableId: number,
    /** Key words, ANDed with `mask`. */
    readonly value: Uint32Array,
    readonly mask: Uint32Array,
    readonly priority: number,
    /**
     * The match as the controller sent it, as the bytes of its struct
     * ofp_match (encodeMatch of the decoded match, padding included), one
     * latin1 character per byte: see `match`.
     */
    readonly matchWire: string,
    readonly instructions: readonly Instruction[],
    readonly refs: RuleRefs,
    readonly cookie: bigint,
    readonly idleTimeout: number,
    readonly hardTimeout: number,
    /**
     * The ADD's flags, all of them: flow stats report them as sent, as Open
     * vSwitch does (CHECK_OVERLAP and RESET_COUNTS have acted by then).
     */
    readonly flags: number,
    /** Clock time of the ADD (kept across MODIFY: the entry's duration). */
    readonly created: number,
  ) {
    this.lastUsed = created;
  }

  /**
   * The match as the controller sent it, returned in flow-removed and in
   * stats objects: decoded again from `matchWire` on each read. Why not
   * kept decoded: a rule lives long, and its decoded match (an array, its
   * per-rule field objects and their values, some 170 bytes) survived
   * every young-generation collection with it, copied twice; loading a
   * 100,000-flow bundle spent a third of its time in the collector. The
   * readers are few and rare (flow-removed, stats objects, trace); the
   * flow stats encoder copies `matchWire` as it is.
   */
  get match(): Match {
    const buf = Buffer.from(this.matchWire, 'latin1');
    return decodeMatch(new Reader(buf, 0, buf.length));
  }

  get hasTimeout(): boolean {
    return this.idleTimeout !== 0 || this.hardTimeout !== 0;
  }

  /** Whether this rule outputs to `port` (OFPP_ANY matches every rule). */
  outputsTo(port: number): boolean {
    return this.refs.outPorts.includes(port);
  }

  /** Whether this rule sends to `group` (OFPG_ANY matches every rule). */
  sendsToGroup(group: number): boolean {
    return this.refs.groups.includes(group);
  }

  /** The live rule that now stands for this one (itself, or what replaced it), or null if it was deleted. */
  current(): Rule | null {
    let r: Rule = this;
    while (r.replacedBy !== null) r = r.replacedBy;
    return r.removed ? null : r;
  }
}

const wireScratch = new Writer(256);

/**
 * `m` as Rule.matchWire keeps it: its struct ofp_match bytes, as
 * encodeMatch writes them, in a latin1 string (16 bytes of overhead, where
 * a Buffer of its own costs about 100).
 */
export function matchWire(m: Match): string {
  const w = wireScratch.reset();
  encodeMatch(w, m);
  return w.buf.toString('latin1', 0, w.off);
}
