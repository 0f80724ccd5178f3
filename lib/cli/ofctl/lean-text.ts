/**
 * The FlowText (flow-reply-core.ts) of lean-dump.ts: what a dump can print
 * without loading the printer. It knows the instructions most flows carry,
 * an apply-actions of outputs to ordinary port numbers (`output:2`, or
 * `drop` when empty), and nothing else: every other question it answers
 * with undefined, which hands the reply, and the rest of the dump, to
 * ofctl proper (lib/cli/print), whose text is the definition.
 * spec/cli/ofctl-fast.spec.ts holds both to the same text.
 */
import type { FlowText } from './flow-reply-core.js';

const OFPIT_APPLY_ACTIONS = 4;
const OFPAT_OUTPUT = 0;
const INSTRUCTION_LEN = 8;
const ACTION_OUTPUT_LEN = 16;
/** Ports from here up print by name or are refused (print/actions.ts formatOutput). */
const FIRST_NAMED_PORT = 0xff00;

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;

/**
 * An instruction list that is empty or one OFPIT_APPLY_ACTIONS of
 * OFPAT_OUTPUTs to ports below 0xff00, as print/actions.ts prints it (it
 * reads neither the padding nor, for such ports, max_len); else undefined.
 */
export function leanInstructions(b: Buffer, off: number, end: number): string | undefined {
  if (off === end) return 'drop';
  if (end - off < INSTRUCTION_LEN || u16(b, off) !== OFPIT_APPLY_ACTIONS || u16(b, off + 2) !== end - off) return undefined;
  const parts: string[] = [];
  for (let a = off + INSTRUCTION_LEN; a < end; a += ACTION_OUTPUT_LEN) {
    if (end - a < ACTION_OUTPUT_LEN || u16(b, a) !== OFPAT_OUTPUT || u16(b, a + 2) !== ACTION_OUTPUT_LEN) return undefined;
    const port = b.readUInt32BE(a + 4);
    if (port >= FIRST_NAMED_PORT) return undefined;
    parts.push(`output:${port}`);
  }
  return parts.length ? parts.join(',') : 'drop';
}

const none = (): undefined => undefined;

export const LEAN_TEXT: FlowText = {
  replyFlags: none,
  instructions: leanInstructions,
  flowFlags: none,
  port: none,
  macMasked: none,
  ipv4Masked: none,
  duration: none,
};
