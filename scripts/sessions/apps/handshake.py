"""Session 01: handshake and feature discovery.

os-ken itself sends HELLO, FEATURES_REQUEST and the port-description
multipart request when the switch connects; this app then asks for what a
controller discovers next: the switch configuration (get, set, get again),
the description, the features once more, table statistics, and an echo with
a payload.
"""
from session_app import SessionApp


class Handshake(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        self.request(dp, parser.OFPGetConfigRequest(dp))
        dp.send_msg(parser.OFPSetConfig(dp, p.OFPC_FRAG_NORMAL, 128))
        self.request(dp, parser.OFPGetConfigRequest(dp))
        self.request(dp, parser.OFPDescStatsRequest(dp, 0))
        self.request(dp, parser.OFPFeaturesRequest(dp))
        self.request(dp, parser.OFPTableStatsRequest(dp, 0))
        self.request(dp, parser.OFPEchoRequest(dp, b"ofswitch-session"))
        self.barrier(dp)
