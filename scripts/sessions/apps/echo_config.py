"""Session 26: liveness and switch configuration.

Echo requests with empty and 1 KiB payloads; the switch's own echo
requests (its inactivity probe, 5 s by default) answered by os-ken while
the app stays quiet for 7 s; OFPT_SET_CONFIG with each
fragment mode (OFPC_FRAG_DROP, REASM, which Open vSwitch may refuse, and
NORMAL) and miss_send_len values, each followed by a get-config.
"""
from session_app import SessionApp


class EchoConfig(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        self.request(dp, parser.OFPEchoRequest(dp, b""))
        self.request(dp, parser.OFPEchoRequest(dp, bytes(range(256)) * 4))
        self.sleep(7)
        for flags, miss in ((p.OFPC_FRAG_DROP, 0), (p.OFPC_FRAG_REASM, 200), (p.OFPC_FRAG_NORMAL, p.OFPCML_MAX),
                            (p.OFPC_FRAG_NORMAL, p.OFPCML_NO_BUFFER), (0x7, 128)):
            self.batch(dp, [parser.OFPSetConfig(dp, flags, miss)])
            self.request(dp, parser.OFPGetConfigRequest(dp))
