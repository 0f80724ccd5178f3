/**
 * A one-line progress report for long operations (loading or sending tens
 * of thousands of flows), shown only when stderr is a terminal and only for
 * operations big enough to be worth watching. It redraws at most ten times
 * a second and erases itself when done, so that what remains on the screen
 * is exactly what ovs-ofctl would have left there.
 */
import type { Output } from './output.js';

/** Fewer items than this finish too quickly to need a progress line. */
const MIN_ITEMS = 5000;
const REDRAW_MS = 100;

export class Progress {
  private readonly enabled: boolean;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: Output,
    private readonly program: string,
    private readonly what: string,
    private readonly total: number,
  ) {
    this.enabled = out.isTTY && total >= MIN_ITEMS;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS && done < this.total) return;
    this.lastDraw = now;
    const pct = this.total ? Math.floor((done * 100) / this.total) : 100;
    this.out.write(`\r\x1b[K${this.program}: ${this.what}: ${done}/${this.total} (${pct}%)`);
    this.out.flush();
    this.drawn = true;
  }

  done(): void {
    if (!this.drawn) return;
    this.out.write('\r\x1b[K');
    this.out.flush();
    this.drawn = false;
  }
}
