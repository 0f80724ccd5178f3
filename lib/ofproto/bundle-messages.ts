/**
 * A bundle's flow_mods, kept from BUNDLE_ADD to COMMIT as the bytes of
 * their fixed part, without an object per message.
 *
 * Why: `ovs-ofctl --bundle add-flows` puts 100,000 flow_mods in one bundle,
 * and each decoded FlowMod (sixteen fields, three of them heap numbers:
 * buffer_id, out_port and out_group are above 2^31) lived until the commit,
 * long enough for the collector to copy it twice and promote it. Here the
 * message's fixed part stays as the 48 bytes it came in (one growing buffer);
 * its decoded match and instructions, which the flow entry keeps anyway,
 * the bundle keeps where it keeps the rest of the message's state (in its
 * prepared Rule, mostly: bundles.ts), and `flowMod(i, ...)` rebuilds the
 * FlowMod at commit, where it dies young (to plan it afresh, or to quote it
 * in an error reply).
 */
import { OFPT } from '../openflow/constants.js';
import { Reader } from '../openflow/reader.js';
import type { FlowMod, Instruction, Match } from '../openflow/types.js';

/** struct ofp_flow_mod up to its match: header 8, then cookie at 8 ... pad at 46. */
const OFP_FLOW_MOD_FIXED = 48;

export class BundleMessages {
  private bytes = Buffer.alloc(0);
  private n = 0;

  get length(): number {
    return this.n;
  }

  /**
   * Keeps the fixed part of the flow_mod at raw[start] (the caller has
   * decoded the whole message from there, so its 48 bytes are there).
   */
  push(raw: Buffer, start: number): void {
    const at = this.n * OFP_FLOW_MOD_FIXED;
    if (at + OFP_FLOW_MOD_FIXED > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(4096, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, at);
      this.bytes = grown;
    }
    // A byte loop: Buffer#copy's argument handling costs more than copying 48 bytes.
    const dst = this.bytes;
    for (let k = 0; k < OFP_FLOW_MOD_FIXED; k++) dst[at + k] = raw[start + k]!;
    this.n++;
  }

  /** Message i as decodeMessage gave it, given the match and instructions decoded from it. */
  flowMod(i: number, match: Match, instructions: Instruction[]): FlowMod {
    // Read in place: a Buffer view per message cost as much as the rest of this.
    const b = this.bytes;
    const s = i * OFP_FLOW_MOD_FIXED;
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
      match,
      instructions,
    };
  }
}
