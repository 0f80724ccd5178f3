/**
 * The instruction and action checks of a flow_mod (check-actions.ts): each
 * error of §7.4.4 that a flow entry's instructions can raise, through
 * Bridge.handle(), each with "and nothing changed".
 */
import t from 'tap';
import {
  OFPAT,
  OFPBAC,
  OFPBIC,
  OFPCML,
  OFPET,
  OFPIT,
  OFPM,
  OFPMF,
  OFPMMFC,
  OFPMBT,
  OFPP,
} from '../../lib/openflow/index.js';
import type { Action, Instruction } from '../../lib/openflow/index.js';
import { add, apply, f, flows, gotoTable, group, handle, meterInst, meterMod, OFPMC, output, refuses, setField, testBridge, write } from './util.js';

const IP = f('eth_type', 0x0800);
const TCP = [IP, f('ip_proto', 6)];
const VLAN = f('vlan_vid', 0x1000 | 10);
const MPLS = f('eth_type', 0x8847);
const act = (a: Partial<Action> & { type: OFPAT }): Action => a as Action;

t.test('instructions: types, duplicates, goto-table, metadata, experimenter', async (t) => {
  const tb = testBridge({ nTables: 5 });
  const bad = (insts: Instruction[], code: OFPBIC, what: string, table_id = 0): void =>
    refuses(t, tb, add([], insts, { table_id }), OFPET.BAD_INSTRUCTION, code, what);
  bad([gotoTable(0)], OFPBIC.BAD_TABLE_ID, 'goto the same table');
  bad([gotoTable(1)], OFPBIC.BAD_TABLE_ID, 'goto an earlier table', 2);
  bad([gotoTable(5)], OFPBIC.BAD_TABLE_ID, 'goto a table that does not exist');
  bad([gotoTable(1)], OFPBIC.UNSUP_INST, 'goto from the last table (not in its instructions)', 4);
  bad([apply(), apply()], OFPBIC.UNSUP_INST, 'the same instruction type twice (OF1.3 has no DUP_INST)');
  bad([{ type: OFPIT.EXPERIMENTER, experimenter: 0x2320, data: Buffer.alloc(4) }], OFPBIC.BAD_EXPERIMENTER, 'an experimenter instruction');
  handle(tb.bridge, add([], [gotoTable(4), { type: OFPIT.WRITE_METADATA, metadata: 1n, metadata_mask: 0xffn }, apply(), write(), { type: OFPIT.CLEAR_ACTIONS, actions: [] }], { table_id: 3 }));
  t.equal(flows(tb.bridge).length, 1, 'one of each type is fine');
});

t.test('instructions: meters', async (t) => {
  const tb = testBridge();
  refuses(t, tb, add([], [meterInst(1)]), OFPET.METER_MOD_FAILED, OFPMMFC.UNKNOWN_METER, 'a meter that does not exist (OVS: INVALID_METER)');
  refuses(t, tb, add([], [meterInst(0)]), OFPET.METER_MOD_FAILED, OFPMMFC.INVALID_METER, 'meter 0');
  refuses(t, tb, add([], [meterInst(OFPM.ALL)]), OFPET.METER_MOD_FAILED, OFPMMFC.INVALID_METER, 'OFPM_ALL');
  refuses(t, tb, add([], [meterInst(OFPM.MAX + 1)]), OFPET.METER_MOD_FAILED, OFPMMFC.INVALID_METER, 'above OFPM_MAX');
  refuses(t, tb, add([], [meterInst(OFPM.CONTROLLER)]), OFPET.METER_MOD_FAILED, OFPMMFC.INVALID_METER, 'the controller meter (virtual: for packet-ins only, as Open vSwitch)');
  handle(tb.bridge, meterMod(OFPMC.ADD, 1, OFPMF.KBPS, [{ type: OFPMBT.DROP, rate: 1000, burst_size: 0 }]));
  handle(tb.bridge, add([], [meterInst(1), apply(output(1))]));
  t.equal(flows(tb.bridge).length, 1, 'an existing meter');
});

t.test('actions: output ports', async (t) => {
  const tb = testBridge();
  for (const [port, what] of [
    [0, 'port 0'],
    [OFPP.ANY, 'OFPP_ANY'],
    [0xffffff01, 'the unassigned range above OFPP_MAX'],
    [OFPP.TABLE, 'OFPP_TABLE outside a packet-out (§4.5; OVS allows it)'],
  ] as const) {
    refuses(t, tb, add([], [apply(output(port))]), OFPET.BAD_ACTION, OFPBAC.BAD_OUT_PORT, what);
  }
  refuses(t, tb, add([], [apply(output(OFPP.CONTROLLER, 0xfff0))]), OFPET.BAD_ACTION, OFPBAC.BAD_ARGUMENT, 'a controller max_len above OFPCML_MAX');
  for (const port of [1, 77, OFPP.MAX, OFPP.IN_PORT, OFPP.NORMAL, OFPP.FLOOD, OFPP.ALL, OFPP.LOCAL]) {
    handle(tb.bridge, add([f('in_port', 1)], [apply(output(port))], { priority: port % 0x10000 }));
  }
  handle(tb.bridge, add([f('in_port', 1)], [apply(output(OFPP.CONTROLLER, OFPCML.NO_BUFFER))], { priority: 1000 }));
  handle(tb.bridge, add([f('in_port', 1)], [write(output(OFPP.CONTROLLER, OFPCML.MAX))], { priority: 1001 }));
  t.equal(flows(tb.bridge).length, 10, 'physical ports (existing or not, §6.4) and the reserved ports one can output to');
});

t.test('actions: groups, arguments, experimenters', async (t) => {
  const tb = testBridge();
  refuses(t, tb, add([], [apply(group(1))]), OFPET.BAD_ACTION, OFPBAC.BAD_OUT_GROUP, 'a group that does not exist');
  refuses(t, tb, add([], [write(group(0xfffffffc))]), OFPET.BAD_ACTION, OFPBAC.BAD_OUT_GROUP, 'OFPG_ALL');
  refuses(t, tb, add([], [apply(act({ type: OFPAT.PUSH_VLAN, ethertype: 0x0800 }))]), OFPET.BAD_ACTION, OFPBAC.BAD_ARGUMENT, 'push_vlan 0x0800');
  refuses(t, tb, add([], [apply(act({ type: OFPAT.PUSH_MPLS, ethertype: 0x8100 }))]), OFPET.BAD_ACTION, OFPBAC.BAD_ARGUMENT, 'push_mpls 0x8100');
  refuses(t, tb, add([], [apply(act({ type: OFPAT.PUSH_PBB, ethertype: 0x8100 }))]), OFPET.BAD_ACTION, OFPBAC.BAD_ARGUMENT, 'push_pbb 0x8100');
  refuses(t, tb, add([], [apply({ type: OFPAT.EXPERIMENTER, experimenter: 0x2320, data: Buffer.alloc(8) })]), OFPET.BAD_ACTION, OFPBAC.BAD_EXPERIMENTER, 'an experimenter action');
  refuses(t, tb, add([], [apply({ type: OFPAT.SET_FIELD, field: { field: 'other', oxm_class: 1, oxm_field: 0, hasmask: false, payload: Buffer.alloc(4) } })]), OFPET.BAD_ACTION, OFPBAC.BAD_SET_TYPE, 'set_field of an NXM register');
  refuses(t, tb, add([f('in_port', 1)], [apply(setField('in_port', 2))]), OFPET.BAD_ACTION, OFPBAC.BAD_SET_TYPE, 'set_field in_port (not a header field, §5.12.1)');
  refuses(t, tb, add([], [apply(setField('metadata', 1n))]), OFPET.BAD_ACTION, OFPBAC.BAD_SET_TYPE, 'set_field metadata');
  refuses(t, tb, add([...TCP], [apply(setField('tcp_src', 0x10000))]), OFPET.BAD_ACTION, OFPBAC.BAD_SET_ARGUMENT, 'a value the field cannot hold');
  refuses(t, tb, add([VLAN], [apply(setField('vlan_vid', 0x2000))]), OFPET.BAD_ACTION, OFPBAC.BAD_SET_ARGUMENT, 'vlan_vid above 13 bits');
  refuses(t, tb, add([IP], [apply({ type: OFPAT.SET_FIELD, field: { field: 'ipv4_src', value: '1.2.3.4', mask: '255.0.0.0' } })]), OFPET.BAD_ACTION, OFPBAC.BAD_SET_ARGUMENT, 'a masked set_field');
  handle(tb.bridge, add([], [apply({ type: OFPAT.SET_QUEUE, queue_id: 7 }, output(1))]));
  t.equal(flows(tb.bridge).length, 1, 'set_queue of any queue (the port decides; OVS accepts it too)');
});

t.test('actions: consistency with the match (OFPBAC_MATCH_INCONSISTENT)', async (t) => {
  const tb = testBridge();
  const inconsistent = (match: Parameters<typeof add>[0], insts: Instruction[], what: string): void =>
    refuses(t, tb, add(match, insts), OFPET.BAD_ACTION, OFPBAC.MATCH_INCONSISTENT, what);
  const fine = (match: Parameters<typeof add>[0], insts: Instruction[], what: string): void => {
    const n = flows(tb.bridge).length;
    handle(tb.bridge, add(match, insts, { priority: n + 1 }));
    t.equal(flows(tb.bridge).length, n + 1, what);
  };
  inconsistent([], [apply(setField('ipv4_src', '1.2.3.4'))], 'set ipv4_src without eth_type=0x0800');
  inconsistent([f('eth_type', 0x86dd)], [apply(setField('ipv4_src', '1.2.3.4'))], 'set ipv4_src on IPv6');
  inconsistent([IP], [apply(setField('tcp_dst', 80))], 'set tcp_dst without ip_proto=6');
  inconsistent([], [apply(setField('vlan_vid', 0x1005))], 'set vlan_vid on a packet that may have no tag (as OVS)');
  inconsistent([f('vlan_vid', 0)], [apply(setField('vlan_pcp', 3))], 'set vlan_pcp on an untagged packet');
  inconsistent([], [apply(act({ type: OFPAT.POP_VLAN }))], 'pop_vlan without a tag');
  inconsistent([IP], [apply(act({ type: OFPAT.POP_MPLS, ethertype: 0x0800 }))], 'pop_mpls on IP');
  inconsistent([IP], [apply(act({ type: OFPAT.DEC_MPLS_TTL }))], 'dec_mpls_ttl on IP');
  inconsistent([IP], [apply(act({ type: OFPAT.SET_MPLS_TTL, mpls_ttl: 3 }))], 'set_mpls_ttl on IP');
  inconsistent([], [apply(act({ type: OFPAT.COPY_TTL_IN }))], 'copy_ttl_in without MPLS');
  inconsistent([f('eth_type', 0x0806)], [apply(act({ type: OFPAT.DEC_NW_TTL }))], 'dec_nw_ttl on ARP');
  inconsistent([], [apply(act({ type: OFPAT.POP_PBB }))], 'pop_pbb without PBB');
  inconsistent([VLAN], [apply(act({ type: OFPAT.POP_VLAN }), setField('vlan_vid', 0x1001))], 'set vlan_vid after popping the only known tag');
  inconsistent([MPLS], [apply(act({ type: OFPAT.POP_MPLS, ethertype: 0x0800 }), setField('ipv6_src', '::1'))], 'pop_mpls to IPv4, then an IPv6 field');
  inconsistent([IP], [write(setField('tcp_src', 1))], 'set-field prerequisites count in write-actions too');

  fine([VLAN], [apply(act({ type: OFPAT.POP_VLAN }))], 'pop_vlan with a tag matched');
  fine([f('vlan_vid', 0x1000, 0x1000)], [apply(setField('vlan_pcp', 5))], 'vlan_pcp on any tag');
  fine([], [apply(act({ type: OFPAT.PUSH_VLAN, ethertype: 0x8100 }), setField('vlan_vid', 0x1005))], 'push_vlan then set vlan_vid');
  fine([], [write(setField('vlan_vid', 0x1006), act({ type: OFPAT.PUSH_VLAN, ethertype: 0x88a8 }))], 'write-actions run in action-set order: the push comes first');
  fine([IP], [apply(act({ type: OFPAT.PUSH_MPLS, ethertype: 0x8847 }), act({ type: OFPAT.SET_MPLS_TTL, mpls_ttl: 9 }), act({ type: OFPAT.DEC_MPLS_TTL }))], 'push_mpls then MPLS actions');
  fine([MPLS], [apply(act({ type: OFPAT.POP_MPLS, ethertype: 0x0800 }), act({ type: OFPAT.DEC_NW_TTL }), setField('ipv4_dst', '1.1.1.1'))], 'pop_mpls to IPv4 then IPv4 actions');
  fine([...TCP], [apply(setField('tcp_src', 1), setField('ipv4_src', '9.9.9.9'), act({ type: OFPAT.DEC_NW_TTL }))], 'a TCP rewrite');
  fine([IP], [write(act({ type: OFPAT.POP_VLAN }))], 'pop_vlan in write-actions: a later table may push a tag (as OVS)');
  fine([], [apply(act({ type: OFPAT.PUSH_PBB, ethertype: 0x88e7 }), setField('pbb_isid', 5), act({ type: OFPAT.POP_PBB }))], 'push_pbb then PBB actions');
  fine([f('eth_type', 0x86dd), f('ip_proto', 58), f('icmpv6_type', 135)], [apply(setField('ipv6_nd_target', 'fe80::9'))], 'ND target rewrite');
});
