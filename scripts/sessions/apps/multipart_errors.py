"""Session 13: multipart requests the switch refuses or answers empty.

Port stats for a port that does not exist, queue stats for an unknown queue
and an unknown port, flow and aggregate stats for table 254, group stats for
a group that does not exist, meter stats and config for an unknown meter,
an unknown multipart type, and a request flagged OFPMPF_REQ_MORE followed
by its last part.
"""
import struct

from session_app import SessionApp


class MultipartErrors(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        m = parser.OFPMatch
        any_ = (p.OFPP_ANY, p.OFPG_ANY)
        reqs = [
            parser.OFPPortStatsRequest(dp, 0, 99),
            parser.OFPQueueStatsRequest(dp, 0, 1, 99),
            parser.OFPQueueStatsRequest(dp, 0, 99, p.OFPQ_ALL),
            parser.OFPFlowStatsRequest(dp, 0, 254, *any_, 0, 0, m()),
            parser.OFPAggregateStatsRequest(dp, 0, 254, *any_, 0, 0, m()),
            parser.OFPGroupStatsRequest(dp, 0, 77),
            parser.OFPMeterStatsRequest(dp, 0, 77),
            parser.OFPMeterConfigStatsRequest(dp, 0, 77),
            parser.OFPFlowStatsRequest(dp, 0, p.OFPTT_ALL, *any_, 0, 0, m(ipv4_dst="10.0.0.1")),
        ]
        for r in reqs:
            self.request(dp, r, timeout=2)
        # An OFPMP type with no meaning (0x00f0), empty body.
        self.batch(dp, [self.raw(dp, struct.pack("!BBHIHH4x", 4, 18, 0, 0, 0x00f0, 0))])
        # A desc request flagged REQ_MORE, then the same with the flag clear.
        self.batch(dp, [self.raw(dp, struct.pack("!BBHIHH4x", 4, 18, 0, 0, p.OFPMP_DESC, p.OFPMPF_REQ_MORE))])
        self.batch(dp, [self.raw(dp, struct.pack("!BBHIHH4x", 4, 18, 0, 0, p.OFPMP_DESC, 0))])
        self.barrier(dp)
