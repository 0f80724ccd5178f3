"""Session 08: instructions and actions the switch refuses.

Each flow mod, followed by a barrier: output to port 0 and to OFPP_ANY
(OFPBAC_BAD_OUT_PORT), a group that does not exist (OFPBAC_BAD_OUT_GROUP),
goto-table backwards and past the last table (OFPBIC_BAD_TABLE_ID), an
unknown meter, two apply-actions instructions, a set-field of a field
without its prerequisites, push_vlan with a bad ethertype, set_queue to an
unknown queue, an output to OFPP_CONTROLLER with max_len, write-metadata
with a mask, clear-actions, and an experimenter action nobody knows. Good
flow mods between them show the switch carrying on.
"""
import struct

from session_app import SessionApp
from flow_mod_errors import flow_mod_bytes, oxm


class ActionErrors(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        m = parser.OFPMatch
        apply = lambda acts: parser.OFPInstructionActions(p.OFPIT_APPLY_ACTIONS, acts)
        msgs = [
            self.flow(dp, priority=10, match=m(in_port=1), actions=[parser.OFPActionOutput(0)]),
            self.flow(dp, priority=10, match=m(in_port=1), actions=[parser.OFPActionOutput(p.OFPP_ANY)]),
            self.flow(dp, priority=10, match=m(in_port=1), actions=[parser.OFPActionOutput(2)]),
            self.flow(dp, priority=10, match=m(in_port=1), actions=[parser.OFPActionGroup(42)]),
            self.flow(dp, table_id=3, priority=10, inst=[parser.OFPInstructionGotoTable(2)]),
            self.flow(dp, table_id=3, priority=10, inst=[parser.OFPInstructionGotoTable(3)]),
            self.flow(dp, table_id=253, priority=10, inst=[parser.OFPInstructionGotoTable(254)]),
            self.flow(dp, table_id=0, priority=11, inst=[parser.OFPInstructionGotoTable(1)]),
            self.flow(dp, priority=10, match=m(in_port=2), inst=[parser.OFPInstructionMeter(5), apply([parser.OFPActionOutput(1)])]),
            self.flow(dp, priority=10, match=m(in_port=2), inst=[apply([parser.OFPActionOutput(1)]), apply([parser.OFPActionOutput(3)])]),
            self.flow(dp, priority=10, match=m(in_port=2), actions=[parser.OFPActionSetField(ipv4_dst="10.0.0.9"), parser.OFPActionOutput(1)]),
            self.flow(dp, priority=10, match=m(in_port=2, eth_type=0x0800),
                      actions=[parser.OFPActionSetField(ipv4_dst="10.0.0.9"), parser.OFPActionOutput(1)]),
            self.flow(dp, priority=10, match=m(in_port=2), actions=[parser.OFPActionPushVlan(0x1234)]),
            self.flow(dp, priority=10, match=m(in_port=2), actions=[parser.OFPActionPushVlan(0x8100),
                                                                    parser.OFPActionSetField(vlan_vid=0x1000 | 10),
                                                                    parser.OFPActionOutput(1)]),
            self.flow(dp, priority=10, match=m(in_port=3), actions=[parser.OFPActionSetQueue(7), parser.OFPActionOutput(1)]),
            self.flow(dp, priority=10, match=m(in_port=3), actions=[parser.OFPActionPopVlan(), parser.OFPActionOutput(1)]),
            self.flow(dp, priority=12, match=m(in_port=3), actions=[parser.OFPActionOutput(p.OFPP_CONTROLLER, 64)]),
            self.flow(dp, table_id=1, priority=10, inst=[parser.OFPInstructionWriteMetadata(0x5, 0xff),
                                                         parser.OFPInstructionActions(p.OFPIT_CLEAR_ACTIONS, []),
                                                         parser.OFPInstructionActions(p.OFPIT_WRITE_ACTIONS, [parser.OFPActionOutput(2)])]),
            self.flow(dp, priority=10, match=m(in_port=3), actions=[parser.OFPActionSetMplsTtl(5), parser.OFPActionOutput(1)]),
            self.flow(dp, priority=10, match=m(in_port=3), actions=[parser.OFPActionDecNwTtl(), parser.OFPActionOutput(1)]),
            self.flow(dp, priority=10, match=m(in_port=3), actions=[parser.OFPActionOutput(1), parser.OFPActionOutput(1)]),
        ]
        self.each_then_barrier(dp, msgs)
        # An experimenter action with an experimenter id nobody knows (type 0xffff, len 16).
        exp_action = struct.pack("!HHI", 0xffff, 16, 0x00abcdef) + b"\0" * 8
        inst = struct.pack("!HH4x", p.OFPIT_APPLY_ACTIONS, 8 + len(exp_action)) + exp_action
        self.batch(dp, [self.raw(dp, flow_mod_bytes([oxm(0, struct.pack("!I", 1))], inst))])
        # An unknown instruction type.
        inst = struct.pack("!HH4x", 0x0009, 8)
        self.batch(dp, [self.raw(dp, flow_mod_bytes([oxm(0, struct.pack("!I", 1))], inst))])
        # An action type that does not exist (type 0x00f0, len 8).
        bad_action = struct.pack("!HH4x", 0x00f0, 8)
        inst = struct.pack("!HH4x", p.OFPIT_APPLY_ACTIONS, 8 + len(bad_action)) + bad_action
        self.batch(dp, [self.raw(dp, flow_mod_bytes([oxm(0, struct.pack("!I", 1))], inst))])
        self.flow_stats(dp)
