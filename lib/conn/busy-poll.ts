/**
 * Busy polling after OpenFlow input: for a short window after a message
 * arrives, the event loop keeps turning without sleeping in epoll_wait.
 *
 * Why: many peers send one request and wait for its answer before sending
 * the next. `ovs-ofctl add-flows` without --bundle sends a flow_mod and a
 * barrier per line and waits for the barrier reply; controllers that
 * barrier every change do the same. Each such message pays for waking this
 * process from epoll_wait, and on a virtual machine whose idle vCPUs halt
 * (no guest halt polling) that wake-up is a trip through the hypervisor:
 * measured here, tens of microseconds, more than handling a flow_mod.
 * Staying awake a little longer than the peer takes to answer means its
 * next request finds us running. Open vSwitch gets the same effect because
 * its main loop seldom sleeps; Linux's busy_poll socket option is the same
 * idea for NIC queues.
 *
 * Cost: at most the window's worth of CPU after each burst of input, and
 * nothing while no input comes. A window of 0 turns it off.
 *
 * How: a pending setImmediate makes libuv poll for I/O with a zero
 * timeout, so I/O and timers are still served while we spin; nothing is
 * done per turn except reading the clock.
 */
export class BusyPoll {
  /** performance.now() until which the loop keeps turning. */
  private until = 0;
  private spinning = false;
  /** Turns of the loop spent spinning (spec/conn/busy-poll.spec.ts reads it). */
  turns = 0;

  /** `windowUs`: how long to keep polling after the latest input, in microseconds. */
  constructor(readonly windowUs: number) {}

  /** Input arrived: keep polling until windowUs from now. */
  kick(): void {
    if (this.windowUs <= 0) return;
    this.until = performance.now() + this.windowUs / 1000;
    if (!this.spinning) {
      this.spinning = true;
      setImmediate(this.spin);
    }
  }

  /** Whether the loop is being kept awake now. */
  get active(): boolean {
    return this.spinning;
  }

  private readonly spin = (): void => {
    this.turns++;
    if (performance.now() < this.until) setImmediate(this.spin);
    else this.spinning = false;
  };
}

/** The window the daemon uses unless told otherwise (µs): longer than ovs-ofctl's turnaround (about 20 µs here). */
export const DEFAULT_BUSY_POLL_US = 50;

/** The longest window the daemon accepts: beyond a few milliseconds it is just a spinning process. */
export const MAX_BUSY_POLL_US = 10_000;

/** No busy polling: for tests and embedders that run the switch inside a larger program. */
export const NO_BUSY_POLL = new BusyPoll(0);
