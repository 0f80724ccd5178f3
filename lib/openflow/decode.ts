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
import type { FlowMod, Instruction, MultipartReply, MultipartRequest, OfpMessage } from './types.js';

/** struct ofp_packet_out without actions, and the fixed parts of other messages. */
const OFP_PACKET_OUT_LEN = 24;

/**
 * `cache`, for a switch that keeps what it decodes: flow_mods share their
 * instruction lists and small match fields with earlier ones (decode-cache.ts).
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
  // FLOW_MOD, the message a switch receives most of, outside the big switch.
  const msg = type === OFPT.FLOW_MOD && version === OFP_VERSION ? decodeFlowMod(version, xid, r, cache) : decodeBody(type, version, xid, r);
  if (r.remaining !== 0) throw badLen(`${r.remaining} bytes left after ${OFPT[type] ?? type}`);
  return msg;
}

function decodeFlowMod(version: number, xid: number, r: Reader, cache: DecodeCache | undefined): FlowMod {
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
  const decodeList = (): Instruction[] => decodeInstructions(r.sub(r.remaining, OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN));
  let instructions: Instruction[];
  if (cache === undefined) instructions = decodeList();
  else {
    instructions = cache.instructions(r.buf, r.off, r.end, decodeList);
    r.off = r.end;
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
