"""Session 03: an L2 learning switch with real traffic.

A table-miss flow sends every unknown frame to the controller. On each
packet-in the app learns the source MAC's port; a frame for a known MAC gets
a flow (in_port, eth_dst → output, idle timeout 30 s) and is sent on with a
packet-out, any other is flooded with a packet-out. The recorder runs pings
between the hosts once the table-miss flow is in place ("@@ ready").
"""
from os_ken.controller import ofp_event
from os_ken.controller.handler import MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet

from session_app import SessionApp, mark


class L2Learning(SessionApp):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mac_to_port = {}

    def scenario(self, dp):
        self.batch(dp, [self.table_miss_to_controller(dp)])
        mark("ready")
        self.wait_signal("traffic-done")
        self.flow_stats(dp)

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        p = dp.ofproto
        parser = dp.ofproto_parser
        in_port = msg.match["in_port"]
        eth = packet.Packet(msg.data).get_protocols(ethernet.ethernet)[0]
        self.mac_to_port[eth.src] = in_port
        out_port = self.mac_to_port.get(eth.dst, p.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out_port)]
        if out_port != p.OFPP_FLOOD:
            match = parser.OFPMatch(in_port=in_port, eth_dst=eth.dst)
            dp.send_msg(self.flow(dp, priority=1, match=match, actions=actions, idle_timeout=30))
        data = msg.data if msg.buffer_id == p.OFP_NO_BUFFER else None
        dp.send_msg(parser.OFPPacketOut(dp, buffer_id=msg.buffer_id, in_port=in_port, actions=actions, data=data))
