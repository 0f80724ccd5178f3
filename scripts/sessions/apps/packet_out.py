"""Session 23: packet-outs and packet-ins.

Frames built by the app (an ARP request from "h9" and an ICMP echo to h2)
are sent with OFPT_PACKET_OUT to port 2, to OFPP_FLOOD, OFPP_ALL, OFPP_TABLE
(through a flow that outputs to port 3 and to the controller: the packet-in
comes back with reason OFPR_ACTION), OFPP_IN_PORT, OFPP_CONTROLLER and
OFPP_LOCAL; with in_port a real port; refused ones: an unknown buffer_id
(OFPBRC_BUFFER_UNKNOWN), in_port 99 (OFPBRC_BAD_PORT), an output to port 0.
Then table-miss packet-ins (reason OFPR_NO_MATCH) from a ping, with
miss_send_len 64 then OFPCML_NO_BUFFER.
"""
from os_ken.lib.packet import arp, ethernet, icmp, ipv4, packet

from session_app import SessionApp, mark


def frame_arp():
    pkt = packet.Packet()
    pkt.add_protocol(ethernet.ethernet(dst="ff:ff:ff:ff:ff:ff", src="00:00:00:00:00:09", ethertype=0x0806))
    pkt.add_protocol(arp.arp(opcode=1, src_mac="00:00:00:00:00:09", src_ip="10.0.0.9",
                             dst_mac="00:00:00:00:00:00", dst_ip="10.0.0.2"))
    pkt.serialize()
    return bytes(pkt.data)


def frame_icmp():
    pkt = packet.Packet()
    pkt.add_protocol(ethernet.ethernet(dst="00:00:00:00:00:02", src="00:00:00:00:00:09", ethertype=0x0800))
    pkt.add_protocol(ipv4.ipv4(src="10.0.0.9", dst="10.0.0.2", proto=1, ttl=64, identification=7))
    pkt.add_protocol(icmp.icmp(type_=8, code=0, data=icmp.echo(id_=1, seq=1, data=b"ofswitch-session")))
    pkt.serialize()
    return bytes(pkt.data)


class PacketOut(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        m = parser.OFPMatch
        out = lambda port, max_len=p.OFPCML_NO_BUFFER: parser.OFPActionOutput(port, max_len)
        PO = lambda acts, data, in_port=p.OFPP_CONTROLLER, buffer_id=p.OFP_NO_BUFFER: parser.OFPPacketOut(
            dp, buffer_id=buffer_id, in_port=in_port, actions=acts, data=data)
        a, e = frame_arp(), frame_icmp()
        self.batch(dp, [
            self.flow(dp, priority=10, match=m(eth_type=0x0800, ipv4_src="10.0.0.9"),
                      actions=[out(3), out(p.OFPP_CONTROLLER)]),
            self.flow(dp, priority=5, match=m(in_port=1), actions=[out(2)]),
        ])
        self.each_then_barrier(dp, [
            PO([out(2)], a),
            PO([out(p.OFPP_FLOOD)], a),
            PO([out(p.OFPP_ALL)], a),
            PO([out(p.OFPP_TABLE)], e),
            PO([out(p.OFPP_TABLE)], a, in_port=1),
            PO([out(p.OFPP_IN_PORT)], a, in_port=2),
            PO([out(p.OFPP_CONTROLLER, 32)], e),
            PO([out(p.OFPP_LOCAL)], a),
            PO([parser.OFPActionSetField(eth_src="00:00:00:00:00:0a"), out(2), out(3)], e, in_port=1),
            PO([], a),
            PO([out(2)], None, buffer_id=4242),
            PO([out(2)], a, in_port=99),
            PO([out(0)], a),
            PO([out(2)], a, in_port=p.OFPP_ANY),
        ])
        self.batch(dp, [
            parser.OFPSetConfig(dp, p.OFPC_FRAG_NORMAL, 64),
            self.flow(dp, table_id=0, priority=0, actions=[out(p.OFPP_CONTROLLER, 64)]),
        ])
        mark("ready")
        self.wait_signal("traffic-done")
        self.batch(dp, [parser.OFPSetConfig(dp, p.OFPC_FRAG_NORMAL, p.OFPCML_NO_BUFFER)])
        self.request(dp, parser.OFPGetConfigRequest(dp))
