/**
 * Time as the connection manager reads it, injectable so that backoff,
 * inactivity probes, fail-open and packet-in rate limits can be tested by
 * moving a clock instead of sleeping.
 *
 * `now()` is monotonic milliseconds; timer handles are opaque. Real timers
 * are unref'd: connection housekeeping alone never keeps the process alive,
 * the sockets do.
 */

export interface TimerHandle {
  readonly __timer: unique symbol;
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimeout(handle) {
    if (handle !== undefined) clearTimeout(handle as unknown as NodeJS.Timeout);
  },
};

/**
 * A one-shot timer that can be re-armed cheaply: `arm(at)` keeps an existing
 * timer that fires no later than needed and lets the callback re-check the
 * deadline, so hot paths that push a deadline forward (every message moves
 * the inactivity deadline) never touch the timer heap.
 */
export class Deadline {
  private handle: TimerHandle | undefined;
  private firesAt = Infinity;
  private due = Infinity;

  constructor(
    private readonly timers: Timers,
    private readonly onDue: () => void,
  ) {}

  /** Fires `onDue` at `at` (absolute, timers.now() units). */
  arm(at: number): void {
    this.due = at;
    if (this.handle !== undefined && this.firesAt <= at) return;
    this.timers.clearTimeout(this.handle);
    this.firesAt = at;
    this.handle = this.timers.setTimeout(() => this.fire(), at - this.timers.now());
  }

  /** Moves the deadline later without touching the timer. */
  postpone(at: number): void {
    if (this.handle === undefined) this.arm(at);
    else this.due = at;
  }

  cancel(): void {
    this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.firesAt = Infinity;
    this.due = Infinity;
  }

  get armed(): boolean {
    return this.handle !== undefined;
  }

  private fire(): void {
    this.handle = undefined;
    this.firesAt = Infinity;
    const due = this.due;
    if (due === Infinity) return;
    if (this.timers.now() + 0.5 < due) {
      this.arm(due);
      return;
    }
    this.due = Infinity;
    this.onDue();
  }
}
