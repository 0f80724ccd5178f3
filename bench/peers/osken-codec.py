#!/usr/bin/python3
"""The peer for bench/codec: os-ken's (Ryu's) OpenFlow 1.3 parser and
serializer, timed on the same messages that bench/codec times ours on.

Reads a JSON object {name: hex} on stdin and prints {name: {decode, encode,
roundtrip}} in messages per second. Uses os-ken's own msg_parser and
serialize(), the code path a Ryu/os-ken controller runs for every message.
"""
import json
import sys
import time

from os_ken.ofproto import ofproto_parser, ofproto_v1_3, ofproto_v1_3_parser


class FakeDatapath:
    ofproto = ofproto_v1_3
    ofproto_parser = ofproto_v1_3_parser


def rate(fn, min_seconds=1.0):
    n = 0
    batch = 200
    start = time.perf_counter()
    while True:
        for _ in range(batch):
            fn()
        n += batch
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return n / elapsed


def main():
    messages = json.load(sys.stdin)
    dp = FakeDatapath()
    out = {}
    for name, hexstr in messages.items():
        buf = bytes.fromhex(hexstr)
        version, msg_type, msg_len, xid = ofproto_parser.header(buf)

        def decode():
            return ofproto_parser.msg(dp, version, msg_type, msg_len, xid, buf)

        msg = decode()

        def encode():
            msg.buf = None
            msg.serialize()
            return msg.buf

        def roundtrip():
            m = ofproto_parser.msg(dp, version, msg_type, msg_len, xid, buf)
            m.serialize()
            return m.buf

        try:
            out_len = len(encode())
            if out_len != len(buf):
                # os-ken serializes some switch-to-controller messages (multipart
                # replies) without their body: no honest encode figure.
                raise ValueError(f"serialize() gave {out_len} bytes, not {len(buf)}")
            enc = rate(encode)
            rt = rate(roundtrip)
        except Exception as e:  # some reply types have no serializer in os-ken
            enc = None
            rt = None
            print(f"os-ken cannot serialize {name}: {e}", file=sys.stderr)
        out[name] = {"decode": rate(decode), "encode": enc, "roundtrip": rt}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
