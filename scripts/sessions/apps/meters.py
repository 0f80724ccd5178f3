"""Session 16: meters with traffic through them.

Meters in kbps and pktps, with burst and stats flags, drop and DSCP-remark
bands; flows send ICMP through them while a ping flood runs (some packets
dropped by the pktps meter), then meter stats, config and features, a
modify (new rate, new band type), a delete of one meter (and the flow using
it) and of OFPM_ALL.
"""
from session_app import SessionApp, mark


class Meters(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        m = parser.OFPMatch
        out = lambda port: [parser.OFPActionOutput(port)]
        M = lambda cmd, flags, mid, bands: parser.OFPMeterMod(dp, cmd, flags, mid, bands)
        Drop = parser.OFPMeterBandDrop
        Remark = parser.OFPMeterBandDscpRemark
        self.each_then_barrier(dp, [
            M(p.OFPMC_ADD, p.OFPMF_PKTPS | p.OFPMF_STATS, 1, [Drop(rate=5, burst_size=0)]),
            M(p.OFPMC_ADD, p.OFPMF_KBPS | p.OFPMF_BURST | p.OFPMF_STATS, 2, [Drop(rate=1000, burst_size=100)]),
            M(p.OFPMC_ADD, p.OFPMF_KBPS, 3, [Remark(rate=500, burst_size=0, prec_level=1)]),
            M(p.OFPMC_ADD, p.OFPMF_PKTPS | p.OFPMF_STATS, 4, [Drop(rate=100, burst_size=0),
                                                                Drop(rate=1000, burst_size=0)]),
        ])
        meter = lambda mid, port: [parser.OFPInstructionMeter(mid),
                                   parser.OFPInstructionActions(p.OFPIT_APPLY_ACTIONS, out(port))]
        self.batch(dp, [
            self.flow(dp, priority=10, match=m(in_port=1, eth_type=0x0800), inst=meter(1, 2)),
            self.flow(dp, priority=10, match=m(in_port=2, eth_type=0x0800), inst=meter(2, 1)),
            self.flow(dp, priority=10, match=m(in_port=3, eth_type=0x0800), inst=meter(3, 1)),
            self.flow(dp, priority=5, match=m(eth_type=0x0806), actions=out(p.OFPP_FLOOD)),
        ])
        mark("ready")
        self.wait_signal("traffic-done")
        self.request(dp, parser.OFPMeterStatsRequest(dp, 0, p.OFPM_ALL))
        self.request(dp, parser.OFPMeterConfigStatsRequest(dp, 0, p.OFPM_ALL))
        self.request(dp, parser.OFPMeterFeaturesStatsRequest(dp, 0))
        self.each_then_barrier(dp, [
            M(p.OFPMC_MODIFY, p.OFPMF_PKTPS | p.OFPMF_STATS, 1, [Drop(rate=50, burst_size=0)]),
            M(p.OFPMC_MODIFY, p.OFPMF_KBPS, 3, [Drop(rate=200, burst_size=0)]),
        ])
        self.request(dp, parser.OFPMeterConfigStatsRequest(dp, 0, p.OFPM_ALL))
        self.request(dp, parser.OFPMeterStatsRequest(dp, 0, 1))
        self.each_then_barrier(dp, [M(p.OFPMC_DELETE, 0, 2, [])])
        self.flow_stats(dp)
        self.each_then_barrier(dp, [M(p.OFPMC_DELETE, 0, p.OFPM_ALL, [])])
        self.request(dp, parser.OFPMeterConfigStatsRequest(dp, 0, p.OFPM_ALL))
        self.flow_stats(dp)
