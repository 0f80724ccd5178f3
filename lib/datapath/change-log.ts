/**
 * Which rules a commit touched, so that revalidation can look only at the
 * megaflows those rules could affect.
 *
 * ofproto tells its change listeners only the new version number. The
 * rules behind it are known to the classifiers: every insert and removal
 * of a transaction goes through its table's classifier. `trackedClassifiers`
 * is a `ClassifierFactory` for the Bridge (BridgeOptions.classifier) whose
 * classifiers report each insert and removal to one `ChangeLog`; the
 * datapath finds the log through the tables and drains it when the Bridge
 * reports a commit. Lookups and everything else go straight through.
 *
 * A Bridge made without it still works: the datapath then revalidates
 * every megaflow on every commit.
 */
import { Classifier } from '../classifier/classifier.js';
import type { Rule } from '../ofproto/rule.js';
import type { ClassifierFactory, RuleClassifier } from '../ofproto/table.js';

/** More changed rules than this in one table and revalidation stops testing rules one by one. */
export const MAX_TRACKED_PER_TABLE = 64;

export class ChangeLog {
  /** Changed rules per classifier; null when there were too many to list. */
  private changed = new Map<RuleClassifier<Rule>, Rule[] | null>();
  /** The map take() returned last time, cleared and reused by the next take(). */
  private spare = new Map<RuleClassifier<Rule>, Rule[] | null>();

  record(cls: RuleClassifier<Rule>, rule: Rule): void {
    const list = this.changed.get(cls);
    if (list === null) return;
    if (list === undefined) this.changed.set(cls, [rule]);
    else if (list.length >= MAX_TRACKED_PER_TABLE) this.changed.set(cls, null);
    else list.push(rule);
  }

  /**
   * The changes since the last call, valid until the next call (the two
   * maps take turns: a new Map per commit was a measurable part of a
   * one-flow_mod commit).
   */
  take(): Map<RuleClassifier<Rule>, Rule[] | null> {
    const c = this.changed;
    this.spare.clear();
    this.changed = this.spare;
    this.spare = c;
    return c;
  }
}

/** A classifier that reports inserts and removals to a ChangeLog. */
export class TrackingClassifier implements RuleClassifier<Rule> {
  constructor(
    readonly inner: RuleClassifier<Rule>,
    readonly log: ChangeLog,
  ) {}

  get count(): number {
    return this.inner.count;
  }
  insert(rule: Rule, version: number): void {
    this.inner.insert(rule, version);
    this.log.record(this, rule);
  }
  /** A capacity hint, which changes no rule: nothing to record. */
  reserve(mask: Uint32Array, n: number): void {
    this.inner.reserve?.(mask, n);
  }
  remove(rule: Rule, version: number): void {
    this.inner.remove(rule, version);
    this.log.record(this, rule);
  }
  restore(rule: Rule): void {
    this.inner.restore(rule);
    this.log.record(this, rule);
  }
  lookup(key: Uint32Array, version: number, wc: Uint32Array | null): Rule | null {
    return this.inner.lookup(key, version, wc);
  }
  findExact(value: Uint32Array, mask: Uint32Array, priority: number, version: number): Rule | null {
    return this.inner.findExact(value, mask, priority, version);
  }
  hasOverlap(value: Uint32Array, mask: Uint32Array, priority: number, version: number): boolean {
    return this.inner.hasOverlap(value, mask, priority, version);
  }
  forEachLoose(value: Uint32Array, mask: Uint32Array, version: number, cb: (r: Rule) => void): void {
    this.inner.forEachLoose(value, mask, version, cb);
  }
  [Symbol.iterator](): Iterator<Rule> {
    return this.inner[Symbol.iterator]();
  }
  collect(upToVersion: number): void {
    this.inner.collect(upToVersion);
  }
}

/** A ClassifierFactory whose classifiers report to `log` (default: a new one, found by the datapath). */
export function trackedClassifiers(log = new ChangeLog(), inner: ClassifierFactory = () => new Classifier<Rule>()): ClassifierFactory {
  return () => new TrackingClassifier(inner(), log);
}
