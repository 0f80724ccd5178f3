"""Session 06: OFPFC_DELETE and OFPFC_DELETE_STRICT.

Flows in tables 0..2 (some with OFPFF_SEND_FLOW_REM, one pointing at a
group) are deleted loosely by match, strictly, by out_port, by out_group,
by cookie mask, by table, and finally all with table OFPTT_ALL; each
removal of a SEND_FLOW_REM flow brings an OFPT_FLOW_REMOVED (reason DELETE).
"""
from session_app import SessionApp


class FlowModDelete(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        out = lambda port: [parser.OFPActionOutput(port)]
        m = parser.OFPMatch
        rem = p.OFPFF_SEND_FLOW_REM
        self.batch(dp, [parser.OFPGroupMod(dp, p.OFPGC_ADD, p.OFPGT_INDIRECT, 7,
                                           [parser.OFPBucket(actions=out(3))])])
        self.batch(dp, [
            self.flow(dp, priority=10, match=m(in_port=1), actions=out(2), cookie=0x1, flags=rem),
            self.flow(dp, priority=20, match=m(in_port=1, eth_type=0x0800), actions=out(2), cookie=0x2, flags=rem),
            self.flow(dp, priority=10, match=m(in_port=2), actions=out(1), cookie=0x3, flags=rem),
            self.flow(dp, priority=10, match=m(in_port=3), actions=[parser.OFPActionGroup(7)], cookie=0x4, flags=rem),
            self.flow(dp, table_id=1, priority=10, match=m(in_port=1), actions=out(3), cookie=0x15, flags=rem),
            self.flow(dp, table_id=1, priority=10, match=m(in_port=2), actions=out(3), cookie=0x16),
            self.flow(dp, table_id=2, priority=1, actions=out(1), cookie=0x27, flags=rem),
            self.flow(dp, table_id=2, priority=2, match=m(eth_type=0x0806), actions=out(p.OFPP_FLOOD), cookie=0x28),
        ])
        self.flow_stats(dp)
        steps = [
            # Strict, wrong priority: nothing.
            self.flow(dp, command=p.OFPFC_DELETE_STRICT, priority=11, match=m(in_port=1),
                      out_port=p.OFPP_ANY, out_group=p.OFPG_ANY),
            # Strict, exact: the priority-10 in_port=1 flow only.
            self.flow(dp, command=p.OFPFC_DELETE_STRICT, priority=10, match=m(in_port=1),
                      out_port=p.OFPP_ANY, out_group=p.OFPG_ANY),
            # By out_group.
            self.flow(dp, command=p.OFPFC_DELETE, out_port=p.OFPP_ANY, out_group=7),
            # By out_port, across all tables.
            self.flow(dp, table_id=p.OFPTT_ALL, command=p.OFPFC_DELETE, out_port=3, out_group=p.OFPG_ANY),
            # By cookie mask in table 2.
            self.flow(dp, table_id=2, command=p.OFPFC_DELETE, cookie=0x20, cookie_mask=0xf0,
                      out_port=p.OFPP_ANY, out_group=p.OFPG_ANY, match=m(eth_type=0x0806)),
            # Loose by match: in_port=2 in table 0.
            self.flow(dp, command=p.OFPFC_DELETE, match=m(in_port=2), out_port=p.OFPP_ANY, out_group=p.OFPG_ANY),
            # Everything left.
            self.flow(dp, table_id=p.OFPTT_ALL, command=p.OFPFC_DELETE, out_port=p.OFPP_ANY, out_group=p.OFPG_ANY),
        ]
        for s in steps:
            self.batch(dp, [s])
            self.flow_stats(dp)
        self.sleep(0.3)
