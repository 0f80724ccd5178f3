/**
 * encodeMessage(): the inverse of decodeMessage(). Writes the header with a
 * zero length, the body, and back-patches the length, so nothing is measured
 * twice. Encoding trusts its input's shape (it comes from our own code or a
 * parser that validated it) but refuses a message longer than ofp_header's
 * 16-bit length can say.
 */
import { OFP_MAX_MESSAGE_LEN, OFP_VERSION, OFPMPF_REPLY, OFPT } from './constants.js';
import { badLen } from './errors.js';
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
 * A multipart reply body that writes its own entries straight into the
 * reply's buffer, for a switch that can do better than building the body's
 * objects first: ofproto's flow statistics are written from the rules
 * themselves (ofproto/stats.ts), which for a big table is most of what a
 * dump costs. Entry `i` is `length(i)` bytes, written whole at `off`,
 * exactly as the body's own encoder would write the body's entry `i`.
 */
export interface EntryWriter {
  readonly count: number;
  /** A guess at the encoded size of all entries, to size the buffer once. */
  readonly sizeHint: number;
  length(i: number): number;
  write(buf: Buffer, off: number, i: number): void;
}

const ENTRY_WRITER: unique symbol = Symbol('ofswitch.entryWriter');

/**
 * Attaches `entries` to `reply` for encodeMultipartReplies(); the reply's
 * `body` stays what it says, for every other reader. Not enumerable, so
 * copies and comparisons of the message do not see it.
 */
export function withEntryWriter<T extends MultipartReply>(reply: T, entries: EntryWriter): T {
  Object.defineProperty(reply, ENTRY_WRITER, { value: entries, enumerable: false });
  return reply;
}

function entryWriterOf(reply: MultipartReply): EntryWriter | undefined {
  return (reply as { [ENTRY_WRITER]?: EntryWriter })[ENTRY_WRITER];
}

/**
 * Encodes a multipart reply as the messages to send: its body cut at entry
 * boundaries so each message fits in `maxBytes`, OFPMPF_REPLY_MORE set on
 * all but the last (OF1.3 §7.3.5). The returned buffers share one
 * allocation.
 */
export function encodeMultipartReplies(reply: MultipartReply, maxBytes: number = OFP_MAX_MESSAGE_LEN): Buffer[] {
  const entries = entryWriterOf(reply);
  if (entries !== undefined) return encodeEntryReplies(reply, entries, maxBytes);
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

/**
 * encodeMultipartReplies() for a body with an EntryWriter: the same
 * messages, byte for byte, written in one pass into one buffer. Each
 * entry's length is known before it is written, so a message is closed
 * and the next one's header room left before an entry that would not fit.
 */
function encodeEntryReplies(reply: MultipartReply, entries: EntryWriter, maxBytes: number): Buffer[] {
  const limit = Math.min(maxBytes, OFP_MAX_MESSAGE_LEN);
  const maxBody = limit - OFP_MULTIPART_HEADER_LEN;
  let buf = Buffer.allocUnsafe(2 * OFP_MULTIPART_HEADER_LEN + Math.ceil(entries.sizeHint * (1 + OFP_MULTIPART_HEADER_LEN / maxBody)));
  const starts: number[] = [0];
  let msgStart = 0;
  let off = OFP_MULTIPART_HEADER_LEN;
  for (let i = 0; i < entries.count; i++) {
    const len = entries.length(i);
    if (len > maxBody) {
      throw badLen(`a multipart type ${reply.mp_type} entry of ${len} bytes cannot fit in a ${maxBytes}-byte message`);
    }
    if (off + len - msgStart > limit) {
      msgStart = off;
      starts.push(msgStart);
      off += OFP_MULTIPART_HEADER_LEN;
    }
    if (off + len > buf.length) {
      // The hint fell short: double, as Writer does.
      const bigger = Buffer.allocUnsafe(Math.max(2 * buf.length, off + len));
      buf.copy(bigger, 0, 0, off);
      buf = bigger;
    }
    entries.write(buf, off, i);
    off += len;
  }
  const messages: Buffer[] = [];
  for (let k = 0; k < starts.length; k++) {
    const start = starts[k]!;
    const end = k + 1 < starts.length ? starts[k + 1]! : off;
    // ofp_header and the rest of ofp_multipart_reply's header: once a message, Buffer's own stores will do.
    buf.writeUInt8(reply.version ?? OFP_VERSION, start);
    buf.writeUInt8(OFPT.MULTIPART_REPLY, start + 1);
    buf.writeUInt16BE(end - start, start + 2);
    buf.writeUInt32BE(reply.xid >>> 0, start + 4);
    buf.writeUInt16BE(reply.mp_type, start + 8);
    buf.writeUInt16BE((k + 1 < starts.length ? reply.flags | OFPMPF_REPLY.MORE : reply.flags & ~OFPMPF_REPLY.MORE) & 0xffff, start + 10);
    buf.fill(0, start + 12, start + 16);
    messages.push(buf.subarray(start, end));
  }
  return messages;
}
