#!/usr/bin/python3
# Prints the cases of os-ken switch test files as JSON, with everything
# serialized by os-ken itself: for each case its description, the target's
# prerequisite messages (flow/group/meter mods) as OpenFlow 1.3 bytes, and
# each test step's ingress frame and expected egress / packet-in frame (or
# the table-miss tables). Lets a spec run a case through the switch in
# process, with the tool's own expectations.
#
#   /usr/bin/python3 ryu-cases.py FILE.json...
#
# Port names in the files take the tool's defaults (target_recv_port 1,
# target_send_port_1 2, target_send_port_2 3), as the rig uses them.
import json
import sys

import importlib
import inspect
import pkgutil

import os_ken.lib.packet
from os_ken.lib.packet import packet
from os_ken.ofproto import ofproto_parser, ofproto_protocol, ofproto_v1_3

PORTS = {'target_recv_port': 1, 'target_send_port_1': 2, 'target_send_port_2': 3,
         'tester_send_port': 1, 'tester_recv_port_1': 2, 'tester_recv_port_2': 3}


# The files' packet expressions name protocol classes ("ethernet(...)/ipv4(...)"):
# bring them into scope as the tool does (tester.py), with its aliases.
ALIASES = {('ipv6', 'option'): 'ipv6option', ('icmpv6', 'echo'): 'icmpv6echo',
           ('dhcp', 'option'): 'dhcpoption', ('dhcp', 'options'): 'dhcpoptions'}
SCOPE = {}
for info in pkgutil.iter_modules(os_ken.lib.packet.__path__):
    try:
        mod = importlib.import_module('os_ken.lib.packet.' + info.name)
    except Exception:
        continue
    for name, cls in inspect.getmembers(mod, inspect.isclass):
        alias = ALIASES.get((info.name, name))
        if alias is not None:
            SCOPE[alias] = cls
        elif cls.__module__ == mod.__name__:
            SCOPE.setdefault(name, cls)


def ports(v):
    if isinstance(v, dict):
        return {k: ports(x) for k, x in v.items()}
    if isinstance(v, list):
        return [ports(x) for x in v]
    if isinstance(v, str) and v in PORTS:
        return PORTS[v]
    return v


def frame(parts):
    pkt = eval('/'.join(parts), dict(SCOPE))
    pkt.serialize()
    return bytes(pkt.data).hex()


def main():
    dp = ofproto_protocol.ProtocolDesc(version=ofproto_v1_3.OFP_VERSION)
    out = []
    for path in sys.argv[1:]:
        with open(path) as f:
            body = json.load(f)
        for case in body[1:]:
            msgs = []
            for pre in case['prerequisite']:
                m = ofproto_parser.ofp_msg_from_jsondict(dp, ports(pre))
                m.set_xid(1)
                m.serialize()
                msgs.append(bytes(m.buf).hex())
            steps = []
            for t in case['tests']:
                s = {}
                if 'ingress' in t:
                    s['ingress'] = frame(t['ingress'])
                if 'egress' in t:
                    s['egress'] = frame(t['egress'])
                if 'PACKET_IN' in t:
                    s['packet_in'] = frame(t['PACKET_IN'])
                if 'table-miss' in t:
                    s['table_miss'] = t['table-miss']
                if 'packets' in t or 'throughput' in t:
                    s['throughput'] = True
                steps.append(s)
            out.append({'file': body[0], 'description': case['description'], 'messages': msgs, 'steps': steps})
    json.dump(out, sys.stdout)


main()
