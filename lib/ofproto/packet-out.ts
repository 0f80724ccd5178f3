/**
 * OFPT_PACKET_OUT checks (OpenFlow 1.3.5 §7.3.7). What the packet then does
 * is the datapath's business: the Bridge hands the checked frame and
 * actions to its `PacketExecutor`.
 *
 * - in_port must be "a valid standard switch port or OFPP_CONTROLLER": a
 *   port that exists, LOCAL, or CONTROLLER; anything else is
 *   OFPBRC_BAD_PORT. (Open vSwitch also takes OFPP_ANY; the spec does not.)
 * - The actions get the flow-mod action checks, with output:TABLE allowed
 *   (it exists for packet-outs) and with consistency judged against the
 *   packet itself, as Open vSwitch does: what its headers say replaces
 *   what a match would guarantee, so pop_vlan on an untagged frame is
 *   OFPBAC_MATCH_INCONSISTENT.
 * - buffer_id, when set, must name a held packet (buffers.ts); the frame in
 *   the message is then ignored.
 */
import { OFP_NO_BUFFER, OFPP } from '../openflow/constants.js';
import { OFPBRC, OFPET, OfpError } from '../openflow/errors.js';
import type { PacketOut } from '../openflow/types.js';
import { ActionPlace, checkActionList, type CheckEnv } from './check-actions.js';
import {
  ETH_TYPE_IPV4,
  ETH_TYPE_IPV6,
  ETH_TYPE_VLAN,
  ETH_TYPE_VLAN_8021AD,
  IPPROTO_ICMPV6,
  unknownFacts,
  type Facts,
} from './prereqs.js';

/** Checks everything but the buffer; `portExists` says whether a port number is one of ours. */
export function checkPacketOut(po: PacketOut, portExists: (port: number) => boolean, env: CheckEnv, frame: Buffer): void {
  const inPort = po.in_port >>> 0;
  if (inPort !== OFPP.CONTROLLER && !portExists(inPort)) {
    throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_PORT, `in_port 0x${inPort.toString(16)}`);
  }
  checkActionList(po.actions, ActionPlace.PACKET_OUT, factsOfFrame(frame), env);
}

export function usesBuffer(po: PacketOut): boolean {
  return po.buffer_id >>> 0 !== OFP_NO_BUFFER;
}

/** What an Ethernet frame's headers say, for the action checks. */
export function factsOfFrame(frame: Buffer): Facts {
  const f = unknownFacts();
  f.inPort = true;
  if (frame.length < 14) return f;
  let off = 12;
  let type = frame.readUInt16BE(off);
  f.vlan = false;
  if (type === ETH_TYPE_VLAN || type === ETH_TYPE_VLAN_8021AD) {
    f.vlan = true;
    off += 4;
    if (frame.length < off + 2) {
      f.ethType = undefined;
      return f;
    }
    type = frame.readUInt16BE(off);
  }
  f.ethType = type;
  const l3 = off + 2;
  if (type === ETH_TYPE_IPV4 && frame.length >= l3 + 20) {
    f.ipProto = frame[l3 + 9]!;
  } else if (type === ETH_TYPE_IPV6 && frame.length >= l3 + 40) {
    f.ipProto = frame[l3 + 6]!;
    if (f.ipProto === IPPROTO_ICMPV6 && frame.length > l3 + 40) f.icmpv6Type = frame[l3 + 40]!;
  }
  return f;
}
