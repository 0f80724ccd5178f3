"""An os-ken app for ofswitchd's end-to-end tests: two connections from one
switch (the same datapath id over two controller targets) exercise controller
roles. Each check is reported on stdout as one JSON line; the test asserts
them. Nothing here decides pass or fail: the app reports what the switch said.
"""
import json
import sys

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, DEAD_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib import hub
from os_ken.ofproto import ofproto_v1_3


def report(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


class RolesApp(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dps = []
        self.waiting = {}
        self.started = False

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        m = ev.msg
        report(check="features", dpid=m.datapath_id, n_tables=m.n_tables, n_buffers=m.n_buffers,
               auxiliary_id=m.auxiliary_id, capabilities=m.capabilities)

    @set_ev_cls(ofp_event.EventOFPStateChange, [MAIN_DISPATCHER, DEAD_DISPATCHER])
    def state(self, ev):
        if ev.state != MAIN_DISPATCHER:
            return
        self.dps.append(ev.datapath)
        if len(self.dps) == 2 and not self.started:
            self.started = True
            hub.spawn(self.scenario)

    def _answer(self, ev):
        slot = self.waiting.get((id(ev.msg.datapath), ev.msg.xid))
        if slot is not None:
            slot[1] = ev.msg
            slot[0].set()

    @set_ev_cls(ofp_event.EventOFPRoleReply, MAIN_DISPATCHER)
    def role_reply(self, ev):
        self._answer(ev)

    @set_ev_cls(ofp_event.EventOFPErrorMsg, [CONFIG_DISPATCHER, MAIN_DISPATCHER])
    def error(self, ev):
        self._answer(ev)

    @set_ev_cls(ofp_event.EventOFPBarrierReply, MAIN_DISPATCHER)
    def barrier_reply(self, ev):
        self._answer(ev)

    def request(self, dp, msg):
        """Sends msg and returns the reply or error with its xid (None on timeout)."""
        dp.set_xid(msg)
        slot = [hub.Event(), None]
        self.waiting[(id(dp), msg.xid)] = slot
        dp.send_msg(msg)
        slot[0].wait(timeout=5)
        return slot[1]

    def describe(self, reply):
        p = ofproto_v1_3
        if reply is None:
            return {"kind": "timeout"}
        if reply.msg_type == p.OFPT_ERROR:
            return {"kind": "error", "type": reply.type, "code": reply.code}
        if reply.msg_type == p.OFPT_ROLE_REPLY:
            return {"kind": "role", "role": reply.role, "generation_id": reply.generation_id}
        if reply.msg_type == p.OFPT_BARRIER_REPLY:
            return {"kind": "barrier"}
        return {"kind": "other", "type": reply.msg_type}

    def role(self, dp, role, gen):
        return self.describe(self.request(dp, dp.ofproto_parser.OFPRoleRequest(dp, role, gen)))

    def flow_mod_then_barrier(self, dp):
        """A FLOW_MOD then a barrier; reports the error the flow mod got before the barrier reply, if any."""
        p = dp.ofproto
        parser = dp.ofproto_parser
        fm = parser.OFPFlowMod(dp, priority=9, match=parser.OFPMatch(in_port=1),
                               instructions=[parser.OFPInstructionActions(p.OFPIT_APPLY_ACTIONS,
                                                                          [parser.OFPActionOutput(p.OFPP_CONTROLLER)])])
        dp.set_xid(fm)
        slot = [hub.Event(), None]
        self.waiting[(id(dp), fm.xid)] = slot
        dp.send_msg(fm)
        barrier = self.describe(self.request(dp, parser.OFPBarrierRequest(dp)))
        if slot[1] is not None:
            return self.describe(slot[1])
        return {"kind": "accepted", "barrier": barrier["kind"]}

    def scenario(self):
        a, b = self.dps
        p = ofproto_v1_3
        try:
            report(step="a-nochange", **self.role(a, p.OFPCR_ROLE_NOCHANGE, 0))
            report(step="a-master-1", **self.role(a, p.OFPCR_ROLE_MASTER, 1))
            report(step="b-master-2", **self.role(b, p.OFPCR_ROLE_MASTER, 2))
            report(step="a-after-handover", **self.role(a, p.OFPCR_ROLE_NOCHANGE, 0))
            report(step="a-flow-mod-as-slave", **self.flow_mod_then_barrier(a))
            report(step="a-master-stale-1", **self.role(a, p.OFPCR_ROLE_MASTER, 1))
            report(step="b-still-master", **self.role(b, p.OFPCR_ROLE_NOCHANGE, 0))
            report(step="b-barrier", **self.describe(self.request(b, b.ofproto_parser.OFPBarrierRequest(b))))
            report(step="a-master-3", **self.role(a, p.OFPCR_ROLE_MASTER, 3))
            report(step="b-after-handover", **self.role(b, p.OFPCR_ROLE_NOCHANGE, 0))
            report(step="b-equal", **self.role(b, p.OFPCR_ROLE_EQUAL, 0))
        except Exception as e:  # report, never hang the test
            report(step="exception", error=repr(e))
        report(done=True)
