/**
 * The datapath: a Bridge's fast path. It owns the ports' frames, the
 * exact-match cache, the megaflow classifier and the upcall queue, and
 * runs every received packet through them.
 *
 * What
 * ----
 * Per received batch (`receiveBatch`), per packet:
 *   1. extract the flow key into one reused array (lib/packet/extract.ts);
 *   2. exact-match cache (emc.ts); on a miss,
 *   3. megaflow classifier (dpcls.ts), and on a hit maybe insert into the
 *      exact-match cache; on a miss,
 *   4. queue an upcall (upcall.ts);
 *   5. on a hit, count the packet on its megaflow and run its program
 *      (execute.ts), whose outputs go to per-port transmit queues (port.ts).
 * Then the transmit queues are flushed, one send per port, and queued
 * upcalls are handled, up to a budget per batch (the rest on the next
 * turn of the event loop): translate (lib/xlate), install the megaflow
 * (mask = the wildcards, key & mask), execute.
 *
 * Invariants
 * ----------
 *  - The caches are invisible: a packet gets the actions a fresh
 *    translation of its key would give (spec/datapath/caches.spec.ts).
 *    Megaflows are installed from sufficient wildcards, and a change to
 *    the switch revalidates every megaflow it may affect before the
 *    change's request completes (revalidator.ts), so a barrier reply is
 *    never followed by a packet forwarded by the old tables.
 *  - Packets of one flow leave in the order they came: a packet whose key
 *    still has packets waiting in the upcall queue queues behind them.
 *  - Bounded memory: the flow limit (200,000 megaflows by default; an
 *    upcall beyond it is executed but not installed), the upcall queue's
 *    capacity (drops counted as lost), the exact-match cache's fixed size,
 *    idle expiry of megaflows (10 s by default).
 *  - The hit path allocates nothing, awaits nothing and makes no system
 *    call per packet (bench/datapath.ts measures it). Not even the clock:
 *    under load it is read at most once a millisecond (see clockNow).
 *
 * Costs per packet, and what keeps them down: extraction into one reused
 * key; one hash of the key (a sum of independent products, emc.ts); the
 * exact-match cache comparing only the words extraction can set (emc.ts),
 * skipped altogether when its insertion is off; subtables tried in rank
 * order, small ones rejecting a packet from one word (dpcls.ts filters);
 * counters in a Float64Array slab; a one-output program sent without the
 * executor, to a port found by array index. Per flow setup: translation
 * hands its lists over without copies, equal xlate caches are shared
 * (xc-interner.ts) and the dependency index files megaflows by signature
 * (flow-index.ts), so a setup allocates little and keeps less.
 *
 * Concurrency: none. One thread runs the datapath, the revalidator and
 * ofproto; a change listener runs to completion before the next batch.
 */
import type { Bridge, PacketExecutor } from '../ofproto/bridge.js';
import type { Meter } from '../ofproto/meters.js';
import { OFPP } from '../openflow/constants.js';
import type { Action } from '../openflow/types.js';
import { Extractor } from '../packet/extract.js';
import { KEY_WORDS, KW, newKey } from '../packet/flow-key.js';
import type { PacketInSpec, XlateResult } from '../xlate/context.js';
import { MacLearning, type MacLearningOptions } from '../xlate/mac-learning.js';
import { Translator } from '../xlate/xlate.js';
import { Coverage } from './coverage.js';
import { Dpcls } from './dpcls.js';
import { ExactMatchCache, hashKey } from './emc.js';
import { Executor, type ExecSink } from './execute.js';
import { FlowIndex } from './flow-index.js';
import { CounterSlab, CTR, Megaflow, ProgramInterner, type Program } from './megaflow.js';
import { DpPort, TX_QUEUE_FRAMES } from './port.js';
import { queueLanes } from './queue-lanes.js';
import { Revalidator } from './revalidator.js';
import { XlateCacheInterner } from './xc-interner.js';
import { copyBytes, UpcallQueue } from './upcall.js';

export interface DatapathOptions {
  /** Most megaflows at once (Open vSwitch's flow-limit); default 200,000. */
  flowLimit?: number;
  /** Idle time after which a megaflow is removed (max-idle), ms; default 10,000. */
  maxIdleMs?: number;
  /** Exact-match cache entries (a power of two; default 8192) and 1/probability of insertion (default 100). */
  emcEntries?: number;
  emcInsertInvProb?: number;
  /** Upcall queue capacity (default 1024) and upcalls handled per batch (default 256). */
  upcallQueue?: number;
  upcallBudget?: number;
  /** How often statistics are pushed, idle megaflows removed and subtables reranked, ms (default 500). */
  revalidateIntervalMs?: number;
  /** NORMAL's MAC table. */
  macLearning?: MacLearningOptions;
  /** Transmit arena size in bytes (copies of frames output before their last rewrite); default 1 MiB. */
  txArenaBytes?: number;
}

/** A batch this full counts as "under load" for clock reading (see receiveBatch). */
const FULL_BATCH = 32;
/** How often, under load, the hit path's clock is refreshed, ms. */
const CLOCK_TICK_MS = 1;
/** Ports numbered below this are found in an array on output; others (LOCAL, ...) in the map. */
const PORT_ARRAY = 1024;

/** Bytes in front of a frame staged from a frame device, for pushes. */
const STAGE_HEADROOM = 128;
const STAGE_SLOT = 16384;

export class Datapath implements ExecSink, PacketExecutor {
  readonly macs: MacLearning;
  readonly translator: Translator;
  readonly emc: ExactMatchCache;
  readonly dpcls = new Dpcls();
  readonly programs = new ProgramInterner();
  /** Megaflows' per-packet counters (megaflow.ts). The slab never shrinks; it grows between batches only. */
  readonly counters = new CounterSlab();
  readonly upcalls: UpcallQueue;
  readonly coverage = new Coverage();
  readonly revalidator: Revalidator;
  /** Every installed megaflow (order irrelevant). */
  readonly flows: Megaflow[] = [];
  /** What each megaflow depends on (tables, groups, meters, NORMAL), for targeted revalidation. */
  readonly index = new FlowIndex();
  /** Equal xlate caches shared between megaflows (xc-interner.ts). */
  readonly xcs = new XlateCacheInterner();
  flowLimit: number;
  maxIdleMs: number;
  readonly upcallBudget: number;
  readonly revalidateIntervalMs: number;

  /* Per-packet counters (coverage/show, dpctl/show). */
  nEmcHits = 0;
  nMegaflowHits = 0;
  nMissed = 0;
  nUpcalls = 0;
  nPacketIns = 0;
  nDropsNoPort = 0;

  private readonly ports = new Map<number, DpPort>();
  /** The same ports by number, for numbers below PORT_ARRAY: an output finds its port with one array load. */
  private readonly portArr: (DpPort | undefined)[] = new Array<DpPort | undefined>(PORT_ARRAY).fill(undefined);
  /** Ports with frames queued: the first nDirty entries (never truncated: shrinking the array would free its store, and the next batch allocate another). */
  private readonly dirty: DpPort[] = [];
  private nDirty = 0;
  private readonly key = newKey();
  private readonly scratch = newKey();
  private readonly lay = new Extractor();
  private readonly exec = new Executor();
  private readonly txArena: Uint8Array;
  private txUsed = 0;
  private readonly stage = new Uint8Array(STAGE_SLOT);
  private readonly stageDesc = new Int32Array(2);
  private now = 0;
  /**
   * The hit path's time, ms: one Float64Array slot, so storing it into a
   * megaflow's counters never boxes a number. Reading the clock does
   * (performance.now() returns a heap number), so under load (full
   * batches) it is read at most once per CLOCK_TICK_MS: a timer, running
   * only while full batches keep coming, marks it stale.
   */
  private readonly clockNow = new Float64Array(1);
  private clockFresh = false;
  private clockTicker: NodeJS.Timeout | null = null;

  private nextId = 1;
  private drainScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private attached = false;

  constructor(
    readonly bridge: Bridge,
    opts: DatapathOptions = {},
  ) {
    this.flowLimit = opts.flowLimit ?? 200_000;
    this.maxIdleMs = opts.maxIdleMs ?? 10_000;
    this.emc = new ExactMatchCache(opts.emcEntries ?? 8192, opts.emcInsertInvProb ?? 100);
    this.upcalls = new UpcallQueue(opts.upcallQueue ?? 1024);
    this.upcallBudget = opts.upcallBudget ?? 256;
    this.revalidateIntervalMs = opts.revalidateIntervalMs ?? 500;
    this.txArena = new Uint8Array(opts.txArenaBytes ?? 1 << 20);
    this.macs = new MacLearning(opts.macLearning);
    this.translator = new Translator(bridge, this.macs);
    this.revalidator = new Revalidator(this);
    const c = this.coverage;
    c.source('datapath_emc_hit', () => this.nEmcHits);
    c.source('datapath_megaflow_hit', () => this.nMegaflowHits);
    c.source('datapath_miss', () => this.nMissed);
    c.source('datapath_lost', () => this.upcalls.lost);
    c.source('upcall_handled', () => this.nUpcalls);
    c.source('packet_in', () => this.nPacketIns);
    c.source('drop_no_port', () => this.nDropsNoPort);
  }

  /* ------------------------------------------------------- lifecycle */

  /**
   * Takes over the bridge's forwarding: receives on its ports (now and as
   * they come and go), executes its packet-outs, revalidates on its
   * changes, and runs the periodic work (statistics, idle expiry).
   */
  attach(): this {
    if (this.attached) return this;
    this.attached = true;
    for (const p of this.bridge.ports.sorted()) this.addPort(p.portNo);
    this.unsubscribe.push(this.bridge.onChange((v) => this.revalidator.onChange(v)));
    this.unsubscribe.push(
      this.bridge.onAsync((e) => {
        if (e.kind !== 'port-status') return;
        const no = e.msg.desc.port_no >>> 0;
        if (this.bridge.ports.get(no) !== undefined) this.addPort(no);
        else this.removePort(no);
      }),
    );
    this.bridge.attachDatapath(this);
    this.revalidator.snapshot();
    this.timer = setInterval(() => this.periodic(), this.revalidateIntervalMs);
    this.timer.unref();
    return this;
  }

  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
    this.bridge.attachDatapath(null);
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.clockTicker !== null) clearInterval(this.clockTicker);
    this.clockTicker = null;
    this.clockFresh = false;
    for (const p of this.ports.values()) p.detach();
    this.ports.clear();
    this.portArr.fill(undefined);
    this.revalidator.pushAll();
  }

  private addPort(portNo: number): void {
    const key = portNo | 0;
    const port = this.bridge.ports.get(portNo);
    const have = this.ports.get(key);
    if (port === undefined || (have !== undefined && have.netdev === port.netdev)) return;
    have?.detach();
    const dp = new DpPort(portNo >>> 0, port.netdev);
    // A port with queues sends through one list per queue (queue-lanes.ts).
    dp.lanes = queueLanes(portNo >>> 0, port.netdev);
    dp.attach(
      (p, bytes, desc, count, tunnel) => this.receiveBatch(p.portNo, bytes, desc, count, tunnel),
      (p, frame) => this.receiveFrame(p.portNo, frame),
    );
    this.ports.set(key, dp);
    if (portNo >>> 0 < PORT_ARRAY) this.portArr[portNo >>> 0] = dp;
  }

  private removePort(portNo: number): void {
    const p = this.ports.get(portNo | 0);
    if (p === undefined) return;
    p.detach();
    this.ports.delete(portNo | 0);
    if (portNo >>> 0 < PORT_ARRAY) this.portArr[portNo >>> 0] = undefined;
  }

  /** The datapath's port `portNo`, if attached. */
  port(portNo: number): DpPort | undefined {
    return this.ports.get(portNo | 0);
  }

  portList(): DpPort[] {
    return [...this.ports.values()].sort((a, b) => (a.portNo >>> 0) - (b.portNo >>> 0));
  }

  /* ------------------------------------------------------- hot path */

  /**
   * Processes `count` frames received on `inPort`: frame i at desc[2i]
   * with length desc[2i+1] in `bytes`, with headroom before each. The
   * frames may be rewritten in place; they are not kept after the call.
   * `tunnel` (tunnel ports): frame i's tunnel id is (tunnel[2i], tunnel[2i+1]).
   */
  receiveBatch(inPort: number, bytes: Uint8Array, desc: Int32Array, count: number, tunnel: Uint32Array | null = null): void {
    // Small batches (light load, and tests on a manual clock) read the clock each time; full
    // ones reuse the last reading until the ticker says a millisecond has passed (see clockNow).
    if (count < FULL_BATCH) this.readClock();
    else if (!this.clockFresh) this.readClockUnderLoad();
    const now = this.clockNow[0]!;
    const key = this.key;
    const lay = this.lay;
    const emc = this.emc;
    const useEmc = emc.enabled;
    const dpcls = this.dpcls;
    const upq = this.upcalls;
    const ctr = this.counters.f64;
    for (let i = 0; i < count; i++) {
      const off = desc[2 * i]!;
      const len = desc[2 * i + 1]!;
      lay.extract(bytes, off, len, inPort, key);
      if (tunnel !== null) {
        key[KW.TUNNEL_HI] = tunnel[2 * i]!;
        key[KW.TUNNEL_LO] = tunnel[2 * i + 1]!;
      }
      const h = hashKey(key);
      if (upq.count !== 0 && upq.pending(h)) {
        upq.push(inPort, bytes, off, len, key, h);
        continue;
      }
      // With insertion off the cache stays empty: skip it, as Open vSwitch does.
      let mf = useEmc ? emc.lookup(key, h) : null;
      if (mf === null) {
        mf = dpcls.lookup(key);
        if (mf === null) {
          this.nMissed++;
          upq.push(inPort, bytes, off, len, key, h);
          continue;
        }
        this.nMegaflowHits++;
        if (useEmc) emc.maybeInsert(key, h, mf);
      } else {
        this.nEmcHits++;
      }
      const c = mf.ctr;
      ctr[c + CTR.PACKETS]! += 1;
      ctr[c + CTR.BYTES]! += len;
      ctr[c + CTR.USED] = now;
      if (lay.tcpFlags !== 0) ctr[c + CTR.TCP_FLAGS] = ctr[c + CTR.TCP_FLAGS]! | lay.tcpFlags;
      const prog = mf.program;
      // The commonest program, one output and nothing else, needs no executor.
      if (prog.outPort >= 0) this.output(prog.outPort, bytes, off, len, true, key[KW.TUNNEL_HI]!, key[KW.TUNNEL_LO]!);
      else this.exec.run(prog.actions, mf.xc, prog.lastMod, bytes, off, len, inPort, lay, key, this);
    }
    this.flushTx();
    if (upq.count !== 0) this.handleUpcalls(this.upcallBudget);
  }

  /** Reads the clock into `now` and the hit path's slot. */
  private readClock(): void {
    const t = this.bridge.clock.now();
    this.now = t;
    this.clockNow[0] = t;
  }

  /** Reads the clock for full batches, and keeps a ticker marking the reading stale every CLOCK_TICK_MS while they come. */
  private readClockUnderLoad(): void {
    this.readClock();
    this.clockFresh = true;
    if (this.clockTicker === null && this.attached) {
      this.clockTicker = setInterval(() => {
        // No full batch since the last tick: traffic stopped or slowed; the next full batch restarts the ticker.
        if (!this.clockFresh && this.clockTicker !== null) {
          clearInterval(this.clockTicker);
          this.clockTicker = null;
        }
        this.clockFresh = false;
      }, CLOCK_TICK_MS);
      this.clockTicker.unref();
    }
  }

  /** One frame from a frame device: staged with headroom, then processed as a batch of one. */
  receiveFrame(inPort: number, frame: Uint8Array): void {
    if (frame.length > STAGE_SLOT - STAGE_HEADROOM) {
      const big = new Uint8Array(STAGE_HEADROOM + frame.length);
      big.set(frame, STAGE_HEADROOM);
      this.receiveBatch(inPort, big, Int32Array.of(STAGE_HEADROOM, frame.length), 1);
      return;
    }
    this.stage.set(frame, STAGE_HEADROOM);
    this.stageDesc[0] = STAGE_HEADROOM;
    this.stageDesc[1] = frame.length;
    this.receiveBatch(inPort, this.stage, this.stageDesc, 1);
  }

  /* ---------------------------------------------------------- upcalls */

  /** Handles up to `budget` queued upcalls (default: all), in order. */
  handleUpcalls(budget = Infinity): number {
    const upq = this.upcalls;
    const key = this.key;
    const lay = this.lay;
    let n = 0;
    this.readClock();
    while (upq.count > 0 && n < budget) {
      const slot = upq.peekSlot();
      const buf = upq.bufferOf(slot);
      const off = upq.frameOffset(slot);
      const len = upq.lens[slot]!;
      const inPort = upq.inPorts[slot]! >>> 0;
      lay.extract(buf, off, len, inPort, key);
      // Extraction zeroes tunnel_id; the queued key kept what the tunnel port said.
      key[KW.TUNNEL_HI] = upq.keys[slot * KEY_WORDS + KW.TUNNEL_HI]!;
      key[KW.TUNNEL_LO] = upq.keys[slot * KEY_WORDS + KW.TUNNEL_LO]!;
      let mf = this.dpcls.lookup(key);
      let prog: Program;
      let xc;
      if (mf === null) {
        const res = this.translate(key);
        this.nUpcalls++;
        mf = this.install(key, res);
        prog = mf?.program ?? this.programs.intern(res.actions);
        xc = res.xc;
        if (mf === null) this.revalidator.creditOnce(xc, len, this.now);
      } else {
        prog = mf.program;
        xc = mf.xc;
      }
      if (mf !== null) mf.count(len, this.now, lay.tcpFlags);
      this.exec.run(prog.actions, xc, prog.lastMod, buf, off, len, inPort, lay, key, this);
      // The slot is free for the next push, which can only come after this call returns and the frames are sent.
      upq.shift();
      n++;
    }
    this.flushTx();
    this.revalidator.macChanges();
    if (upq.count > 0 && !this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        this.handleUpcalls(this.upcallBudget);
      });
    }
    return n;
  }

  /** Translates `key` as a packet (MAC learning on). */
  translate(key: Uint32Array): XlateResult {
    return this.translator.translate({ key, sideEffects: true, now: this.now });
  }

  /** Installs a megaflow for `key` from `res`; null at the flow limit. */
  install(key: Uint32Array, res: XlateResult): Megaflow | null {
    if (this.dpcls.count >= this.flowLimit) {
      this.coverage.inc('upcall_flow_limit_hit');
      return null;
    }
    const masked = this.scratch;
    const wc = res.wc;
    for (let w = 0; w < KEY_WORDS; w++) masked[w] = key[w]! & wc[w]!;
    const mf = new Megaflow(this.nextId++, this.programs.intern(res.actions), this.xcs.intern(res.xc), this.now, this.counters);
    const old = this.dpcls.insert(mf, masked, wc);
    if (old !== null) this.forget(old);
    mf.listIndex = this.flows.length;
    this.flows.push(mf);
    this.index.add(mf);
    this.coverage.inc('megaflow_install');
    return mf;
  }

  /** Removes a megaflow, pushing its statistics first. */
  deleteMegaflow(mf: Megaflow): void {
    if (mf.dead) return;
    this.revalidator.push(mf);
    this.dpcls.remove(mf);
    this.forget(mf);
  }

  /** Marks a megaflow gone and drops it from the list (it is already out of the classifier). */
  private forget(mf: Megaflow): void {
    if (mf.dead) return;
    this.revalidator.push(mf);
    mf.dead = true;
    this.index.remove(mf);
    this.xcs.release(mf.xc);
    this.counters.release(mf.ctr);
    const i = mf.listIndex;
    const last = this.flows.pop()!;
    if (last !== mf) {
      this.flows[i] = last;
      last.listIndex = i;
    }
    mf.listIndex = -1;
    this.coverage.inc('megaflow_delete');
  }

  /** Removes every megaflow (statistics pushed) and empties the exact-match cache. */
  flushFlows(): void {
    for (const mf of [...this.flows]) this.deleteMegaflow(mf);
    this.emc.flush();
  }

  /* ---------------------------------------------------- ExecSink */

  output(port: number, buf: Uint8Array, off: number, len: number, final: boolean, tunHi = 0, tunLo = 0, queue = 0): void {
    let p = port < PORT_ARRAY ? this.portArr[port] : this.ports.get(port | 0);
    if (p === undefined) {
      this.nDropsNoPort++;
      return;
    }
    // set_queue's queue, or queue 0 for none or one the port does not have (queue-lanes.ts).
    if (p.lanes !== null) p = p.lanes.get(queue) ?? p.lanes.get(0)!;
    if (!p.dirty) {
      p.dirty = true;
      this.dirty[this.nDirty++] = p;
    }
    if (final && p.nCopy === 0 && (p.refBytes === null || p.refBytes === buf) && p.nRef < TX_QUEUE_FRAMES) {
      p.refBytes = buf;
      p.refDesc[2 * p.nRef] = off;
      p.refDesc[2 * p.nRef + 1] = len;
      if (p.refTun !== null) {
        p.refTun[2 * p.nRef] = tunHi;
        p.refTun[2 * p.nRef + 1] = tunLo;
      }
      p.nRef++;
      return;
    }
    if (this.txUsed + len > this.txArena.length || p.nCopy >= TX_QUEUE_FRAMES) {
      this.flushTx();
      p.dirty = true;
      this.dirty[this.nDirty++] = p;
    }
    if (len > this.txArena.length) return;
    copyBytes(buf, off, this.txArena, this.txUsed, len);
    p.copyDesc[2 * p.nCopy] = this.txUsed;
    p.copyDesc[2 * p.nCopy + 1] = len;
    if (p.copyTun !== null) {
      p.copyTun[2 * p.nCopy] = tunHi;
      p.copyTun[2 * p.nCopy + 1] = tunLo;
    }
    p.nCopy++;
    this.txUsed += (len + 7) & ~7;
  }

  userspace(spec: PacketInSpec, buf: Uint8Array, off: number, len: number): void {
    const frame = Buffer.allocUnsafe(len);
    copyBytes(buf, off, frame, 0, len);
    this.nPacketIns++;
    this.bridge.emitPacketIn({ reason: spec.reason, table_id: spec.tableId, cookie: spec.cookie, match: spec.match, frame, max_len: spec.maxLen });
  }

  meter(m: Meter, len: number): number {
    return m.apply(this.now, 1, len);
  }

  /** Sends what the ports have queued. */
  flushTx(): void {
    const d = this.dirty;
    for (let i = 0; i < this.nDirty; i++) d[i]!.flush(this.txArena);
    this.nDirty = 0;
    this.txUsed = 0;
  }

  /* ---------------------------------------------------- packet-out */

  /**
   * Runs a frame the controller sent (PACKET_OUT, or a buffered packet
   * named by a FLOW_MOD) through `actions`, as if it had arrived on
   * `inPort`. Translated afresh each time; nothing is cached.
   */
  packetOut(frame: Buffer, inPort: number, actions: readonly Action[]): void {
    this.readClock();
    const buf = new Uint8Array(STAGE_HEADROOM + frame.length);
    buf.set(frame, STAGE_HEADROOM);
    const key = newKey();
    const lay = new Extractor();
    lay.extract(buf, STAGE_HEADROOM, frame.length, inPort >>> 0, key);
    const res = this.translator.translate({ key, actions, sideEffects: true, now: this.now });
    const prog = this.programs.intern(res.actions);
    this.revalidator.creditOnce(res.xc, frame.length, this.now);
    this.exec.run(prog.actions, res.xc, prog.lastMod, buf, STAGE_HEADROOM, frame.length, inPort >>> 0, lay, key, this);
    this.flushTx();
    this.revalidator.macChanges();
    this.coverage.inc(inPort >>> 0 === OFPP.CONTROLLER ? 'packet_out_from_controller' : 'packet_out');
  }

  /* ----------------------------------------------------- periodic */

  /** Statistics push, idle expiry, MAC aging, subtable ranking, coverage sampling. */
  periodic(): void {
    this.readClock();
    const now = this.now;
    this.revalidator.sweep(now);
    this.dpcls.rerank();
    this.coverage.tick(now);
  }
}
