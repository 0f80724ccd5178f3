/**
 * decodeMessage(): one whole OpenFlow 1.3 message (as cut by the framer) to
 * its plain-value form.
 *
 * The header's length must equal the buffer's; each body decoder reads from
 * a reader bounded by that length and must consume it exactly, so a message
 * with bytes missing or left over is OFPBRC_BAD_LEN. Only HELLO and ERROR
 * are decoded for versions other than 1.3: version negotiation needs them,
 * and everything else from another version is OFPBRC_BAD_VERSION.
 */
import { OFP_HEADER_LEN, OFP_VERSION, OFPT } from './constants.js';
import { OFPBAC, OFPBIC, OFPBRC, OFPET, OfpError, badLen } from './errors.js';
import { decodeActions } from './actions.js';
import { decodeInstructions } from './instructions.js';
import { decodeMatch } from './oxm.js';
import { decodeMultipartReplyBody, decodeMultipartRequestBody } from './multipart.js';
import { readMac } from './addr.js';
import { Reader } from './reader.js';
import { decodeBuckets, decodeHelloElems, decodeMeterBands, decodePacketQueues, decodePort } from './structs.js';
import type { DecodeCache } from './decode-cache.js';
import type { FlowMod, MultipartReply, MultipartRequest, OfpMessage } from './types.js';

/** struct ofp_packet_out without actions, and the fixed parts of other messages. */
const OFP_PACKET_OUT_LEN = 24;

/**
 * `cache`, for a switch that keeps what it decodes: flow_mods share their
 * instruction lists and small match fields with earlier ones (decode-cache.ts),
 * and an EXPERIMENTER's body is a view of `buf` (decodeExperimenter says why).
 */
export function decodeMessage(buf: Buffer, cache?: DecodeCache): OfpMessage {
  if (buf.length < OFP_HEADER_LEN) throw badLen(`message of ${buf.length} bytes is shorter than ofp_header`);
  const version = buf[0]!;
  const type = buf[1]!;
  const length = buf.readUInt16BE(2);
  const xid = buf.readUInt32BE(4);
  if (length !== buf.length) throw badLen(`ofp_header.length ${length} but ${buf.length} bytes`);
  if (version !== OFP_VERSION && type !== OFPT.HELLO && type !== OFPT.ERROR) {
    throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_VERSION, `version 0x${version.toString(16)}`);
  }
  const r = new Reader(buf, OFP_HEADER_LEN, length);
  // FLOW_MOD, the message a switch receives most of, and EXPERIMENTER, which
  // carries each flow_mod of a bundle, outside the big switch.
  const msg =
    version !== OFP_VERSION
      ? decodeBody(type, version, xid, r)
      : type === OFPT.FLOW_MOD
        ? decodeFlowMod(version, xid, r, cache)
        : type === OFPT.EXPERIMENTER
          ? decodeExperimenter(version, xid, r, cache !== undefined)
          : decodeBody(type, version, xid, r);
  if (r.remaining !== 0) throw badLen(`${r.remaining} bytes left after ${OFPT[type] ?? type}`);
  return msg;
}

/**
 * The OpenFlow 1.3 FLOW_MOD in buf[start, end) — exactly what
 * `decodeMessage(buf.subarray(start, end), cache)` returns for it, or the
 * same error — without making that view: a bundle decodes each of its
 * messages where it sits inside the BUNDLE_ADD_MESSAGE that carried it.
 * The caller has checked that the header there says version 1.3 and FLOW_MOD.
 *
 * With `into`, the fields are written there (all of them, and only once
 * nothing can fail) and `into` is returned: for a caller that keeps none
 * of the message but its match and instructions, which are always new.
 */
export function decodeFlowModAt(buf: Buffer, start: number, end: number, cache?: DecodeCache, into?: FlowMod): FlowMod {
  if (end - start < OFP_HEADER_LEN) throw badLen(`message of ${end - start} bytes is shorter than ofp_header`);
  const length = (buf[start + 2]! << 8) | buf[start + 3]!;
  if (length !== end - start) throw badLen(`ofp_header.length ${length} but ${end - start} bytes`);
  const xid = ((buf[start + 4]! << 24) | (buf[start + 5]! << 16) | (buf[start + 6]! << 8) | buf[start + 7]!) >>> 0;
  const r = new Reader(buf, start + OFP_HEADER_LEN, end);
  const msg = decodeFlowMod(OFP_VERSION, xid, r, cache, into);
  if (r.remaining !== 0) throw badLen(`${r.remaining} bytes left after FLOW_MOD`);
  return msg;
}

function decodeFlowMod(version: number, xid: number, r: Reader, cache: DecodeCache | undefined, into?: FlowMod): FlowMod {
  const cookie = r.u64();
  const cookie_mask = r.u64();
  const table_id = r.u8();
  const command = r.u8();
  const idle_timeout = r.u16();
  const hard_timeout = r.u16();
  const priority = r.u16();
  const buffer_id = r.u32();
  const out_port = r.u32();
  const out_group = r.u32();
  const flags = r.u16();
  r.skip(2);
  const match = decodeMatch(r, cache);
  let instructions = cache?.instructions(r.buf, r.off, r.end);
  if (instructions === undefined) {
    const start = r.off;
    instructions = decodeInstructions(r.sub(r.remaining, OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN));
    // Only a list that decoded without error is kept.
    cache?.keep(r.buf, start, r.end, instructions);
  } else {
    r.off = r.end;
  }
  if (into !== undefined) {
    into.version = version;
    into.xid = xid;
    into.cookie = cookie;
    into.cookie_mask = cookie_mask;
    into.table_id = table_id;
    into.command = command;
    into.idle_timeout = idle_timeout;
    into.hard_timeout = hard_timeout;
    into.priority = priority;
    into.buffer_id = buffer_id;
    into.out_port = out_port;
    into.out_group = out_group;
    into.flags = flags;
    into.match = match;
    into.instructions = instructions;
    return into;
  }
  return {
    version,
    xid,
    type: OFPT.FLOW_MOD,
    cookie,
    cookie_mask,
    table_id,
    command,
    idle_timeout,
    hard_timeout,
    priority,
    buffer_id,
    out_port,
    out_group,
    flags,
    match,
    instructions,
  };
}

/**
 * OFPT_EXPERIMENTER. Its body is a copy, as every decoded value is, except
 * for a switch (`view`, decoding with a DecodeCache): there it is a view of
 * the message's bytes, which come from the framer and are never written
 * (framer.ts), and which the switch uses for as long as the message: a
 * bundle decodes the flow_mod inside, keeps copies of what it needs and
 * nothing of the body. A copy per BUNDLE_ADD_MESSAGE was most of what
 * decoding one cost.
 */
function decodeExperimenter(version: number, xid: number, r: Reader, view: boolean): OfpMessage {
  const experimenter = r.u32();
  const exp_type = r.u32();
  let data: Buffer;
  if (view) {
    data = r.buf.subarray(r.off, r.end);
    r.off = r.end;
  } else {
    data = r.rest();
  }
  return { version, xid, type: OFPT.EXPERIMENTER, experimenter, exp_type, data };
}

function decodeBody(type: number, version: number, xid: number, r: Reader): OfpMessage {
  switch (type as OFPT) {
    case OFPT.HELLO:
      return { version, xid, type: OFPT.HELLO, ...decodeHelloElems(r) };
    case OFPT.ERROR: {
      const err_type = r.u16();
      if (err_type === OFPET.EXPERIMENTER) {
        const exp_type = r.u16();
        const experimenter = r.u32();
        return { version, xid, type: OFPT.ERROR, err_type, exp_type, experimenter, data: r.rest() };
      }
      const code = r.u16();
      return { version, xid, type: OFPT.ERROR, err_type, code, data: r.rest() };
    }
    case OFPT.ECHO_REQUEST:
    case OFPT.ECHO_REPLY:
      return { version, xid, type, data: r.rest() } as OfpMessage;
    case OFPT.EXPERIMENTER:
      return { version, xid, type: OFPT.EXPERIMENTER, experimenter: r.u32(), exp_type: r.u32(), data: r.rest() };
    case OFPT.FEATURES_REQUEST:
    case OFPT.GET_CONFIG_REQUEST:
    case OFPT.BARRIER_REQUEST:
    case OFPT.BARRIER_REPLY:
    case OFPT.GET_ASYNC_REQUEST:
      return { version, xid, type } as OfpMessage;
    case OFPT.FEATURES_REPLY: {
      const datapath_id = r.u64();
      const n_buffers = r.u32();
      const n_tables = r.u8();
      const auxiliary_id = r.u8();
      r.skip(2);
      return {
        version,
        xid,
        type: OFPT.FEATURES_REPLY,
        datapath_id,
        n_buffers,
        n_tables,
        auxiliary_id,
        capabilities: r.u32(),
        reserved: r.u32(),
      };
    }
    case OFPT.GET_CONFIG_REPLY:
    case OFPT.SET_CONFIG:
      return { version, xid, type, flags: r.u16(), miss_send_len: r.u16() };
    case OFPT.PACKET_IN: {
      const buffer_id = r.u32();
      const total_len = r.u16();
      const reason = r.u8();
      const table_id = r.u8();
      const cookie = r.u64();
      const match = decodeMatch(r);
      r.skip(2);
      return {
        version,
        xid,
        type: OFPT.PACKET_IN,
        buffer_id,
        total_len,
        reason,
        table_id,
        cookie,
        match,
        data: r.rest(),
      };
    }
    case OFPT.FLOW_REMOVED: {
      const cookie = r.u64();
      const priority = r.u16();
      const reason = r.u8();
      const table_id = r.u8();
      const duration_sec = r.u32();
      const duration_nsec = r.u32();
      const idle_timeout = r.u16();
      const hard_timeout = r.u16();
      const packet_count = r.u64();
      const byte_count = r.u64();
      return {
        version,
        xid,
        type: OFPT.FLOW_REMOVED,
        cookie,
        priority,
        reason,
        table_id,
        duration_sec,
        duration_nsec,
        idle_timeout,
        hard_timeout,
        packet_count,
        byte_count,
        match: decodeMatch(r),
      };
    }
    case OFPT.PORT_STATUS: {
      const reason = r.u8();
      r.skip(7);
      return { version, xid, type: OFPT.PORT_STATUS, reason, desc: decodePort(r) };
    }
    case OFPT.PACKET_OUT: {
      r.need(OFP_PACKET_OUT_LEN - OFP_HEADER_LEN);
      const buffer_id = r.u32();
      const in_port = r.u32();
      const actions_len = r.u16();
      r.skip(6);
      if (actions_len > r.remaining) throw badLen(`actions_len ${actions_len} beyond the message`);
      const actions = decodeActions(r.sub(actions_len, OFPET.BAD_ACTION, OFPBAC.BAD_LEN));
      return { version, xid, type: OFPT.PACKET_OUT, buffer_id, in_port, actions, data: r.rest() };
    }
    case OFPT.FLOW_MOD:
      return decodeFlowMod(version, xid, r, undefined);
    case OFPT.GROUP_MOD: {
      const command = r.u16();
      const group_type = r.u8();
      r.skip(1);
      const group_id = r.u32();
      return { version, xid, type: OFPT.GROUP_MOD, command, group_type, group_id, buckets: decodeBuckets(r.sub(r.remaining)) };
    }
    case OFPT.PORT_MOD: {
      const port_no = r.u32();
      r.skip(4);
      r.need(8);
      const hw_addr = readMac(r.buf, r.off);
      r.skip(8);
      const config = r.u32();
      const mask = r.u32();
      const advertise = r.u32();
      r.skip(4);
      return { version, xid, type: OFPT.PORT_MOD, port_no, hw_addr, config, mask, advertise };
    }
    case OFPT.TABLE_MOD: {
      const table_id = r.u8();
      r.skip(3);
      return { version, xid, type: OFPT.TABLE_MOD, table_id, config: r.u32() };
    }
    case OFPT.MULTIPART_REQUEST: {
      const mp_type = r.u16();
      const flags = r.u16();
      r.skip(4);
      const body = decodeMultipartRequestBody(mp_type, r.sub(r.remaining));
      return { version, xid, type: OFPT.MULTIPART_REQUEST, flags, ...body } as MultipartRequest;
    }
    case OFPT.MULTIPART_REPLY: {
      const mp_type = r.u16();
      const flags = r.u16();
      r.skip(4);
      const body = decodeMultipartReplyBody(mp_type, r.sub(r.remaining));
      return { version, xid, type: OFPT.MULTIPART_REPLY, flags, ...body } as MultipartReply;
    }
    case OFPT.QUEUE_GET_CONFIG_REQUEST: {
      const port = r.u32();
      r.skip(4);
      return { version, xid, type: OFPT.QUEUE_GET_CONFIG_REQUEST, port };
    }
    case OFPT.QUEUE_GET_CONFIG_REPLY: {
      const port = r.u32();
      r.skip(4);
      return { version, xid, type: OFPT.QUEUE_GET_CONFIG_REPLY, port, queues: decodePacketQueues(r.sub(r.remaining)) };
    }
    case OFPT.ROLE_REQUEST:
    case OFPT.ROLE_REPLY: {
      const role = r.u32();
      r.skip(4);
      return { version, xid, type, role, generation_id: r.u64() };
    }
    case OFPT.GET_ASYNC_REPLY:
    case OFPT.SET_ASYNC:
      return {
        version,
        xid,
        type,
        packet_in_mask: [r.u32(), r.u32()],
        port_status_mask: [r.u32(), r.u32()],
        flow_removed_mask: [r.u32(), r.u32()],
      };
    case OFPT.METER_MOD: {
      const command = r.u16();
      const flags = r.u16();
      const meter_id = r.u32();
      return { version, xid, type: OFPT.METER_MOD, command, flags, meter_id, bands: decodeMeterBands(r.sub(r.remaining)) };
    }
    default:
      throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE, `message type ${type}`);
  }
}
