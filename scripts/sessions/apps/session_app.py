"""Common base of the os-ken apps that script recorded sessions.

An app subclasses SessionApp and writes `scenario(self, dp)` (or, with
DATAPATHS = 2, `scenario(self, a, b)`): it runs in its own green thread once
the switch connections reach MAIN_DISPATCHER, sends requests and waits for
their replies. The recorder (scripts/record-session) follows the app's
progress through marker lines on stdout ("@@ NAME"): `mark("ready")` lets it
run host traffic, and the base class marks "done" (or "failed: ...") when the
scenario returns, after which the recorder ends the session. Nothing here
judges the switch's answers: the capture is the record.
"""
import os
import struct
import sys
import time

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib import hub
from os_ken.ofproto import ofproto_v1_3

# Every reply an app may wait for; os-ken names the event after the parser class.
_REPLIES = [
    "ErrorMsg", "BarrierReply", "RoleReply", "GetAsyncReply", "GetConfigReply", "EchoReply",
    "QueueGetConfigReply", "FeaturesReply",
    "DescStatsReply", "FlowStatsReply", "AggregateStatsReply", "TableStatsReply", "PortStatsReply",
    "QueueStatsReply", "GroupStatsReply", "GroupDescStatsReply", "GroupFeaturesStatsReply",
    "MeterStatsReply", "MeterConfigStatsReply", "MeterFeaturesStatsReply", "TableFeaturesStatsReply",
    "PortDescStatsReply", "ExperimenterStatsReply",
]
_REPLY_EVENTS = [getattr(ofp_event, "EventOFP" + n) for n in _REPLIES if hasattr(ofp_event, "EventOFP" + n)]


def mark(text):
    sys.stdout.write("@@ " + text + "\n")
    sys.stdout.flush()


class SessionApp(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]
    DATAPATHS = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dps = []
        self.slots = {}
        self.started = False
        self.async_msgs = []

    @set_ev_cls(ofp_event.EventOFPStateChange, [MAIN_DISPATCHER])
    def _state(self, ev):
        self.dps.append(ev.datapath)
        if len(self.dps) == self.DATAPATHS and not self.started:
            self.started = True
            hub.spawn(self._run)

    def _run(self):
        try:
            self.scenario(*self.dps)
            mark("done")
        except Exception as e:  # the recorder must hear about it, never hang
            mark("failed: " + repr(e))

    @set_ev_cls(_REPLY_EVENTS, [CONFIG_DISPATCHER, MAIN_DISPATCHER])
    def _reply(self, ev):
        msg = ev.msg
        slot = self.slots.get((id(msg.datapath), msg.xid))
        if slot is None:
            return
        slot["msgs"].append(msg)
        more = getattr(msg, "flags", 0) & ofproto_v1_3.OFPMPF_REPLY_MORE
        if msg.msg_type != ofproto_v1_3.OFPT_MULTIPART_REPLY or not more:
            slot["event"].set()

    @set_ev_cls([ofp_event.EventOFPPacketIn, ofp_event.EventOFPFlowRemoved, ofp_event.EventOFPPortStatus],
                MAIN_DISPATCHER)
    def _async(self, ev):
        self.async_msgs.append(ev.msg)

    # ------------------------------------------------------------ helpers

    def _slot(self, dp, msg):
        dp.set_xid(msg)
        slot = {"event": hub.Event(), "msgs": []}
        self.slots[(id(dp), msg.xid)] = slot
        return slot

    def request(self, dp, msg, timeout=5):
        """Sends msg and waits for its reply (all parts of a multipart one) or error; returns the list."""
        slot = self._slot(dp, msg)
        dp.send_msg(msg)
        slot["event"].wait(timeout=timeout)
        return slot["msgs"]

    def send(self, dp, msg):
        """Sends msg with no wait; its reply or error, if any, is kept in the returned slot."""
        slot = self._slot(dp, msg)
        dp.send_msg(msg)
        return slot

    def raw(self, dp, data):
        """Sends hand-made bytes (for what os-ken will not build) with a fresh xid; returns its slot."""
        dp.xid = (dp.xid + 1) & 0xffffffff
        buf = bytearray(data)
        struct.pack_into("!HI", buf, 2, len(buf), dp.xid)
        slot = {"event": hub.Event(), "msgs": []}
        self.slots[(id(dp), dp.xid)] = slot
        dp.send(bytes(buf))
        return slot

    def barrier(self, dp):
        return self.request(dp, dp.ofproto_parser.OFPBarrierRequest(dp))

    def batch(self, dp, msgs):
        """Sends msgs back to back then a barrier; returns each one's replies or errors."""
        slots = [m if isinstance(m, dict) else self.send(dp, m) for m in msgs]
        self.barrier(dp)
        return [s["msgs"] for s in slots]

    def sleep(self, seconds):
        hub.sleep(seconds)

    def wait_signal(self, name, timeout=60):
        """Waits until the recorder says a step of its own (host traffic) is over."""
        path = os.path.join(os.environ["RECORD_SIGNAL_DIR"], "signal-" + name)
        end = time.time() + timeout
        while not os.path.exists(path):
            if time.time() > end:
                raise RuntimeError("no signal " + name)
            hub.sleep(0.05)

    def wait_async(self, count, timeout=5):
        end = time.time() + timeout
        while len(self.async_msgs) < count and time.time() < end:
            hub.sleep(0.05)
        return self.async_msgs

    # Shorthands for the common structures.

    def each_then_barrier(self, dp, msgs):
        """Each message followed by its own barrier, so that every error is tied to one request."""
        return [self.batch(dp, [m])[0] for m in msgs]

    def flow_stats(self, dp, table_id=None):
        p = dp.ofproto
        parser = dp.ofproto_parser
        return self.request(dp, parser.OFPFlowStatsRequest(dp, 0, p.OFPTT_ALL if table_id is None else table_id,
                                                            p.OFPP_ANY, p.OFPG_ANY, 0, 0, parser.OFPMatch()))

    def flow(self, dp, table_id=0, priority=0, match=None, actions=None, inst=None, command=None, **kw):
        p = dp.ofproto
        parser = dp.ofproto_parser
        if inst is None:
            inst = [] if actions is None else [parser.OFPInstructionActions(p.OFPIT_APPLY_ACTIONS, actions)]
        return parser.OFPFlowMod(dp, table_id=table_id, priority=priority, match=match or parser.OFPMatch(),
                                 instructions=inst, command=p.OFPFC_ADD if command is None else command, **kw)

    def table_miss_to_controller(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        return self.flow(dp, actions=[parser.OFPActionOutput(p.OFPP_CONTROLLER, p.OFPCML_NO_BUFFER)])
