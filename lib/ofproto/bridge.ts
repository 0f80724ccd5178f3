/**
 * The Bridge: one OpenFlow switch's whole state, and the `OpenFlowSwitch`
 * the connection manager talks to.
 *
 * What it owns: the flow tables and their version (pipeline.ts), the
 * group and meter tables, the ports, the packet buffers, the clock, and
 * the listeners for asynchronous events and changes. Nothing lives at
 * module level; two Bridges in one process share nothing.
 *
 * How a request is handled (`handle`): the module that knows the message
 * plans it — every check that can fail runs against the committed state
 * and throws the spec's OfpError having changed nothing — then the Bridge
 * applies the plan in one transaction and commits it, which bumps the
 * version once. Then, in this order: change listeners hear the new version
 * (the datapath revalidates its caches there, possibly asynchronously, and
 * `handle` waits for it, so a barrier reply sent after it is true), then
 * FLOW_REMOVED and PORT_STATUS events go out, then a buffered packet named
 * by the request runs through the pipeline. A bundle (bundles.ts) is one
 * such request made of many flow_mods.
 *
 * What the datapath gets (the later layers code against these):
 * - `version`, `lookup(table, key, wc)`: the pipeline at the committed version;
 * - `onChange(listener)`: called with the new version after every accepted
 *   change (flow, group, meter and port mods each make one), and with the
 *   same version when something else forwarding depends on changes (a
 *   port's link, whether a controller is connected);
 * - `creditRule`, `creditTable`, `creditGroup`, `meter(id).apply(...)`:
 *   counts flow back, and idle timeouts follow the credited last-used time;
 * - `attachDatapath(executor)`: where packet-outs and buffered packets go;
 * - `emitPacketIn(event)`: how the pipeline reaches the controllers.
 */
import { Classifier } from '../classifier/classifier.js';
import { DummyNetdev } from '../netdev/dummy.js';
import type { Netdev } from '../netdev/netdev.js';
import { OFP_NO_BUFFER, OFPAT, OFPC, OFPC_FRAG, OFPFF, OFPP, OFPPC, OFPPR, OFPRR, OFPT, OFPTC, OFPTT } from '../openflow/constants.js';
import { OFPBRC, OFPET, OFPTMFC, OfpError } from '../openflow/errors.js';
import type { Action, DescStats, FlowRemoved, OfpMessage, PacketOut, PortStatus } from '../openflow/types.js';
import { PacketBuffers, type BufferedPacket } from './buffers.js';
import { Bundles } from './bundles.js';
import type { CheckEnv } from './check-actions.js';
import { durationOf, monotonicClock, type Clock } from './clock.js';
import { planFlowMod, type FlowModEnv } from './flow-mod.js';
import { GroupTable, type Group, type GroupEnv } from './groups.js';
import { newMatchScratch } from './match.js';
import { MaskInterner } from './masks.js';
import { MeterTable, type Meter } from './meters.js';
import { checkPacketOut, usesBuffer } from './packet-out.js';
import { Pipeline, type Removal, type Txn } from './pipeline.js';
import { PortTable, type Port } from './ports.js';
import type { Rule } from './rule.js';
import { handleMultipart } from './stats.js';
import { queueConfigs } from './queues.js';
import type { AsyncEvent, OpenFlowSwitch, PacketInEvent, RequestOrigin, SwitchFeatures } from './switch-api.js';
import { defaultCaps } from './table-caps.js';
import { FlowTable, type ClassifierFactory } from './table.js';

export type FailMode = 'secure' | 'standalone';

export interface BridgeOptions {
  datapathId: bigint;
  /** The bridge's name, also the LOCAL port's (default "br0"). */
  name?: string;
  /** Packet buffers, 0..256 (default 256, as Open vSwitch's pktbuf). */
  nBuffers?: number;
  /** Tables 0..nTables-1 (default 255, the most OpenFlow can number). */
  nTables?: number;
  /** Flow entries per table before OFPFMFC_TABLE_FULL (default 2^32 - 1, i.e. none). */
  maxEntries?: number;
  failMode?: FailMode;
  /** Groups per type (default OFPG_MAX, as Open vSwitch) and buckets per group (default 65535). */
  maxGroups?: number;
  maxBuckets?: number;
  maxMeters?: number;
  maxBands?: number;
  desc?: Partial<DescStats>;
  clock?: Clock;
  /** The classifier each table uses (default lib/classifier's). */
  classifier?: ClassifierFactory;
  /** The device behind OFPP_LOCAL (default an in-memory one named after the bridge). */
  localNetdev?: Netdev;
}

/** Where packets the controller sends (PACKET_OUT, buffered packets) are executed: the datapath. */
export interface PacketExecutor {
  /** Runs `frame`, arriving on `inPort`, through `actions` (output:TABLE runs the pipeline). */
  packetOut(frame: Buffer, inPort: number, actions: readonly Action[]): void | Promise<void>;
}

export const SW_VERSION = '0.1.0';
const DEFAULT_MAX_ENTRIES = 0xffffffff;
const OUTPUT_TABLE: readonly Action[] = Object.freeze([{ type: OFPAT.OUTPUT, port: OFPP.TABLE, max_len: 0 }]);

export class Bridge implements OpenFlowSwitch {
  readonly name: string;
  readonly datapathId: bigint;
  readonly failMode: FailMode;
  readonly clock: Clock;
  readonly pipeline: Pipeline;
  readonly groups: GroupTable;
  readonly meters: MeterTable;
  readonly ports: PortTable;
  readonly buffers: PacketBuffers;
  readonly desc: DescStats;
  readonly nTablesMax: number;
  readonly maxEntries: number;
  readonly newClassifier: ClassifierFactory;
  /** Whether any controller is connected (fail mode standalone acts on it). */
  controllerConnected = false;
  /** SET_CONFIG's fragment handling (OFPC_FRAG_NORMAL or OFPC_FRAG_DROP), which translation acts on. */
  fragHandling: number = OFPC_FRAG.NORMAL;
  private readonly asyncListeners = new Set<(e: AsyncEvent) => void>();
  private readonly changeListeners = new Set<(version: number) => void | Promise<void>>();
  private readonly masks = new MaskInterner();
  private readonly bundles = new Bundles();
  private executor: PacketExecutor | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  /** Events held while a request is being handled, sent once it has been applied everywhere. */
  private pendingEvents: AsyncEvent[] | null = null;
  readonly flowEnv: FlowModEnv;
  readonly groupEnv: GroupEnv;

  constructor(options: BridgeOptions) {
    this.name = options.name ?? 'br0';
    this.datapathId = options.datapathId;
    this.failMode = options.failMode ?? 'secure';
    this.clock = options.clock ?? monotonicClock;
    this.nTablesMax = options.nTables ?? 255;
    if (!Number.isInteger(this.nTablesMax) || this.nTablesMax < 1 || this.nTablesMax > 255) {
      throw new RangeError(`nTables must be 1..255, not ${this.nTablesMax}`);
    }
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.newClassifier = options.classifier ?? (() => new Classifier<Rule>());
    const now = (): number => this.clock.now();
    const tables: FlowTable[] = [];
    for (let t = 0; t < this.nTablesMax; t++) {
      tables.push(new FlowTable(t, defaultCaps(t, this.nTablesMax - 1, this.maxEntries), this.newClassifier()));
    }
    this.pipeline = new Pipeline(tables);
    const maxGroups = options.maxGroups ?? 0xffffff00;
    this.groups = new GroupTable({ maxGroups: [maxGroups, maxGroups, maxGroups, maxGroups], maxBuckets: options.maxBuckets ?? 0xffff });
    this.meters = new MeterTable({ maxMeters: options.maxMeters ?? 0x10000, maxBands: options.maxBands ?? 8 });
    this.ports = new PortTable(now, (reason, desc) => this.portChanged(reason, desc));
    this.buffers = new PacketBuffers(options.nBuffers ?? 256, now);
    this.desc = {
      mfr_desc: 'ofswitch',
      hw_desc: 'ofswitch software switch',
      sw_desc: `ofswitch ${SW_VERSION}`,
      serial_num: 'None',
      dp_desc: this.name,
      ...options.desc,
    };
    const env: CheckEnv = {
      tableExists: (id) => this.pipeline.table(id) !== undefined,
      groupExists: (id) => this.groups.has(id),
      meterExists: (id) => this.meters.has(id),
    };
    this.flowEnv = {
      ...env,
      now,
      scratch: newMatchScratch(),
      keyOf: (v) => this.pipeline.keys.alloc(v),
      releaseKey: (slot) => this.pipeline.keys.release(slot),
      internMask: (m) => this.masks.intern(m),
    };
    this.groupEnv = { ...env, now, portLive: (p) => this.portLive(p) };
    this.ports.add(OFPP.LOCAL, options.localNetdev ?? new DummyNetdev(this.name), false);
  }

  /* ------------------------------------------------ OpenFlowSwitch */

  features(): SwitchFeatures {
    return {
      datapath_id: this.datapathId,
      n_buffers: this.buffers.size,
      n_tables: this.nTablesMax,
      capabilities: OFPC.FLOW_STATS | OFPC.TABLE_STATS | OFPC.PORT_STATS | OFPC.GROUP_STATS | OFPC.QUEUE_STATS,
    };
  }

  handle(msg: OfpMessage, origin: RequestOrigin): OfpMessage[] | Promise<OfpMessage[]> {
    switch (msg.type) {
      case OFPT.FLOW_MOD: {
        const plan = planFlowMod(this.pipeline, msg, this.flowEnv);
        const buffered = plan.usesBuffer && msg.buffer_id >>> 0 !== OFP_NO_BUFFER;
        if (buffered) this.buffers.check(msg.buffer_id);
        return this.applyChange((txn) => plan.apply(txn), buffered ? this.buffers.take(msg.buffer_id) : null);
      }
      case OFPT.GROUP_MOD: {
        const plan = this.groups.plan(msg, this.pipeline, this.groupEnv);
        return this.applyChange((txn) => plan.apply(txn), null);
      }
      case OFPT.METER_MOD: {
        const plan = this.meters.plan(msg, this.pipeline, this.clock.now());
        return this.applyChange((txn) => plan.apply(txn), null);
      }
      case OFPT.PORT_MOD: {
        const apply = this.ports.planPortMod(msg);
        const wasDown = ((this.ports.get(msg.port_no >>> 0)?.config ?? 0) & OFPPC.PORT_DOWN) !== 0;
        return this.applyChange((txn) => {
          const first = this.pendingEvents?.length ?? 0;
          apply();
          // Before OpenFlow 1.5 a PORT_MOD's sender is not told of its own
          // change: the PORT_STATUS names its origin, which the connection
          // manager leaves out, as Open vSwitch does. Taking a port down or
          // up also changes its device's state, which every controller hears
          // (fixtures/sessions/19-async-config.json, 21-port-mods.json).
          const isDown = ((this.ports.get(msg.port_no >>> 0)?.config ?? 0) & OFPPC.PORT_DOWN) !== 0;
          if (isDown === wasDown) for (const e of this.pendingEvents?.slice(first) ?? []) if (e.kind === 'port-status') e.origin = origin;
          txn.touch();
        }, null);
      }
      case OFPT.TABLE_MOD:
        this.tableMod(msg.table_id, msg.config);
        return [];
      case OFPT.PACKET_OUT:
        return this.packetOut(msg);
      case OFPT.MULTIPART_REQUEST:
        return handleMultipart(this, msg);
      case OFPT.QUEUE_GET_CONFIG_REQUEST:
        // The ports' queues (queues.ts), or OFPQOFC_BAD_PORT.
        return [{ type: OFPT.QUEUE_GET_CONFIG_REPLY, xid: msg.xid, port: msg.port, queues: queueConfigs(this, msg.port) }];
      case OFPT.EXPERIMENTER:
        if (Bundles.claims(msg)) return this.bundles.handle(this, msg, origin.connId);
        throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_EXPERIMENTER, `experimenter 0x${msg.experimenter.toString(16)}`);
      default:
        throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE, `${OFPT[msg.type]} is not a switch-state request`);
    }
  }

  bufferPacket(frame: Buffer, inPort: number): number {
    return this.buffers.store(frame, inPort);
  }

  onAsync(listener: (e: AsyncEvent) => void): () => void {
    this.asyncListeners.add(listener);
    return () => this.asyncListeners.delete(listener);
  }

  /** Forgets what belonged to a connection that closed (its open bundles). */
  connectionClosed(connId: number): void {
    this.bundles.connectionClosed(connId, this.flowEnv);
  }

  setControllerConnected(connected: boolean): void {
    if (connected === this.controllerConnected) return;
    this.controllerConnected = connected;
    // Fail mode standalone changes forwarding when this flips: the datapath must look again.
    void this.notifyChange();
  }

  /**
   * SET_CONFIG's fragment handling (OpenFlow 1.3.5 §7.3.2). NORMAL and DROP
   * are supported; REASM is not (true only when the mode is now in force),
   * as in Open vSwitch, whose datapath does not reassemble either. A change
   * alters how fragments translate, so the datapath looks again.
   */
  setFragHandling(frag: number): boolean {
    if (frag !== OFPC_FRAG.NORMAL && frag !== OFPC_FRAG.DROP) return false;
    if (frag !== this.fragHandling) {
      this.fragHandling = frag;
      void this.notifyChange();
    }
    return true;
  }

  /* ----------------------------------------------- for the datapath */

  get version(): number {
    return this.pipeline.version;
  }

  /** Subscribes to commits; a listener may return a promise that `handle` waits for. */
  onChange(listener: (version: number) => void | Promise<void>): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  attachDatapath(executor: PacketExecutor | null): void {
    this.executor = executor;
  }

  table(id: number): FlowTable | undefined {
    return this.pipeline.table(id);
  }

  /** The rule of table `tableId` that `key` hits at the committed version, or null (table-miss: drop). */
  lookup(tableId: number, key: Uint32Array, wc: Uint32Array | null): Rule | null {
    const t = this.pipeline.table(tableId);
    return t === undefined ? null : t.cls.lookup(key, this.pipeline.version, wc);
  }

  /** Counts packets against a rule; `usedAt` (clock time) drives its idle timeout. */
  creditRule(rule: Rule, packets: number, bytes: number, usedAt: number): void {
    const r = rule.current();
    if (r === null) return;
    r.packets += packets;
    r.bytes += bytes;
    if (usedAt > r.lastUsed) r.lastUsed = usedAt;
  }

  creditTable(tableId: number, lookups: number, matched: number): void {
    const t = this.pipeline.table(tableId);
    if (t === undefined) return;
    t.lookups += lookups;
    t.matched += matched;
  }

  creditGroup(groupId: number, bucket: number, packets: number, bytes: number): void {
    const g = this.groups.get(groupId);
    if (g !== undefined) this.groups.credit(g, bucket, packets, bytes);
  }

  group(id: number): Group | undefined {
    return this.groups.get(id);
  }

  meter(id: number): Meter | undefined {
    return this.meters.get(id);
  }

  portLive(portNo: number): boolean {
    return this.ports.get(portNo)?.live() ?? false;
  }

  /** Raises a packet-in for the connections to deliver. */
  emitPacketIn(event: PacketInEvent): void {
    // Through the virtual meter OFPM_CONTROLLER first (meters.ts), once for all connections.
    if (!this.meters.meterPacketIn(this.clock.now(), event.frame)) return;
    this.emit({ kind: 'packet-in', event });
  }

  /* ------------------------------------------------------- ports */

  /** Adds a port (number: the lowest free one unless given); sends PORT_STATUS ADD. */
  addPort(netdev: Netdev, portNo?: number): Port {
    return this.ports.add(portNo ?? this.ports.freeNumber(), netdev);
  }

  /** Removes a port; sends PORT_STATUS DELETE. Flow entries that name it stay, as in Open vSwitch. */
  removePort(portNo: number): boolean {
    return this.ports.remove(portNo) !== undefined;
  }

  /**
   * A port came, went or changed (PORT_MOD, or its device): the controllers
   * hear of it, and so does the datapath, since forwarding (flooding,
   * fast-failover liveness) may change with it. Inside a request the
   * request's own commit tells the datapath.
   */
  private portChanged(reason: OFPPR, desc: PortStatus['desc']): void {
    const inRequest = this.pendingEvents !== null;
    this.emit({ kind: 'port-status', msg: portStatus(reason, desc) });
    if (!inRequest) void this.notifyChange();
  }

  /* ---------------------------------------------------- timeouts */

  /** Removes the flow entries whose idle or hard timeout has passed; returns how many. */
  expire(): number | Promise<number> {
    const now = this.clock.now();
    const due: [Rule, OFPRR][] = [];
    for (const r of this.pipeline.timed) {
      if (r.hardTimeout !== 0 && now >= r.created + r.hardTimeout * 1000) due.push([r, OFPRR.HARD_TIMEOUT]);
      else if (r.idleTimeout !== 0 && now >= r.lastUsed + r.idleTimeout * 1000) due.push([r, OFPRR.IDLE_TIMEOUT]);
    }
    if (due.length === 0) return 0;
    const done = this.applyChange((txn) => {
      for (const [r, why] of due) txn.remove(r, why);
    }, null);
    return done instanceof Promise ? done.then(() => due.length) : due.length;
  }

  /** Sweeps timeouts every `intervalMs` (Open vSwitch checks about once a second). */
  start(intervalMs = 1000): void {
    if (this.expiryTimer !== null) return;
    this.expiryTimer = setInterval(() => void this.expire(), intervalMs);
    this.expiryTimer.unref();
  }

  stop(): void {
    if (this.expiryTimer !== null) clearInterval(this.expiryTimer);
    this.expiryTimer = null;
  }

  /* --------------------------------------------------- internals */

  /**
   * Applies a planned change in one transaction, commits it, lets the
   * datapath catch up, then sends the events it caused and runs `packet`
   * (a buffered packet the request named) through the pipeline. If
   * `apply` throws, the transaction is undone and the error goes on.
   */
  applyChange(apply: (txn: Txn) => void, packet: BufferedPacket | null = null): OfpMessage[] | Promise<OfpMessage[]> {
    const events: AsyncEvent[] = [];
    this.pendingEvents = events;
    let removals: readonly Removal[];
    const before = this.pipeline.version;
    const txn = this.pipeline.begin();
    try {
      apply(txn);
    } catch (e) {
      // A single request's plan cannot fail; a bundle's later message can: none of it happened.
      this.pipeline.abort(txn);
      this.pendingEvents = null;
      throw e;
    }
    try {
      removals = this.pipeline.commit(txn);
    } finally {
      this.pendingEvents = null;
    }
    for (const { rule, reason } of removals) {
      if (reason !== null && (rule.flags & OFPFF.SEND_FLOW_REM) !== 0) {
        events.push({ kind: 'flow-removed', msg: this.flowRemoved(rule, reason) });
      }
    }
    const finish = (): OfpMessage[] => {
      for (const e of events) this.deliver(e);
      if (packet !== null) void this.executor?.packetOut(packet.frame, packet.inPort, OUTPUT_TABLE);
      return [];
    };
    // A request that changed nothing (a delete that matched nothing) has nothing to tell the datapath.
    const pending = this.pipeline.version === before ? null : this.notifyChange();
    return pending === null ? finish() : pending.then(finish);
  }

  /** Tells change listeners the version; returns a promise if any of them is still working. */
  private notifyChange(): Promise<void> | null {
    const waits: Promise<void>[] = [];
    for (const l of this.changeListeners) {
      const r = l(this.pipeline.version);
      if (r instanceof Promise) waits.push(r);
    }
    return waits.length === 0 ? null : Promise.all(waits).then(() => undefined);
  }

  private emit(e: AsyncEvent): void {
    if (this.pendingEvents !== null) this.pendingEvents.push(e);
    else this.deliver(e);
  }

  private deliver(e: AsyncEvent): void {
    for (const l of this.asyncListeners) l(e);
  }

  private flowRemoved(rule: Rule, reason: OFPRR): Omit<FlowRemoved, 'xid'> {
    const [duration_sec, duration_nsec] = durationOf(rule.created, this.clock.now());
    return {
      type: OFPT.FLOW_REMOVED,
      cookie: rule.cookie,
      priority: rule.priority,
      reason,
      table_id: rule.tableId,
      duration_sec,
      duration_nsec,
      idle_timeout: rule.idleTimeout,
      hard_timeout: rule.hardTimeout,
      packet_count: BigInt(rule.packets),
      byte_count: BigInt(rule.bytes),
      match: rule.match,
    };
  }

  private tableMod(tableId: number, config: number): void {
    if (tableId !== OFPTT.ALL && this.pipeline.table(tableId) === undefined) {
      throw new OfpError(OFPET.TABLE_MOD_FAILED, OFPTMFC.BAD_TABLE, `table ${tableId}`);
    }
    // OF1.3 deprecates every table config bit; Open vSwitch accepts them and does nothing.
    if ((config & ~OFPTC.DEPRECATED_MASK) !== 0) {
      throw new OfpError(OFPET.TABLE_MOD_FAILED, OFPTMFC.BAD_CONFIG, `config 0x${config.toString(16)}`);
    }
    for (const t of this.pipeline.allTables()) if (tableId === OFPTT.ALL || t.id === tableId) t.config = config;
  }

  private packetOut(po: PacketOut): OfpMessage[] | Promise<OfpMessage[]> {
    const buffered = usesBuffer(po);
    // Peek, not take: a buffer is spent only by a request that is accepted.
    const frame = buffered ? this.buffers.peek(po.buffer_id).frame : po.data;
    checkPacketOut(po, (p) => this.ports.get(p) !== undefined, this.flowEnv, frame);
    const packet = buffered ? this.buffers.take(po.buffer_id).frame : po.data;
    const done = this.executor?.packetOut(packet, po.in_port >>> 0, po.actions);
    return done instanceof Promise ? done.then(() => []) : [];
  }
}

function portStatus(reason: OFPPR, desc: PortStatus['desc']): Omit<PortStatus, 'xid'> {
  return { type: OFPT.PORT_STATUS, reason, desc };
}
