/**
 * Turning the switch's packet-in event into one connection's OFPT_PACKET_IN.
 *
 * How much of the frame to send (OpenFlow 1.3.5 §7.2.5 output max_len,
 * §7.3.2 miss_send_len):
 * - NO_MATCH and ACTION come from an output-to-CONTROLLER action (in 1.3 a
 *   table miss is a flow entry's action too), so the action's max_len
 *   applies;
 * - INVALID_TTL is sent by the pipeline without such an action, so the
 *   connection's miss_send_len applies.
 * (Open vSwitch 2.5 used miss_send_len for every table miss; the spec says
 * the action's max_len, and controllers such as Ryu's simple_switch_13 set
 * OFPCML_NO_BUFFER on their table-miss flow expecting whole frames, so we
 * follow the spec.)
 *
 * Then, as in Open vSwitch's schedule_packet_in: OFPCML_NO_BUFFER (0xffff)
 * means the whole frame, unbuffered. A length shorter than the frame asks the
 * switch to buffer it (`bufferPacket`); if it did, the message carries the
 * buffer id and only the first `len` bytes, and if it could not (pool full or
 * buffering off), the whole frame with OFP_NO_BUFFER — the spec requires the
 * full packet whenever the packet is not buffered. A length covering the
 * whole frame sends it all, unbuffered.
 */
import { OFP_NO_BUFFER, OFPCML, OFPR, OFPT, type Match, type PacketIn } from '../openflow/index.js';
import type { PacketInEvent } from '../ofproto/switch-api.js';

export function packetInLength(ev: PacketInEvent, missSendLen: number): number {
  return ev.reason === OFPR.INVALID_TTL ? missSendLen : ev.max_len;
}

/** The event's in_port (from its match), or 0 when absent. */
export function inPortOf(match: Match): number {
  for (const f of match) if (f.field === 'in_port' && typeof f.value === 'number') return f.value;
  return 0;
}

export function buildPacketIn(
  ev: PacketInEvent,
  missSendLen: number,
  bufferPacket: (frame: Buffer, inPort: number) => number,
): PacketIn {
  const len = packetInLength(ev, missSendLen);
  let buffer_id = OFP_NO_BUFFER;
  let data = ev.frame;
  if (len !== OFPCML.NO_BUFFER && len < ev.frame.length) {
    buffer_id = bufferPacket(ev.frame, inPortOf(ev.match));
    if (buffer_id !== OFP_NO_BUFFER) data = ev.frame.subarray(0, len);
  }
  return {
    type: OFPT.PACKET_IN,
    xid: 0,
    buffer_id,
    total_len: Math.min(ev.frame.length, 0xffff),
    reason: ev.reason,
    table_id: ev.table_id,
    cookie: ev.cookie,
    match: ev.match,
    data,
  };
}
