/**
 * Time as ofproto reads it: milliseconds, possibly fractional, from an
 * arbitrary origin. Durations (flow, group, meter, port), timeouts and
 * buffer ages all come from one clock that the Bridge is given, so tests can
 * drive time by hand instead of sleeping.
 */
export interface Clock {
  now(): number;
}

/** The process's monotonic clock. */
export const monotonicClock: Clock = { now: () => performance.now() };

/** A clock that moves only when told to, for tests. */
export class ManualClock implements Clock {
  constructor(private t = 0) {}

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}

/** [duration_sec, duration_nsec] of the time since `since`. */
export function durationOf(since: number, now: number): [number, number] {
  const ms = Math.max(0, now - since);
  const sec = Math.floor(ms / 1000);
  const nsec = Math.floor((ms - sec * 1000) * 1e6);
  return [sec >>> 0, Math.min(nsec, 999_999_999)];
}
