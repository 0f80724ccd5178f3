/**
 * encodeMessage(): the inverse of decodeMessage(). Writes the header with a
 * zero length, the body, and back-patches the length, so nothing is measured
 * twice. Encoding trusts its input's shape (it comes from our own code or a
 * parser that validated it) but refuses a message longer than ofp_header's
 * 16-bit length can say.
 */
import { OFP_MAX_MESSAGE_LEN, OFP_VERSION, OFPMPF_REPLY, OFPT } from './constants.js';
import { encodeActions } from './actions.js';
import { encodeInstructions } from './instructions.js';
import { encodeMatch } from './oxm.js';
import {
  encodeMultipartReplyBody,
  encodeMultipartRequestBody,
  OFP_MULTIPART_HEADER_LEN,
  splitMultipartReply,
} from './multipart.js';
import { writeMac } from './addr.js';
import { encodeBuckets, encodeHelloElems, encodeMeterBands, encodePacketQueues, encodePort } from './structs.js';
import type { MultipartReply, OfpMessage } from './types.js';
import { Writer } from './writer.js';

/**
 * Encodes `msg`. With a writer of the caller's, the message is appended at
 * its current offset and the result aliases the writer's buffer (valid
 * until the writer is reset or grows); without one, the result is its own.
 */
export function encodeMessage(msg: OfpMessage, w: Writer = new Writer()): Buffer {
  const start = w.off;
  w.u8(msg.version ?? OFP_VERSION);
  w.u8(msg.type);
  w.u16(0);
  w.u32(msg.xid);
  encodeBody(w, msg);
  const length = w.off - start;
  if (length > OFP_MAX_MESSAGE_LEN) {
    throw new RangeError(`${OFPT[msg.type]} of ${length} bytes exceeds the OpenFlow maximum of ${OFP_MAX_MESSAGE_LEN}`);
  }
  w.patchU16(start + 2, length);
  return w.buf.subarray(start, w.off);
}

function encodeBody(w: Writer, m: OfpMessage): void {
  switch (m.type) {
    case OFPT.HELLO:
      encodeHelloElems(w, m.elements, m.trailing);
      return;
    case OFPT.ERROR:
      w.u16(m.err_type);
      if ('exp_type' in m) {
        w.u16(m.exp_type);
        w.u32(m.experimenter);
      } else {
        w.u16(m.code);
      }
      w.bytes(m.data);
      return;
    case OFPT.ECHO_REQUEST:
    case OFPT.ECHO_REPLY:
      w.bytes(m.data);
      return;
    case OFPT.EXPERIMENTER:
      w.u32(m.experimenter);
      w.u32(m.exp_type);
      w.bytes(m.data);
      return;
    case OFPT.FEATURES_REQUEST:
    case OFPT.GET_CONFIG_REQUEST:
    case OFPT.BARRIER_REQUEST:
    case OFPT.BARRIER_REPLY:
    case OFPT.GET_ASYNC_REQUEST:
      return;
    case OFPT.FEATURES_REPLY:
      w.u64(m.datapath_id);
      w.u32(m.n_buffers);
      w.u8(m.n_tables);
      w.u8(m.auxiliary_id);
      w.zeros(2);
      w.u32(m.capabilities);
      w.u32(m.reserved);
      return;
    case OFPT.GET_CONFIG_REPLY:
    case OFPT.SET_CONFIG:
      w.u16(m.flags);
      w.u16(m.miss_send_len);
      return;
    case OFPT.PACKET_IN:
      w.u32(m.buffer_id);
      w.u16(m.total_len);
      w.u8(m.reason);
      w.u8(m.table_id);
      w.u64(m.cookie);
      encodeMatch(w, m.match);
      w.zeros(2);
      w.bytes(m.data);
      return;
    case OFPT.FLOW_REMOVED:
      w.u64(m.cookie);
      w.u16(m.priority);
      w.u8(m.reason);
      w.u8(m.table_id);
      w.u32(m.duration_sec);
      w.u32(m.duration_nsec);
      w.u16(m.idle_timeout);
      w.u16(m.hard_timeout);
      w.u64(m.packet_count);
      w.u64(m.byte_count);
      encodeMatch(w, m.match);
      return;
    case OFPT.PORT_STATUS:
      w.u8(m.reason);
      w.zeros(7);
      encodePort(w, m.desc);
      return;
    case OFPT.PACKET_OUT: {
      w.u32(m.buffer_id);
      w.u32(m.in_port);
      const lenAt = w.off;
      w.u16(0);
      w.zeros(6);
      const actionsAt = w.off;
      encodeActions(w, m.actions);
      w.patchU16(lenAt, w.off - actionsAt);
      w.bytes(m.data);
      return;
    }
    case OFPT.FLOW_MOD:
      w.u64(m.cookie);
      w.u64(m.cookie_mask);
      w.u8(m.table_id);
      w.u8(m.command);
      w.u16(m.idle_timeout);
      w.u16(m.hard_timeout);
      w.u16(m.priority);
      w.u32(m.buffer_id);
      w.u32(m.out_port);
      w.u32(m.out_group);
      w.u16(m.flags);
      w.zeros(2);
      encodeMatch(w, m.match);
      encodeInstructions(w, m.instructions);
      return;
    case OFPT.GROUP_MOD:
      w.u16(m.command);
      w.u8(m.group_type);
      w.zeros(1);
      w.u32(m.group_id);
      encodeBuckets(w, m.buckets);
      return;
    case OFPT.PORT_MOD:
      w.u32(m.port_no);
      w.zeros(4);
      writeMac(w, m.hw_addr);
      w.zeros(2);
      w.u32(m.config);
      w.u32(m.mask);
      w.u32(m.advertise);
      w.zeros(4);
      return;
    case OFPT.TABLE_MOD:
      w.u8(m.table_id);
      w.zeros(3);
      w.u32(m.config);
      return;
    case OFPT.MULTIPART_REQUEST:
      w.u16(m.mp_type);
      w.u16(m.flags);
      w.zeros(4);
      encodeMultipartRequestBody(w, m);
      return;
    case OFPT.MULTIPART_REPLY:
      w.u16(m.mp_type);
      w.u16(m.flags);
      w.zeros(4);
      encodeMultipartReplyBody(w, m);
      return;
    case OFPT.QUEUE_GET_CONFIG_REQUEST:
      w.u32(m.port);
      w.zeros(4);
      return;
    case OFPT.QUEUE_GET_CONFIG_REPLY:
      w.u32(m.port);
      w.zeros(4);
      encodePacketQueues(w, m.queues);
      return;
    case OFPT.ROLE_REQUEST:
    case OFPT.ROLE_REPLY:
      w.u32(m.role);
      w.zeros(4);
      w.u64(m.generation_id);
      return;
    case OFPT.GET_ASYNC_REPLY:
    case OFPT.SET_ASYNC:
      w.u32(m.packet_in_mask[0]);
      w.u32(m.packet_in_mask[1]);
      w.u32(m.port_status_mask[0]);
      w.u32(m.port_status_mask[1]);
      w.u32(m.flow_removed_mask[0]);
      w.u32(m.flow_removed_mask[1]);
      return;
    case OFPT.METER_MOD:
      w.u16(m.command);
      w.u16(m.flags);
      w.u32(m.meter_id);
      encodeMeterBands(w, m.bands);
      return;
    default: {
      const never: never = m;
      throw new TypeError(`cannot encode message ${JSON.stringify((never as { type: unknown }).type)}`);
    }
  }
}

/**
 * Encodes a multipart reply as the messages to send: its body cut at entry
 * boundaries so each message fits in `maxBytes`, OFPMPF_REPLY_MORE set on
 * all but the last (OF1.3 §7.3.5). The returned buffers share one
 * allocation.
 */
export function encodeMultipartReplies(reply: MultipartReply, maxBytes: number = OFP_MAX_MESSAGE_LEN): Buffer[] {
  const scratch = new Writer(4096);
  const pieces = splitMultipartReply(scratch, reply, maxBytes);
  let total = 0;
  for (const p of pieces) total += OFP_MULTIPART_HEADER_LEN + p.length;
  const out = new Writer(total);
  const messages: Buffer[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    const start = out.off;
    out.u8(reply.version ?? OFP_VERSION);
    out.u8(OFPT.MULTIPART_REPLY);
    out.u16(OFP_MULTIPART_HEADER_LEN + piece.length);
    out.u32(reply.xid);
    out.u16(reply.mp_type);
    out.u16(i < pieces.length - 1 ? reply.flags | OFPMPF_REPLY.MORE : reply.flags & ~OFPMPF_REPLY.MORE);
    out.zeros(4);
    out.bytes(piece);
    messages.push(out.buf.subarray(start, out.off));
  }
  return messages;
}
