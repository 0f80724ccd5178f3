"""Session 14: groups of every type, with traffic through them.

ALL (flood h1's frames to ports 2 and 3), SELECT (two weighted buckets),
INDIRECT, and FAST_FAILOVER (watching ports 2 then 3); flows send the
hosts' traffic through them, pings run, then group stats and descriptions,
a modify of each group (new buckets, a type change), group features, and
deletes (one group, then OFPG_ALL, which also deletes the flows using them).
"""
from session_app import SessionApp, mark


class Groups(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        m = parser.OFPMatch
        out = lambda port: [parser.OFPActionOutput(port)]
        B = parser.OFPBucket
        G = lambda cmd, typ, gid, buckets: parser.OFPGroupMod(dp, cmd, typ, gid, buckets)
        self.each_then_barrier(dp, [
            G(p.OFPGC_ADD, p.OFPGT_ALL, 1, [B(actions=out(2)), B(actions=out(3))]),
            G(p.OFPGC_ADD, p.OFPGT_SELECT, 2, [B(weight=70, actions=out(1)), B(weight=30, actions=out(3))]),
            G(p.OFPGC_ADD, p.OFPGT_INDIRECT, 3, [B(actions=[parser.OFPActionSetField(eth_dst="00:00:00:00:00:01"),
                                                           parser.OFPActionOutput(1)])]),
            G(p.OFPGC_ADD, p.OFPGT_FF, 4, [B(watch_port=2, actions=out(2)), B(watch_port=3, actions=out(3))]),
            G(p.OFPGC_ADD, p.OFPGT_INDIRECT, 5, [B(actions=[parser.OFPActionGroup(4)])]),
        ])
        self.batch(dp, [
            self.flow(dp, priority=10, match=m(in_port=1), actions=[parser.OFPActionGroup(1)]),
            self.flow(dp, priority=10, match=m(in_port=2, eth_type=0x0806), actions=[parser.OFPActionGroup(2)]),
            self.flow(dp, priority=10, match=m(in_port=2, eth_type=0x0800), actions=[parser.OFPActionGroup(3)]),
            self.flow(dp, priority=10, match=m(in_port=3), actions=[parser.OFPActionGroup(3)]),
            self.flow(dp, priority=20, match=m(in_port=1, eth_type=0x0800, ipv4_dst="10.0.0.2"),
                      actions=[parser.OFPActionGroup(5)]),
        ])
        mark("ready")
        self.wait_signal("traffic-done")
        self.request(dp, parser.OFPGroupStatsRequest(dp, 0, p.OFPG_ALL))
        self.request(dp, parser.OFPGroupDescStatsRequest(dp, 0))
        self.request(dp, parser.OFPGroupFeaturesStatsRequest(dp, 0))
        self.each_then_barrier(dp, [
            G(p.OFPGC_MODIFY, p.OFPGT_ALL, 1, [B(actions=out(2))]),
            G(p.OFPGC_MODIFY, p.OFPGT_SELECT, 2, [B(weight=1, actions=out(1)), B(weight=1, actions=out(2)),
                                                   B(weight=1, actions=out(3))]),
            G(p.OFPGC_MODIFY, p.OFPGT_ALL, 3, [B(actions=out(1)), B(actions=out(3))]),
            G(p.OFPGC_MODIFY, p.OFPGT_FF, 4, [B(watch_port=3, actions=out(3))]),
        ])
        self.request(dp, parser.OFPGroupDescStatsRequest(dp, 0))
        self.request(dp, parser.OFPGroupStatsRequest(dp, 0, 2))
        self.each_then_barrier(dp, [G(p.OFPGC_DELETE, p.OFPGT_ALL, 5, [])])
        self.flow_stats(dp)
        self.each_then_barrier(dp, [G(p.OFPGC_DELETE, p.OFPGT_ALL, p.OFPG_ALL, [])])
        self.request(dp, parser.OFPGroupDescStatsRequest(dp, 0))
        self.flow_stats(dp)
