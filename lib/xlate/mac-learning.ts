/**
 * NORMAL's MAC learning table: which port each (VLAN, Ethernet address)
 * was last seen on, as Open vSwitch's mac-learning.c.
 *
 * Entries age out `agingMs` after they were last refreshed (Open vSwitch's
 * mac-aging-time, 300 s by default); the table holds at most `maxEntries`
 * (mac-table-size, 2048) and evicts the least recently refreshed entry to
 * make room. A lookup never returns an aged entry, even before `expire`
 * has swept it.
 *
 * Forwarding depends on the table, so megaflows that NORMAL translated
 * must be looked at again when an entry they could depend on changes: the
 * table records each (VLAN, MAC) whose port changed (learned, moved,
 * expired, evicted) until the datapath drains the list (`takeChanges`).
 * A refresh that changes nothing but the time records nothing.
 */

export interface MacEntry {
  readonly vlan: number;
  readonly macHi: number;
  readonly macLo: number;
  port: number;
  /** Clock time (ms) of the last packet from this address. */
  seen: number;
}

export interface MacChange {
  readonly vlan: number;
  readonly macHi: number;
  readonly macLo: number;
}

export interface MacLearningOptions {
  /** Default 300,000 ms. */
  agingMs?: number;
  /** Default 2048. */
  maxEntries?: number;
}

const key = (vlan: number, hi: number, lo: number): string => `${vlan}/${hi}/${lo >>> 0}`;

/** Whether the address is a group (multicast or broadcast) address. */
export function isMulticastMac(hi: number): boolean {
  return (hi & 0x0100) !== 0;
}

/** IEEE 802.1D reserved addresses 01:80:c2:00:00:0x (STP, LACP, ...), which a bridge never forwards. */
export function isReservedMac(hi: number, lo: number): boolean {
  return hi === 0x0180 && (lo & 0xfffffff0) >>> 0 === 0xc2000000;
}

export class MacLearning {
  readonly agingMs: number;
  readonly maxEntries: number;
  /** Insertion order is refresh order: the first entry is the least recently refreshed. */
  private readonly entries = new Map<string, MacEntry>();
  private changes: MacChange[] = [];

  constructor(opts: MacLearningOptions = {}) {
    this.agingMs = opts.agingMs ?? 300_000;
    this.maxEntries = opts.maxEntries ?? 2048;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The port (vlan, mac) was learned on, or -1 when unknown or aged. */
  lookup(vlan: number, hi: number, lo: number, now: number): number {
    const e = this.entries.get(key(vlan, hi, lo));
    if (e === undefined || now - e.seen >= this.agingMs) return -1;
    return e.port;
  }

  /** Records that (vlan, mac) was seen on `port`; returns true if the table's answer for it changed. */
  learn(vlan: number, hi: number, lo: number, port: number, now: number): boolean {
    const k = key(vlan, hi, lo);
    const e = this.entries.get(k);
    if (e !== undefined) {
      const aged = now - e.seen >= this.agingMs;
      const moved = e.port !== port;
      this.entries.delete(k);
      e.port = port;
      e.seen = Math.max(e.seen, now);
      this.entries.set(k, e);
      if (moved || aged) this.changes.push({ vlan, macHi: hi, macLo: lo >>> 0 });
      return moved || aged;
    }
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.values().next().value as MacEntry | undefined;
      if (oldest !== undefined) {
        this.entries.delete(key(oldest.vlan, oldest.macHi, oldest.macLo));
        this.changes.push({ vlan: oldest.vlan, macHi: oldest.macHi, macLo: oldest.macLo });
      }
    }
    this.entries.set(k, { vlan, macHi: hi, macLo: lo >>> 0, port, seen: now });
    this.changes.push({ vlan, macHi: hi, macLo: lo >>> 0 });
    return true;
  }

  /** Keeps an entry alive (traffic from it still flows through a megaflow); never moves it. */
  refresh(vlan: number, hi: number, lo: number, port: number, now: number): void {
    const k = key(vlan, hi, lo);
    const e = this.entries.get(k);
    if (e === undefined || e.port !== port || now <= e.seen) return;
    this.entries.delete(k);
    e.seen = now;
    this.entries.set(k, e);
  }

  /** Removes aged entries; returns how many. */
  expire(now: number): number {
    let n = 0;
    for (const [k, e] of this.entries) {
      if (now - e.seen < this.agingMs) break;
      this.entries.delete(k);
      this.changes.push({ vlan: e.vlan, macHi: e.macHi, macLo: e.macLo });
      n++;
    }
    return n;
  }

  /** Forgets everything (fdb/flush). */
  flush(): void {
    for (const e of this.entries.values()) this.changes.push({ vlan: e.vlan, macHi: e.macHi, macLo: e.macLo });
    this.entries.clear();
  }

  /** The (vlan, mac) pairs whose port changed since the last call. */
  takeChanges(): MacChange[] {
    const c = this.changes;
    this.changes = [];
    return c;
  }

  /** Entries, least recently refreshed first (fdb/show). */
  list(): readonly MacEntry[] {
    return [...this.entries.values()];
  }
}
