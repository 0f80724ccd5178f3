/**
 * The flow tables and their one version number: how a change to the
 * pipeline becomes visible all at once.
 *
 * Invariant: a lookup at the committed `version` sees either none or all of
 * any accepted request. Every request is planned first — each check that
 * can fail runs while nothing has changed, against the committed version —
 * and then applied as a `Txn`: classifier inserts and removals made at
 * version + 1, which no lookup sees until `commit` bumps the version. A
 * refused request throws during planning and so never opens a Txn; an
 * applied one cannot fail halfway. This is Open vSwitch's scheme
 * (ofproto_flow_mod_start / _finish with versioned classifier rules),
 * without its revert step, which planning makes unnecessary.
 *
 * Besides the classifiers, the pipeline keeps the rules' key words
 * (key-arena.ts) and the indexes that other
 * requests ask about, maintained at commit: which rules use each group and
 * meter (group/meter deletes remove them; group and meter stats count
 * them), and which rules have timeouts (the expiry sweep walks only those).
 *
 * `commit` returns the rules that left with a reason, for the Bridge to
 * turn into FLOW_REMOVED messages after telling the datapath.
 */
import { OFPRR } from '../openflow/constants.js';
import { KeyArena } from './key-arena.js';
import type { Rule } from './rule.js';
import type { FlowTable } from './table.js';

/** A rule that left its table, and why (OFPRR_*), or null when replaced by an ADD or MODIFY. */
export interface Removal {
  readonly rule: Rule;
  readonly reason: OFPRR | null;
}

/**
 * The state a request is planned against: the committed pipeline, or an
 * open transaction with the earlier messages of a bundle in it. Classifier
 * queries use `version`; `pendingRules` is how many entries the table has
 * gained (or, negative, lost) beyond its committed count.
 */
export interface PlanView {
  readonly version: number;
  pendingRules(tableId: number): number;
}

export class Txn implements PlanView {
  readonly inserts: Rule[] = [];
  readonly removals: Removal[] = [];
  /** Changes beyond the classifiers (the set of tables) made at commit, after the removals are counted. */
  readonly finalizers: (() => void)[] = [];
  /**
   * Every classifier edit in order, for `Pipeline.abort`: the rule, and
   * whether it was inserted (1) or removed (0). Two flat arrays rather than
   * an object per edit: a 100,000-flow bundle made as many objects, all
   * live until the commit, for the collector to copy and promote.
   */
  private readonly logRules: Rule[] = [];
  private readonly logInserted: number[] = [];
  private readonly delta = new Map<number, number>();
  /** Set by changes outside the classifiers (groups, meters, ports) that forwarding depends on. */
  private touched = false;

  constructor(
    private readonly pipeline: Pipeline,
    readonly version: number,
  ) {}

  insert(rule: Rule): void {
    this.pipeline.table(rule.tableId)!.cls.insert(rule, this.version);
    this.inserts.push(rule);
    this.logRules.push(rule);
    this.logInserted.push(1);
    this.delta.set(rule.tableId, (this.delta.get(rule.tableId) ?? 0) + 1);
  }

  /** Removes `rule`; a non-null reason means a FLOW_REMOVED may be due. */
  remove(rule: Rule, reason: OFPRR | null): void {
    this.pipeline.table(rule.tableId)!.cls.remove(rule, this.version);
    this.removals.push({ rule, reason });
    this.logRules.push(rule);
    this.logInserted.push(0);
    this.delta.set(rule.tableId, (this.delta.get(rule.tableId) ?? 0) - 1);
  }

  /** `next` takes `old`'s place (same table, match and priority); counts move over unless `resetCounts`. */
  replace(old: Rule, next: Rule, resetCounts: boolean): void {
    if (!resetCounts) {
      next.packets = old.packets;
      next.bytes = old.bytes;
    }
    next.lastUsed = Math.max(next.lastUsed, old.lastUsed);
    old.replacedBy = next;
    this.remove(old, null);
    this.insert(next);
  }

  /** Runs `fn` when the transaction commits. */
  onCommit(fn: () => void): void {
    this.finalizers.push(fn);
  }

  /** Records a change outside the classifiers, so that the commit still makes a new version. */
  touch(): void {
    this.touched = true;
  }

  pendingRules(tableId: number): number {
    return this.delta.get(tableId) ?? 0;
  }

  get empty(): boolean {
    return !this.touched && this.inserts.length === 0 && this.removals.length === 0 && this.finalizers.length === 0;
  }

  /** @internal Undoes every classifier edit, newest first; returns the rules inserted. */
  undo(): Rule[] {
    for (let i = this.logRules.length - 1; i >= 0; i--) {
      const rule = this.logRules[i]!;
      const cls = this.pipeline.table(rule.tableId)!.cls;
      // An insert made at this version and removed at it is seen by no version.
      if (this.logInserted[i] === 1) cls.remove(rule, this.version);
      else {
        cls.restore(rule);
        // It was in its table before the transaction, so nothing had replaced it.
        rule.replacedBy = null;
      }
    }
    return this.inserts;
  }
}

export class Pipeline implements PlanView {
  /** The committed version: what lookups use. */
  version = 1;
  private readonly tables: (FlowTable | undefined)[];
  /** allTables(), cached. */
  private tableList: FlowTable[] | null = null;
  private readonly byGroup = new Map<number, Set<Rule>>();
  private readonly byMeter = new Map<number, Set<Rule>>();
  /** Rules with an idle or hard timeout. */
  readonly timed = new Set<Rule>();
  /** Where rules' key words live; a rule's slot is freed when it leaves for good. */
  readonly keys = new KeyArena();
  private open: Txn | null = null;

  constructor(tables: FlowTable[]) {
    this.tables = [];
    for (const t of tables) this.tables[t.id] = t;
  }

  table(id: number): FlowTable | undefined {
    return this.tables[id];
  }

  /**
   * Existing tables in id order. The same array until the set of tables
   * changes: the datapath asks after every commit, and a generator over 255
   * tables per flow_mod took about a tenth of the daemon's CPU time under
   * `ovs-ofctl add-flows` (one flow_mod per commit).
   */
  allTables(): readonly FlowTable[] {
    return (this.tableList ??= this.tables.filter((t): t is FlowTable => t !== undefined));
  }

  /** Replaces the set of tables (TABLE_FEATURES set); the caller has emptied the ones that go. */
  setTables(tables: FlowTable[]): void {
    this.tables.length = 0;
    for (const t of tables) this.tables[t.id] = t;
    this.tableList = null;
  }

  /** The committed pipeline has no pending changes. */
  pendingRules(): number {
    return 0;
  }

  /** Rules that send to group `groupId` (apply- or write-actions). */
  rulesUsingGroup(groupId: number): ReadonlySet<Rule> {
    return this.byGroup.get(groupId) ?? EMPTY;
  }

  rulesUsingMeter(meterId: number): ReadonlySet<Rule> {
    return this.byMeter.get(meterId) ?? EMPTY;
  }

  begin(): Txn {
    if (this.open !== null) throw new Error('ofproto: a transaction is already open');
    this.open = new Txn(this, this.version + 1);
    return this.open;
  }

  /**
   * Makes `txn` visible; returns its removals. A rule both inserted and
   * removed by the transaction (a bundle that adds then deletes it) was
   * never visible: it is neither counted nor reported.
   */
  commit(txn: Txn): readonly Removal[] {
    if (this.open !== txn) throw new Error('ofproto: committing a transaction that is not open');
    this.open = null;
    if (txn.empty) return txn.removals;
    this.version = txn.version;
    const born = txn.removals.length > 0 && txn.inserts.length > 0 ? new Set(txn.inserts) : null;
    // Only a transaction that both inserts and removes can have transient rules.
    const transient = born === null ? null : new Set<Rule>();
    // Usually one table: an array costs less per commit than a Set.
    const touched: FlowTable[] = [];
    let lastTouched: FlowTable | undefined;
    const removals: Removal[] = [];
    for (const r of txn.removals) {
      const { rule } = r;
      rule.removed = true;
      const t = this.tables[rule.tableId];
      if (t !== undefined && t !== lastTouched) {
        // Removals come grouped by table: the last one answers almost every time.
        lastTouched = t;
        if (!touched.includes(t)) touched.push(t);
      }
      if (born !== null && born.has(rule)) {
        transient!.add(rule);
        continue;
      }
      if (t !== undefined) t.nRules--;
      this.unindex(rule);
      removals.push(r);
    }
    for (const rule of txn.inserts) {
      if (transient !== null && transient.has(rule)) continue;
      this.tables[rule.tableId]!.nRules++;
      this.index(rule);
    }
    for (const fn of txn.finalizers) fn();
    // Lookups now happen at the new version only, so what it no longer sees can go.
    for (const t of touched) t.cls.collect(this.version);
    // A replaced rule's successor has its key words; a removed one's are free.
    for (const { rule, reason } of txn.removals) if (reason !== null) this.keys.release(rule.value);
    return removals;
  }

  /**
   * Throws `txn` away, leaving the pipeline as it was before `begin`: for a
   * bundle whose later message failed after earlier ones were applied.
   */
  abort(txn: Txn): void {
    if (this.open !== txn) throw new Error('ofproto: aborting a transaction that is not open');
    this.open = null;
    const inserted = txn.undo();
    const fresh = new Set(inserted);
    const kept = new Set(txn.removals.filter((r) => !fresh.has(r.rule)).map((r) => r.rule.value));
    const touched = new Set<FlowTable>();
    for (const rule of inserted) {
      touched.add(this.tables[rule.tableId]!);
      // Fresh key words go back; those shared with a restored rule stay with it.
      if (!kept.has(rule.value)) this.keys.release(rule.value);
    }
    // Nothing is visible at txn.version but what the committed version sees: the undone inserts can go.
    for (const t of touched) t.cls.collect(txn.version);
  }

  // Indexed loops: these run for every rule of a commit (100,000 for a
  // large bundle), and for-of over the mostly empty, frozen groups array
  // cost more than the rest of indexing.
  private index(rule: Rule): void {
    const refs = rule.refs;
    for (let i = 0; i < refs.groups.length; i++) addTo(this.byGroup, refs.groups[i]!, rule);
    if (refs.meterId !== 0) addTo(this.byMeter, refs.meterId, rule);
    if (rule.idleTimeout !== 0 || rule.hardTimeout !== 0) this.timed.add(rule);
  }

  private unindex(rule: Rule): void {
    const refs = rule.refs;
    for (let i = 0; i < refs.groups.length; i++) deleteFrom(this.byGroup, refs.groups[i]!, rule);
    if (refs.meterId !== 0) deleteFrom(this.byMeter, refs.meterId, rule);
    if (rule.idleTimeout !== 0 || rule.hardTimeout !== 0) this.timed.delete(rule);
  }
}

const EMPTY: ReadonlySet<Rule> = new Set();

function addTo(map: Map<number, Set<Rule>>, key: number, rule: Rule): void {
  let s = map.get(key);
  if (s === undefined) map.set(key, (s = new Set()));
  s.add(rule);
}

function deleteFrom(map: Map<number, Set<Rule>>, key: number, rule: Rule): void {
  const s = map.get(key);
  if (s === undefined) return;
  s.delete(rule);
  if (s.size === 0) map.delete(key);
}
