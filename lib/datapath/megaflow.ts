/**
 * A megaflow: one translation, cached for every packet it covers.
 *
 * It is the pair (key & mask, mask) that translation's wildcards defined,
 * the datapath program, the xlate cache (what to credit, what it depends
 * on), and counters. The masked key and the mask live in the megaflow
 * classifier (dpcls.ts: the mask is its subtable's, the key words its
 * slot's), not here, so a megaflow costs one object beyond its table slot.
 *
 * Counters are updated per packet on the hot path, so they live in a
 * Float64Array slab (`CounterSlab`), four numbers per megaflow (packets,
 * bytes, last used, TCP flags): a store into a typed array never boxes a
 * number, where a field holding a double may (bytes outgrow small
 * integers, times are fractional). `pushed*` remember what has already
 * been credited to the rules and groups (revalidator.ts pushes the
 * difference); only the revalidator touches them.
 *
 * Programs are interned (`ProgramInterner`): most megaflows of a switch
 * share a handful of programs ("output:2"), and sharing one array with its
 * precomputed last-modifying index saves memory and work.
 */
import type { XlateCache } from '../xlate/context.js';
import { ODP, odpEqual } from '../xlate/odp.js';
import { lastModifyingOp } from './execute.js';
import type { Subtable } from './dpcls.js';

/** An interned datapath program and the index of its last instruction that changes the frame. */
export interface Program {
  readonly actions: Int32Array;
  readonly lastMod: number;
  /** The port when the program is a single output and nothing else (the datapath then skips the executor), else -1. */
  readonly outPort: number;
}

/** Counter offsets within a megaflow's four slab entries. */
export const enum CTR {
  PACKETS = 0,
  BYTES = 1,
  /** Clock time of the last packet (ms), or of creation. */
  USED = 2,
  /** TCP flags seen (OR of all packets), as Open vSwitch's flow stats keep. */
  TCP_FLAGS = 3,
  SIZE = 4,
}

/** Counters of many megaflows, CTR.SIZE numbers each, in one growable Float64Array. */
export class CounterSlab {
  f64 = new Float64Array(CTR.SIZE * 1024);
  private readonly free: number[] = [];
  private next = 0;

  /** A zeroed counter block; returns its base index. */
  alloc(): number {
    let base = this.free.pop();
    if (base === undefined) {
      if ((this.next + 1) * CTR.SIZE > this.f64.length) {
        const grown = new Float64Array(this.f64.length * 2);
        grown.set(this.f64);
        this.f64 = grown;
      }
      base = this.next++ * CTR.SIZE;
    }
    this.f64.fill(0, base, base + CTR.SIZE);
    return base;
  }

  release(base: number): void {
    this.free.push(base);
  }
}

export class Megaflow {
  /** Where it is in the classifier: its subtable and slot (the slot moves on deletions; dpcls keeps it current). */
  subtable!: Subtable;
  slot = -1;
  program: Program;
  xc: XlateCache;
  /** Base index of this megaflow's counters in `counters.f64` (see CTR). */
  readonly ctr: number;
  pushedPackets = 0;
  pushedBytes = 0;
  /** Removed from the datapath; exact-match cache entries pointing here are stale. */
  dead = false;
  /** Index in the datapath's list of flows (for O(1) removal). */
  listIndex = -1;
  /** Where the flow index (flow-index.ts) filed it: its signature's bucket and the position there. */
  indexBucket: object | null = null;
  indexPos = -1;

  constructor(
    /** Unique per datapath, for dumps (Open vSwitch's ufid). */
    readonly id: number,
    program: Program,
    xc: XlateCache,
    readonly created: number,
    /** Where the counters are. */
    readonly counters: CounterSlab,
  ) {
    this.program = program;
    this.xc = xc;
    this.ctr = counters.alloc();
    counters.f64[this.ctr + CTR.USED] = created;
  }

  get packets(): number {
    return this.counters.f64[this.ctr + CTR.PACKETS]!;
  }
  get bytes(): number {
    return this.counters.f64[this.ctr + CTR.BYTES]!;
  }
  get used(): number {
    return this.counters.f64[this.ctr + CTR.USED]!;
  }
  get tcpFlags(): number {
    return this.counters.f64[this.ctr + CTR.TCP_FLAGS]!;
  }

  /** Counts one packet (slow paths; the hot path writes the slab directly). */
  count(len: number, now: number, tcpFlags: number): void {
    const f = this.counters.f64;
    f[this.ctr + CTR.PACKETS]! += 1;
    f[this.ctr + CTR.BYTES]! += len;
    f[this.ctr + CTR.USED] = now;
    f[this.ctr + CTR.TCP_FLAGS] = f[this.ctr + CTR.TCP_FLAGS]! | tcpFlags;
  }
}

/** Shares equal programs (see the essay). */
export class ProgramInterner {
  private readonly byHash = new Map<number, Program[]>();
  private n = 0;

  constructor(private readonly limit = 65536) {}

  intern(actions: Int32Array): Program {
    let h = actions.length;
    for (let i = 0; i < actions.length; i++) h = (Math.imul(h, 31) + actions[i]!) | 0;
    const list = this.byHash.get(h);
    if (list !== undefined) for (const p of list) if (odpEqual(p.actions, actions)) return p;
    const p: Program = { actions, lastMod: lastModifyingOp(actions), outPort: singleOutput(actions) };
    if (this.n < this.limit) {
      if (list === undefined) this.byHash.set(h, [p]);
      else list.push(p);
      this.n++;
    }
    return p;
  }

  get size(): number {
    return this.n;
  }
}

/** `actions`' port if it is exactly one OUTPUT to a port numbered below 2^31 (kept a small integer on the hot path), else -1. */
function singleOutput(actions: Int32Array): number {
  return actions.length === 2 && actions[0] === ODP.OUTPUT && actions[1]! >= 0 ? actions[1]! : -1;
}
