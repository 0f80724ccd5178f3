/**
 * `parsePortMod`: `ovs-ofctl mod-port SWITCH PORT ACTION` to a PORT_MOD.
 *
 * PORT is a port number or name and must be one of the switch's ports:
 * a PORT_MOD carries the port's hardware address, which ovs-ofctl copies
 * from the switch's PORT_DESC reply, and so must the caller here. ACTION
 * sets or clears one config bit. OpenFlow 1.3 has no STP and no "no flood"
 * bits, so `stp`, `no-stp`, `flood`, `no-flood`, `receive-stp` and
 * `no-receive-stp` send a PORT_MOD that changes nothing, as ovs-ofctl's does.
 */
import { OFPPC, OFPT } from '../../openflow/constants.js';
import type { Port, PortMod } from '../../openflow/types.js';
import { FlowSyntaxError } from './errors.js';
import type { WithoutXid } from './flow.js';
import { parseDecimal } from './values.js';

/** Each action: the config bit it touches (0: none in OF1.3) and whether it sets it. */
const ACTIONS: ReadonlyMap<string, { bit: number; set: boolean }> = new Map([
  ['up', { bit: OFPPC.PORT_DOWN, set: false }],
  ['down', { bit: OFPPC.PORT_DOWN, set: true }],
  ['receive', { bit: OFPPC.NO_RECV, set: false }],
  ['no-receive', { bit: OFPPC.NO_RECV, set: true }],
  ['forward', { bit: OFPPC.NO_FWD, set: false }],
  ['no-forward', { bit: OFPPC.NO_FWD, set: true }],
  ['packet-in', { bit: OFPPC.NO_PACKET_IN, set: false }],
  ['no-packet-in', { bit: OFPPC.NO_PACKET_IN, set: true }],
  ['stp', { bit: 0, set: false }],
  ['no-stp', { bit: 0, set: true }],
  ['receive-stp', { bit: 0, set: false }],
  ['no-receive-stp', { bit: 0, set: true }],
  ['flood', { bit: 0, set: false }],
  ['no-flood', { bit: 0, set: true }],
]);

/** Parses `PORT` and `ACTION` against the switch's ports. */
export function parsePortMod(portText: string, actionText: string, ports: readonly Port[]): WithoutXid<PortMod> {
  const number = parseDecimal(portText);
  const port = ports.find((p) => (number !== undefined ? BigInt(p.port_no) === number : p.name === portText));
  if (port === undefined) throw new FlowSyntaxError(`couldn't find port \`${portText}'`, portText);
  const action = ACTIONS.get(actionText.toLowerCase());
  if (action === undefined) throw new FlowSyntaxError(`unknown mod-port command '${actionText}'`, actionText);
  return {
    type: OFPT.PORT_MOD,
    port_no: port.port_no,
    hw_addr: port.hw_addr,
    config: action.set ? action.bit : 0,
    mask: action.bit,
    advertise: 0,
  };
}
