/**
 * Reconnection backoff for active connections, after Open vSwitch's rconn.
 *
 * The first attempt is immediate. After a failed attempt or a dropped
 * connection the wait doubles — 1 s, 2 s, 4 s, 8 s, 8 s ... with the
 * defaults — up to `maxMs`. A connection that stayed up for longer than the
 * current backoff counts as a success: its loss starts again from `minMs`.
 * rconn implements this with a deadline set when an attempt starts
 * (attempt start + backoff): a disconnect after the deadline resets the
 * backoff, one before it doubles it. An attempt that times out or cannot
 * even start pushes the deadline to infinity, so it always doubles.
 *
 * The same numbers bound a connection attempt: an attempt that has not
 * connected within max(minMs, backoff) is abandoned.
 */
export class Backoff {
  private backoff = 0;
  private deadline = -Infinity;

  constructor(
    readonly minMs = 1000,
    readonly maxMs = 8000,
  ) {
    if (!(minMs > 0) || !(maxMs >= minMs)) throw new RangeError(`backoff ${minMs}..${maxMs} ms`);
  }

  /** The current backoff in ms (0 before the first failure). */
  get current(): number {
    return this.backoff;
  }

  /** An attempt starts at `now`; returns how long it may take to connect. */
  attemptStarted(now: number): number {
    this.deadline = now + this.backoff;
    return Math.max(this.minMs, this.backoff);
  }

  /** The attempt timed out or failed before starting: never a reason to reset. */
  attemptAbandoned(): void {
    this.deadline = Infinity;
  }

  /** The connection attempt failed or the connection dropped at `now`; returns the wait before the next attempt. */
  disconnected(now: number): number {
    if (now >= this.deadline) this.backoff = this.minMs;
    else if (this.backoff < this.maxMs / 2) this.backoff = Math.max(this.minMs, 2 * this.backoff);
    else this.backoff = this.maxMs;
    this.deadline = now + this.backoff;
    return this.backoff;
  }
}
