"""Session 17: meter mods the switch refuses, each with its error.

An existing meter id (OFPMMFC_METER_EXISTS), modify and delete of unknown
meters, meter ids 0, OFPM_CONTROLLER and past the maximum, kbps and pktps
together, no rate flag, a zero rate, no bands, an unknown band type, an
unknown command, a burst size without OFPMF_BURST, and a flow whose meter
instruction names a missing meter. Good meter mods between them.
"""
import struct

from session_app import SessionApp


class MeterErrors(SessionApp):
    def scenario(self, dp):
        p = dp.ofproto
        parser = dp.ofproto_parser
        M = lambda cmd, flags, mid, bands: parser.OFPMeterMod(dp, cmd, flags, mid, bands)
        Drop = parser.OFPMeterBandDrop
        self.each_then_barrier(dp, [
            M(p.OFPMC_ADD, p.OFPMF_KBPS, 1, [Drop(rate=1000, burst_size=0)]),
            M(p.OFPMC_ADD, p.OFPMF_KBPS, 1, [Drop(rate=2000, burst_size=0)]),
            M(p.OFPMC_MODIFY, p.OFPMF_KBPS, 9, [Drop(rate=1000, burst_size=0)]),
            M(p.OFPMC_DELETE, 0, 9, []),
            M(p.OFPMC_ADD, p.OFPMF_KBPS, 0, [Drop(rate=1000, burst_size=0)]),
            M(p.OFPMC_ADD, p.OFPMF_KBPS, p.OFPM_CONTROLLER, [Drop(rate=1000, burst_size=0)]),
            M(p.OFPMC_ADD, p.OFPMF_KBPS, 0xfffe0000, [Drop(rate=1000, burst_size=0)]),
            M(p.OFPMC_ADD, p.OFPMF_KBPS | p.OFPMF_PKTPS, 2, [Drop(rate=1000, burst_size=0)]),
            M(p.OFPMC_ADD, 0, 3, [Drop(rate=1000, burst_size=0)]),
            M(p.OFPMC_ADD, p.OFPMF_KBPS, 4, [Drop(rate=0, burst_size=0)]),
            M(p.OFPMC_ADD, p.OFPMF_KBPS, 5, []),
            M(p.OFPMC_ADD, p.OFPMF_KBPS, 6, [Drop(rate=1000, burst_size=50)]),
            M(7, p.OFPMF_KBPS, 7, [Drop(rate=1000, burst_size=0)]),
            M(p.OFPMC_ADD, p.OFPMF_PKTPS, 8, [Drop(rate=10, burst_size=0), Drop(rate=10, burst_size=0)]),
            M(p.OFPMC_ADD, p.OFPMF_KBPS | 0x20, 10, [Drop(rate=1000, burst_size=0)]),
        ])
        # A band of type 0x0005 (no such band), rate 1000.
        band = struct.pack("!HHII4x", 5, 16, 1000, 0)
        self.batch(dp, [self.raw(dp, struct.pack("!BBHIHHI", 4, 29, 0, 0, p.OFPMC_ADD, p.OFPMF_KBPS, 11) + band)])
        self.each_then_barrier(dp, [
            self.flow(dp, priority=10, match=parser.OFPMatch(in_port=1),
                      inst=[parser.OFPInstructionMeter(42),
                            parser.OFPInstructionActions(p.OFPIT_APPLY_ACTIONS, [parser.OFPActionOutput(2)])]),
        ])
        self.request(dp, parser.OFPMeterConfigStatsRequest(dp, 0, p.OFPM_ALL))
