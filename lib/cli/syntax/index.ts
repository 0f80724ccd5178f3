/**
 * ovs-ofctl's text syntax, read into OpenFlow 1.3 messages.
 *
 * Each parser takes what an `ovs-ofctl -O OpenFlow13` command line takes
 * and returns the message ovs-ofctl would send, without its xid: byte for
 * byte the same once encoded (spec/cli/syntax.spec.ts holds us to that
 * against recordings of ovs-ofctl itself). A bad argument throws
 * `FlowSyntaxError` with ovs-ofctl's own message where it has one.
 * Whatever ovs-ofctl would print as a warning and carry on goes to the
 * `warn` callback of the options.
 *
 * Where we differ from ovs-ofctl, on purpose:
 * - Open vSwitch extensions (Nicira actions and fields: `resubmit`, `reg0`,
 *   `ct_state`, `controller(userdata=...)`, masked set_field, `nw_ttl`...)
 *   are refused with a message saying so, not sent as experimenter
 *   messages; `load:V->F[]` of a whole field becomes the equivalent
 *   set_field;
 * - values that ovs-ofctl would silently truncate (`vlan_pcp=8`,
 *   `set_queue:4294967296`) or that would produce an action OpenFlow 1.3 does
 *   not have (`mod_tp_src` without a transport protocol) are refused;
 * - the OF1.3 spec's OXM names (`ipv4_src`, `ipv6_flabel`, ...), the fields
 *   `in_phy_port`, `pbb_isid` and `ipv6_exthdr`, and the actions `push_pbb`,
 *   `pop_pbb`, `copy_ttl_in` and `copy_ttl_out`, which ovs-ofctl lacks, are
 *   accepted.
 */
export { FlowSyntaxError, type WarningSink } from './errors.js';
export { parseFlow, type FlowCommand, type FlowOptions, type ParseOptions, type WithoutXid } from './flow.js';
export { parseGroup, type GroupCommand, type GroupOptions } from './group.js';
export { parseMeter, type MeterCommand, type MeterOptions } from './meter.js';
export { parsePacketOut } from './packet-out.js';
export { parsePortMod } from './port-mod.js';
export type { PortNames } from './ports.js';
