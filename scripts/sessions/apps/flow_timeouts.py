"""Session 09: flows that time out, and the OFPT_FLOW_REMOVED they bring.

Idle timeout 1 s and hard timeout 2 s with OFPFF_SEND_FLOW_REM, one idle
flow kept alive by a ping for a while, one flow without the flag (removed
silently), then flow stats once they are gone.
"""
from session_app import SessionApp, mark


class FlowTimeouts(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        out = lambda port: [parser.OFPActionOutput(port)]
        m = parser.OFPMatch
        rem = p.OFPFF_SEND_FLOW_REM
        self.batch(dp, [
            self.flow(dp, priority=10, match=m(in_port=1), actions=out(2), idle_timeout=2, flags=rem, cookie=0xa),
            self.flow(dp, priority=10, match=m(in_port=2), actions=out(1), idle_timeout=2, flags=rem, cookie=0xb),
            self.flow(dp, priority=10, match=m(in_port=3), actions=out(1), hard_timeout=2, flags=rem, cookie=0xc),
            self.flow(dp, priority=5, match=m(eth_type=0x0806), actions=out(p.OFPP_FLOOD), hard_timeout=1, cookie=0xd),
            self.flow(dp, table_id=1, priority=5, actions=out(1), idle_timeout=1, hard_timeout=3, flags=rem, cookie=0xe),
        ])
        mark("ready")
        self.wait_signal("traffic-done")
        self.sleep(5)
        self.flow_stats(dp)
