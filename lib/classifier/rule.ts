/**
 * What the classifier stores: the caller's rules, each wrapped in an entry
 * that records the versions it is visible in.
 *
 * Versions work as in Open vSwitch's versioned classifier: a rule is visible
 * at version v when addVersion <= v < removeVersion. Inserting and removing
 * only set these numbers, so a batch of changes made at version v+1 (one
 * flow_mod touching many rules, a bundle) appears all at once when the
 * owner starts looking up at v+1, and lookups at v meanwhile see the old
 * state. An entry leaves the data structures only when `collect` learns that
 * nobody looks up at a version that still sees it.
 */

/** A rule as the classifier sees it. `value` is already ANDed with `mask`. */
export interface ClsRule {
  readonly value: Uint32Array;
  readonly mask: Uint32Array;
  readonly priority: number;
}

/** removeVersion of a rule that has not been removed. */
export const NEVER = Number.MAX_SAFE_INTEGER;

/**
 * One rule in a subtable bucket. Entries of one bucket (same masked value)
 * form a list by descending priority; among equal priorities the earlier
 * insert comes first, which makes ties deterministic.
 */
export class Entry<R extends ClsRule> {
  /** Copies of rule.value and rule.priority: the hot path reads them without touching the rule. */
  readonly value: Uint32Array;
  readonly priority: number;
  removeVersion = NEVER;
  next: Entry<R> | null = null;

  constructor(
    readonly rule: R,
    /** Full hash of the masked value in its subtable. */
    readonly hash: number,
    readonly addVersion: number,
  ) {
    this.value = rule.value;
    this.priority = rule.priority;
  }
}
