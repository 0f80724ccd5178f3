#!/usr/bin/env python3
"""VLAN subinterfaces in user space, for kernels built without 802.1Q
(CONFIG_VLAN_8021Q unset, where `ip link add ... type vlan` fails).

    vlan_tagger.py TRUNK VID=IFNAME [VID=IFNAME ...]

creates a tap device IFNAME per VID and moves frames between it and TRUNK:
a frame the host sends on IFNAME leaves TRUNK tagged VID; a frame arriving
on TRUNK tagged VID comes out of IFNAME untagged. Untagged frames and other
VIDs arriving on TRUNK are dropped, as they are with kernel VLAN devices and
no address on the parent. The caller gives the taps addresses and brings
them up. Prints "ready" once the taps exist; runs until killed.

veth (like most drivers) strips the tag of a received frame into the skb's
metadata, so the tag of a frame read from TRUNK comes from PACKET_AUXDATA.
"""
import fcntl
import os
import select
import socket
import struct
import sys

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def open_tap(name):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main():
    trunk = sys.argv[1]
    taps = {}  # vid -> fd
    for arg in sys.argv[2:]:
        vid, name = arg.split('=', 1)
        taps[int(vid)] = open_tap(name)
    by_fd = {fd: vid for vid, fd in taps.items()}

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    sock.bind((trunk, 0))
    print('ready', flush=True)

    poller = select.poll()
    poller.register(sock, select.POLLIN)
    for fd in taps.values():
        poller.register(fd, select.POLLIN)
    while True:
        for fd, _ in poller.poll():
            if fd == sock.fileno():
                data, anc, _flags, addr = sock.recvmsg(65536, socket.CMSG_SPACE(20))
                if addr[2] == PACKET_OUTGOING:
                    continue  # our own transmissions, seen by the tap on TRUNK
                vid = None
                for level, kind, payload in anc:
                    if level == SOL_PACKET and kind == PACKET_AUXDATA and len(payload) >= 20:
                        status, _len, _snap, _mac, _net, tci, _tpid = struct.unpack('IIIHHHH', payload[:20])
                        if status & TP_STATUS_VLAN_VALID:
                            vid = tci & 0x0FFF
                if vid is None and len(data) >= 18 and data[12:14] == b'\x81\x00':
                    # A driver that leaves the tag in the frame.
                    vid = struct.unpack('!H', data[14:16])[0] & 0x0FFF
                    data = data[:12] + data[16:]
                if vid in taps:
                    os.write(taps[vid], data)
            else:
                frame = os.read(fd, 65536)
                tag = struct.pack('!HH', 0x8100, by_fd[fd])
                sock.send(frame[:12] + tag + frame[12:])


if __name__ == '__main__':
    main()
