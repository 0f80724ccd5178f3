"""Session 11: every multipart request type os-ken can send, with state to report.

First a group, a meter, flows (one through the group, one metered) and a
ping so that counters move; then OFPMP_DESC, FLOW (all tables and one, with
a match), AGGREGATE, TABLE, PORT_STATS (all and port 1), QUEUE (all, and
port 1 queue 1), GROUP, GROUP_DESC, GROUP_FEATURES, METER, METER_CONFIG,
METER_FEATURES, PORT_DESC and EXPERIMENTER (refused). TABLE_FEATURES has a
session of its own (22). Port 1 has two queues.
"""
from session_app import SessionApp, mark


class MultipartAll(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        m = parser.OFPMatch
        out = lambda port: [parser.OFPActionOutput(port)]
        self.batch(dp, [
            parser.OFPGroupMod(dp, p.OFPGC_ADD, p.OFPGT_ALL, 1, [parser.OFPBucket(actions=out(2)),
                                                                 parser.OFPBucket(actions=out(3))]),
            parser.OFPMeterMod(dp, p.OFPMC_ADD, p.OFPMF_PKTPS | p.OFPMF_STATS, 1,
                               [parser.OFPMeterBandDrop(rate=1000, burst_size=0)]),
        ])
        self.batch(dp, [
            self.flow(dp, priority=10, match=m(in_port=1), actions=[parser.OFPActionGroup(1)], cookie=1),
            self.flow(dp, priority=10, match=m(in_port=2), inst=[parser.OFPInstructionMeter(1),
                      parser.OFPInstructionActions(p.OFPIT_APPLY_ACTIONS, out(1))], cookie=2),
            self.flow(dp, priority=10, match=m(in_port=3), actions=out(1), cookie=3),
            self.flow(dp, table_id=1, priority=1, actions=[], cookie=4),
        ])
        mark("ready")
        self.wait_signal("traffic-done")
        any_ = (p.OFPP_ANY, p.OFPG_ANY)
        reqs = [
            parser.OFPDescStatsRequest(dp, 0),
            parser.OFPFlowStatsRequest(dp, 0, p.OFPTT_ALL, *any_, 0, 0, m()),
            parser.OFPFlowStatsRequest(dp, 0, 0, *any_, 0, 0, m(in_port=2)),
            parser.OFPFlowStatsRequest(dp, 0, p.OFPTT_ALL, 2, p.OFPG_ANY, 0, 0, m()),
            parser.OFPFlowStatsRequest(dp, 0, p.OFPTT_ALL, p.OFPP_ANY, 1, 0, 0, m()),
            parser.OFPFlowStatsRequest(dp, 0, p.OFPTT_ALL, *any_, 2, 0xff, m()),
            parser.OFPAggregateStatsRequest(dp, 0, p.OFPTT_ALL, *any_, 0, 0, m()),
            parser.OFPAggregateStatsRequest(dp, 0, 0, *any_, 0, 0, m(in_port=1)),
            parser.OFPTableStatsRequest(dp, 0),
            parser.OFPPortStatsRequest(dp, 0, p.OFPP_ANY),
            parser.OFPPortStatsRequest(dp, 0, 1),
            parser.OFPQueueStatsRequest(dp, 0, p.OFPP_ANY, p.OFPQ_ALL),
            parser.OFPQueueStatsRequest(dp, 0, 1, 1),
            parser.OFPQueueStatsRequest(dp, 0, 1, p.OFPQ_ALL),
            parser.OFPGroupStatsRequest(dp, 0, p.OFPG_ALL),
            parser.OFPGroupStatsRequest(dp, 0, 1),
            parser.OFPGroupDescStatsRequest(dp, 0),
            parser.OFPGroupFeaturesStatsRequest(dp, 0),
            parser.OFPMeterStatsRequest(dp, 0, p.OFPM_ALL),
            parser.OFPMeterStatsRequest(dp, 0, 1),
            parser.OFPMeterConfigStatsRequest(dp, 0, p.OFPM_ALL),
            parser.OFPMeterFeaturesStatsRequest(dp, 0),
            parser.OFPPortDescStatsRequest(dp, 0),
            parser.OFPExperimenterStatsRequest(dp, 0, 0x00abcdef, 1, b"\0\0\0\0"),
        ]
        for r in reqs:
            self.request(dp, r)
        self.barrier(dp)
