/**
 * OpenFlow 1.3 instructions (spec §7.2.4): the list at the end of a
 * flow_mod and a flow-stats entry.
 *
 * Like actions, each instruction starts with type u16, len u16 and is a
 * multiple of 8 long; the frame is checked before the type is looked at.
 * Errors are OFPET_BAD_INSTRUCTION: OFPBIC_BAD_LEN for any length problem,
 * OFPBIC_UNKNOWN_INST for a type the spec does not define. The action list
 * inside write/apply-actions gets a sub-reader that raises
 * OFPET_BAD_ACTION/OFPBAC_BAD_LEN, so a broken action is reported as an
 * action error, not an instruction error. Clear-actions has no actions by
 * definition (struct ofp_instruction_actions with an empty list), so a
 * clear-actions longer than 8 bytes is a length error rather than a list to
 * decode and ignore.
 */
import { OFPIT } from './constants.js';
import { OFPBAC, OFPBIC, OFPET, OfpError } from './errors.js';
import { decodeActions, encodeActions } from './actions.js';
import { Reader } from './reader.js';
import type { Instruction } from './types.js';
import type { Writer } from './writer.js';
import { exactArray } from './exact-array.js';

/** struct ofp_instruction_goto_table / _meter / _actions header, 8 bytes. */
export const OFP_INSTRUCTION_LEN = 8;
/** struct ofp_instruction_write_metadata, 24 bytes. */
export const OFP_INSTRUCTION_WRITE_METADATA_LEN = 24;

function badLen(detail: string): OfpError {
  return new OfpError(OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, detail);
}

/** An instruction list; `r` spans exactly the list, which may be empty. */
export function decodeInstructions(r: Reader): Instruction[] {
  const list: Instruction[] = [];
  while (r.off < r.end) list.push(decodeInstruction(r));
  return exactArray(list);
}

/** One instruction at `r.off`, bounded by `r.end`; leaves `r.off` after it. */
export function decodeInstruction(r: Reader): Instruction {
  const buf = r.buf;
  const off = r.off;
  const avail = r.end - off;
  if (avail < 4) throw badLen(`instruction header needs 4 bytes, ${avail} left`);
  const type = (buf[off]! << 8) | buf[off + 1]!;
  const len = (buf[off + 2]! << 8) | buf[off + 3]!;
  if (len < OFP_INSTRUCTION_LEN || (len & 7) !== 0 || len > avail) {
    throw badLen(`instruction ${type} has length ${len} (${avail} left in the list)`);
  }
  const end = off + len;
  let inst: Instruction;
  switch (type) {
    case OFPIT.GOTO_TABLE: // struct ofp_instruction_goto_table, 8 bytes
      fixed(type, len, OFP_INSTRUCTION_LEN);
      inst = { type: OFPIT.GOTO_TABLE, table_id: buf[off + 4]! };
      break;
    case OFPIT.WRITE_METADATA: // struct ofp_instruction_write_metadata, 24 bytes
      fixed(type, len, OFP_INSTRUCTION_WRITE_METADATA_LEN);
      inst = {
        type: OFPIT.WRITE_METADATA,
        metadata: buf.readBigUInt64BE(off + 8),
        metadata_mask: buf.readBigUInt64BE(off + 16),
      };
      break;
    case OFPIT.WRITE_ACTIONS: // struct ofp_instruction_actions, 8 bytes + actions
    case OFPIT.APPLY_ACTIONS: {
      const actions = decodeActions(new Reader(buf, off + 8, end, OFPET.BAD_ACTION, OFPBAC.BAD_LEN));
      inst = { type, actions };
      break;
    }
    case OFPIT.CLEAR_ACTIONS: // struct ofp_instruction_actions with no actions, 8 bytes
      fixed(type, len, OFP_INSTRUCTION_LEN);
      inst = { type: OFPIT.CLEAR_ACTIONS, actions: [] };
      break;
    case OFPIT.METER: // struct ofp_instruction_meter, 8 bytes
      fixed(type, len, OFP_INSTRUCTION_LEN);
      inst = { type: OFPIT.METER, meter_id: buf.readUInt32BE(off + 4) };
      break;
    case OFPIT.EXPERIMENTER: // struct ofp_instruction_experimenter, 8 bytes + data
      inst = {
        type: OFPIT.EXPERIMENTER,
        experimenter: buf.readUInt32BE(off + 4),
        data: Buffer.from(buf.subarray(off + 8, end)),
      };
      break;
    default:
      throw new OfpError(OFPET.BAD_INSTRUCTION, OFPBIC.UNKNOWN_INST, `instruction type ${type}`);
  }
  r.off = end;
  return inst;
}

function fixed(type: number, len: number, size: number): void {
  if (len !== size) throw badLen(`instruction ${type} must be ${size} bytes, has length ${len}`);
}

/** An instruction list. */
export function encodeInstructions(w: Writer, list: readonly Instruction[]): void {
  for (let i = 0; i < list.length; i++) encodeInstruction(w, list[i]!);
}

/** One instruction. Throws RangeError for one the decoder would refuse. */
export function encodeInstruction(w: Writer, inst: Instruction): void {
  switch (inst.type) {
    case OFPIT.GOTO_TABLE:
      w.u16(inst.type);
      w.u16(OFP_INSTRUCTION_LEN);
      w.u8(inst.table_id);
      w.zeros(3);
      return;
    case OFPIT.WRITE_METADATA:
      w.u16(inst.type);
      w.u16(OFP_INSTRUCTION_WRITE_METADATA_LEN);
      w.zeros(4);
      w.u64(inst.metadata);
      w.u64(inst.metadata_mask);
      return;
    case OFPIT.WRITE_ACTIONS:
    case OFPIT.APPLY_ACTIONS:
    case OFPIT.CLEAR_ACTIONS: {
      if (inst.type === OFPIT.CLEAR_ACTIONS && inst.actions.length > 0) {
        throw new RangeError('clear_actions carries no actions');
      }
      const start = w.off;
      w.u16(inst.type);
      w.u16(0);
      w.zeros(4);
      encodeActions(w, inst.actions);
      const len = w.off - start;
      if (len > 0xffff) throw new RangeError(`instruction of ${len} bytes`);
      w.patchU16(start + 2, len);
      return;
    }
    case OFPIT.METER:
      w.u16(inst.type);
      w.u16(OFP_INSTRUCTION_LEN);
      w.u32(inst.meter_id);
      return;
    case OFPIT.EXPERIMENTER: {
      const len = (OFP_INSTRUCTION_LEN + inst.data.length + 7) & ~7;
      if (len > 0xffff) throw new RangeError(`experimenter instruction of ${len} bytes`);
      const start = w.off;
      w.u16(inst.type);
      w.u16(len);
      w.u32(inst.experimenter);
      w.bytes(inst.data);
      w.align8(start);
      return;
    }
    default: {
      const never: never = inst;
      throw new RangeError(`unknown instruction ${JSON.stringify(never)}`);
    }
  }
}
