/**
 * Which asynchronous messages a connection receives (OpenFlow 1.3.5 §6.1.1,
 * §7.3.10, OFPT_SET_ASYNC / OFPT_GET_ASYNC).
 *
 * Each connection has three pairs of bitmasks — packet-in reasons,
 * port-status reasons, flow-removed reasons — one mask for the MASTER/EQUAL
 * roles and one for SLAVE. Bit n set means "send messages with reason n".
 * Until a controller sets its own with SET_ASYNC, the spec's defaults apply,
 * which are also Open vSwitch's for OpenFlow 1.3:
 *   master/equal: packet-in NO_MATCH and ACTION (not INVALID_TTL),
 *                 port-status ADD/DELETE/MODIFY,
 *                 flow-removed IDLE/HARD timeout, DELETE, GROUP_DELETE;
 *   slave:        port-status only.
 * SET_ASYNC is accepted in any role and stores whatever bits it carries
 * (unknown reasons simply never match), as Open vSwitch does for 1.3.
 *
 * On top of the masks, Open vSwitch gives "service" connections — the ones
 * accepted on passive listeners, such as `ovs-ofctl` and `ovs-ofctl monitor`
 * use — no asynchronous messages at all while their miss_send_len is 0,
 * which is where it starts; `ovs-ofctl monitor TARGET 65535` sets it with
 * SET_CONFIG to opt in. Controllers the switch connects to ("primary") start
 * with miss_send_len 128 and get the defaults above.
 */
import { OFPCR_ROLE } from '../openflow/index.js';

export type AsyncKind = 'packet-in' | 'port-status' | 'flow-removed';

/** [master/equal, slave] for each kind; ofp_async_config's layout. */
export interface AsyncMasks {
  packet_in_mask: [number, number];
  port_status_mask: [number, number];
  flow_removed_mask: [number, number];
}

export function defaultAsyncMasks(): AsyncMasks {
  return {
    packet_in_mask: [(1 << 0) | (1 << 1), 0],
    port_status_mask: [0b111, 0b111],
    flow_removed_mask: [0b1111, 0],
  };
}

export type ConnType = 'primary' | 'service';

/** What async filtering needs to know about a connection. */
export interface AsyncSubscriber {
  readonly type: ConnType;
  readonly role: OFPCR_ROLE;
  readonly missSendLen: number;
  readonly asyncMasks: AsyncMasks;
}

/** Whether `conn` receives an asynchronous message of `kind` with `reason`. */
export function receivesAsync(conn: AsyncSubscriber, kind: AsyncKind, reason: number): boolean {
  if (conn.type === 'service' && conn.missSendLen === 0) return false;
  if (reason < 0 || reason > 31) return false;
  const which = conn.role === OFPCR_ROLE.SLAVE ? 1 : 0;
  const m = conn.asyncMasks;
  const mask =
    kind === 'packet-in' ? m.packet_in_mask[which] : kind === 'port-status' ? m.port_status_mask[which] : m.flow_removed_mask[which];
  return ((mask >>> reason) & 1) === 1;
}
