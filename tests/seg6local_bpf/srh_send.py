#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Sends IPv6/SRH/UDP frames out of one device, with no scapy to start.

  srh_send.py DEV DST_MAC SRC SPEC...

SPEC is DA/SEGMENTS/SL/COUNT: SEGMENTS a '+'-separated list, last segment
first as in the SRH; SL its segments left; an empty SEGMENTS sends no SRH.
"""
import socket
import struct
import sys


def srh(segments, sl):
    addrs = b"".join(socket.inet_pton(socket.AF_INET6, a) for a in segments)
    # next header UDP, hdrlen in 8-octet units past the first 8, type 4
    return struct.pack("!BBBBBBH", 17, len(segments) * 2, 4, sl,
                       len(segments) - 1, 0, 0) + addrs


def frame(dst_mac, src_mac, src, da, segments, sl):
    udp = struct.pack("!HHHH", 7331, 7330, 8 + 6, 0) + b"bpfext"
    ext = srh(segments, sl) if segments else b""
    ip6 = struct.pack("!IHBB", 6 << 28, len(ext) + len(udp),
                      43 if segments else 17, 64)
    ip6 += socket.inet_pton(socket.AF_INET6, src)
    ip6 += socket.inet_pton(socket.AF_INET6, da)
    return dst_mac + src_mac + b"\x86\xdd" + ip6 + ext + udp


def main():
    dev, dst_mac, src = sys.argv[1:4]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    src_mac = s.getsockname()[4]
    dst_mac = bytes.fromhex(dst_mac.replace(":", ""))
    for spec in sys.argv[4:]:
        da, segs, sl, count = spec.split("/")
        segments = [a for a in segs.split("+") if a]
        pkt = frame(dst_mac, src_mac, src, da, segments, int(sl))
        for _ in range(int(count)):
            s.send(pkt)


if __name__ == "__main__":
    main()
