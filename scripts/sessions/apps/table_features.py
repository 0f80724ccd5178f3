"""Session 22: table features and table configuration.

OFPMP_TABLE_FEATURES with an empty body (the switch describes its 254
tables over many OFPMPF_REPLY_MORE parts), table stats, OFPT_TABLE_MOD
(OFPTT_ALL and table 0) and a table-features request with a body (a change
of table 0's name and size), which the switch refuses.
"""
from session_app import SessionApp


class TableFeatures(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        self.request(dp, parser.OFPTableFeaturesStatsRequest(dp, 0, []), timeout=20)
        self.request(dp, parser.OFPTableStatsRequest(dp, 0))
        self.each_then_barrier(dp, [
            parser.OFPTableMod(dp, p.OFPTT_ALL, 0),
            parser.OFPTableMod(dp, 0, 3),
            parser.OFPTableMod(dp, 254, 0),
        ])
        tf = parser.OFPTableFeaturesStats(table_id=0, name=b"renamed", metadata_match=0, metadata_write=0,
                                          config=0, max_entries=1000, properties=[])
        self.request(dp, parser.OFPTableFeaturesStatsRequest(dp, 0, [tf]), timeout=5)
        self.barrier(dp)
