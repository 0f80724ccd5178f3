/**
 * Which megaflows depend on what: the tables their walk looked up, the
 * groups and meters it used, and whether it ran NORMAL. The revalidator
 * asks here instead of scanning every megaflow, so a change to a table or
 * group few flows touch costs little however many megaflows there are.
 *
 * Kept exact by the datapath: a megaflow is added when installed, removed
 * when deleted, and re-added when revalidation gives it a new xlate cache
 * (`update`), always from the cache it holds at that moment.
 *
 * How: megaflows are filed by their dependency signature (the set of
 * tables, groups and meters, and NORMAL). A switch has few signatures and
 * many megaflows (every 5-tuple through the same pipeline has the same
 * one), so a megaflow joins one array of its signature's `Bucket` (O(1),
 * swap-removal through its `indexPos`), and only buckets are listed per
 * table, group and meter. A set per table holding every megaflow, as
 * before, cost a hash insertion per table per flow setup and rehashed
 * sets of hundreds of thousands: a sixth of a setup's time.
 */
import type { XlateCache } from '../xlate/context.js';
import type { Megaflow } from './megaflow.js';

/** The megaflows of one dependency signature. */
class Bucket {
  readonly flows: Megaflow[] = [];
  constructor(
    readonly hash: number,
    readonly tables: readonly number[],
    readonly groups: readonly number[],
    readonly meters: readonly number[],
    readonly normal: boolean,
  ) {}

  same(tables: readonly number[], groups: readonly number[], meters: readonly number[], normal: boolean): boolean {
    return this.normal === normal && sameList(this.tables, tables) && sameList(this.groups, groups) && sameList(this.meters, meters);
  }
}

export class FlowIndex {
  private readonly bySig = new Map<number, Bucket[]>();
  private readonly byTable = new Map<number, Bucket[]>();
  private readonly byGroup = new Map<number, Bucket[]>();
  private readonly byMeter = new Map<number, Bucket[]>();
  private readonly normalBuckets: Bucket[] = [];
  /** Scratch lists for the signature of the cache being filed. */
  private readonly t: number[] = [];
  private readonly g: number[] = [];
  private readonly m: number[] = [];

  add(mf: Megaflow): void {
    const xc = mf.xc;
    const tables = uniqueSorted(this.t, xc.visits, 4);
    const groups = uniqueSorted(this.g, xc.groupIds, 1);
    const meters = uniqueSorted(this.m, xc.meterIds, 1);
    const normal = xc.normal;
    let h = normal ? 1 : 0;
    for (const x of tables) h = (Math.imul(h, 31) + x) | 0;
    h = Math.imul(h, 17) | 0;
    for (const x of groups) h = (Math.imul(h, 31) + x) | 0;
    h = Math.imul(h, 13) | 0;
    for (const x of meters) h = (Math.imul(h, 31) + x) | 0;
    let list = this.bySig.get(h);
    let b: Bucket | undefined;
    if (list !== undefined) for (const c of list) if (c.same(tables, groups, meters, normal)) b = c;
    if (b === undefined) {
      b = new Bucket(h, tables.slice(), groups.slice(), meters.slice(), normal);
      if (list === undefined) this.bySig.set(h, (list = []));
      list.push(b);
      for (const id of b.tables) put(this.byTable, id, b);
      for (const id of b.groups) put(this.byGroup, id, b);
      for (const id of b.meters) put(this.byMeter, id, b);
      if (normal) this.normalBuckets.push(b);
    }
    mf.indexBucket = b;
    mf.indexPos = b.flows.length;
    b.flows.push(mf);
  }

  remove(mf: Megaflow): void {
    const b = mf.indexBucket as Bucket | null;
    if (b === null) return;
    const i = mf.indexPos;
    const last = b.flows.pop()!;
    if (last !== mf) {
      b.flows[i] = last;
      last.indexPos = i;
    }
    mf.indexBucket = null;
    mf.indexPos = -1;
    if (b.flows.length === 0) this.dropBucket(b);
  }

  /** Replaces `mf`'s cache by `xc`, keeping the index right. */
  update(mf: Megaflow, xc: XlateCache): void {
    this.remove(mf);
    mf.xc = xc;
    this.add(mf);
  }

  /** Megaflows that looked up table `id` (a snapshot). */
  inTable(id: number): Megaflow[] {
    return flowsOf(this.byTable.get(id));
  }

  usingGroup(id: number): Megaflow[] {
    return flowsOf(this.byGroup.get(id));
  }

  usingMeter(id: number): Megaflow[] {
    return flowsOf(this.byMeter.get(id));
  }

  /** Whether some megaflow ran NORMAL. */
  get hasNormal(): boolean {
    return this.normalBuckets.length > 0;
  }

  /** Megaflows whose translation ran NORMAL (a snapshot). */
  normalFlows(): Megaflow[] {
    return flowsOf(this.normalBuckets);
  }

  private dropBucket(b: Bucket): void {
    const list = this.bySig.get(b.hash);
    if (list !== undefined) {
      without(list, b);
      if (list.length === 0) this.bySig.delete(b.hash);
    }
    for (const id of b.tables) drop(this.byTable, id, b);
    for (const id of b.groups) drop(this.byGroup, id, b);
    for (const id of b.meters) drop(this.byMeter, id, b);
    if (b.normal) without(this.normalBuckets, b);
  }
}

function flowsOf(buckets: readonly Bucket[] | undefined): Megaflow[] {
  const out: Megaflow[] = [];
  if (buckets !== undefined) for (const b of buckets) for (const mf of b.flows) out.push(mf);
  return out;
}

/** Every `stride`-th entry of `from` (from 0), sorted and without repeats, into `out`. */
function uniqueSorted(out: number[], from: ArrayLike<number>, stride: number): number[] {
  out.length = 0;
  for (let i = 0; i < from.length; i += stride) out.push(from[i]!);
  let ascending = true;
  for (let i = 1; i < out.length && ascending; i++) ascending = out[i - 1]! < out[i]!;
  // goto_table only goes forward, so a walk's tables usually come ascending already.
  if (!ascending) {
    out.sort((a, b) => a - b);
    let n = 1;
    for (let i = 1; i < out.length; i++) if (out[i] !== out[n - 1]) out[n++] = out[i]!;
    out.length = n;
  }
  return out;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function without(list: Bucket[], b: Bucket): void {
  const i = list.indexOf(b);
  if (i >= 0) list.splice(i, 1);
}

function put(map: Map<number, Bucket[]>, id: number, b: Bucket): void {
  const list = map.get(id);
  if (list === undefined) map.set(id, [b]);
  else list.push(b);
}

function drop(map: Map<number, Bucket[]>, id: number, b: Bucket): void {
  const list = map.get(id);
  if (list === undefined) return;
  without(list, b);
  if (list.length === 0) map.delete(id);
}
