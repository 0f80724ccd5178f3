/**
 * Packet-in rate limiting, after Open vSwitch's pinsched.
 *
 * Off by default. When a connection has a rate (packets per second), its
 * packet-ins pass through a token bucket holding up to `burst` packets
 * (default rate/4, at least 1). While tokens are available and nothing is
 * queued, a packet-in goes straight out. Otherwise it waits in a queue of
 * its input port; queued packets leave round-robin across ports as tokens
 * come back, so one busy port cannot starve the others. At most `burst`
 * packets wait in all; a newcomer beyond that evicts the oldest packet of
 * the longest queue (counted as dropped). Open vSwitch keeps two such
 * schedulers per connection, one for table misses and one for everything
 * else, and so does the connection (see ofconn.ts).
 *
 * The scheduler only decides when; what to send is the caller's `emit`.
 */
import type { TimerHandle, Timers } from './timers.js';

export interface PinschedStats {
  /** Packets waiting now. */
  queued: number;
  /** Packets that went straight out. */
  bypassed: number;
  /** Packets that had to wait. */
  limited: number;
  /** Packets evicted from a full queue. */
  dropped: number;
}

export class PacketInScheduler<T> {
  private tokens: number;
  private lastRefill: number;
  private readonly queues = new Map<number, T[]>();
  /** Ports with waiting packets, in round-robin order. */
  private readonly ring: number[] = [];
  private timer: TimerHandle | undefined;
  readonly stats: PinschedStats = { queued: 0, bypassed: 0, limited: 0, dropped: 0 };
  readonly rate: number;
  readonly burst: number;

  constructor(
    rate: number,
    burst: number,
    private readonly timers: Timers,
    private readonly emit: (item: T) => void,
  ) {
    if (!(rate > 0)) throw new RangeError(`packet-in rate ${rate}`);
    this.rate = rate;
    this.burst = Math.max(1, Math.floor(burst > 0 ? burst : rate / 4));
    this.tokens = this.burst;
    this.lastRefill = timers.now();
  }

  send(port: number, item: T): void {
    if (this.stats.queued === 0 && this.takeToken()) {
      this.stats.bypassed++;
      this.emit(item);
      return;
    }
    if (this.stats.queued >= this.burst) this.evictOne();
    let q = this.queues.get(port);
    if (!q) {
      q = [];
      this.queues.set(port, q);
      this.ring.push(port);
    }
    q.push(item);
    this.stats.queued++;
    this.stats.limited++;
    this.schedule();
  }

  /** Forgets everything queued (the connection is gone). */
  close(): void {
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.queues.clear();
    this.ring.length = 0;
    this.stats.queued = 0;
  }

  private refill(): void {
    const now = this.timers.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) * this.rate) / 1000);
    this.lastRefill = now;
  }

  private takeToken(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stats.queued === 0) return;
    this.refill();
    const wait = this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.rate;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, Math.ceil(wait));
  }

  private drain(): void {
    // Bounded per run, like pinsched_run(), so a huge backlog yields to I/O.
    for (let n = 0; n < 50 && this.stats.queued > 0 && this.takeToken(); n++) {
      const port = this.ring.shift()!;
      const q = this.queues.get(port)!;
      const item = q.shift()!;
      this.stats.queued--;
      if (q.length > 0) this.ring.push(port);
      else this.queues.delete(port);
      this.emit(item);
    }
    this.schedule();
  }

  private evictOne(): void {
    let longest: number | undefined;
    let len = 0;
    for (const [port, q] of this.queues) {
      if (q.length > len) {
        len = q.length;
        longest = port;
      }
    }
    if (longest === undefined) return;
    const q = this.queues.get(longest)!;
    q.shift();
    this.stats.queued--;
    this.stats.dropped++;
    if (q.length === 0) {
      this.queues.delete(longest);
      this.ring.splice(this.ring.indexOf(longest), 1);
    }
  }
}
