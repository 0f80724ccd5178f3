/**
 * The action set (OpenFlow 1.3.5 §5.10): what Write-Actions accumulate over
 * a pipeline pass and what runs when the pass ends without a Goto-Table.
 *
 * It holds at most one action of each type, set-field actions being told
 * apart by their field; writing an action of a type already held replaces
 * it (keeping its place among the set-fields, whose relative order does
 * not matter: distinct fields commute). Clear-Actions empties it.
 *
 * `ordered` lists it in the spec's execution order, whatever the order of
 * the writes:
 *   1. copy TTL inwards      2. pop (VLAN, MPLS, PBB)   3. push-MPLS
 *   4. push-PBB              5. push-VLAN               6. copy TTL outwards
 *   7. decrement TTL (MPLS, then IP)                    8. set (set-field,
 *      set_mpls_ttl, set_nw_ttl, in the order written)   9. qos (set_queue)
 *  10. group                11. output, only without a group.
 * Open vSwitch, whose order this is for the types it has, adds one rule the
 * spec implies: with neither a group nor an output the set does nothing,
 * so it is dropped whole (there is nothing to apply the rewrites to).
 *
 * Group buckets run as action sets too (Open vSwitch's reading of a
 * bucket's "set of actions"): `fromList` builds one from a bucket.
 */
import { OFPAT } from '../openflow/constants.js';
import type { Action } from '../openflow/types.js';

const ORDER_BEFORE_SET: readonly OFPAT[] = [
  OFPAT.COPY_TTL_IN,
  OFPAT.POP_VLAN,
  OFPAT.POP_MPLS,
  OFPAT.POP_PBB,
  OFPAT.PUSH_MPLS,
  OFPAT.PUSH_PBB,
  OFPAT.PUSH_VLAN,
  OFPAT.COPY_TTL_OUT,
  OFPAT.DEC_MPLS_TTL,
  OFPAT.DEC_NW_TTL,
];

/** The key an action is held under: its type (a number), or the field for set-field (a string). */
function slotOf(a: Action): number | string {
  if (a.type === OFPAT.SET_FIELD) return a.field.field === 'other' ? `${a.field.oxm_class}:${a.field.oxm_field}` : a.field.field;
  return a.type;
}

const NO_ACTIONS: readonly Action[] = Object.freeze([]);

function isSetAction(a: Action): boolean {
  return a.type === OFPAT.SET_FIELD || a.type === OFPAT.SET_MPLS_TTL || a.type === OFPAT.SET_NW_TTL;
}

export class ActionSet {
  private readonly held = new Map<number | string, Action>();

  get size(): number {
    return this.held.size;
  }

  clear(): void {
    if (this.held.size !== 0) this.held.clear();
  }

  /** Write-Actions: merges `actions` in. */
  write(actions: readonly Action[]): void {
    for (const a of actions) {
      if (a.type === OFPAT.EXPERIMENTER) continue;
      this.held.set(slotOf(a), a);
    }
  }

  copyFrom(other: ActionSet): void {
    this.held.clear();
    for (const [k, a] of other.held) this.held.set(k, a);
  }

  /** The actions in execution order (empty when the set has no output or group). */
  ordered(): readonly Action[] {
    if (this.held.size === 0) return NO_ACTIONS;
    const group = this.held.get(OFPAT.GROUP);
    const output = this.held.get(OFPAT.OUTPUT);
    if (group === undefined && output === undefined) return NO_ACTIONS;
    const out: Action[] = [];
    for (const t of ORDER_BEFORE_SET) {
      const a = this.held.get(t);
      if (a !== undefined) out.push(a);
    }
    for (const a of this.held.values()) if (isSetAction(a)) out.push(a);
    const q = this.held.get(OFPAT.SET_QUEUE);
    if (q !== undefined) out.push(q);
    out.push(group ?? output!);
    return out;
  }

  /** The set as a list, in the order Write-Actions put it (for traces). */
  list(): Action[] {
    return [...this.held.values()];
  }

  /** A bucket's actions as an action set, in execution order. */
  static fromList(actions: readonly Action[]): readonly Action[] {
    const s = new ActionSet();
    s.write(actions);
    return s.ordered();
  }
}
