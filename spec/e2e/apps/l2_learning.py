"""An os-ken L2 learning switch (OpenFlow 1.3) for ofswitchd's forwarding
tests. On connect it installs a table-miss flow that sends every packet to
the controller. On each packet-in it learns the source MAC on the ingress
port; when the destination is already learned it installs a flow for the
(in_port, eth_src, eth_dst) conversation and forwards the packet there,
otherwise it floods. Every packet-in and every flow it installs is
reported on stdout as one JSON line, for the test to assert.
"""
import json
import sys

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3

# Learned conversations get this priority; table-miss is priority 0.
FLOW_PRIORITY = 10
# Short enough that a test run never leaves stale state, long enough for one.
IDLE_TIMEOUT = 60


def report(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


class L2Learning(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mac_to_port = {}  # dpid -> {mac: port}

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        actions = [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)]
        inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
        dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=0, match=parser.OFPMatch(), instructions=inst))
        report(event="connected", dpid=dp.id)

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match['in_port']
        eth = packet.Packet(msg.data).get_protocol(ethernet.ethernet)
        if eth is None:
            return
        table = self.mac_to_port.setdefault(dp.id, {})
        table[eth.src] = in_port
        out_port = table.get(eth.dst, ofp.OFPP_FLOOD)
        report(event="packet_in", in_port=in_port, eth_src=eth.src, eth_dst=eth.dst,
               eth_type=eth.ethertype, out_port=out_port, buffer_id=msg.buffer_id)

        actions = [parser.OFPActionOutput(out_port)]
        if out_port != ofp.OFPP_FLOOD:
            match = parser.OFPMatch(in_port=in_port, eth_src=eth.src, eth_dst=eth.dst)
            inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
            dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=FLOW_PRIORITY, idle_timeout=IDLE_TIMEOUT,
                                          match=match, instructions=inst))
            report(event="flow", in_port=in_port, eth_src=eth.src, eth_dst=eth.dst, out_port=out_port)

        # A buffered packet is released by the switch; otherwise send its bytes.
        data = msg.data if msg.buffer_id == ofp.OFP_NO_BUFFER else None
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=msg.buffer_id, in_port=in_port,
                                        actions=actions, data=data))
