"""Session 05: OFPFC_MODIFY and OFPFC_MODIFY_STRICT.

Four flows carry traffic from a ping; then MODIFY by a loose match, by
cookie and cookie mask, with and without OFPFF_RESET_COUNTS, MODIFY_STRICT
hitting one flow and missing (wrong priority: nothing changes, no flow is
added in OpenFlow 1.3), and MODIFY of a table with no match. Flow stats
after each step show what changed.
"""
from session_app import SessionApp, mark


class FlowModModify(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        out = lambda port: [parser.OFPActionOutput(port)]
        m = parser.OFPMatch
        self.batch(dp, [
            self.flow(dp, priority=10, match=m(in_port=1), actions=out(2), cookie=0x100),
            self.flow(dp, priority=10, match=m(in_port=2), actions=out(1), cookie=0x200),
            self.flow(dp, priority=20, match=m(in_port=1, eth_type=0x0800), actions=out(2), cookie=0x101),
            self.flow(dp, priority=20, match=m(in_port=2, eth_type=0x0800), actions=out(1), cookie=0x201),
        ])
        mark("ready")
        self.wait_signal("traffic-done")
        self.flow_stats(dp)
        steps = [
            # Loose: every flow whose match includes in_port=1.
            self.flow(dp, command=p.OFPFC_MODIFY, match=m(in_port=1), actions=out(2) + out(3)),
            # By cookie: the 0x2xx flows, counters reset.
            self.flow(dp, command=p.OFPFC_MODIFY, cookie=0x200, cookie_mask=0xf00, actions=out(1),
                      flags=p.OFPFF_RESET_COUNTS),
            # Strict, hits the priority-20 in_port=1 ip flow.
            self.flow(dp, command=p.OFPFC_MODIFY_STRICT, priority=20, match=m(in_port=1, eth_type=0x0800),
                      actions=out(3)),
            # Strict, wrong priority: matches nothing, adds nothing.
            self.flow(dp, command=p.OFPFC_MODIFY_STRICT, priority=21, match=m(in_port=1, eth_type=0x0800),
                      actions=out(3)),
            # Empty table.
            self.flow(dp, table_id=5, command=p.OFPFC_MODIFY, actions=out(1)),
            # Modify to no actions at all (drop).
            self.flow(dp, command=p.OFPFC_MODIFY_STRICT, priority=10, match=m(in_port=2), inst=[]),
        ]
        for s in steps:
            self.batch(dp, [s])
            self.flow_stats(dp)
