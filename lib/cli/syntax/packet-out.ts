/**
 * `parsePacketOut`: a packet-out argument to a PACKET_OUT, as
 * `ovs-ofctl -O OpenFlow13 packet-out` builds it.
 *
 *     in_port=1,packet=<hex>,actions=output:2
 *
 * `in_port` may be a port number or LOCAL, CONTROLLER or NONE, and is
 * CONTROLLER if left out, as in ovs-ofctl; `packet` is
 * the frame in hex (an even number of digits, at least an Ethernet header);
 * `actions=`, last, may be left out, which drops the packet. The packet is
 * sent whole (no buffer id). ovs-ofctl's pipeline fields (registers, tunnel
 * metadata) are Open vSwitch extensions and are refused.
 */
import { OFP_NO_BUFFER, OFPP, OFPT } from '../../openflow/constants.js';
import type { PacketOut } from '../../openflow/types.js';
import { FlowSyntaxError, ignoreWarnings } from './errors.js';
import type { ParseOptions, WithoutXid } from './flow.js';
import { parseActionList } from './instructions.js';
import { parsePortNumber } from './ports.js';
import { scanKeyValues } from './scanner.js';

/** struct eth_header, 14 bytes: ovs-ofctl refuses anything shorter. */
const ETH_HEADER_LEN = 14;

/** Parses one packet-out; see the essay at the top. */
export function parsePacketOut(text: string, opts: ParseOptions = {}): WithoutXid<PacketOut> {
  const warn = opts.warn ?? ignoreWarnings;
  const at = text.indexOf('action');
  const eq = at < 0 ? -1 : text.indexOf('=', at);
  const head = eq < 0 ? text : text.slice(0, at);
  const actionsText = eq < 0 ? '' : text.slice(eq + 1);

  let inPort: number | undefined;
  let data: Buffer | undefined;
  for (const { key, value } of scanKeyValues(head)) {
    switch (key) {
      case 'in_port': {
        const port = parsePortNumber(value, opts.ports, warn);
        if (port === undefined) throw new FlowSyntaxError(`${value} is not a valid OpenFlow port`, value);
        inPort = port;
        break;
      }
      case 'packet':
        if (!/^([0-9a-fA-F]{2})*$/.test(value)) throw new FlowSyntaxError('packet: Trailing garbage in packet data', value);
        data = Buffer.from(value, 'hex');
        if (data.length < ETH_HEADER_LEN) throw new FlowSyntaxError('packet: Packet data too short for Ethernet', value);
        break;
      default:
        throw new FlowSyntaxError(`unknown keyword ${key}`, key);
    }
  }
  if (data === undefined) throw new FlowSyntaxError('must specify packet', text);
  const actions = parseActionList(actionsText, { warn, ...(opts.ports ? { ports: opts.ports } : {}) });
  return { type: OFPT.PACKET_OUT, buffer_id: OFP_NO_BUFFER, in_port: inPort ?? OFPP.CONTROLLER, actions, data };
}
