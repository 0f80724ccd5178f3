/**
 * The check ovs-ofctl runs on a decoded OFPT_FLOW_MOD before printing it
 * (`ofpacts_check_consistency`): every action must make sense for the
 * packets the match admits, given what the earlier actions did to them.
 *
 * A small abstract packet walks the action list: its Ethernet type, IP
 * protocol, whether it carries a VLAN tag. push_vlan adds a tag, pop_vlan
 * needs one; push_mpls / pop_mpls change the Ethernet type; TTL actions
 * need IP or MPLS; set_field needs the field's prerequisites (a tcp_dst
 * rewrite needs a TCP match). A violation is OFPBAC_MATCH_INCONSISTENT; an
 * output to a port Open vSwitch cannot address is OFPBAC_BAD_OUT_PORT; a
 * goto_table that does not go forward is OFPBIC_BAD_TABLE_ID.
 */
import { OFPAT, OFPIT, OFPP } from '../../openflow/constants.js';
import type { Action, Instruction, OxmName } from '../../openflow/types.js';
import { ETH_TYPE_ARP, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_MPLS, ETH_TYPE_MPLS_MCAST, ETH_TYPE_RARP, type OvsMatch } from './flow-match.js';
import { checkNxAction } from './nx-actions.js';
import { reject } from './reject.js';

interface Packet {
  dlType: number;
  nwProto: number;
  vlan: boolean;
  icmpType: number;
  icmpCode: number;
  /** The match requires ct_state +inv (CS_INVALID): such packets cannot be committed. */
  ctStateInvalid: boolean;
}

const OUTPUT_RESERVED = new Set<number>([OFPP.IN_PORT, OFPP.TABLE, OFPP.NORMAL, OFPP.FLOOD, OFPP.ALL, OFPP.CONTROLLER, OFPP.LOCAL]);

const isIp = (p: Packet): boolean => p.dlType === ETH_TYPE_IP || p.dlType === ETH_TYPE_IPV6;
const isMpls = (p: Packet): boolean => p.dlType === ETH_TYPE_MPLS || p.dlType === ETH_TYPE_MPLS_MCAST;

/** Whether a set_field of `field` makes sense on `p`. */
function setFieldOk(field: OxmName, p: Packet): boolean {
  const v4 = p.dlType === ETH_TYPE_IP;
  const v6 = p.dlType === ETH_TYPE_IPV6;
  switch (field) {
    case 'vlan_vid':
    case 'vlan_pcp':
      return p.vlan;
    case 'ip_dscp':
    case 'ip_ecn':
      return isIp(p);
    case 'ipv4_src':
    case 'ipv4_dst':
      return v4;
    case 'tcp_src':
    case 'tcp_dst':
      return isIp(p) && p.nwProto === 6;
    case 'udp_src':
    case 'udp_dst':
      return isIp(p) && p.nwProto === 17;
    case 'sctp_src':
    case 'sctp_dst':
      return isIp(p) && p.nwProto === 132;
    case 'icmpv4_type':
    case 'icmpv4_code':
      return v4 && p.nwProto === 1;
    case 'arp_op':
    case 'arp_spa':
    case 'arp_tpa':
    case 'arp_sha':
    case 'arp_tha':
      return p.dlType === ETH_TYPE_ARP || p.dlType === ETH_TYPE_RARP;
    case 'ipv6_src':
    case 'ipv6_dst':
    case 'ipv6_flabel':
      return v6;
    case 'icmpv6_type':
    case 'icmpv6_code':
      return v6 && p.nwProto === 58;
    case 'ipv6_nd_target':
      return v6 && p.nwProto === 58 && (p.icmpType === 135 || p.icmpType === 136);
    case 'ipv6_nd_sll':
      return v6 && p.nwProto === 58 && p.icmpType === 135;
    case 'ipv6_nd_tll':
      return v6 && p.nwProto === 58 && p.icmpType === 136;
    case 'mpls_label':
    case 'mpls_tc':
    case 'mpls_bos':
      return isMpls(p);
    default:
      return true;
  }
}

function checkActions(actions: readonly Action[], p: Packet): void {
  for (const a of actions) {
    switch (a.type) {
      case OFPAT.OUTPUT: {
        const port = a.port >>> 0;
        if (port >= 0xff00 && !OUTPUT_RESERVED.has(port)) reject('OFPBAC_BAD_OUT_PORT', `port ${port}`);
        break;
      }
      case OFPAT.PUSH_VLAN:
        p.vlan = true;
        break;
      case OFPAT.POP_VLAN:
        if (!p.vlan) reject('OFPBAC_MATCH_INCONSISTENT', 'pop_vlan without a VLAN');
        p.vlan = false;
        break;
      case OFPAT.SET_NW_TTL:
      case OFPAT.DEC_NW_TTL:
        if (!isIp(p)) reject('OFPBAC_MATCH_INCONSISTENT', 'IP TTL action without IP');
        break;
      case OFPAT.SET_MPLS_TTL:
      case OFPAT.DEC_MPLS_TTL:
        if (!isMpls(p)) reject('OFPBAC_MATCH_INCONSISTENT', 'MPLS TTL action without MPLS');
        break;
      case OFPAT.PUSH_MPLS:
        p.dlType = a.ethertype;
        break;
      case OFPAT.POP_MPLS:
        if (!isMpls(p)) reject('OFPBAC_MATCH_INCONSISTENT', 'pop_mpls without MPLS');
        p.dlType = a.ethertype;
        break;
      case OFPAT.SET_FIELD:
        if (a.field.field !== 'other') {
          if (!setFieldOk(a.field.field, p)) reject('OFPBAC_MATCH_INCONSISTENT', `set_field ${a.field.field}`);
          if (a.field.field === 'icmpv6_type' && typeof a.field.value === 'number') p.icmpType = a.field.value;
        }
        break;
      case OFPAT.EXPERIMENTER:
        // learn's fields, ct's and nat's address family (nx-learn.ts, nx-ct.ts).
        checkNxAction(a.experimenter, a.data, p);
        break;
      default:
        break;
    }
  }
}

/** Raises `OvsReject` where ovs-ofctl would refuse the flow_mod's instructions for its match. */
export function checkFlowModConsistency(match: OvsMatch, tableId: number, instructions: readonly Instruction[]): void {
  const p: Packet = {
    dlType: match.dl_type ?? 0,
    nwProto: match.nw_proto ?? 0,
    vlan: ((match.vlans?.[0]?.value ?? 0) & 0x1000) !== 0,
    icmpType: match.tp_src?.value ?? 0,
    icmpCode: match.tp_dst?.value ?? 0,
    ctStateInvalid: ((match.ct_state?.value ?? 0) & 0x10) !== 0,
  };
  const order = [OFPIT.METER, OFPIT.APPLY_ACTIONS, OFPIT.CLEAR_ACTIONS, OFPIT.WRITE_ACTIONS, OFPIT.WRITE_METADATA, OFPIT.GOTO_TABLE];
  for (const type of order) {
    const inst = instructions.find((i) => i.type === type);
    if (inst === undefined) continue;
    if (inst.type === OFPIT.APPLY_ACTIONS) checkActions(inst.actions, p);
    else if (inst.type === OFPIT.WRITE_ACTIONS) checkActions(inst.actions, { ...p });
    else if (inst.type === OFPIT.GOTO_TABLE && ((tableId !== 255 && inst.table_id <= tableId) || inst.table_id >= 255)) {
      reject('OFPBIC_BAD_TABLE_ID', `goto_table:${inst.table_id} from table ${tableId}`);
    }
  }
}
