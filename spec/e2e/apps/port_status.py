"""An os-ken app for ofswitchd's link-state tests: it installs nothing and
reports, as one JSON line on stdout each, the switch connecting and every
OFPT_PORT_STATUS it receives, decoded by os-ken (reason, port number, name,
config and state bits), for the test to assert.
"""
import json
import sys

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.ofproto import ofproto_v1_3


def report(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


class PortStatusReporter(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        report(event="connected", dpid=ev.msg.datapath.id)

    @set_ev_cls(ofp_event.EventOFPPortStatus, MAIN_DISPATCHER)
    def port_status(self, ev):
        msg = ev.msg
        ofp = msg.datapath.ofproto
        reasons = {ofp.OFPPR_ADD: "ADD", ofp.OFPPR_DELETE: "DELETE", ofp.OFPPR_MODIFY: "MODIFY"}
        desc = msg.desc
        name = desc.name.decode() if isinstance(desc.name, bytes) else desc.name
        report(event="port_status", reason=reasons.get(msg.reason, msg.reason), port_no=desc.port_no,
               name=name, config=desc.config, state=desc.state,
               link_down=bool(desc.state & ofp.OFPPS_LINK_DOWN), live=bool(desc.state & ofp.OFPPS_LIVE))
