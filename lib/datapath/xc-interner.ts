/**
 * Shares equal xlate caches between megaflows.
 *
 * Every 5-tuple through the same pipeline gets its own megaflow, but most
 * of them matched the same rules, looked up the same tables and took the
 * same group buckets: their xlate caches (lib/xlate/context.ts) are equal.
 * Keeping one per megaflow cost about a kilobyte each (a dozen arrays),
 * which at 100,000 megaflows made garbage collection a fifth of a flow
 * setup's time. Equal caches are therefore interned, with a count of the
 * megaflows holding each, so an entry goes (and the rules it names can be
 * collected) when its last megaflow does. Caches that carry per-packet
 * data (packet-ins, whose match holds in_port and metadata; MACs learned
 * by NORMAL) are never shared.
 *
 * Sharing is invisible to the rest of the datapath: caches are immutable,
 * and statistics are pushed per megaflow, from the megaflow's own counts.
 */
import type { XlateCache } from '../xlate/context.js';

interface Entry {
  readonly xc: XlateCache;
  readonly hash: number;
  refs: number;
}

export class XlateCacheInterner {
  private readonly byHash = new Map<number, Entry[]>();
  private readonly entries = new Map<XlateCache, Entry>();

  /** The shared cache equal to `xc` (now held once more), or `xc` itself. */
  intern(xc: XlateCache): XlateCache {
    if (xc.userspace.length !== 0 || xc.normal || xc.learned.length !== 0) return xc;
    const h = hashCache(xc);
    let list = this.byHash.get(h);
    if (list !== undefined) {
      for (const e of list) {
        if (sameCache(e.xc, xc)) {
          e.refs++;
          return e.xc;
        }
      }
    } else {
      this.byHash.set(h, (list = []));
    }
    const e: Entry = { xc, hash: h, refs: 1 };
    list.push(e);
    this.entries.set(xc, e);
    return xc;
  }

  /** A megaflow no longer holds `xc`. */
  release(xc: XlateCache): void {
    const e = this.entries.get(xc);
    if (e === undefined || --e.refs > 0) return;
    this.entries.delete(xc);
    const list = this.byHash.get(e.hash)!;
    list.splice(list.indexOf(e), 1);
    if (list.length === 0) this.byHash.delete(e.hash);
  }

  /** Distinct shared caches. */
  get size(): number {
    return this.entries.size;
  }
}

function mixList(h: number, a: readonly number[]): number {
  h = (Math.imul(h, 31) + a.length) | 0;
  for (let i = 0; i < a.length; i++) h = (Math.imul(h, 31) + a[i]!) | 0;
  return h;
}

function hashCache(xc: XlateCache): number {
  let h = xc.rules.length;
  for (const r of xc.rules) h = (Math.imul(h, 31) + r.priority + Math.imul(r.tableId, 65537)) | 0;
  h = mixList(h, xc.tables);
  h = mixList(h, xc.visits);
  h = mixList(h, xc.buckets);
  h = mixList(h, xc.groupIds);
  h = mixList(h, xc.meterIds);
  return h;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameCache(a: XlateCache, b: XlateCache): boolean {
  return (
    a.normal === b.normal &&
    a.userspace.length === 0 &&
    b.userspace.length === 0 &&
    a.learned.length === 0 &&
    b.learned.length === 0 &&
    sameList(a.rules, b.rules) &&
    sameList(a.tables, b.tables) &&
    sameList(a.visits, b.visits) &&
    sameList(a.groups, b.groups) &&
    sameList(a.buckets, b.buckets) &&
    sameList(a.groupIds, b.groupIds) &&
    sameList(a.groupSeen, b.groupSeen) &&
    sameList(a.meters, b.meters) &&
    sameList(a.meterIds, b.meterIds)
  );
}
