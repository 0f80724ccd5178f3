/**
 * One rtnetlink listener (RTMGRP_LINK) shared by the ports of a bridge or
 * datapath, dispatching each link message to the port it is about.
 *
 * The kernel sends RTM_NEWLINK whenever an interface's flags, carrier, MTU
 * or address change, so a cable pulled (or `ip link set down`) reaches the
 * port within one message's latency rather than a polling period. Ports
 * subscribe by interface index; a message with index 0 means the kernel
 * dropped messages and every subscriber is told to re-read its state.
 *
 * Whoever creates a LinkMonitor closes it; a port created without one makes
 * its own and closes it with itself.
 */
import { loadNative, type LinkEvent, type NativeLinkMonitor } from './native.js';

export type LinkListener = (event: LinkEvent) => void;

export class LinkMonitor {
  private readonly native: NativeLinkMonitor;
  private readonly byIndex = new Map<number, Set<LinkListener>>();
  private closed = false;

  constructor() {
    this.native = new (loadNative().LinkMonitor)((ev) => this.dispatch(ev));
  }

  /** Calls `listener` for every message about `ifindex` (and for resyncs); returns the unsubscribe function. */
  watch(ifindex: number, listener: LinkListener): () => void {
    let set = this.byIndex.get(ifindex);
    if (!set) this.byIndex.set(ifindex, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byIndex.get(ifindex) === set) this.byIndex.delete(ifindex);
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close();
    this.byIndex.clear();
  }

  private dispatch(ev: LinkEvent): void {
    if (ev.ifindex === 0) {
      for (const set of [...this.byIndex.values()]) for (const l of [...set]) l(ev);
      return;
    }
    const set = this.byIndex.get(ev.ifindex);
    if (set) for (const l of [...set]) l(ev);
  }
}
