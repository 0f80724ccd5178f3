/**
 * OpenFlow 1.3 actions (spec §7.2.5): lists of struct ofp_action_*, as found
 * in apply/write-actions instructions, packet-outs and group buckets.
 *
 * Every action starts with the same 4 bytes (type u16, len u16) and is a
 * multiple of 8 long. The decoder checks that frame first — room for the
 * header, 8 ≤ len, len % 8 = 0, len within the list — and only then looks
 * at the type, so a lying len can never move the cursor outside the list or
 * onto a non-action boundary. Fixed-size actions must have exactly their
 * size; the two variable ones are:
 * - set_field: the header, one OXM TLV, zeros to 8. The TLV is decoded by
 *   oxm.ts in its set_field context, which turns OXM errors into the spec's
 *   OFPBAC_BAD_SET_TYPE / _BAD_SET_LEN / _BAD_SET_ARGUMENT (a mask; OF1.3
 *   set_field has none). NXM and experimenter classes are kept as bytes:
 *   ovs-ofctl and Ryu send them (ct_mark, ONF pbb_uca in Ryu's fixtures).
 * - experimenter: the 8-byte header and the rest as bytes, padding
 *   included, so Nicira actions round-trip untouched.
 *
 * Values are read straight from the reader's buffer at checked offsets
 * rather than through one Reader call per field: this is the flow_mod hot
 * path, and every offset is within the action's already-checked length.
 * Padding is skipped, not checked, and written back as zeros.
 */
import { OFPAT } from './constants.js';
import { OFPBAC, OFPET, OfpError } from './errors.js';
import { decodeOxmWithin, encodeOxm, OXM_IN_SET_FIELD } from './oxm.js';
import type { Reader } from './reader.js';
import type { Action } from './types.js';
import type { Writer } from './writer.js';
import { exactArray } from './exact-array.js';

/** struct ofp_action_header, 8 bytes (type, len, pad 4): the shortest action. */
export const OFP_ACTION_HEADER_LEN = 8;
/** struct ofp_action_output, 16 bytes. */
export const OFP_ACTION_OUTPUT_LEN = 16;

function badLen(detail: string): OfpError {
  return new OfpError(OFPET.BAD_ACTION, OFPBAC.BAD_LEN, detail);
}

/** An action list; `r` spans exactly the list, which may be empty. */
export function decodeActions(r: Reader): Action[] {
  const list: Action[] = [];
  while (r.off < r.end) list.push(decodeAction(r));
  return exactArray(list);
}

/** One action at `r.off`, bounded by `r.end`; leaves `r.off` after it. */
export function decodeAction(r: Reader): Action {
  const buf = r.buf;
  const off = r.off;
  const avail = r.end - off;
  if (avail < 4) throw badLen(`action header needs 4 bytes, ${avail} left`);
  const type = (buf[off]! << 8) | buf[off + 1]!;
  const len = (buf[off + 2]! << 8) | buf[off + 3]!;
  if (len < OFP_ACTION_HEADER_LEN || (len & 7) !== 0 || len > avail) {
    throw badLen(`action ${type} has length ${len} (${avail} left in the list)`);
  }
  const end = off + len;
  let a: Action;
  switch (type) {
    case OFPAT.OUTPUT: // struct ofp_action_output, 16 bytes
      fixed(type, len, OFP_ACTION_OUTPUT_LEN);
      a = { type: OFPAT.OUTPUT, port: buf.readUInt32BE(off + 4), max_len: (buf[off + 8]! << 8) | buf[off + 9]! };
      break;
    case OFPAT.COPY_TTL_OUT: // struct ofp_action_generic, 8 bytes
    case OFPAT.COPY_TTL_IN:
    case OFPAT.DEC_MPLS_TTL:
    case OFPAT.POP_VLAN:
    case OFPAT.DEC_NW_TTL:
    case OFPAT.POP_PBB:
      fixed(type, len, 8);
      a = { type };
      break;
    case OFPAT.SET_MPLS_TTL: // struct ofp_action_mpls_ttl, 8 bytes
      fixed(type, len, 8);
      a = { type: OFPAT.SET_MPLS_TTL, mpls_ttl: buf[off + 4]! };
      break;
    case OFPAT.SET_NW_TTL: // struct ofp_action_nw_ttl, 8 bytes
      fixed(type, len, 8);
      a = { type: OFPAT.SET_NW_TTL, nw_ttl: buf[off + 4]! };
      break;
    case OFPAT.PUSH_VLAN: // struct ofp_action_push, 8 bytes
    case OFPAT.PUSH_MPLS:
    case OFPAT.PUSH_PBB:
      fixed(type, len, 8);
      a = { type, ethertype: (buf[off + 4]! << 8) | buf[off + 5]! };
      break;
    case OFPAT.POP_MPLS: // struct ofp_action_pop_mpls, 8 bytes
      fixed(type, len, 8);
      a = { type: OFPAT.POP_MPLS, ethertype: (buf[off + 4]! << 8) | buf[off + 5]! };
      break;
    case OFPAT.SET_QUEUE: // struct ofp_action_set_queue, 8 bytes
      fixed(type, len, 8);
      a = { type: OFPAT.SET_QUEUE, queue_id: buf.readUInt32BE(off + 4) };
      break;
    case OFPAT.GROUP: // struct ofp_action_group, 8 bytes
      fixed(type, len, 8);
      a = { type: OFPAT.GROUP, group_id: buf.readUInt32BE(off + 4) };
      break;
    case OFPAT.SET_FIELD: {
      // struct ofp_action_set_field: 4 bytes + one OXM TLV + zeros to 8.
      r.off = off + 4;
      const field = decodeOxmWithin(r, end, OXM_IN_SET_FIELD);
      // The TLV decides the length; padding beyond the next 8 is not padding.
      const used = r.off - off;
      if (((used + 7) & ~7) !== len) {
        throw new OfpError(OFPET.BAD_ACTION, OFPBAC.BAD_SET_LEN, `set_field of ${used} bytes in an action of ${len}`);
      }
      a = { type: OFPAT.SET_FIELD, field };
      break;
    }
    case OFPAT.EXPERIMENTER: // struct ofp_action_experimenter_header, 8 bytes + data
      a = {
        type: OFPAT.EXPERIMENTER,
        experimenter: buf.readUInt32BE(off + 4),
        data: Buffer.from(buf.subarray(off + 8, end)),
      };
      break;
    default:
      throw new OfpError(OFPET.BAD_ACTION, OFPBAC.BAD_TYPE, `action type ${type}`);
  }
  r.off = end;
  return a;
}

function fixed(type: number, len: number, size: number): void {
  if (len !== size) throw badLen(`action ${type} must be ${size} bytes, has length ${len}`);
}

/** An action list, each action padded to 8 as the spec requires. */
export function encodeActions(w: Writer, list: readonly Action[]): void {
  for (let i = 0; i < list.length; i++) encodeAction(w, list[i]!);
}

/** One action. Throws RangeError for an action the decoder would refuse. */
export function encodeAction(w: Writer, a: Action): void {
  switch (a.type) {
    case OFPAT.OUTPUT:
      w.u16(a.type);
      w.u16(OFP_ACTION_OUTPUT_LEN);
      w.u32(a.port);
      w.u16(a.max_len);
      w.zeros(6);
      return;
    case OFPAT.COPY_TTL_OUT:
    case OFPAT.COPY_TTL_IN:
    case OFPAT.DEC_MPLS_TTL:
    case OFPAT.POP_VLAN:
    case OFPAT.DEC_NW_TTL:
    case OFPAT.POP_PBB:
      w.u16(a.type);
      w.u16(8);
      w.zeros(4);
      return;
    case OFPAT.SET_MPLS_TTL:
      w.u16(a.type);
      w.u16(8);
      w.u8(a.mpls_ttl);
      w.zeros(3);
      return;
    case OFPAT.SET_NW_TTL:
      w.u16(a.type);
      w.u16(8);
      w.u8(a.nw_ttl);
      w.zeros(3);
      return;
    case OFPAT.PUSH_VLAN:
    case OFPAT.PUSH_MPLS:
    case OFPAT.PUSH_PBB:
    case OFPAT.POP_MPLS:
      w.u16(a.type);
      w.u16(8);
      w.u16(a.ethertype);
      w.zeros(2);
      return;
    case OFPAT.SET_QUEUE:
      w.u16(a.type);
      w.u16(8);
      w.u32(a.queue_id);
      return;
    case OFPAT.GROUP:
      w.u16(a.type);
      w.u16(8);
      w.u32(a.group_id);
      return;
    case OFPAT.SET_FIELD: {
      const f = a.field;
      if (f.field === 'other' ? f.hasmask : f.mask !== undefined) {
        throw new RangeError('set_field takes no mask in OpenFlow 1.3');
      }
      const start = w.off;
      w.u16(a.type);
      w.u16(0);
      encodeOxm(w, f);
      w.align8(start);
      w.patchU16(start + 2, w.off - start);
      return;
    }
    case OFPAT.EXPERIMENTER: {
      const len = (OFP_ACTION_HEADER_LEN + a.data.length + 7) & ~7;
      if (len > 0xffff) throw new RangeError(`experimenter action of ${len} bytes`);
      const start = w.off;
      w.u16(a.type);
      w.u16(len);
      w.u32(a.experimenter);
      w.bytes(a.data);
      // `data` normally holds its padding already; pad if a caller's does not.
      w.align8(start);
      return;
    }
    default: {
      const never: never = a;
      throw new RangeError(`unknown action ${JSON.stringify(never)}`);
    }
  }
}
