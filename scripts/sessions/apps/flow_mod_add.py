"""Session 04: OFPFC_ADD with every flag.

Flows with a cookie, timeouts and each of OFPFF_SEND_FLOW_REM,
OFPFF_CHECK_OVERLAP (accepted, then refused with OFPFMFC_OVERLAP),
OFPFF_RESET_COUNTS (re-adding an existing flow), OFPFF_NO_PKT_COUNTS and
OFPFF_NO_BYT_COUNTS, in tables 0 and 1; a ping through them between the
adds, and flow stats at the end (counters as the flags left them).
"""
from session_app import SessionApp, mark


class FlowModAdd(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        out = lambda port: [parser.OFPActionOutput(port)]
        self.each_then_barrier(dp, [
            self.flow(dp, priority=10, match=parser.OFPMatch(in_port=1), actions=out(2), cookie=0x11,
                      flags=p.OFPFF_SEND_FLOW_REM),
            self.flow(dp, priority=10, match=parser.OFPMatch(in_port=2), actions=out(1), cookie=0x12,
                      flags=p.OFPFF_NO_PKT_COUNTS | p.OFPFF_NO_BYT_COUNTS),
            self.flow(dp, priority=20, match=parser.OFPMatch(in_port=3), actions=out(1), cookie=0x13,
                      flags=p.OFPFF_CHECK_OVERLAP, idle_timeout=300, hard_timeout=600),
            # Same priority as the in_port=1 flow and overlapping it: refused.
            self.flow(dp, priority=10, match=parser.OFPMatch(eth_type=0x0800), actions=out(3), cookie=0x14,
                      flags=p.OFPFF_CHECK_OVERLAP),
            # Same priority, disjoint match: accepted.
            self.flow(dp, priority=10, match=parser.OFPMatch(in_port=3, eth_type=0x0806), actions=out(2), cookie=0x15,
                      flags=p.OFPFF_CHECK_OVERLAP),
            self.flow(dp, table_id=1, priority=5, match=parser.OFPMatch(eth_type=0x0800, ipv4_dst="10.0.0.2"),
                      actions=out(2), cookie=0x16, flags=p.OFPFF_SEND_FLOW_REM | p.OFPFF_NO_BYT_COUNTS),
        ])
        mark("ready")
        self.wait_signal("traffic-done")
        self.flow_stats(dp)
        self.each_then_barrier(dp, [
            # Re-adding an existing flow keeps its counters, unless RESET_COUNTS says otherwise.
            self.flow(dp, priority=10, match=parser.OFPMatch(in_port=1), actions=out(2), cookie=0x21),
            self.flow(dp, priority=10, match=parser.OFPMatch(in_port=2), actions=out(1), cookie=0x22,
                      flags=p.OFPFF_RESET_COUNTS),
            self.flow(dp, table_id=1, priority=5, match=parser.OFPMatch(eth_type=0x0800, ipv4_dst="10.0.0.2"),
                      actions=out(2), cookie=0x23, flags=p.OFPFF_CHECK_OVERLAP),
        ])
        self.flow_stats(dp)
        self.request(dp, parser.OFPAggregateStatsRequest(dp, 0, p.OFPTT_ALL, p.OFPP_ANY, p.OFPG_ANY, 0, 0,
                                                          parser.OFPMatch()))
