"""Session 24: a multi-table pipeline carrying real traffic.

Table 0 classifies (write-metadata by in_port, goto 1), table 1 writes
actions and goes to 2, table 2 rewrites (set-field, push/pop VLAN, decrement
TTL) or clears the action set, and outputs; pings between h1, h2 and h3 run
through it, then per-table flow stats and table stats show what was hit.
"""
from session_app import SessionApp, mark


class Pipeline(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        m = parser.OFPMatch
        out = lambda port: parser.OFPActionOutput(port)
        apply = lambda acts: parser.OFPInstructionActions(p.OFPIT_APPLY_ACTIONS, acts)
        write = lambda acts: parser.OFPInstructionActions(p.OFPIT_WRITE_ACTIONS, acts)
        clear = parser.OFPInstructionActions(p.OFPIT_CLEAR_ACTIONS, [])
        goto = parser.OFPInstructionGotoTable
        meta = parser.OFPInstructionWriteMetadata
        flows = []
        for port in (1, 2, 3):
            flows.append(self.flow(dp, table_id=0, priority=10, match=m(in_port=port),
                                   inst=[meta(port, 0xff), goto(1)]))
        flows += [
            self.flow(dp, table_id=1, priority=10, match=m(eth_type=0x0806),
                      inst=[write([out(p.OFPP_FLOOD)]), goto(3)]),
            self.flow(dp, table_id=1, priority=10, match=m(eth_type=0x0800),
                      inst=[apply([parser.OFPActionPushVlan(0x8100), parser.OFPActionSetField(vlan_vid=0x1000 | 100)]),
                            goto(2)]),
            self.flow(dp, table_id=2, priority=10, match=m(vlan_vid=(0x1000 | 100)),
                      inst=[apply([parser.OFPActionPopVlan()]), goto(3)]),
            self.flow(dp, table_id=3, priority=20, match=m(eth_type=0x0800, ipv4_dst="10.0.0.1"),
                      inst=[clear, apply([parser.OFPActionDecNwTtl(), out(1)])]),
            self.flow(dp, table_id=3, priority=20, match=m(eth_type=0x0800, ipv4_dst="10.0.0.2"),
                      inst=[write([out(2)])]),
            self.flow(dp, table_id=3, priority=20, match=m(eth_type=0x0800, ipv4_dst="10.0.0.3", metadata=(1, 0xff)),
                      inst=[write([parser.OFPActionSetField(ip_dscp=10), out(3)])]),
            self.flow(dp, table_id=3, priority=10, match=m(eth_type=0x0800, ipv4_dst="10.0.0.3"),
                      inst=[write([out(3)])]),
            self.flow(dp, table_id=3, priority=5, match=m(eth_type=0x0806), inst=[]),
        ]
        self.batch(dp, flows)
        mark("ready")
        self.wait_signal("traffic-done")
        for t in range(4):
            self.flow_stats(dp, t)
        self.request(dp, parser.OFPTableStatsRequest(dp, 0))
