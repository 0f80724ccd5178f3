/**
 * Timers that move only when told to, for testing probes, backoff, fail mode
 * and rate limits without sleeping. `advance(ms)` runs every timer that falls
 * due, in time order, including timers those timers set.
 */
import type { TimerHandle, Timers } from '../../lib/conn/timers.js';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
}

export class ManualTimers implements Timers {
  private t = 0;
  private seq = 0;
  private readonly entries = new Map<number, Entry>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.entries.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.entries.delete(handle as unknown as number);
  }

  get pending(): number {
    return this.entries.size;
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, Entry] | undefined;
      for (const e of this.entries) {
        if (e[1].at <= end && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq))) next = e;
      }
      if (!next) break;
      this.entries.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }
}
