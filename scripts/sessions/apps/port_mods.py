"""Session 21: port mods and the port status messages they bring.

OFPPC_PORT_DOWN on port 2 (and the switch's OFPT_PORT_STATUS), then up
again; OFPPC_NO_RECV, NO_FWD and NO_PACKET_IN set and cleared on port 3;
a change of advertised features; a ping while port 2 is down goes nowhere;
port mods of a port that does not exist (OFPPMFC_BAD_PORT), with a wrong
hardware address (OFPPMFC_BAD_HW_ADDR), and of OFPP_LOCAL; port
descriptions before and after; a link taken down on the host side (h3)
brings a port status on its own.
"""
from session_app import SessionApp, mark


class PortMods(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        hw = lambda n: "00:00:00:00:01:0%d" % n
        PM = lambda port, addr, config, mask, adv=0: parser.OFPPortMod(dp, port, addr, config, mask, adv)
        self.batch(dp, [self.flow(dp, priority=1, actions=[parser.OFPActionOutput(p.OFPP_FLOOD)])])
        self.request(dp, parser.OFPPortDescStatsRequest(dp, 0))
        self.each_then_barrier(dp, [PM(2, hw(2), p.OFPPC_PORT_DOWN, p.OFPPC_PORT_DOWN)])
        mark("ready")
        self.wait_signal("traffic-done")
        self.request(dp, parser.OFPPortStatsRequest(dp, 0, p.OFPP_ANY))
        self.each_then_barrier(dp, [
            PM(2, hw(2), 0, p.OFPPC_PORT_DOWN),
            PM(3, hw(3), p.OFPPC_NO_RECV | p.OFPPC_NO_FWD | p.OFPPC_NO_PACKET_IN,
               p.OFPPC_NO_RECV | p.OFPPC_NO_FWD | p.OFPPC_NO_PACKET_IN),
        ])
        self.request(dp, parser.OFPPortDescStatsRequest(dp, 0))
        self.each_then_barrier(dp, [
            PM(3, hw(3), 0, p.OFPPC_NO_RECV | p.OFPPC_NO_FWD | p.OFPPC_NO_PACKET_IN),
            PM(1, hw(1), 0, 0, p.OFPPF_10GB_FD | p.OFPPF_COPPER),
            PM(99, hw(1), p.OFPPC_PORT_DOWN, p.OFPPC_PORT_DOWN),
            PM(1, "00:00:00:00:99:99", p.OFPPC_PORT_DOWN, p.OFPPC_PORT_DOWN),
            PM(p.OFPP_LOCAL, "00:00:00:00:01:fe", p.OFPPC_NO_PACKET_IN, p.OFPPC_NO_PACKET_IN),
            PM(p.OFPP_LOCAL, "00:00:00:00:01:fe", 0, p.OFPPC_NO_PACKET_IN),
            PM(1, hw(1), 0x8000, 0x8000),
        ])
        self.request(dp, parser.OFPPortDescStatsRequest(dp, 0))
        mark("ready2")
        self.wait_signal("link-done")
        self.sleep(1.5)
        self.request(dp, parser.OFPPortDescStatsRequest(dp, 0))
