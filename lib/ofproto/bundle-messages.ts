/**
 * A bundle's flow_mods, kept from BUNDLE_ADD to COMMIT without an object
 * per message.
 *
 * Why: `ovs-ofctl --bundle add-flows` puts 100,000 flow_mods in one bundle,
 * and each decoded FlowMod (sixteen fields, three of them heap numbers:
 * buffer_id, out_port and out_group are above 2^31) lived until the commit,
 * long enough for the collector to copy it twice and promote it. Here the
 * message's fixed part stays as the bytes it came in (one growing buffer),
 * with the decoded match and instructions — which the flow entry keeps
 * anyway — in two arrays; `flowMod(i)` rebuilds the FlowMod at commit, where
 * it dies young. The bytes are also what an error reply quotes.
 */
import { OFPT } from '../openflow/constants.js';
import { Reader } from '../openflow/reader.js';
import type { FlowMod, Instruction, Match } from '../openflow/types.js';

/** struct ofp_flow_mod up to its match: header 8, then cookie at 8 ... pad at 46. */
const OFP_FLOW_MOD_FIXED = 48;

export class BundleMessages {
  private bytes = Buffer.alloc(0);
  private used = 0;
  /** Start of message i in `bytes` (its end is the next one's start, or `used`). */
  private starts = new Uint32Array(16);
  private readonly matches: Match[] = [];
  private readonly instructions: Instruction[][] = [];

  get length(): number {
    return this.matches.length;
  }

  /** Keeps `fm`, decoded from `raw` (the whole inner message). */
  push(fm: FlowMod, raw: Buffer): void {
    const i = this.matches.length;
    if (i === this.starts.length) {
      const grown = new Uint32Array(i * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    if (this.used + raw.length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(4096, (this.used + raw.length) * 2));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.starts[i] = this.used;
    // A byte loop: Buffer#copy's argument handling costs more than copying ~100 bytes.
    const dst = this.bytes;
    const at = this.used;
    for (let k = 0; k < raw.length; k++) dst[at + k] = raw[k]!;
    this.used += raw.length;
    this.matches.push(fm.match);
    this.instructions.push(fm.instructions);
  }

  /** Message i's bytes (a view, valid while this bundle lives). */
  raw(i: number): Buffer {
    const end = i + 1 < this.matches.length ? this.starts[i + 1]! : this.used;
    return this.bytes.subarray(this.starts[i]!, end);
  }

  /** Message i as decodeMessage gave it. */
  flowMod(i: number): FlowMod {
    // Read in place: a Buffer view per message cost as much as the rest of this.
    const b = this.bytes;
    const s = this.starts[i]!;
    const r = new Reader(b, s + 8, s + OFP_FLOW_MOD_FIXED);
    return {
      version: b[s]!,
      xid: ((b[s + 4]! << 24) | (b[s + 5]! << 16) | (b[s + 6]! << 8) | b[s + 7]!) >>> 0,
      type: OFPT.FLOW_MOD,
      cookie: r.u64(),
      cookie_mask: r.u64(),
      table_id: r.u8(),
      command: r.u8(),
      idle_timeout: r.u16(),
      hard_timeout: r.u16(),
      priority: r.u16(),
      buffer_id: r.u32(),
      out_port: r.u32(),
      out_group: r.u32(),
      flags: r.u16(),
      match: this.matches[i]!,
      instructions: this.instructions[i]!,
    };
  }
}
