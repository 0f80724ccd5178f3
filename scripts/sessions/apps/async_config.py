"""Session 19: OFPT_GET_ASYNC_REQUEST and OFPT_SET_ASYNC.

GET_ASYNC for the defaults; then SET_ASYNC masks that let through only
packet-ins for OFPR_ACTION, port status for OFPPR_MODIFY, and flow-removed
for OFPRR_DELETE (as master); a ping sends table-miss and action packet-ins
(only the action ones come), a port mod and a flow delete bring the allowed
events; then all masks off (port 2 going down and up brings nothing),
GET_ASYNC again, then other masks (port 2 down and up again is reported).
"""
from session_app import SessionApp, mark


class AsyncConfig(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        m = parser.OFPMatch
        self.request(dp, parser.OFPGetAsyncRequest(dp))
        self.batch(dp, [
            parser.OFPSetAsync(dp, [1 << p.OFPR_ACTION, 0], [1 << p.OFPPR_MODIFY, 0], [1 << p.OFPRR_DELETE, 0]),
        ])
        self.request(dp, parser.OFPGetAsyncRequest(dp))
        self.batch(dp, [
            self.table_miss_to_controller(dp),
            self.flow(dp, priority=10, match=m(in_port=1, eth_type=0x0806),
                      actions=[parser.OFPActionOutput(p.OFPP_CONTROLLER, 128), parser.OFPActionOutput(2)],
                      flags=p.OFPFF_SEND_FLOW_REM),
            self.flow(dp, priority=10, match=m(in_port=2, eth_type=0x0806), actions=[parser.OFPActionOutput(1)]),
            self.flow(dp, priority=10, match=m(in_port=3), actions=[parser.OFPActionOutput(1)],
                      flags=p.OFPFF_SEND_FLOW_REM, idle_timeout=1),
        ])
        mark("ready")
        self.wait_signal("traffic-done")
        hw = lambda n: "00:00:00:00:01:0%d" % n
        # Open vSwitch reports a port's config change in OFPT_PORT_STATUS for PORT_DOWN (not for NO_FWD and friends).
        down = p.OFPPC_PORT_DOWN
        self.batch(dp, [parser.OFPPortMod(dp, 3, hw(3), down, down, 0)])
        self.batch(dp, [parser.OFPPortMod(dp, 3, hw(3), 0, down, 0)])
        self.batch(dp, [self.flow(dp, command=p.OFPFC_DELETE, match=m(in_port=1, eth_type=0x0806),
                                  out_port=p.OFPP_ANY, out_group=p.OFPG_ANY)])
        self.sleep(2.5)
        self.batch(dp, [parser.OFPSetAsync(dp, [0, 0], [0, 0], [0, 0])])
        self.request(dp, parser.OFPGetAsyncRequest(dp))
        self.batch(dp, [parser.OFPPortMod(dp, 2, hw(2), down, down, 0)])
        self.batch(dp, [parser.OFPPortMod(dp, 2, hw(2), 0, down, 0)])
        self.batch(dp, [parser.OFPSetAsync(dp, [0x7, 0x1], [0x7, 0x7], [0xf, 0])])
        self.request(dp, parser.OFPGetAsyncRequest(dp))
        self.batch(dp, [parser.OFPPortMod(dp, 2, hw(2), down, down, 0)])
        self.batch(dp, [parser.OFPPortMod(dp, 2, hw(2), 0, down, 0)])
