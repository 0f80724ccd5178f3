/**
 * Requests for the differential test that ovs-ofctl will not build: each
 * is sent as bytes to ofswitch and to Open vSwitch, on an empty switch
 * (after `setup`), and the answers ("ok", "reply", or the error code's
 * name) must agree — or differ exactly as `differs` says, with the reason.
 * Every reason is a place where we follow the OpenFlow 1.3.5 spec and Open
 * vSwitch does not, or implement what it does not.
 */
import { OFP_NO_BUFFER, OFPG, OFPIT, OFPM, OFPMBT, OFPMF, OFPP, OFPT } from '../../lib/openflow/index.js';
import type { Action, Bucket, FlowMod, Instruction, MeterBand, OfpMessage, OxmBasic } from '../../lib/openflow/index.js';

export interface RawCase {
  name: string;
  setup?: OfpMessage[];
  msg: OfpMessage;
  differs?: { ours: string; ovs: string; why: string };
}

const F = (field: OxmBasic['field'], value: OxmBasic['value'], mask?: OxmBasic['mask']): OxmBasic =>
  mask === undefined ? { field, value } : { field, value, mask };
const out = (port: number, max_len = 0): Action => ({ type: 0, port, max_len });
const ap = (...actions: Action[]): Instruction => ({ type: OFPIT.APPLY_ACTIONS, actions });
const act = (a: object): Action => a as Action;
const fm = (over: Partial<FlowMod>): FlowMod => ({
  type: OFPT.FLOW_MOD,
  xid: 0,
  cookie: 0n,
  cookie_mask: 0n,
  table_id: 0,
  command: 0,
  idle_timeout: 0,
  hard_timeout: 0,
  priority: 100,
  buffer_id: OFP_NO_BUFFER,
  out_port: OFPP.ANY,
  out_group: OFPG.ANY,
  flags: 0,
  match: [],
  instructions: [],
  ...over,
});
const bk = (actions: Action[], more: Partial<Bucket> = {}): Bucket => ({ weight: 0, watch_port: OFPP.ANY, watch_group: OFPG.ANY, actions, ...more });
const gm = (command: number, group_id: number, group_type: number, buckets: Bucket[]): OfpMessage =>
  ({ type: OFPT.GROUP_MOD, xid: 0, command, group_type, group_id, buckets }) as OfpMessage;
const drop = (rate: number, burst_size = 0): MeterBand => ({ type: OFPMBT.DROP, rate, burst_size });
const mm = (command: number, meter_id: number, flags: number, bands: MeterBand[]): OfpMessage =>
  ({ type: OFPT.METER_MOD, xid: 0, command, flags, meter_id, bands }) as OfpMessage;
const mp = (mp_type: number, body?: unknown): OfpMessage =>
  ({ type: OFPT.MULTIPART_REQUEST, xid: 0, flags: 0, mp_type, ...(body === undefined ? {} : { body }) }) as OfpMessage;
const packetOut = (in_port: number, actions: Action[], buffer_id = OFP_NO_BUFFER): OfpMessage => ({
  type: OFPT.PACKET_OUT,
  xid: 0,
  buffer_id,
  in_port,
  actions,
  data: buffer_id === OFP_NO_BUFFER ? Buffer.alloc(60) : Buffer.alloc(0),
});

const IP = F('eth_type', 0x0800);
const GROUP1 = gm(0, 1, 0, [bk([out(1)])]);

export const RAW_CASES: RawCase[] = [
  /* ------------------------------------------------------------ matches */
  { name: 'match: ipv4_src without eth_type', msg: fm({ match: [F('ipv4_src', '10.0.0.1')] }) },
  { name: 'match: tcp_dst under UDP', msg: fm({ match: [IP, F('ip_proto', 17), F('tcp_dst', 1)] }) },
  { name: 'match: vlan_pcp without a tag', msg: fm({ match: [F('vlan_pcp', 1)] }) },
  { name: 'match: a duplicate field', msg: fm({ match: [F('in_port', 1), F('in_port', 1)] }) },
  { name: 'match: vlan_vid 0x2000', msg: fm({ match: [F('vlan_vid', 0x2000)] }) },
  { name: 'match: ip_dscp 64', msg: fm({ match: [IP, F('ip_dscp', 64)] }) },
  { name: 'match: value bits outside the mask', msg: fm({ match: [IP, F('ipv4_src', '10.0.0.1', '255.255.255.0')] }) },
  { name: 'match: arbitrary masks', msg: fm({ match: [IP, F('ipv4_src', '10.0.0.1', '255.0.255.255'), F('eth_dst', '00:00:00:00:00:01', '00:00:00:00:00:ff')] }) },
  {
    name: 'match: in_port 0',
    msg: fm({ match: [F('in_port', 0)] }),
    differs: { ours: 'OFPBMC_BAD_VALUE', ovs: 'ok', why: 'port numbers start at 1 (Table 12); no packet enters on port 0' },
  },
  {
    name: 'match: in_port OFPP_ANY',
    msg: fm({ match: [F('in_port', OFPP.ANY)] }),
    differs: { ours: 'OFPBMC_BAD_VALUE', ovs: 'ok', why: 'OFPP_ANY is not an ingress port (§4.5)' },
  },
  {
    name: 'match: an NXM register',
    msg: fm({ match: [{ field: 'other', oxm_class: 1, oxm_field: 0, hasmask: false, payload: Buffer.alloc(4) }] }),
    differs: { ours: 'OFPBMC_BAD_FIELD', ovs: 'ok', why: 'we implement no Nicira extension fields' },
  },

  /* ------------------------------------------------------ flow_mod itself */
  { name: 'flow_mod: command 7', msg: fm({ command: 7 }) },
  { name: 'flow_mod: flags 0x40', msg: fm({ flags: 0x40 }) },
  { name: 'flow_mod: ADD to OFPTT_ALL', msg: fm({ table_id: 0xff }) },
  { name: 'flow_mod: MODIFY in OFPTT_ALL', msg: fm({ command: 1, table_id: 0xff }) },
  { name: 'flow_mod: DELETE in OFPTT_ALL', msg: fm({ command: 3, table_id: 0xff }) },
  { name: 'flow_mod: an unknown buffer', msg: fm({ buffer_id: 5, match: [F('in_port', 3)] }) },
  { name: 'flow_mod: ADD and CHECK_OVERLAP', setup: [fm({ match: [IP] })], msg: fm({ match: [IP, F('ip_proto', 6)], flags: 2 }) },

  /* ------------------------------------------------------- instructions */
  { name: 'goto_table to itself', msg: fm({ instructions: [{ type: OFPIT.GOTO_TABLE, table_id: 0 }] }) },
  { name: 'goto_table forward', msg: fm({ instructions: [{ type: OFPIT.GOTO_TABLE, table_id: 200 }] }) },
  { name: 'write_metadata', msg: fm({ instructions: [{ type: OFPIT.WRITE_METADATA, metadata: 1n, metadata_mask: 0xffn }] }) },
  { name: 'an experimenter instruction', msg: fm({ instructions: [{ type: OFPIT.EXPERIMENTER, experimenter: 0x12345, data: Buffer.alloc(4) }] }) },
  {
    name: 'two apply-actions',
    msg: fm({ instructions: [ap(), ap()] }),
    differs: { ours: 'OFPBIC_UNSUP_INST', ovs: 'EXPERIMENTER(2600)', why: 'OF1.3 has no duplicate-instruction code; Open vSwitch sends ONF extension error 2600' },
  },
  { name: 'meter 0', msg: fm({ instructions: [{ type: OFPIT.METER, meter_id: 0 }] }) },
  {
    name: 'a meter that does not exist',
    msg: fm({ instructions: [{ type: OFPIT.METER, meter_id: 9 }] }),
    differs: { ours: 'OFPMMFC_UNKNOWN_METER', ovs: 'OFPMMFC_INVALID_METER', why: 'UNKNOWN_METER names "bad meter in meter action"' },
  },
  { name: 'an existing meter', setup: [mm(0, 9, OFPMF.KBPS, [drop(10)])], msg: fm({ instructions: [{ type: OFPIT.METER, meter_id: 9 }] }) },

  /* ------------------------------------------------------------ actions */
  { name: 'output to OFPP_ANY', msg: fm({ instructions: [ap(out(OFPP.ANY))] }) },
  { name: 'output to the unassigned range', msg: fm({ instructions: [ap(out(0xffffff01))] }) },
  { name: 'output to a port that does not exist yet', msg: fm({ instructions: [ap(out(77))] }) },
  {
    name: 'output to port 0',
    msg: fm({ instructions: [ap(out(0))] }),
    differs: { ours: 'OFPBAC_BAD_OUT_PORT', ovs: 'ok', why: 'port numbers start at 1' },
  },
  {
    name: 'output to OFPP_TABLE in a flow',
    msg: fm({ instructions: [ap(out(OFPP.TABLE))] }),
    differs: { ours: 'OFPBAC_BAD_OUT_PORT', ovs: 'ok', why: 'OFPP_TABLE "can only be used in packet-out messages" (§4.5)' },
  },
  {
    name: 'output:CONTROLLER with max_len 0xfff0',
    msg: fm({ instructions: [ap(out(OFPP.CONTROLLER, 0xfff0))] }),
    differs: { ours: 'OFPBAC_BAD_ARGUMENT', ovs: 'ok', why: 'max_len above OFPCML_MAX that is not OFPCML_NO_BUFFER has no meaning' },
  },
  { name: 'a group that does not exist', msg: fm({ instructions: [ap({ type: 22, group_id: 5 })] }) },
  { name: 'pop_vlan without a tag', msg: fm({ instructions: [ap(act({ type: 18 }))] }) },
  { name: 'pop_vlan with a tag', msg: fm({ match: [F('vlan_vid', 0x1005)], instructions: [ap(act({ type: 18 }))] }) },
  { name: 'set_field vlan_vid without a tag', msg: fm({ instructions: [ap(act({ type: 25, field: F('vlan_vid', 0x1005) }))] }) },
  { name: 'set_field ipv4_src without eth_type', msg: fm({ instructions: [ap(act({ type: 25, field: F('ipv4_src', '1.1.1.1') }))] }) },
  { name: 'set_field tcp_src in write-actions without ip_proto', msg: fm({ match: [IP], instructions: [{ type: OFPIT.WRITE_ACTIONS, actions: [act({ type: 25, field: F('tcp_src', 1) })] }] }) },
  {
    name: 'set_field in_port',
    msg: fm({ match: [F('in_port', 1)], instructions: [ap(act({ type: 25, field: F('in_port', 2) }))] }),
    differs: { ours: 'OFPBAC_BAD_SET_TYPE', ovs: 'OFPBAC_BAD_SET_ARGUMENT', why: 'in_port is not a header field (§5.12.1): the type, not the value, is unsupported' },
  },
  {
    name: 'set_field metadata',
    msg: fm({ instructions: [ap(act({ type: 25, field: F('metadata', 2n) }))] }),
    differs: { ours: 'OFPBAC_BAD_SET_TYPE', ovs: 'ok', why: 'metadata is not a header field (§5.12.1): write-metadata sets it' },
  },
  { name: 'push_vlan 0x0800', msg: fm({ instructions: [ap(act({ type: 17, ethertype: 0x0800 }))] }) },
  { name: 'push_mpls 0x0800', msg: fm({ instructions: [ap(act({ type: 19, ethertype: 0x0800 }))] }) },
  { name: 'dec_nw_ttl on ARP', msg: fm({ match: [F('eth_type', 0x0806)], instructions: [ap(act({ type: 24 }))] }) },
  { name: 'dec_mpls_ttl on IP', msg: fm({ match: [IP], instructions: [ap(act({ type: 16 }))] }) },
  {
    name: 'copy_ttl_out on MPLS',
    msg: fm({ match: [F('eth_type', 0x8847)], instructions: [ap(act({ type: 11 }))] }),
    differs: { ours: 'ok', ovs: 'OFPBAC_BAD_TYPE', why: 'Open vSwitch does not implement copy_ttl_in/out' },
  },
  {
    name: 'push_pbb',
    msg: fm({ instructions: [ap(act({ type: 26, ethertype: 0x88e7 }))] }),
    differs: { ours: 'ok', ovs: 'OFPBAC_BAD_TYPE', why: 'Open vSwitch does not implement PBB actions' },
  },
  { name: 'an experimenter action', msg: fm({ instructions: [ap(act({ type: 0xffff, experimenter: 0x12345, data: Buffer.alloc(8) }))] }) },

  /* ------------------------------------------------------------- groups */
  { name: 'group: ALL with a watch', msg: gm(0, 1, 0, [bk([out(1)], { watch_port: 1 })]) },
  { name: 'group: FF without a watch', msg: gm(0, 1, 3, [bk([out(1)])]) },
  { name: 'group: INDIRECT with two buckets', msg: gm(0, 1, 2, [bk([out(1)]), bk([out(2)])]) },
  { name: 'group: INDIRECT with none', msg: gm(0, 1, 2, []) },
  { name: 'group: type 7', msg: gm(0, 1, 7, []) },
  { name: 'group: OFPG_ALL as an id', msg: gm(0, OFPG.ALL, 0, []) },
  { name: 'group: DELETE with buckets', msg: gm(2, 1, 0, [bk([])]) },
  { name: 'group: ADD of an existing group', setup: [GROUP1], msg: GROUP1 },
  { name: 'group: MODIFY of a missing group', msg: gm(1, 88, 0, []) },
  { name: 'group: DELETE of a missing group', msg: gm(2, 88, 0, []) },
  { name: 'group: chained to an existing group', setup: [GROUP1], msg: gm(0, 2, 2, [bk([act({ type: 22, group_id: 1 })])]) },
  { name: 'group: pop_vlan in a bucket', msg: gm(0, 2, 0, [bk([act({ type: 18 }), out(1)])]) },
  {
    name: 'group: weight in an ALL group',
    msg: gm(0, 1, 0, [bk([out(1)], { weight: 5 })]),
    differs: { ours: 'OFPGMFC_WEIGHT_UNSUPPORTED', ovs: 'OFPGMFC_INVALID_GROUP', why: 'weights are for select groups; WEIGHT_UNSUPPORTED names it' },
  },
  {
    name: 'group: watch port 0',
    msg: gm(0, 1, 3, [bk([out(1)], { watch_port: 0 })]),
    differs: { ours: 'OFPGMFC_BAD_WATCH', ovs: 'ok', why: 'port 0 is no port' },
  },
  {
    name: 'group: watching a group that does not exist',
    msg: gm(0, 1, 3, [bk([out(1)], { watch_group: 50 })]),
    differs: { ours: 'OFPGMFC_BAD_WATCH', ovs: 'ok', why: 'OFPGMFC_BAD_WATCH: "error in watch port/group"' },
  },
  {
    name: 'group: sending to itself',
    msg: gm(0, 1, 0, [bk([act({ type: 22, group_id: 1 })])]),
    differs: { ours: 'OFPGMFC_LOOP', ovs: 'ok', why: 'OFPGMFC_LOOP: "group entry would cause a loop"; Open vSwitch does not check' },
  },
  {
    name: 'group: chained to a group that does not exist',
    msg: gm(0, 1, 0, [bk([act({ type: 22, group_id: 77 })])]),
    differs: { ours: 'OFPBAC_BAD_OUT_GROUP', ovs: 'ok', why: 'a group action to no group is refused in flows; so in buckets' },
  },
  {
    name: 'group: output to port 0 in a bucket',
    msg: gm(0, 1, 0, [bk([out(0)])]),
    differs: { ours: 'OFPBAC_BAD_OUT_PORT', ovs: 'ok', why: 'port numbers start at 1' },
  },
  {
    name: 'group: command 5',
    msg: gm(5, 1, 0, []),
    differs: { ours: 'OFPGMFC_BAD_COMMAND', ovs: 'OFPGMFC_UNKNOWN_GROUP', why: 'OF1.3 defines commands 0-2; Open vSwitch takes 5 as OF1.5 REMOVE_BUCKET' },
  },
  { name: 'group stats of a missing group', msg: mp(6, { group_id: 99 }) },

  /* ------------------------------------------------------------- meters */
  { name: 'meter: rate 0', msg: mm(0, 1, OFPMF.KBPS, [drop(0)]) },
  { name: 'meter: KBPS and PKTPS', msg: mm(0, 1, OFPMF.KBPS | OFPMF.PKTPS, [drop(10)]) },
  { name: 'meter: neither KBPS nor PKTPS', msg: mm(0, 1, 0, [drop(10)]) },
  { name: 'meter: id 0', msg: mm(0, 0, OFPMF.KBPS, [drop(10)]) },
  { name: 'meter: OFPM_ALL as an id', msg: mm(0, OFPM.ALL, OFPMF.KBPS, [drop(10)]) },
  { name: 'meter: an experimenter band', msg: mm(0, 4, OFPMF.KBPS, [{ type: OFPMBT.EXPERIMENTER, rate: 10, burst_size: 0, experimenter: 5, data: Buffer.alloc(0) }]) },
  { name: 'meter: MODIFY of a missing meter', msg: mm(1, 44, OFPMF.KBPS, [drop(10)]) },
  { name: 'meter: ADD of an existing meter', setup: [mm(0, 4, OFPMF.KBPS, [drop(10)])], msg: mm(0, 4, OFPMF.KBPS, [drop(10)]) },
  { name: 'meter: nine bands', msg: mm(0, 5, OFPMF.KBPS, Array.from({ length: 9 }, (_, i) => drop(10 + i))) },
  { name: 'meter: command 4', msg: mm(4, 5, OFPMF.KBPS, []) },
  { name: 'meter: stats of a missing meter', msg: mp(9, { meter_id: 99 }) },
  { name: 'meter: config of a missing meter', msg: mp(10, { meter_id: 99 }) },
  {
    name: 'meter: OFPMF_BURST with burst_size 0',
    msg: mm(0, 1, OFPMF.KBPS | OFPMF.BURST, [drop(10, 0)]),
    differs: { ours: 'OFPMMFC_BAD_BURST', ovs: 'ok', why: 'a bucket that holds nothing would drop every packet' },
  },
  { name: 'meter: the controller meter', msg: mm(0, OFPM.CONTROLLER, OFPMF.KBPS, [drop(10)]) },
  {
    name: 'meter: a DSCP_REMARK band',
    msg: mm(0, 2, OFPMF.KBPS, [{ type: OFPMBT.DSCP_REMARK, rate: 10, burst_size: 0, prec_level: 1 }]),
    differs: { ours: 'ok', ovs: 'OFPMMFC_BAD_BAND', why: 'Open vSwitch\'s userspace meters have drop bands only' },
  },
  {
    name: 'meter: no bands',
    msg: mm(0, 6, OFPMF.KBPS, []),
    differs: { ours: 'ok', ovs: 'OFPMMFC_OUT_OF_BANDS', why: 'a meter without bands only counts; the spec does not forbid it' },
  },

  /* ---------------------------------------------------------- packet-out */
  { name: 'packet-out: an unknown buffer', msg: packetOut(1, [out(2)], 0x100) },
  { name: 'packet-out: pop_vlan on an untagged frame', msg: packetOut(1, [act({ type: 18 })]) },
  { name: 'packet-out: from CONTROLLER', msg: packetOut(OFPP.CONTROLLER, [out(2)]) },
  { name: 'packet-out: output:TABLE', msg: packetOut(1, [out(OFPP.TABLE)]) },
  {
    name: 'packet-out: in_port OFPP_ANY',
    msg: packetOut(OFPP.ANY, [out(1)]),
    differs: { ours: 'OFPBRC_BAD_PORT', ovs: 'ok', why: 'in_port must be "a valid standard switch port or OFPP_CONTROLLER" (§7.3.7)' },
  },
  {
    name: 'packet-out: from a port that does not exist',
    msg: packetOut(9, [out(1)]),
    differs: { ours: 'OFPBRC_BAD_PORT', ovs: 'ok', why: 'in_port must be a valid port (§7.3.7)' },
  },

  /* ------------------------------------------------------- everything else */
  { name: 'port_mod: a port that does not exist', msg: { type: OFPT.PORT_MOD, xid: 0, port_no: 9, hw_addr: '00:00:00:00:00:01', config: 0, mask: 0, advertise: 0 } },
  { name: 'port_mod: another hw_addr', msg: { type: OFPT.PORT_MOD, xid: 0, port_no: 1, hw_addr: '00:00:00:00:00:01', config: 0, mask: 0, advertise: 0 } },
  { name: 'table_mod: deprecated bits', msg: { type: OFPT.TABLE_MOD, xid: 0, table_id: 3, config: 3 } },
  {
    name: 'table_mod: config bit 2',
    msg: { type: OFPT.TABLE_MOD, xid: 0, table_id: 3, config: 4 },
    differs: { ours: 'OFPTMFC_BAD_CONFIG', ovs: 'ok', why: 'OF1.3 defines only the deprecated bits (OF1.4 added eviction)' },
  },
  { name: 'experimenter message', msg: { type: OFPT.EXPERIMENTER, xid: 0, experimenter: 0x12345, exp_type: 1, data: Buffer.alloc(0) } },
  { name: 'flow stats with a bad match', msg: mp(1, { table_id: 0xff, out_port: OFPP.ANY, out_group: OFPG.ANY, cookie: 0n, cookie_mask: 0n, match: [F('tcp_src', 1)] }) },
  { name: 'port stats of a missing port', msg: mp(4, { port_no: 9 }) },
  { name: 'queue stats of a missing port', msg: mp(5, { port_no: 9, queue_id: 0xffffffff }) },
  { name: 'queue stats of a missing queue', msg: mp(5, { port_no: 1, queue_id: 3 }) },
  { name: 'queue config of a missing port', msg: { type: OFPT.QUEUE_GET_CONFIG_REQUEST, xid: 0, port: 9 } },
  { name: 'queue config of every port', msg: { type: OFPT.QUEUE_GET_CONFIG_REQUEST, xid: 0, port: OFPP.ANY } },
];
