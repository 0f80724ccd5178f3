/**
 * A megaflow: one translation, cached for every packet it covers.
 *
 * It is the pair (key & mask, mask) that translation's wildcards defined,
 * the datapath program, the xlate cache (what to credit, what it depends
 * on), and counters. The masked key and the mask live in the megaflow
 * classifier (dpcls.ts: the mask is its subtable's, the key words its
 * slot's), not here, so a megaflow costs one object beyond its table slot.
 *
 * Counters are updated per packet on the hot path (numbers in fields, no
 * allocation); `pushed*` remember what has already been credited to the
 * rules and groups (revalidator.ts pushes the difference).
 *
 * Programs are interned (`ProgramInterner`): most megaflows of a switch
 * share a handful of programs ("output:2"), and sharing one array with its
 * precomputed last-modifying index saves memory and work.
 */
import type { XlateCache } from '../xlate/context.js';
import { odpEqual } from '../xlate/odp.js';
import { lastModifyingOp } from './execute.js';
import type { Subtable } from './dpcls.js';

/** An interned datapath program and the index of its last instruction that changes the frame. */
export interface Program {
  readonly actions: Int32Array;
  readonly lastMod: number;
}

export class Megaflow {
  /** Where it is in the classifier: its subtable and slot (the slot moves on deletions; dpcls keeps it current). */
  subtable!: Subtable;
  slot = -1;
  program: Program;
  xc: XlateCache;
  packets = 0;
  bytes = 0;
  /** Clock time of the last packet (ms), or of creation. */
  used: number;
  /** TCP flags seen (OR of all packets), as Open vSwitch's flow stats keep. */
  tcpFlags = 0;
  pushedPackets = 0;
  pushedBytes = 0;
  /** Removed from the datapath; exact-match cache entries pointing here are stale. */
  dead = false;
  /** Index in the datapath's list of flows (for O(1) removal). */
  listIndex = -1;

  constructor(
    /** Unique per datapath, for dumps (Open vSwitch's ufid). */
    readonly id: number,
    program: Program,
    xc: XlateCache,
    readonly created: number,
  ) {
    this.program = program;
    this.xc = xc;
    this.used = created;
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
    const p: Program = { actions, lastMod: lastModifyingOp(actions) };
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
