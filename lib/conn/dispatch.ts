/**
 * What each OpenFlow message means to a connection (after the handshake).
 *
 * Connection state is answered here: FEATURES, GET/SET_CONFIG, BARRIER,
 * ROLE_REQUEST, GET/SET_ASYNC, ECHO (its fast path is in ofconn.ts).
 * Switch state goes to `OpenFlowSwitch.handle` — FLOW_MOD, GROUP_MOD,
 * PORT_MOD, TABLE_MOD, METER_MOD, PACKET_OUT, MULTIPART_REQUEST (whole,
 * after reassembly), QUEUE_GET_CONFIG_REQUEST, EXPERIMENTER — after the
 * role check. Messages only a switch sends (FEATURES_REPLY, PACKET_IN,
 * MULTIPART_REPLY, ...) and HELLO or ERROR after the handshake get
 * OFPBRC_BAD_TYPE, as Open vSwitch answers them. A message the codec cannot
 * decode gets the codec's error; one with a version other than 1.3 gets
 * OFPBRC_BAD_VERSION (the codec's too).
 *
 * Replies keep the xid the switch gave them (see OpenFlowSwitch.handle). A
 * multipart reply from the switch comes
 * whole and is cut here into OFPMPF_REPLY_MORE pieces of at most 64 KiB.
 */
import {
  decodeMessage,
  encodeMessage,
  encodeMultipartReplies,
  OFP_MAX_MESSAGE_LEN,
  OFP_VERSION,
  OFPBRC,
  OFPC_FRAG,
  OFPCR_ROLE,
  OFPET,
  OFPMPF_REQ,
  OFPRRFC,
  OFPSCFC,
  OFPT,
  OfpError,
  type OfpMessage,
} from '../openflow/index.js';
import type { DecodeCache } from '../openflow/decode-cache.js';
import type { OpenFlowSwitch } from '../ofproto/switch-api.js';
import type { ConnLogger } from './log.js';
import { isEmptyMultipartPiece, multipartHeader, type MultipartPiece } from './multipart-assembler.js';
import type { OfConn } from './ofconn.js';
import { MsgClass } from './outbox.js';
import { isValidRole, roleUsesGenerationId, slaveMayNotSend, type GenerationId } from './roles.js';

const U64_MAX = (1n << 64n) - 1n;

/** Switch-wide state the handlers share, owned by the connection manager. */
export interface DispatchHost {
  readonly sw: OpenFlowSwitch;
  readonly generation: GenerationId;
  readonly log: ConnLogger;
  /** ofp_switch_config.flags: fragment handling, switch-wide as in Open vSwitch. */
  fragFlags: number;
  /** Shared decodings for what the switch keeps (flow_mods' instructions and match fields). */
  readonly decodeCache?: DecodeCache;
  /** Makes `conn` take `role`; a new master demotes the old one. */
  setRole(conn: OfConn, role: OFPCR_ROLE): void;
}

/** Handles one raw message on a ready connection. */
export function dispatchMessage(conn: OfConn, host: DispatchHost, raw: Buffer): Promise<void> | void {
  // An empty piece inside a multipart sequence cannot be decoded on its own
  // (most request bodies are mandatory) but is legal there.
  if (raw[0] === OFP_VERSION && raw[1] === OFPT.MULTIPART_REQUEST && isEmptyMultipartPiece(raw)) {
    const { mpType, flags } = multipartHeader(raw);
    const xid = raw.readUInt32BE(4);
    if ((flags & OFPMPF_REQ.MORE) !== 0 || conn.assembler.has(xid)) {
      return assemble(conn, host, { xid, mpType, flags, msg: undefined, raw });
    }
  }
  let msg: OfpMessage;
  try {
    msg = decodeMessage(raw, host.decodeCache);
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    if (raw[1] === OFPT.MULTIPART_REQUEST && raw.length >= 8) conn.assembler.drop(raw.readUInt32BE(4));
    conn.sendError(e, raw);
    return;
  }
  return handleMessage(conn, host, msg, raw);
}

function handleMessage(conn: OfConn, host: DispatchHost, msg: OfpMessage, raw: Buffer): Promise<void> | void {
  const xid = msg.xid;
  switch (msg.type) {
    case OFPT.ECHO_REQUEST:
      conn.send({ type: OFPT.ECHO_REPLY, xid, data: msg.data });
      return;
    case OFPT.ECHO_REPLY:
      return;
    case OFPT.FEATURES_REQUEST: {
      const f = host.sw.features();
      conn.send({
        type: OFPT.FEATURES_REPLY,
        xid,
        datapath_id: f.datapath_id,
        n_buffers: f.n_buffers,
        n_tables: f.n_tables,
        auxiliary_id: 0,
        capabilities: f.capabilities,
        reserved: 0,
      });
      return;
    }
    case OFPT.GET_CONFIG_REQUEST:
      conn.send({ type: OFPT.GET_CONFIG_REPLY, xid, flags: host.fragFlags, miss_send_len: conn.missSendLen });
      return;
    case OFPT.SET_CONFIG:
      setConfig(conn, host, msg.flags, msg.miss_send_len, raw);
      return;
    case OFPT.BARRIER_REQUEST:
      // Everything before it has been handled and its replies queued.
      conn.sendRaw(barrierReply(xid), MsgClass.REPLY);
      return;
    case OFPT.ROLE_REQUEST:
      roleRequest(conn, host, msg.role, msg.generation_id, xid, raw);
      return;
    case OFPT.GET_ASYNC_REQUEST: {
      const m = conn.asyncMasks;
      conn.send({
        type: OFPT.GET_ASYNC_REPLY,
        xid,
        packet_in_mask: [...m.packet_in_mask],
        port_status_mask: [...m.port_status_mask],
        flow_removed_mask: [...m.flow_removed_mask],
      });
      return;
    }
    case OFPT.SET_ASYNC:
      conn.asyncMasks = {
        packet_in_mask: [...msg.packet_in_mask],
        port_status_mask: [...msg.port_status_mask],
        flow_removed_mask: [...msg.flow_removed_mask],
      };
      return;
    case OFPT.MULTIPART_REQUEST:
      return assemble(conn, host, { xid, mpType: msg.mp_type, flags: msg.flags, msg, raw });
    case OFPT.PACKET_OUT:
    case OFPT.FLOW_MOD:
    case OFPT.GROUP_MOD:
    case OFPT.PORT_MOD:
    case OFPT.TABLE_MOD:
    case OFPT.METER_MOD:
    case OFPT.QUEUE_GET_CONFIG_REQUEST:
    case OFPT.EXPERIMENTER:
      return toSwitch(conn, host, msg, raw);
    case OFPT.HELLO:
    case OFPT.ERROR:
    case OFPT.FEATURES_REPLY:
    case OFPT.GET_CONFIG_REPLY:
    case OFPT.PACKET_IN:
    case OFPT.FLOW_REMOVED:
    case OFPT.PORT_STATUS:
    case OFPT.MULTIPART_REPLY:
    case OFPT.BARRIER_REPLY:
    case OFPT.QUEUE_GET_CONFIG_REPLY:
    case OFPT.ROLE_REPLY:
    case OFPT.GET_ASYNC_REPLY:
      conn.sendError(new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE, `${OFPT[msg.type]} from a controller`), raw);
      return;
    default: {
      const never: never = msg;
      throw new TypeError(`unhandled message ${JSON.stringify((never as { type: unknown }).type)}`);
    }
  }
}

/**
 * OFPT_BARRIER_REPLY, a bare header, written directly: `ovs-ofctl add-flows`
 * without --bundle sends a barrier after every flow_mod, and the generic
 * encoder's Writer cost more than the rest of answering it.
 */
function barrierReply(xid: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b[0] = OFP_VERSION;
  b[1] = OFPT.BARRIER_REPLY;
  b[2] = 0;
  b[3] = 8;
  b.writeUInt32BE(xid >>> 0, 4);
  return b;
}

function setConfig(conn: OfConn, host: DispatchHost, flags: number, missSendLen: number, raw: Buffer): void {
  // Bits outside OFPC_FRAG_MASK name no flag (OpenFlow 1.3.5 §7.3.2): the
  // whole request is refused with OFPSCFC_BAD_FLAGS and changes nothing, as
  // in Open vSwitch (replayed in fixtures/sessions/27-echo-config.json).
  if ((flags & ~OFPC_FRAG.MASK) !== 0) {
    conn.sendError(new OfpError(OFPET.SWITCH_CONFIG_FAILED, OFPSCFC.BAD_FLAGS, `flags 0x${flags.toString(16)}`), raw);
    return;
  }
  // Open vSwitch: a primary slave may not change switch-wide fragment
  // handling, but everyone sets their own miss_send_len.
  if (!(conn.type === 'primary' && conn.role === OFPCR_ROLE.SLAVE)) {
    const frag = flags & OFPC_FRAG.MASK;
    if (frag !== host.fragFlags) {
      // The switch applies it (OFPC_FRAG_DROP, and back to NORMAL). Like
      // Open vSwitch for a mode its datapath lacks (REASM): keep the current
      // one (GET_CONFIG keeps telling the truth) and say so in the log.
      if (host.sw.setFragHandling?.(frag) ?? frag === OFPC_FRAG.NORMAL) host.fragFlags = frag;
      else host.log.warn({ conn: conn.settings.name, frag }, 'unsupported fragment handling mode, ignored');
    }
  }
  conn.missSendLen = missSendLen;
}

function roleRequest(conn: OfConn, host: DispatchHost, role: number, generationId: bigint, xid: number, raw: Buffer): void {
  if (!isValidRole(role)) {
    conn.sendError(new OfpError(OFPET.ROLE_REQUEST_FAILED, OFPRRFC.BAD_ROLE, `role ${role}`), raw);
    return;
  }
  if (role !== OFPCR_ROLE.NOCHANGE) {
    if (roleUsesGenerationId(role) && !host.generation.offer(generationId)) {
      conn.sendError(new OfpError(OFPET.ROLE_REQUEST_FAILED, OFPRRFC.STALE, `generation_id ${generationId} is stale`), raw);
      return;
    }
    host.setRole(conn, role);
  }
  conn.send({ type: OFPT.ROLE_REPLY, xid, role: conn.role, generation_id: host.generation.current ?? U64_MAX });
}

function assemble(conn: OfConn, host: DispatchHost, piece: MultipartPiece): Promise<void> | void {
  const r = conn.assembler.add(piece, conn.clockNow());
  switch (r.kind) {
    case 'held':
      conn.watchMultipartExpiry();
      return;
    case 'error':
      conn.sendError(r.error, r.head);
      return;
    case 'complete':
      return toSwitch(conn, host, r.msg, r.head);
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** Hands a message to the switch after the role check; sends its replies or its error. */
function toSwitch(conn: OfConn, host: DispatchHost, msg: OfpMessage, raw: Buffer): Promise<void> | void {
  if (conn.type === 'primary' && conn.role === OFPCR_ROLE.SLAVE && slaveMayNotSend(msg)) {
    conn.sendError(new OfpError(OFPET.BAD_REQUEST, OFPBRC.IS_SLAVE), raw);
    return;
  }
  let result: OfpMessage[] | Promise<OfpMessage[]>;
  try {
    result = host.sw.handle(msg, conn.origin);
  } catch (e) {
    switchError(conn, host, e, raw);
    return;
  }
  if (Array.isArray(result)) {
    sendReplies(conn, host, result, raw);
    return;
  }
  return result.then(
    (replies) => sendReplies(conn, host, replies, raw),
    (e: unknown) => switchError(conn, host, e, raw),
  );
}

function switchError(conn: OfConn, host: DispatchHost, e: unknown, raw: Buffer): void {
  if (e instanceof OfpError) {
    conn.sendError(e, raw);
    return;
  }
  host.log.error({ conn: conn.settings.name, err: e instanceof Error ? e.stack : String(e), type: raw[1] }, 'switch failed to handle a message');
  conn.sendError(new OfpError(OFPET.BAD_REQUEST, OFPBRC.EPERM, 'internal error'), raw);
}

/**
 * Sends the switch's replies with the xids it gave them: the request's, or,
 * when a bundle commit fails, the failing inner message's for its error
 * (then the commit's own for OFPBFC_MSG_FAILED), as Open vSwitch does.
 */
function sendReplies(conn: OfConn, host: DispatchHost, replies: readonly OfpMessage[], raw: Buffer): void {
  for (const reply of replies) {
    try {
      if (reply.type === OFPT.MULTIPART_REPLY) {
        const parts = encodeMultipartReplies(reply, OFP_MAX_MESSAGE_LEN);
        for (const p of parts) conn.sendRaw(p, MsgClass.REPLY);
      } else {
        conn.sendRaw(encodeMessage(reply), MsgClass.REPLY);
      }
    } catch (e) {
      // Only a reply too large for OpenFlow's 16-bit length can fail here.
      host.log.error({ conn: conn.settings.name, err: e instanceof Error ? e.message : String(e) }, 'cannot encode reply');
      conn.sendError(new OfpError(OFPET.BAD_REQUEST, OFPBRC.EPERM, 'reply too large'), raw);
    }
  }
}
