"""Session 20: barriers interleaved with flow mods.

Runs of flow mods with barriers between them, without waiting in between
(so the barrier replies come back in the order of the requests, after the
flow mods before them took effect), a refused flow mod inside a run (its
error comes before the next barrier reply), a barrier on its own, two
barriers back to back, and flow stats between runs.
"""
from session_app import SessionApp


class Barriers(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        m = parser.OFPMatch
        out = lambda port: [parser.OFPActionOutput(port)]
        bar = lambda: parser.OFPBarrierRequest(dp)
        msgs = []
        for i in range(4):
            msgs.append(self.flow(dp, priority=100 + i, match=m(in_port=1, eth_type=0x0800, ipv4_dst="10.0.1.%d" % i),
                                  actions=out(2)))
        msgs.append(bar())
        msgs.append(self.flow(dp, table_id=254, priority=1, actions=out(2)))
        msgs.append(self.flow(dp, priority=1, match=m(in_port=2), actions=out(1)))
        msgs.append(bar())
        msgs.append(bar())
        msgs.append(self.flow(dp, command=p.OFPFC_DELETE, match=m(in_port=1, eth_type=0x0800, ipv4_dst="10.0.1.0"),
                              out_port=p.OFPP_ANY, out_group=p.OFPG_ANY))
        msgs.append(self.flow(dp, command=p.OFPFC_MODIFY, match=m(in_port=2), actions=out(3)))
        msgs.append(parser.OFPFlowStatsRequest(dp, 0, p.OFPTT_ALL, p.OFPP_ANY, p.OFPG_ANY, 0, 0, m()))
        msgs.append(bar())
        self.batch(dp, msgs)
        self.barrier(dp)
        self.flow_stats(dp)
        msgs = []
        for i in range(6):
            msgs.append(self.flow(dp, table_id=i % 3, priority=10, match=m(in_port=3), actions=out(1)))
            msgs.append(bar())
        msgs.append(self.flow(dp, table_id=p.OFPTT_ALL, command=p.OFPFC_DELETE, out_port=p.OFPP_ANY,
                              out_group=p.OFPG_ANY))
        self.batch(dp, msgs)
        self.flow_stats(dp)
