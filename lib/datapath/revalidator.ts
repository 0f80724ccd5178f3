/**
 * The revalidator: keeps megaflows true to the switch they were translated
 * from, and their counts flowing back to it.
 *
 * Revalidation (Open vSwitch's revalidate_ukey)
 * --------------------------------------------
 * A megaflow M (masked key K, mask W, program P) is re-translated from K.
 * If the new wildcards need a bit W lacks, M is too broad now and is
 * deleted (its packets will miss and be translated anew). Otherwise every
 * packet of M agrees on the new wildcards, so the new program is right for
 * all of them: M keeps its mask and takes the new program and xlate cache
 * (or keeps P if equal). Statistics are pushed to what M was credited to
 * before anything changes.
 *
 * When: synchronously inside the Bridge's change listener, which the
 * Bridge awaits before a request's reply (and a later barrier reply) goes
 * out, so no packet is forwarded by a stale decision after the barrier.
 * Which megaflows a change may affect:
 *  - a rule added, removed or replaced in table T (from the ChangeLog,
 *    change-log.ts): the megaflows whose walk looked T up and whose
 *    packets, at that lookup, could match the rule. When the lookup key
 *    was the ingress key but for metadata ("pristine", recorded by xlate),
 *    that is a test of the rule against K & W; otherwise, or when too many
 *    rules changed, every megaflow that looked T up. Megaflows that cannot
 *    meet a changed rule are unaffected: every lookup they made returns
 *    what it did.
 *  - a group or meter replaced or deleted: the megaflows that used it
 *    (object identity, recorded in the xlate cache);
 *  - anything else that translation reads and the log cannot tell: port
 *    config and state, the set of tables, whether a controller is
 *    connected (fail mode standalone), and commits from a Bridge built
 *    without tracked classifiers: every megaflow.
 *  - a MAC learned, moved or aged: the NORMAL megaflows to that address.
 *
 * Statistics: `push` credits a megaflow's packets and bytes since the last
 * push to its rules (ofproto follows replaced rules to their successors;
 * the last-used time drives idle timeouts), tables, groups and buckets, and
 * refreshes the MACs it learned. Pushed every revalidateIntervalMs, before
 * revalidation and at deletion.
 *
 * Idle expiry: a megaflow unused for maxIdleMs is deleted by the sweep.
 */
import type { Group } from '../ofproto/groups.js';
import type { Meter } from '../ofproto/meters.js';
import type { Rule } from '../ofproto/rule.js';
import type { FlowTable } from '../ofproto/table.js';
import { KEY_WORDS, KW, newKey } from '../packet/flow-key.js';
import type { XlateCache } from '../xlate/context.js';
import { odpEqual } from '../xlate/odp.js';
import { ChangeLog, TrackingClassifier } from './change-log.js';
import type { Datapath } from './datapath.js';
import type { Megaflow } from './megaflow.js';

/** Per table: the rules that changed, or null for "too many / unknown: all". */
type RuleChanges = Map<number, Rule[] | null>;

export class Revalidator {
  private readonly key = newKey();
  private lastVersion = -1;
  /**
   * What forwarding reads from the ports and the bridge's modes, as of the
   * last change: controllerConnected, fragHandling, then per port (in the
   * port table's order) its number, config and state. Compared field by
   * field on every commit, which without --bundle is every flow_mod: the
   * string this used to be cost a sort, an array and a string per flow_mod.
   */
  private portState: number[] = [];
  private tables: readonly FlowTable[] = [];
  private groups = new Map<number, Group>();
  private meters = new Map<number, Meter>();
  /** log()'s answer for the set of tables it was computed from. */
  private logTables: readonly FlowTable[] | null = null;
  private logFound: ChangeLog | null = null;

  /** Counts of what revalidation did, for upcall/show. */
  nRevalidated = 0;
  nModified = 0;
  nDeleted = 0;
  nExpired = 0;

  constructor(private readonly dp: Datapath) {}

  /** Records the switch's state as the baseline for change detection. */
  snapshot(): void {
    const b = this.dp.bridge;
    this.lastVersion = b.version;
    this.portsChanged();
    this.tables = [...b.pipeline.allTables()];
    this.groups = new Map(b.groups.sorted().map((g) => [g.id, g]));
    this.meters = new Map(b.meters.sorted().map((m) => [m.id, m]));
    this.log()?.take();
  }

  /** The ChangeLog behind the bridge's classifiers, if they are tracked. */
  private log(): ChangeLog | null {
    // allTables() is the same array until the set of tables changes, and a
    // table's classifier never changes: ask once per set, not per commit.
    const all = this.dp.bridge.pipeline.allTables();
    if (all === this.logTables) return this.logFound;
    let log: ChangeLog | null = null;
    for (const t of all) {
      if (!(t.cls instanceof TrackingClassifier)) {
        log = null;
        break;
      }
      log = t.cls.log;
    }
    this.logTables = all;
    this.logFound = log;
    return log;
  }

  /** Whether the ports or modes changed since the last call (see `portState`), which records them anew. */
  private portsChanged(): boolean {
    const b = this.dp.bridge;
    const st = this.portState;
    let changed = false;
    // Fragment handling (SET_CONFIG) changes how fragments translate without a new version.
    const modes = (b.controllerConnected ? 1 : 0) | (b.fragHandling << 1);
    if (st[0] !== modes) {
      st[0] = modes;
      changed = true;
    }
    let i = 1;
    for (const p of b.ports.values()) {
      const state = p.state();
      if (st[i] !== p.portNo || st[i + 1] !== p.config || st[i + 2] !== state) {
        st[i] = p.portNo;
        st[i + 1] = p.config;
        st[i + 2] = state;
        changed = true;
      }
      i += 3;
    }
    if (st.length !== i) {
      st.length = i;
      changed = true;
    }
    return changed;
  }

  /** The Bridge's change listener: revalidates what the change may affect, now. */
  onChange(version: number): void {
    const b = this.dp.bridge;
    const log = this.log();
    const logged = log?.take() ?? null;
    const portsChanged = this.portsChanged();
    // allTables() is a new array exactly when the set of tables changed (and
    // is never edited): most commits need no 255-entry copy or compare.
    const tables = b.pipeline.allTables();
    const tablesChanged = tables !== this.tables && (tables.length !== this.tables.length || tables.some((t, i) => t !== this.tables[i]));
    let full = portsChanged || tablesChanged || (logged === null && version !== this.lastVersion);
    this.tables = tables;
    this.lastVersion = version;

    // A flow_mod changes no group or meter: checking that allocates and sorts nothing.
    const changedGroups = unchanged(this.groups, b.groups) ? { ids: NO_IDS, now: this.groups } : diffObjects(this.groups, new Map(b.groups.sorted().map((g) => [g.id, g])));
    this.groups = changedGroups.now;
    const changedMeters = unchanged(this.meters, b.meters) ? { ids: NO_IDS, now: this.meters } : diffObjects(this.meters, new Map(b.meters.sorted().map((m) => [m.id, m])));
    this.meters = changedMeters.now;

    const rules: RuleChanges = new Map();
    if (logged !== null) {
      // A commit mostly touches one table: scanning for it costs less than
      // mapping all 255 classifiers to their tables on every flow_mod.
      for (const [cls, list] of logged) {
        const t = tables.find((x) => x.cls === cls);
        if (t === undefined) full = true;
        else rules.set(t.id, list);
      }
    }
    if (full) {
      this.revalidateAll();
      this.dp.coverage.inc('rev_full');
      return;
    }
    // Candidates from the index: megaflows that looked up a changed table or used a changed group or meter.
    // (Snapshots: revalidation re-indexes what it looks at.)
    const idx = this.dp.index;
    const sources: Megaflow[][] = [];
    for (const id of rules.keys()) sources.push(idx.inTable(id));
    for (const id of changedGroups.ids) sources.push(idx.usingGroup(id));
    for (const id of changedMeters.ids) sources.push(idx.usingMeter(id));
    let candidates: Iterable<Megaflow>;
    if (sources.length === 1) candidates = sources[0]!;
    else {
      const all = new Set<Megaflow>();
      for (const src of sources) for (const mf of src) all.add(mf);
      candidates = all;
    }
    let n = 0;
    for (const mf of candidates) {
      n++;
      if (!mf.dead && this.affected(mf, rules, changedGroups.ids, changedMeters.ids)) this.revalidate(mf);
    }
    if (n > 0) this.dp.coverage.inc('rev_targeted');
  }

  /** Whether a change may affect `mf` (see the essay). */
  private affected(mf: Megaflow, rules: RuleChanges, groups: Set<number>, meters: Set<number>): boolean {
    const xc = mf.xc;
    for (const id of xc.groupIds) if (groups.has(id)) return true;
    for (const id of xc.meterIds) if (meters.has(id)) return true;
    if (rules.size === 0) return false;
    const v = xc.visits;
    const st = mf.subtable;
    for (let i = 0; i < v.length; i += 4) {
      const changed = rules.get(v[i]!);
      if (changed === undefined) continue;
      if (changed === null || v[i + 1] === 0) return true;
      for (const r of changed) if (st.overlaps(mf.slot, r.value, r.mask, v[i + 2]!, v[i + 3]!)) return true;
    }
    return false;
  }

  /** Re-translates `mf` and keeps, fixes or deletes it. */
  revalidate(mf: Megaflow): void {
    const dp = this.dp;
    this.push(mf);
    const key = mf.subtable.maskedKey(mf.slot, this.key);
    const res = dp.translator.translate({ key, sideEffects: false, now: dp.bridge.clock.now() });
    this.nRevalidated++;
    const mask = mf.subtable.mask;
    for (let w = 0; w < KEY_WORDS; w++) {
      if ((res.wc[w]! & ~mask[w]!) !== 0) {
        this.nDeleted++;
        dp.deleteMegaflow(mf);
        return;
      }
    }
    if (!odpEqual(res.actions, mf.program.actions)) {
      mf.program = dp.programs.intern(res.actions);
      this.nModified++;
    }
    const xc = dp.xcs.intern(res.xc);
    dp.xcs.release(mf.xc);
    dp.index.update(mf, xc);
  }

  /** Revalidates every megaflow. */
  revalidateAll(): void {
    // Backwards: a deletion moves the last megaflow into the hole, which is then already done.
    const flows = this.dp.flows;
    for (let i = flows.length - 1; i >= 0; i--) {
      const mf = flows[i];
      if (mf !== undefined && !mf.dead) this.revalidate(mf);
    }
  }

  /** Revalidates the NORMAL megaflows whose destination's MAC entry changed. */
  macChanges(): void {
    const changes = this.dp.macs.takeChanges();
    if (changes.length === 0 || !this.dp.index.hasNormal) return;
    const want = new Set(changes.map((c) => `${c.vlan}/${c.macHi}/${c.macLo >>> 0}`));
    for (const mf of this.dp.index.normalFlows()) {
      if (mf.dead) continue;
      const k = mf.subtable.maskedKey(mf.slot, this.key);
      const w10 = k[KW.ETH_TYPE_VLAN]!;
      const vlan = (w10 & 0x1000) !== 0 ? w10 & 0x0fff : 0;
      if (want.has(`${vlan}/${k[KW.ETH_DST_HI]}/${k[KW.ETH_DST_LO]! >>> 0}`)) this.revalidate(mf);
    }
  }

  /* ------------------------------------------------------ statistics */

  /** Credits `mf`'s packets since the last push. */
  push(mf: Megaflow): void {
    const dPackets = mf.packets - mf.pushedPackets;
    if (dPackets === 0) return;
    const dBytes = mf.bytes - mf.pushedBytes;
    mf.pushedPackets = mf.packets;
    mf.pushedBytes = mf.bytes;
    this.credit(mf.xc, dPackets, dBytes, mf.used);
  }

  /** Credits one packet handled without a megaflow (flow limit, packet-out). */
  creditOnce(xc: XlateCache, bytes: number, now: number): void {
    this.credit(xc, 1, bytes, now);
  }

  private credit(xc: XlateCache, packets: number, bytes: number, used: number): void {
    const b = this.dp.bridge;
    for (const r of xc.rules) b.creditRule(r, packets, bytes, used);
    const t = xc.tables;
    for (let i = 0; i < t.length; i += 2) b.creditTable(t[i]!, packets, t[i + 1] === 1 ? packets : 0);
    const gs = xc.groups;
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i]!;
      const bucket = xc.buckets[i]!;
      // A group counts a packet once however many of its buckets ran (ALL).
      if (gs.indexOf(g) === i) {
        g.packets += packets;
        g.bytes += bytes;
      }
      if (bucket >= 0 && bucket < g.bucketPackets.length) {
        g.bucketPackets[bucket]! += packets;
        g.bucketBytes[bucket]! += bytes;
      }
    }
    for (const l of xc.learned) this.dp.macs.refresh(l.vlan, l.macHi, l.macLo, l.port, used);
  }

  /** Pushes every megaflow's statistics. */
  pushAll(): void {
    for (const mf of this.dp.flows) this.push(mf);
  }

  /** The periodic pass: MAC aging, statistics, idle expiry. */
  sweep(now: number): void {
    const dp = this.dp;
    if (dp.macs.expire(now) > 0) this.macChanges();
    const flows = dp.flows;
    for (let i = flows.length - 1; i >= 0; i--) {
      const mf = flows[i];
      if (mf === undefined || mf.dead) continue;
      if (now - mf.used >= dp.maxIdleMs) {
        this.nExpired++;
        dp.deleteMegaflow(mf);
      } else {
        this.push(mf);
      }
    }
    // Meanwhile the limit may have been lowered.
    while (dp.flows.length > dp.flowLimit) dp.deleteMegaflow(dp.flows[dp.flows.length - 1]!);
  }
}

const NO_IDS: Set<number> = new Set();

/**
 * Whether `table` holds exactly the objects of the snapshot `before`: as
 * many, and every id of the snapshot still maps to its object (so no id was
 * added, removed or replaced).
 */
function unchanged<T>(before: Map<number, T>, table: { readonly size: number; get(id: number): T | undefined }): boolean {
  if (before.size !== table.size) return false;
  for (const [id, o] of before) if (table.get(id) !== o) return false;
  return true;
}

/** Which ids map to a different object (added, removed or replaced) between two snapshots. */
function diffObjects<T>(before: Map<number, T>, now: Map<number, T>): { ids: Set<number>; now: Map<number, T> } {
  const ids = new Set<number>();
  for (const [id, o] of before) if (now.get(id) !== o) ids.add(id);
  for (const id of now.keys()) if (!before.has(id)) ids.add(id);
  return { ids, now };
}
