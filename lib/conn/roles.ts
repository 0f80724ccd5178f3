/**
 * Controller roles (OpenFlow 1.3.5 §6.3.7) and the switch-wide generation id.
 *
 * Every connection starts EQUAL. A ROLE_REQUEST for MASTER or SLAVE carries a
 * generation_id; the switch keeps the largest it has accepted (one value for
 * the whole switch, not per connection) and refuses an older one with
 * OFPRRFC_STALE. "Older" uses the spec's wrap-around comparison,
 * `(int64)(generation_id - cached) < 0`, so ids may wrap past 2^64. EQUAL and
 * NOCHANGE requests ignore the id. At most one connection is MASTER: making
 * one master demotes the previous master to SLAVE (without telling it: the
 * ROLE_STATUS message is OpenFlow 1.4).
 *
 * A SLAVE may read but not write (`slaveMayNotSend`): the spec lists
 * PACKET_OUT, FLOW_MOD, GROUP_MOD, PORT_MOD, TABLE_MOD and a TABLE_FEATURES
 * request with a body; Open vSwitch also refuses METER_MOD, and so do we.
 * Open vSwitch refuses a slave's bundle messages as well (the ONF bundle
 * extension for 1.3: OFPT_EXPERIMENTER, ONF_EXPERIMENTER_ID, types 2300
 * BUNDLE_CONTROL and 2301 BUNDLE_ADD_MESSAGE), since a bundle only ever
 * carries writes; so do we.
 * SET_ASYNC and SET_CONFIG stay allowed (a slave configures what it hears);
 * Open vSwitch ignores a slave's fragment-handling change but applies its
 * miss_send_len, and so do we. As in Open vSwitch, only primary
 * (controller) connections are refused; a service connection that calls
 * itself slave is not.
 */
import { OFPCR_ROLE, OFPMP, OFPT, type OfpMessage } from '../openflow/index.js';

const U64 = (1n << 64n) - 1n;

/** ONF's experimenter id ("ONF\0") and its OF1.3 bundle message types (EXT-230). */
const ONF_EXPERIMENTER_ID = 0x4f4e4600;
const ONFT_BUNDLE_CONTROL = 2300;
const ONFT_BUNDLE_ADD_MESSAGE = 2301;

/** The generation id state shared by all connections of one switch. */
export class GenerationId {
  private value: bigint | undefined;

  /** The current id, or undefined before the first MASTER/SLAVE request. */
  get current(): bigint | undefined {
    return this.value;
  }

  /** Whether `id` is older than the current one, modulo 2^64. */
  isStale(id: bigint): boolean {
    if (this.value === undefined) return false;
    const diff = (id - this.value) & U64;
    return diff >= 1n << 63n;
  }

  /** Records `id` if it is not stale; returns false (and changes nothing) if it is. */
  offer(id: bigint): boolean {
    if (this.isStale(id)) return false;
    this.value = id & U64;
    return true;
  }
}

/** Whether a role value is one a ROLE_REQUEST may carry. */
export function isValidRole(role: number): role is OFPCR_ROLE {
  return role === OFPCR_ROLE.NOCHANGE || role === OFPCR_ROLE.EQUAL || role === OFPCR_ROLE.MASTER || role === OFPCR_ROLE.SLAVE;
}

/** Whether the spec's generation-id check applies to a requested role. */
export function roleUsesGenerationId(role: OFPCR_ROLE): boolean {
  return role === OFPCR_ROLE.MASTER || role === OFPCR_ROLE.SLAVE;
}

/** Whether a SLAVE connection must be refused this message (OFPBRC_IS_SLAVE). */
export function slaveMayNotSend(msg: OfpMessage): boolean {
  switch (msg.type) {
    case OFPT.PACKET_OUT:
    case OFPT.FLOW_MOD:
    case OFPT.GROUP_MOD:
    case OFPT.PORT_MOD:
    case OFPT.TABLE_MOD:
    case OFPT.METER_MOD:
      return true;
    case OFPT.MULTIPART_REQUEST:
      return msg.mp_type === OFPMP.TABLE_FEATURES && msg.body.length > 0;
    case OFPT.EXPERIMENTER:
      return msg.experimenter === ONF_EXPERIMENTER_ID && (msg.exp_type === ONFT_BUNDLE_CONTROL || msg.exp_type === ONFT_BUNDLE_ADD_MESSAGE);
    default:
      return false;
  }
}

export function roleName(role: OFPCR_ROLE): string {
  switch (role) {
    case OFPCR_ROLE.NOCHANGE:
      return 'nochange';
    case OFPCR_ROLE.EQUAL:
      return 'equal';
    case OFPCR_ROLE.MASTER:
      return 'master';
    case OFPCR_ROLE.SLAVE:
      return 'slave';
    default: {
      const never: never = role;
      return String(never);
    }
  }
}
