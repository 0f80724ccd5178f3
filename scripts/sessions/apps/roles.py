"""Session 18: controller roles with two os-ken connections.

The bridge connects to this one os-ken twice (targets tcp:127.0.0.1:6653
and tcp:127.0.0.2:6653), so the app holds two connections from the same
datapath, A (the first to be ready) and B. A asks NOCHANGE, becomes MASTER
(generation 1); B becomes MASTER (generation 2), which makes A a SLAVE; A's
flow mod and group mod are refused (OFPBRC_IS_SLAVE) while its multipart
requests are answered; A's MASTER with the stale generation 1 is refused
(OFPRRFC_STALE); a bad role value is refused (OFPRRFC_BAD_ROLE); A becomes
MASTER again with generation 3, B turns EQUAL then SLAVE; a packet-in from
a ping goes only where the roles say.
"""
from session_app import SessionApp, mark


class Roles(SessionApp):
    DATAPATHS = 2

    def role(self, dp, role, gen):
        return self.request(dp, dp.ofproto_parser.OFPRoleRequest(dp, role, gen))

    def scenario(self, a, b):
        p = a.ofproto
        parser = a.ofproto_parser
        self.role(a, p.OFPCR_ROLE_NOCHANGE, 0)
        self.role(a, p.OFPCR_ROLE_MASTER, 1)
        self.role(b, p.OFPCR_ROLE_NOCHANGE, 0)
        self.role(b, p.OFPCR_ROLE_MASTER, 2)
        self.role(a, p.OFPCR_ROLE_NOCHANGE, 0)
        self.batch(a, [self.flow(a, priority=5, match=parser.OFPMatch(in_port=1),
                                 actions=[parser.OFPActionOutput(2)])])
        self.batch(a, [parser.OFPGroupMod(a, p.OFPGC_ADD, p.OFPGT_ALL, 1,
                                          [parser.OFPBucket(actions=[parser.OFPActionOutput(2)])])])
        self.batch(a, [parser.OFPPacketOut(a, buffer_id=p.OFP_NO_BUFFER, in_port=p.OFPP_CONTROLLER,
                                           actions=[parser.OFPActionOutput(2)], data=b"\xff" * 6 + b"\0\0\0\0\0\x09" + b"\x88\xb5" + b"\0" * 46)])
        self.request(a, parser.OFPDescStatsRequest(a, 0))
        self.request(a, parser.OFPGetAsyncRequest(a))
        self.role(a, p.OFPCR_ROLE_MASTER, 1)
        self.role(a, 7, 0)
        self.role(b, p.OFPCR_ROLE_NOCHANGE, 0)
        self.batch(b, [self.table_miss_to_controller(b)])
        mark("ready")
        self.wait_signal("traffic-done")
        self.role(a, p.OFPCR_ROLE_MASTER, 3)
        self.role(b, p.OFPCR_ROLE_NOCHANGE, 0)
        self.role(b, p.OFPCR_ROLE_EQUAL, 3)
        self.batch(b, [self.flow(b, priority=5, match=parser.OFPMatch(in_port=1),
                                 actions=[parser.OFPActionOutput(2)])])
        self.role(b, p.OFPCR_ROLE_SLAVE, 4)
        self.role(a, p.OFPCR_ROLE_NOCHANGE, 0)
        self.role(a, p.OFPCR_ROLE_SLAVE, 5)
        self.role(b, p.OFPCR_ROLE_MASTER, 4)
        self.role(b, p.OFPCR_ROLE_MASTER, 6)
        self.barrier(a)
        self.barrier(b)
