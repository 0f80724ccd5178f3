/**
 * Is the peer still there? Open vSwitch's rconn answers with an inactivity
 * probe, and so does `InactivityProbe`:
 *
 *   ACTIVE --(interval without activity)--> send ECHO_REQUEST, IDLE
 *   IDLE   --(activity)--> ACTIVE
 *   IDLE   --(another interval without activity)--> disconnect
 *
 * "Activity" is a received message or output that had been waiting and
 * drained (never our own write that went straight through, such as the
 * probe itself). Before the handshake completes there is no probing: a peer
 * that has not sent its HELLO within one interval (5 s when probes are off)
 * is dropped.
 *
 * Activity arrives with every burst of input, so it only moves a deadline;
 * the timer itself is re-armed lazily (see `Deadline`).
 *
 * Also here, because it is rconn's too: which messages show that a
 * controller accepted the switch ("admission"), for fail-open.
 */
import { OFPT } from '../openflow/index.js';
import { Deadline, type Timers } from './timers.js';

/** How long a peer gets to send HELLO when probes are off. */
const HELLO_TIMEOUT_MS = 5000;

export interface ProbeActions {
  /** Send an ECHO_REQUEST. */
  sendProbe(): void;
  /** Give up on the peer. */
  timedOut(reason: string): void;
}

export class InactivityProbe {
  private readonly deadline: Deadline;
  private phase: 'hello' | 'active' | 'idle' | 'off' = 'hello';

  constructor(
    private readonly timers: Timers,
    /** 0 disables probing (the HELLO timeout still applies). */
    private readonly intervalMs: number,
    private readonly actions: ProbeActions,
  ) {
    this.deadline = new Deadline(timers, this.due);
    this.deadline.arm(timers.now() + (intervalMs > 0 ? intervalMs : HELLO_TIMEOUT_MS));
  }

  /** The handshake is done: probing starts. */
  ready(): void {
    if (this.intervalMs > 0) {
      this.phase = 'active';
      this.deadline.arm(this.timers.now() + this.intervalMs);
    } else {
      this.phase = 'off';
      this.deadline.cancel();
    }
  }

  activity(): void {
    if (this.phase !== 'active' && this.phase !== 'idle') return;
    this.phase = 'active';
    this.deadline.postpone(this.timers.now() + this.intervalMs);
  }

  cancel(): void {
    this.phase = 'off';
    this.deadline.cancel();
  }

  private readonly due = (): void => {
    switch (this.phase) {
      case 'hello':
        this.phase = 'off';
        this.actions.timedOut('no HELLO received');
        return;
      case 'idle':
        this.phase = 'off';
        this.actions.timedOut(`no response to inactivity probe after ${(2 * this.intervalMs) / 1000} s`);
        return;
      case 'active':
        this.phase = 'idle';
        this.deadline.arm(this.timers.now() + this.intervalMs);
        this.actions.sendProbe();
        return;
      case 'off':
        return;
      default: {
        const never: never = this.phase;
        return never;
      }
    }
  };
}

/** rconn's is_admitted_msg(): a message that shows the peer accepted us. */
export function isAdmittedType(type: number): boolean {
  return !(
    type === OFPT.HELLO ||
    type === OFPT.ERROR ||
    type === OFPT.ECHO_REQUEST ||
    type === OFPT.ECHO_REPLY ||
    type === OFPT.FEATURES_REQUEST ||
    type === OFPT.FEATURES_REPLY ||
    type === OFPT.GET_CONFIG_REQUEST ||
    type === OFPT.GET_CONFIG_REPLY ||
    type === OFPT.SET_CONFIG
  );
}
