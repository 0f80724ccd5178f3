/**
 * Coverage counters: how often each notable event happened, with the
 * average rates `coverage/show` prints (Open vSwitch's coverage.c).
 *
 * Events off the hot path are counted by name (`inc`). The per-packet
 * counters live as plain fields on the datapath and are read into the
 * same table through `sources`, so counting a packet costs one increment.
 * Every 5 s a sample of all totals is kept (the last hour's worth), from
 * which the rates over 5 s, a minute and an hour are computed.
 */
const SAMPLE_MS = 5000;
const HOUR_SAMPLES = 720;

export class Coverage {
  private readonly counts = new Map<string, number>();
  private readonly sources = new Map<string, () => number>();
  /** Totals at each past sample, oldest first. */
  private readonly samples: Map<string, number>[] = [];
  private lastSample = -Infinity;

  inc(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  /** Reports a counter kept elsewhere. */
  source(name: string, read: () => number): void {
    this.sources.set(name, read);
  }

  read(name: string): number {
    const s = this.sources.get(name);
    return s !== undefined ? s() : (this.counts.get(name) ?? 0);
  }

  totals(): Map<string, number> {
    const m = new Map<string, number>();
    for (const [k, v] of this.counts) m.set(k, v);
    for (const [k, f] of this.sources) m.set(k, f());
    return m;
  }

  /** Takes a sample if 5 s have passed (call from a timer). */
  tick(now: number): void {
    if (now - this.lastSample < SAMPLE_MS) return;
    this.lastSample = now;
    this.samples.push(this.totals());
    if (this.samples.length > HOUR_SAMPLES + 1) this.samples.shift();
  }

  /** `coverage/show`'s text. */
  show(): string {
    const now = this.totals();
    const rate = (name: string, back: number): number => {
      const n = this.samples.length;
      if (n === 0) return 0;
      const from = this.samples[Math.max(0, n - 1 - back)]!;
      const span = Math.max(1, Math.min(back, n - 1 > 0 ? n - 1 : 1));
      return ((now.get(name) ?? 0) - (from.get(name) ?? 0)) / (span * (SAMPLE_MS / 1000));
    };
    const names = [...now.keys()].filter((k) => now.get(k)! > 0).sort();
    let hash = 0;
    for (const n of names) for (let i = 0; i < n.length; i++) hash = (Math.imul(hash, 31) + n.charCodeAt(i)) >>> 0;
    let s = `Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=${hash.toString(16).padStart(8, '0')}:\n`;
    for (const n of names) {
      const r5 = rate(n, 1).toFixed(1);
      const rm = rate(n, 12).toFixed(3);
      const rh = rate(n, HOUR_SAMPLES).toFixed(4);
      s += `${n.padEnd(24)} ${`${r5}/sec`.padStart(12)} ${`${rm}/sec`.padStart(12)} ${`${rh}/sec`.padStart(16)}   total: ${now.get(n)}\n`;
    }
    const zero = [...now.keys()].length - names.length;
    s += `${zero} events never hit\n`;
    return s;
  }
}
