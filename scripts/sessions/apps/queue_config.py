"""Session 25: queues: configuration, statistics and set-queue.

OFPT_QUEUE_GET_CONFIG_REQUEST for port 1 (two queues), port 2 (none),
OFPP_ANY and port 99 (refused); a flow that sets queue 1 on ICMP from h2 to
h1, a ping through it, then queue stats for all ports, port 1, and queue 2.
"""
from session_app import SessionApp, mark


class QueueConfig(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        m = parser.OFPMatch
        for port in (1, 2, p.OFPP_ANY, 99):
            self.request(dp, parser.OFPQueueGetConfigRequest(dp, port), timeout=2)
        self.batch(dp, [
            self.flow(dp, priority=10, match=m(in_port=2, eth_type=0x0800),
                      actions=[parser.OFPActionSetQueue(1), parser.OFPActionOutput(1)]),
            self.flow(dp, priority=5, match=m(in_port=2), actions=[parser.OFPActionOutput(1)]),
            self.flow(dp, priority=5, match=m(in_port=1), actions=[parser.OFPActionOutput(2)]),
        ])
        mark("ready")
        self.wait_signal("traffic-done")
        self.request(dp, parser.OFPQueueStatsRequest(dp, 0, p.OFPP_ANY, p.OFPQ_ALL))
        self.request(dp, parser.OFPQueueStatsRequest(dp, 0, 1, p.OFPQ_ALL))
        self.request(dp, parser.OFPQueueStatsRequest(dp, 0, 1, 2))
        self.flow_stats(dp)
