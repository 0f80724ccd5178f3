/**
 * One OpenFlow flow table: a versioned classifier of Rules, the table's
 * capabilities (TABLE_FEATURES), its counters (TABLE stats) and its
 * deprecated OF1.3 config word (TABLE_MOD).
 *
 * The classifier is the tuple-space-search one from lib/classifier, or any
 * object with the same contract (`RuleClassifier`), which is how tests run
 * the whole switch against the linear reference classifier.
 */
import type { ClsRule } from '../classifier/rule.js';
import type { Rule } from './rule.js';
import type { TableCaps } from './table-caps.js';

/** The classifier contract ofproto relies on (lib/classifier's Classifier). */
export interface RuleClassifier<R extends ClsRule> {
  readonly count: number;
  /** Makes `rule` visible from `version` on. */
  insert(rule: R, version: number): void;
  /** Optional hint: about `n` rules with this mask are about to be inserted (room made at once); 0 withdraws it. */
  reserve?(mask: Uint32Array, n: number): void;
  /** Makes `rule` invisible from `version` on. */
  remove(rule: R, version: number): void;
  /** Undoes `remove` of a rule not yet collected. */
  restore(rule: R): void;
  /** The highest-priority rule matching `key` at `version`; ORs the bits it looked at into `wc`. */
  lookup(key: Uint32Array, version: number, wc: Uint32Array | null): R | null;
  /** The rule with exactly this (value, mask, priority) at `version`. */
  findExact(value: Uint32Array, mask: Uint32Array, priority: number, version: number): R | null;
  /** Whether a rule of this priority that some packet could match together with (value, mask) exists. */
  hasOverlap(value: Uint32Array, mask: Uint32Array, priority: number, version: number): boolean;
  /** Calls `cb` for every rule at `version` at least as specific as (value, mask). */
  forEachLoose(value: Uint32Array, mask: Uint32Array, version: number, cb: (r: R) => void): void;
  [Symbol.iterator](): Iterator<R>;
  /** Frees what no lookup at a version ≥ `upToVersion` can see. */
  collect(upToVersion: number): void;
}

export type ClassifierFactory = () => RuleClassifier<Rule>;

export class FlowTable {
  /** Flow entries visible at the committed version. */
  nRules = 0;
  /** Packets looked up in / matched by this table, as the datapath credits them. */
  lookups = 0;
  matched = 0;
  /** TABLE_MOD's config: OF1.3 only has the deprecated bits, kept and ignored. */
  config = 0;

  constructor(
    readonly id: number,
    public caps: TableCaps,
    readonly cls: RuleClassifier<Rule>,
  ) {}

  /** The rules visible at the committed version, in no particular order. */
  *rules(): IterableIterator<Rule> {
    for (const r of this.cls) if (!r.removed) yield r;
  }
}
