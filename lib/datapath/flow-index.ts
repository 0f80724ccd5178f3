/**
 * Which megaflows depend on what: the tables their walk looked up, the
 * groups and meters it used, and whether it ran NORMAL. The revalidator
 * asks here instead of scanning every megaflow, so a change to a table or
 * group few flows touch costs little however many megaflows there are.
 *
 * Kept exact by the datapath: a megaflow is added when installed, removed
 * when deleted, and re-added when revalidation gives it a new xlate cache
 * (`update`), always from the cache it holds at that moment.
 */
import type { XlateCache } from '../xlate/context.js';
import type { Megaflow } from './megaflow.js';

export class FlowIndex {
  private readonly byTable = new Map<number, Set<Megaflow>>();
  private readonly byGroup = new Map<number, Set<Megaflow>>();
  private readonly byMeter = new Map<number, Set<Megaflow>>();
  /** Megaflows whose translation ran NORMAL. */
  readonly normal = new Set<Megaflow>();

  add(mf: Megaflow): void {
    this.each(mf.xc, (map, id) => put(map, id, mf));
    if (mf.xc.normal) this.normal.add(mf);
  }

  remove(mf: Megaflow): void {
    this.each(mf.xc, (map, id) => drop(map, id, mf));
    this.normal.delete(mf);
  }

  /** Replaces `mf`'s cache by `xc`, keeping the index right. */
  update(mf: Megaflow, xc: XlateCache): void {
    this.remove(mf);
    mf.xc = xc;
    this.add(mf);
  }

  /** Megaflows that looked up table `id` (live view; copy before deleting from it). */
  inTable(id: number): ReadonlySet<Megaflow> {
    return this.byTable.get(id) ?? NONE;
  }

  usingGroup(id: number): ReadonlySet<Megaflow> {
    return this.byGroup.get(id) ?? NONE;
  }

  usingMeter(id: number): ReadonlySet<Megaflow> {
    return this.byMeter.get(id) ?? NONE;
  }

  private each(xc: XlateCache, f: (map: Map<number, Set<Megaflow>>, id: number) => void): void {
    const v = xc.visits;
    for (let i = 0; i < v.length; i += 4) f(this.byTable, v[i]!);
    for (const g of xc.groupIds) f(this.byGroup, g);
    for (const m of xc.meterIds) f(this.byMeter, m);
  }
}

const NONE: ReadonlySet<Megaflow> = new Set();

function put(map: Map<number, Set<Megaflow>>, id: number, mf: Megaflow): void {
  let s = map.get(id);
  if (s === undefined) map.set(id, (s = new Set()));
  s.add(mf);
}

function drop(map: Map<number, Set<Megaflow>>, id: number, mf: Megaflow): void {
  const s = map.get(id);
  if (s === undefined) return;
  s.delete(mf);
  if (s.size === 0) map.delete(id);
}
