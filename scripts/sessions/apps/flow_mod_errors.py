"""Session 07: flow mods the switch refuses, each with its error reply.

Each refused flow mod is followed by a barrier, so every OFPT_ERROR is
tied to one request: a table past the last (OFPFMFC_BAD_TABLE_ID), ADD to
OFPTT_ALL, an unknown command (OFPFMFC_BAD_COMMAND), flags outside the spec
(OFPFMFC_BAD_FLAGS), an unknown buffer (OFPBRC_BUFFER_UNKNOWN), missing
prerequisites (OFPBMC_BAD_PREREQ), a bad VLAN value, a wildcarded-bit mask
error, a duplicated field and a bad in_port in hand-made matches, and an
overlap with CHECK_OVERLAP. Accepted flow mods sit between them so the
replay sees both.
"""
import struct

from session_app import SessionApp


def oxm(field, value, mask=None):
    """One OpenFlow-basic OXM TLV (class 0x8000)."""
    hasmask = mask is not None
    body = value + (mask or b"")
    return struct.pack("!HBB", 0x8000, (field << 1) | hasmask, len(body)) + body


def flow_mod_bytes(match_oxms, instructions=b"", table_id=0, command=0, priority=100):
    """An OF1.3 flow_mod built by hand (xid filled in by SessionApp.raw)."""
    m = b"".join(match_oxms)
    mlen = 4 + len(m)
    match = struct.pack("!HH", 1, mlen) + m + b"\0" * ((8 - mlen % 8) % 8)
    body = struct.pack("!QQBBHHHIIIH2x", 0, 0, table_id, command, 0, 0, priority, 0xffffffff, 0xffffffff,
                       0xffffffff, 0)
    msg = struct.pack("!BBHI", 4, 14, 0, 0) + body + match + instructions
    return msg


class FlowModErrors(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        out = lambda port: [parser.OFPActionOutput(port)]
        m = parser.OFPMatch
        msgs = [
            self.flow(dp, priority=10, match=m(in_port=1), actions=out(2)),
            self.flow(dp, table_id=254, priority=10, match=m(in_port=1), actions=out(2)),
            self.flow(dp, table_id=p.OFPTT_ALL, priority=10, match=m(in_port=1), actions=out(2)),
            self.flow(dp, command=9, priority=10, match=m(in_port=1), actions=out(2)),
            self.flow(dp, priority=10, match=m(in_port=2), actions=out(1), flags=0x80),
            self.flow(dp, priority=10, match=m(in_port=2), actions=out(1), buffer_id=12345),
            self.flow(dp, priority=10, match=m(ipv4_dst="10.0.0.2"), actions=out(2)),
            self.flow(dp, priority=10, match=m(eth_type=0x0800, tcp_dst=80), actions=out(2)),
            self.flow(dp, priority=10, match=m(eth_type=0x0806, arp_op=1), actions=out(3)),
            self.flow(dp, priority=10, match=m(vlan_vid=0x1fff), actions=out(2)),
            self.flow(dp, priority=10, match=m(eth_type=0x86dd, ip_proto=58, icmpv6_type=135), actions=out(2)),
            self.flow(dp, priority=10, match=m(eth_type=0x86dd, ip_proto=58, icmpv6_type=135,
                                                ipv6_nd_target="fe80::1"), actions=out(2)),
            self.flow(dp, priority=10, match=m(eth_type=0x0800, ip_proto=6, tcp_dst=80), actions=out(2)),
            self.flow(dp, priority=10, match=m(in_port=1), actions=out(3), flags=p.OFPFF_CHECK_OVERLAP),
            self.flow(dp, priority=10, match=m(eth_type=0x0800, ip_proto=6, tcp_dst=80),
                      actions=out(3), flags=p.OFPFF_CHECK_OVERLAP),
        ]
        self.each_then_barrier(dp, msgs)
        in_port = lambda n: oxm(0, struct.pack("!I", n))
        raw = [
            # The same field twice.
            flow_mod_bytes([in_port(1), in_port(2)]),
            # eth_type present, ipv4_src mask with a value bit outside the mask.
            flow_mod_bytes([oxm(5, struct.pack("!H", 0x0800)), oxm(11, bytes([10, 0, 0, 1]), bytes([255, 255, 255, 0]))]),
            # A field out of prerequisite order: ipv4_src before eth_type.
            flow_mod_bytes([oxm(11, bytes([10, 0, 0, 1])), oxm(5, struct.pack("!H", 0x0800))]),
            # in_port 0 is not a port.
            flow_mod_bytes([in_port(0)]),
            # An unknown basic field (class 0x8000, field 100).
            flow_mod_bytes([oxm(100, b"\0\0\0\0")]),
            # An OXM class nobody defined.
            flow_mod_bytes([struct.pack("!HBB", 0x1234, 2, 4) + b"\0\0\0\1"]),
        ]
        for r in raw:
            self.batch(dp, [self.raw(dp, r)])
        self.flow_stats(dp)
