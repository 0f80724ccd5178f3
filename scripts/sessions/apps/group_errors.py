"""Session 15: group mods the switch refuses, each with its error.

Adding an existing group (OFPGMFC_GROUP_EXISTS), modifying and deleting one
that does not exist, group ids OFPG_ALL and OFPG_ANY (OFPGMFC_INVALID_GROUP),
an unknown group type and command, a fast-failover bucket watching nothing
(OFPGMFC_BAD_WATCH), a weight in an ALL group, an INDIRECT group with two
buckets, a bucket with a bad output port, a chain to a missing group, and a
loop (group 2 → group 3 → group 2). Good group mods between them.
"""
import struct

from session_app import SessionApp


class GroupErrors(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        out = lambda port: [parser.OFPActionOutput(port)]
        B = parser.OFPBucket
        G = lambda cmd, typ, gid, buckets: parser.OFPGroupMod(dp, cmd, typ, gid, buckets)
        self.each_then_barrier(dp, [
            G(p.OFPGC_ADD, p.OFPGT_ALL, 1, [B(actions=out(2))]),
            G(p.OFPGC_ADD, p.OFPGT_ALL, 1, [B(actions=out(3))]),
            G(p.OFPGC_MODIFY, p.OFPGT_ALL, 9, [B(actions=out(3))]),
            G(p.OFPGC_DELETE, p.OFPGT_ALL, 9, []),
            G(p.OFPGC_ADD, p.OFPGT_ALL, p.OFPG_ALL, [B(actions=out(2))]),
            G(p.OFPGC_ADD, p.OFPGT_ALL, p.OFPG_ANY, [B(actions=out(2))]),
            G(p.OFPGC_ADD, 7, 10, [B(actions=out(2))]),
            G(5, p.OFPGT_ALL, 10, [B(actions=out(2))]),
            G(p.OFPGC_ADD, p.OFPGT_FF, 11, [B(actions=out(2))]),
            G(p.OFPGC_ADD, p.OFPGT_ALL, 12, [B(weight=5, actions=out(2))]),
            G(p.OFPGC_ADD, p.OFPGT_INDIRECT, 13, [B(actions=out(2)), B(actions=out(3))]),
            G(p.OFPGC_ADD, p.OFPGT_INDIRECT, 14, []),
            G(p.OFPGC_ADD, p.OFPGT_ALL, 15, [B(actions=out(0))]),
            G(p.OFPGC_ADD, p.OFPGT_SELECT, 16, [B(weight=0, actions=out(2)), B(weight=0, actions=out(3))]),
            G(p.OFPGC_ADD, p.OFPGT_INDIRECT, 17, [B(actions=[parser.OFPActionGroup(99)])]),
            G(p.OFPGC_ADD, p.OFPGT_INDIRECT, 2, [B(actions=out(3))]),
            G(p.OFPGC_ADD, p.OFPGT_INDIRECT, 3, [B(actions=[parser.OFPActionGroup(2)])]),
            G(p.OFPGC_MODIFY, p.OFPGT_INDIRECT, 2, [B(actions=[parser.OFPActionGroup(3)])]),
            G(p.OFPGC_ADD, p.OFPGT_FF, 18, [B(watch_port=99, actions=out(2))]),
            G(p.OFPGC_ADD, p.OFPGT_FF, 19, [B(watch_group=1, actions=out(2))]),
            G(p.OFPGC_DELETE, p.OFPGT_ALL, 2, []),
        ])
        self.request(dp, parser.OFPGroupDescStatsRequest(dp, 0))
