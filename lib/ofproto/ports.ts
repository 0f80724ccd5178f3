/**
 * OpenFlow ports (OpenFlow 1.3.5 §4, §7.2.1): the model of each port the
 * switch has, PORT_MOD, port descriptions and port statistics.
 *
 * A Port is an OpenFlow number and the controller-set config bits over a
 * device (`Netdev`) that supplies the rest: name, address, link, features,
 * counters. The state bits derive from both: OFPPS_LINK_DOWN when the
 * device has no link, OFPPS_LIVE (fast-failover liveness) when it has one
 * and the port is not configured down. OFPPS_BLOCKED is never set: we run
 * no spanning tree.
 *
 * Every change a controller should hear about — a port added or removed,
 * its config changed by PORT_MOD, its link or features changed by the
 * device — becomes one OFPT_PORT_STATUS through the `onStatus` callback,
 * with the port's description after the change. A device event that
 * leaves the description as it was sends nothing.
 *
 * PORT_MOD errors (ofp_port_mod_failed_code): a port that does not exist
 * (reserved numbers included, except LOCAL) is OFPPMFC_BAD_PORT; a hw_addr
 * that is not the port's OFPPMFC_BAD_HW_ADDR; config or mask bits other
 * than PORT_DOWN, NO_RECV, NO_FWD, NO_PACKET_IN OFPPMFC_BAD_CONFIG; an
 * advertise with features the port does not support, or that the device
 * refuses, OFPPMFC_BAD_ADVERTISE (advertise 0 changes nothing, §7.3.4.3).
 */
import type { Netdev } from '../netdev/netdev.js';
import { OFP_MAX_PORT_NAME_LEN, OFPP, OFPPC, OFPPR, OFPPS } from '../openflow/constants.js';
import { OFPET, OFPPMFC, OfpError } from '../openflow/errors.js';
import type { Port as OfpPort, PortMod, PortStats } from '../openflow/types.js';
import { durationOf } from './clock.js';

const CONFIG_BITS = OFPPC.PORT_DOWN | OFPPC.NO_RECV | OFPPC.NO_FWD | OFPPC.NO_PACKET_IN;

export class Port {
  config = 0;
  /** The description last reported, to send PORT_STATUS only for real changes. */
  lastDesc: OfpPort;

  constructor(
    readonly portNo: number,
    readonly netdev: Netdev,
    readonly created: number,
  ) {
    this.lastDesc = this.desc();
  }

  get name(): string {
    return this.netdev.name;
  }

  state(): number {
    let s = 0;
    const up = this.netdev.linkUp();
    if (!up) s |= OFPPS.LINK_DOWN;
    if (up && (this.config & OFPPC.PORT_DOWN) === 0) s |= OFPPS.LIVE;
    return s;
  }

  /** Live for fast-failover groups. */
  live(): boolean {
    return (this.state() & OFPPS.LIVE) !== 0;
  }

  /** struct ofp_port. */
  desc(): OfpPort {
    const f = this.netdev.features();
    return {
      port_no: this.portNo,
      hw_addr: this.netdev.hwAddr(),
      name: truncateName(this.netdev.name),
      config: this.config,
      state: this.state(),
      curr: f.curr,
      advertised: f.advertised,
      supported: f.supported,
      peer: f.peer,
      curr_speed: f.curr_speed,
      max_speed: f.max_speed,
    };
  }
}

/** An ofp_port name holds at most 15 bytes and a NUL. */
function truncateName(name: string): string {
  const b = Buffer.from(name, 'utf8');
  return b.length < OFP_MAX_PORT_NAME_LEN ? name : b.subarray(0, OFP_MAX_PORT_NAME_LEN - 1).toString('utf8');
}

export type PortStatusListener = (reason: OFPPR, desc: OfpPort) => void;

export class PortTable {
  private readonly ports = new Map<number, Port>();
  private readonly unsubscribe = new Map<number, () => void>();
  /** Set while a PORT_MOD applies, so that its device events make one PORT_STATUS, not several. */
  private holding = false;

  constructor(
    private readonly now: () => number,
    private readonly onStatus: PortStatusListener,
  ) {}

  get(portNo: number): Port | undefined {
    return this.ports.get(portNo >>> 0);
  }

  byName(name: string): Port | undefined {
    for (const p of this.ports.values()) if (p.name === name) return p;
    return undefined;
  }

  /** Ports in no particular order (the order they were added), without sorting or copying. */
  values(): IterableIterator<Port> {
    return this.ports.values();
  }

  /** Ports in number order, LOCAL last. */
  sorted(): Port[] {
    return [...this.ports.values()].sort((a, b) => a.portNo - b.portNo);
  }

  get size(): number {
    return this.ports.size;
  }

  /** The lowest free port number (1, 2, ...), as Open vSwitch assigns them. */
  freeNumber(): number {
    let n = 1;
    while (this.ports.has(n)) n++;
    return n;
  }

  add(portNo: number, netdev: Netdev, announce = true): Port {
    const no = portNo >>> 0;
    if (!(no >= 1 && no <= OFPP.MAX) && no !== OFPP.LOCAL) throw new RangeError(`port number 0x${no.toString(16)} is reserved`);
    if (this.ports.has(no)) throw new RangeError(`port ${no} exists`);
    if (this.byName(netdev.name) !== undefined) throw new RangeError(`a port named ${netdev.name} exists`);
    const port = new Port(no, netdev, this.now());
    this.ports.set(no, port);
    this.unsubscribe.set(no, netdev.onChange(() => this.refresh(port)));
    if (announce) this.onStatus(OFPPR.ADD, port.desc());
    return port;
  }

  remove(portNo: number): Port | undefined {
    const port = this.ports.get(portNo >>> 0);
    if (port === undefined) return undefined;
    this.ports.delete(port.portNo);
    this.unsubscribe.get(port.portNo)?.();
    this.unsubscribe.delete(port.portNo);
    this.onStatus(OFPPR.DELETE, port.desc());
    return port;
  }

  /** Reports the port's description if it changed since last reported. */
  refresh(port: Port): void {
    if (this.holding || this.ports.get(port.portNo) !== port) return;
    const d = port.desc();
    if (sameDesc(d, port.lastDesc)) return;
    port.lastDesc = d;
    this.onStatus(OFPPR.MODIFY, d);
  }

  /** Checks a PORT_MOD; returns the change to apply, which cannot fail. */
  planPortMod(pm: PortMod): () => void {
    const no = pm.port_no >>> 0;
    const port = this.ports.get(no);
    if (port === undefined || (no > OFPP.MAX && no !== OFPP.LOCAL)) {
      throw new OfpError(OFPET.PORT_MOD_FAILED, OFPPMFC.BAD_PORT, `port 0x${no.toString(16)} does not exist`);
    }
    if (pm.hw_addr.toLowerCase() !== port.netdev.hwAddr().toLowerCase()) {
      throw new OfpError(OFPET.PORT_MOD_FAILED, OFPPMFC.BAD_HW_ADDR, `${pm.hw_addr} is not port ${no}'s address`);
    }
    if (((pm.config | pm.mask) & ~CONFIG_BITS) !== 0) {
      throw new OfpError(OFPET.PORT_MOD_FAILED, OFPPMFC.BAD_CONFIG, `config 0x${pm.config.toString(16)} mask 0x${pm.mask.toString(16)}`);
    }
    if (pm.advertise !== 0 && (pm.advertise & ~port.netdev.features().supported) !== 0) {
      throw new OfpError(OFPET.PORT_MOD_FAILED, OFPPMFC.BAD_ADVERTISE, `advertise 0x${pm.advertise.toString(16)}`);
    }
    const config = (port.config & ~pm.mask) | (pm.config & pm.mask);
    return () => {
      const downChanged = ((config ^ port.config) & OFPPC.PORT_DOWN) !== 0;
      port.config = config;
      this.holding = true;
      try {
        if (pm.advertise !== 0) port.netdev.setAdvertised(pm.advertise);
        if (downChanged) port.netdev.setAdminUp((config & OFPPC.PORT_DOWN) === 0);
      } finally {
        this.holding = false;
      }
      this.refresh(port);
    };
  }

  /** Port stats for one port or all (OFPP_ANY); an unknown port gives none, as in Open vSwitch. */
  stats(portNo: number): PortStats[] {
    const no = portNo >>> 0;
    const list = no === OFPP.ANY ? this.sorted() : this.ports.has(no) ? [this.ports.get(no)!] : [];
    const now = this.now();
    return list.map((p) => {
      const [duration_sec, duration_nsec] = durationOf(p.created, now);
      return { port_no: p.portNo, ...p.netdev.stats(), duration_sec, duration_nsec };
    });
  }
}

function sameDesc(a: OfpPort, b: OfpPort): boolean {
  return (
    a.hw_addr === b.hw_addr &&
    a.name === b.name &&
    a.config === b.config &&
    a.state === b.state &&
    a.curr === b.curr &&
    a.advertised === b.advertised &&
    a.supported === b.supported &&
    a.peer === b.peer &&
    a.curr_speed === b.curr_speed &&
    a.max_speed === b.max_speed
  );
}
