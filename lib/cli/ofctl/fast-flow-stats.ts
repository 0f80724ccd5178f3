/**
 * A fast path for printing OFPST_FLOW replies, the one place where ofctl
 * prints at volume (a dump of 100,000 flows is 170 reply messages and 14 MB
 * of text).
 *
 * The general path decodes each reply into plain values (lib/openflow) and
 * prints them through Open vSwitch's model of a match (lib/cli/print); that
 * costs about ten microseconds a flow, four times what ovs-ofctl spends.
 * This module reads flow entries straight from the reply's bytes and writes
 * their lines straight into output bytes (ascii-out.ts: no strings built,
 * next to no garbage), for flows made only of what large flow tables are
 * made of:
 * matches on in_port, Ethernet addresses and type, IP protocol, IPv4
 * addresses and exact TCP/UDP/SCTP ports (the OpenFlow basic class, each
 * field once, prerequisites first), and any instructions. Everything else it
 * leaves to the printer, whose output is the definition of right:
 *
 * - `formatFlowReply()` returns undefined, and the caller prints the
 *   message the general way, as soon as any entry holds anything outside
 *   that set or anything the printer might refuse (a bad length, a stray
 *   mask bit, a field before its prerequisite, padding that is not zero);
 * - the parts that are not the match come from the printer itself:
 *   durations, port names, the header and its flags, and, cached by their
 *   bytes (a table has few distinct action lists and flag sets), the
 *   instructions and flags, formatted by the printer on first sight;
 * - spec/cli/ofctl-fast.spec.ts holds the two paths to the same text on
 *   every flow reply in the fixtures and on random flows.
 *
 * The engine is flow-reply-core.ts; this module gives it the printer for
 * the rare parts (its FlowText). lean-dump.ts runs the same engine with
 * lean-text.ts instead, before the printer is loaded.
 */
import { decodeInstructions, Reader } from '../../openflow/index.js';
import type { FlowStats } from '../../openflow/types.js';
import { formatDuration, formatFlowStats, formatPort, type PrintOptions } from '../print/index.js';
import { formatInstructionList } from '../print/actions.js';
import { formatIpv4Masked, formatMacMasked } from '../print/addr.js';
import { multipartFlags } from '../print/multipart.js';
import { FlowReplyCore, type FlowText } from './flow-reply-core.js';

export { MAX_TEXT_PER_BYTE } from './flow-reply-core.js';

const DEFAULT_PRIORITY = 0x8000;

/** The printer's answers to the engine's questions (undefined where it refuses). */
export function printerText(opts: PrintOptions): FlowText {
  return {
    replyFlags: (flags) => multipartFlags(flags),
    instructions(b, off, end) {
      try {
        return formatInstructionList(decodeInstructions(new Reader(b, off, end)), { opts, strict: true });
      } catch {
        return undefined;
      }
    },
    flowFlags(flags) {
      // Learnt from the printer itself: a bare flow with these flags, cut before "actions=".
      const probe: FlowStats = {
        table_id: 0,
        duration_sec: 0,
        duration_nsec: 0,
        priority: DEFAULT_PRIORITY,
        idle_timeout: 0,
        hard_timeout: 0,
        flags,
        cookie: 0n,
        packet_count: 0n,
        byte_count: 0n,
        match: [],
        instructions: [],
      };
      try {
        const line = formatFlowStats(probe, { strict: true, showStats: false });
        return line.slice(0, line.lastIndexOf('actions='));
      } catch {
        return undefined;
      }
    },
    port: (port) => formatPort(port, opts),
    macMasked: (value, mask) => formatMacMasked(value, mask),
    ipv4Masked: (value, mask) => formatIpv4Masked(value, mask),
    duration: (sec, nsec) => formatDuration(sec, nsec),
  };
}

/** The fast path with the printer behind it: caches shared by every reply of one dump. */
export class FlowReplyPrinter extends FlowReplyCore {
  constructor(opts: PrintOptions) {
    super(opts, printerText(opts));
  }
}
