#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-built rtnetlink requests carrying an "encap bpf" (LWTUNNEL_ENCAP_BPF).

iproute2 only ever sends well-formed encap attributes, so it cannot show
how the kernel treats a malformed one. This helper builds RTM_NEWROUTE,
RTM_DELROUTE and RTM_NEWNEXTHOP messages byte by byte, loads the trivial
BPF programs it needs itself through bpf(2), and prints what the kernel
answered, so tests/lwt_bpf/netlink.sh can compare errnos on the stock
kernel (in-tree net/core/lwt_bpf.c) and on the hooks kernel (lwt_bpf.ko).

    rtnl.py [--netns NS] [--drop-privs] OP TARGET [--dev IF] [ENCAP...]
    rtnl.py [--netns NS] --server

    OP TARGET       add|replace|del PREFIX   (10.78.1.1/32, fd78::1/128)
                    nh-add|nh-del ID         (a nexthop object; --family 4|6)
    --in/--out/--xmit SPEC
                    one LWT_BPF_IN/OUT/XMIT nest, repeatable (a repeat is a
                    second attribute of the same type); SPEC is a comma list:
                      fd=in|out|xmit  a fresh "r0 = 0; exit" program of
                                      that LWT type
                      fd=map          an array map's fd
                      fd=file         /dev/null's fd
                      fd=closed       a descriptor number that was open and
                                      was closed again
                      fd=NUMBER       that number, as is
                      fdlen=N         payload bytes of the fd attribute
                                      (2 truncates, 8 zero-extends)
                      name=STR        LWT_BPF_PROG_NAME, NUL-terminated
                      nonul=STR       LWT_BPF_PROG_NAME without the NUL
                      namelen=N       the name attribute padded with NULs
                                      to N payload bytes
                      attr=T:HEX      an extra attribute of type T
                      raw=HEX         the nest's whole payload, as given
                    an empty SPEC sends an empty nest
    --headroom N    LWT_BPF_XMIT_HEADROOM, a u32
    --headroom-raw HEX   the same attribute with this payload
    --encap-attr T:HEX   another attribute inside RTA_ENCAP
    --empty-encap   RTA_ENCAP with nothing in it
    --drop-privs    after loading programs, become uid/gid 65534 with no
                    capabilities, then talk to the kernel

Without any encap option no RTA_ENCAP is sent (a plain route). Output is
one line: "ok" if the kernel acked the request, otherwise the errno's name
(EINVAL, ...), then " extack: MSG" if the kernel said why. Exit status 0
for ok, 1 for a kernel error, 2 if the helper itself failed ("helper: ..."
on stderr).

--server answers many requests from one process: each stdin line is the
arguments of one request separated by \x1f (ASCII unit separator), each
answer one stdout line as above ("helper: ..." when the helper failed).
Starting python costs seconds in a TCG guest; the test sends ~100
requests. Descriptors a request opened are closed after its answer.
"""

import ctypes
import errno
import ipaddress
import os
import socket
import struct
import sys

# <linux/netlink.h>, <linux/rtnetlink.h>, <linux/nexthop.h>
NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x100, 0x200, 0x400
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR = 2
NLA_F_NESTED = 0x8000
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
NLMSGERR_ATTR_MSG = 1
RTM_NEWROUTE, RTM_DELROUTE = 24, 25
RTM_NEWNEXTHOP, RTM_DELNEXTHOP = 104, 105
RTA_DST, RTA_OIF, RTA_TABLE, RTA_ENCAP_TYPE, RTA_ENCAP = 1, 4, 15, 21, 22
NHA_ID, NHA_OIF, NHA_ENCAP_TYPE, NHA_ENCAP = 1, 5, 7, 8
RT_TABLE_MAIN, RTPROT_BOOT, RTN_UNICAST = 254, 3, 1
RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_NOWHERE = 0, 253, 255

# <linux/lwtunnel.h>
LWTUNNEL_ENCAP_BPF = 6
LWT_BPF_IN, LWT_BPF_OUT, LWT_BPF_XMIT, LWT_BPF_XMIT_HEADROOM = 1, 2, 3, 4
LWT_BPF_PROG_FD, LWT_BPF_PROG_NAME = 1, 2

# <linux/bpf.h>, x86_64
SYS_bpf = 321
BPF_MAP_CREATE, BPF_PROG_LOAD = 0, 5
BPF_MAP_TYPE_ARRAY = 2
PROG_TYPES = {"in": 10, "out": 11, "xmit": 12}  # BPF_PROG_TYPE_LWT_*
CLONE_NEWNET = 0x40000000
NOBODY = 65534

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class HelperError(Exception):
    """Something failed before the kernel saw the request (exit 2)."""


def bpf(cmd, attr):
    """bpf(2) with a zeroed 128-byte union bpf_attr; returns the new fd."""
    buf = ctypes.create_string_buffer(bytes(attr), 128)
    fd = libc.syscall(SYS_bpf, cmd, buf, len(buf))
    if fd < 0:
        e = ctypes.get_errno()
        raise HelperError(f"bpf cmd {cmd}: {errno.errorcode.get(e, e)}")
    return fd


def load_prog(kind):
    """A 2-instruction program of type BPF_PROG_TYPE_LWT_<kind>.

    "r0 = 0; exit" passes the verifier on every LWT hook; the tests only
    need an fd of the right (or deliberately wrong) type, never a run.
    """
    insns = struct.pack("<BBhi", 0xB7, 0, 0, 0)     # BPF_ALU64|BPF_MOV|BPF_K r0 = 0
    insns += struct.pack("<BBhi", 0x95, 0, 0, 0)    # BPF_JMP|BPF_EXIT
    insns_buf = ctypes.create_string_buffer(insns, len(insns))
    license_buf = ctypes.create_string_buffer(b"GPL")
    attr = bytearray(128)
    # prog_type, insn_cnt, insns, license: the start of the PROG_LOAD part.
    struct.pack_into("<IIQQ", attr, 0, PROG_TYPES[kind], 2,
                     ctypes.addressof(insns_buf), ctypes.addressof(license_buf))
    # prog_name at offset 48: lets a test spot leaked programs by name.
    attr[48:48 + 8] = b"bx_rtnl\0"
    return bpf(BPF_PROG_LOAD, attr)


def create_map():
    """An array map: a bpf fd that is not a program."""
    attr = bytearray(128)
    struct.pack_into("<IIII", attr, 0, BPF_MAP_TYPE_ARRAY, 4, 4, 1)
    return bpf(BPF_MAP_CREATE, attr)


def closed_fd():
    """A descriptor number that was open and is closed again.

    Moved up to 1000 first, so nothing this helper opens afterwards (which
    takes the lowest free number) can reuse it before the kernel looks.
    """
    fd = os.open("/dev/null", os.O_RDONLY)
    os.dup2(fd, 1000)
    os.close(fd)
    os.close(1000)
    return 1000


def nla(atype, payload):
    """One netlink attribute, padded to 4 bytes."""
    data = struct.pack("<HH", 4 + len(payload), atype) + payload
    return data + b"\0" * (-len(data) % 4)


def nest(atype, payload):
    return nla(atype | NLA_F_NESTED, payload)


def parse_raw_attr(text):
    """T:HEX -> an attribute of type T with that payload."""
    atype, _, hexdata = text.partition(":")
    return nla(int(atype, 0), bytes.fromhex(hexdata))


def fd_for(what, keep):
    """The fd value named by fd=WHAT; opened objects are kept in keep."""
    if what in PROG_TYPES:
        fd = load_prog(what)
    elif what == "map":
        fd = create_map()
    elif what == "file":
        fd = os.open("/dev/null", os.O_RDONLY)
    elif what == "closed":
        return closed_fd()
    else:
        return int(what, 0)
    keep.append(fd)
    return fd


def prog_nest(atype, spec, keep):
    """An LWT_BPF_IN/OUT/XMIT nest from a SPEC (see the module docstring)."""
    fd = name = None
    fdlen, namelen, extra, raw = 4, None, b"", None
    for item in filter(None, spec.split(",")):
        key, _, val = item.partition("=")
        if key == "fd":
            fd = fd_for(val, keep)
        elif key == "fdlen":
            fdlen = int(val)
        elif key == "name":
            name = val.encode() + b"\0"
        elif key == "nonul":
            name = val.encode()
        elif key == "namelen":
            namelen = int(val)
        elif key == "attr":
            extra += parse_raw_attr(val)
        elif key == "raw":
            raw = bytes.fromhex(val)
        else:
            raise HelperError(f"unknown SPEC item '{item}'")
    if raw is not None:
        return nest(atype, raw)
    body = b""
    if fd is not None:
        # A u32, then cut or zero-extended to fdlen bytes.
        fd_bytes = struct.pack("<I", fd & 0xFFFFFFFF)
        body += nla(LWT_BPF_PROG_FD, (fd_bytes + bytes(8))[:fdlen])
    if name is not None:
        if namelen is not None:
            name = name.ljust(namelen, b"\0")
        body += nla(LWT_BPF_PROG_NAME, name)
    return nest(atype, body + extra)


def parse_args(argv):
    """OP TARGET and options -> a dict; encap items keep their order."""
    opts = {"netns": None, "drop": False, "dev": None, "family": None,
            "empty_encap": False, "encap_items": [], "keep": []}
    hooks = {"--in": LWT_BPF_IN, "--out": LWT_BPF_OUT, "--xmit": LWT_BPF_XMIT}
    pos = []
    args = iter(argv)
    for arg in args:
        if arg == "--drop-privs":
            opts["drop"] = True
            continue
        if arg == "--empty-encap":
            opts["empty_encap"] = True
            continue
        if not arg.startswith("--"):
            pos.append(arg)
            continue
        val = next(args, None)
        if val is None:
            raise HelperError(f"{arg} needs a value")
        items = opts["encap_items"]
        if arg in hooks:
            items.append((hooks[arg], val))
        elif arg == "--headroom":
            items.append((LWT_BPF_XMIT_HEADROOM, struct.pack("<I", int(val, 0))))
        elif arg == "--headroom-raw":
            items.append((LWT_BPF_XMIT_HEADROOM, bytes.fromhex(val)))
        elif arg == "--encap-attr":
            items.append((None, val))
        elif arg in ("--netns", "--dev", "--family"):
            opts[arg[2:]] = val
        else:
            raise HelperError(f"unknown option {arg}")
    if len(pos) != 2:
        raise HelperError("usage: rtnl.py [--netns NS] [--drop-privs] OP TARGET ...")
    opts["op"], opts["target"] = pos
    return opts


def build_encap(opts):
    """The RTA_ENCAP (or NHA_ENCAP) payload, or None for a plain request.

    Programs are loaded here, in the order the options were given.
    """
    items = opts["encap_items"]
    if not items:
        return b"" if opts["empty_encap"] else None
    body = b""
    for atype, val in items:
        if atype is None:
            body += parse_raw_attr(val)
        elif atype == LWT_BPF_XMIT_HEADROOM:
            body += nla(atype, val)
        else:
            body += prog_nest(atype, val, opts["keep"])
    return body


def ifindex(opts):
    if opts["dev"] is None:
        return None
    return socket.if_nametoindex(opts["dev"])


def oif_and_encap(opts, encap, oif_attr, type_attr, encap_attr):
    """The output device and the encap, which routes and nexthop objects
    carry alike under their own attribute numbers."""
    out = b""
    oif = ifindex(opts)
    if oif is not None:
        out += nla(oif_attr, struct.pack("<I", oif))
    if encap is not None:
        out += nla(type_attr, struct.pack("<H", LWTUNNEL_ENCAP_BPF))
        out += nest(encap_attr, encap)
    return out


def route_msg(opts, encap):
    """RTM_NEWROUTE/RTM_DELROUTE for one prefix, as iproute2 lays it out."""
    net = ipaddress.ip_network(opts["target"])
    family = socket.AF_INET6 if net.version == 6 else socket.AF_INET
    op = opts["op"]
    if op == "del":
        # iproute2's delete: any scope, type and protocol.
        mtype, flags = RTM_DELROUTE, 0
        scope, rtype, proto = RT_SCOPE_NOWHERE, 0, 0
    else:
        mtype = RTM_NEWROUTE
        flags = NLM_F_CREATE | (NLM_F_REPLACE if op == "replace" else NLM_F_EXCL)
        # A device route: link scope on IPv4, universe on IPv6 (as ip does).
        scope = RT_SCOPE_LINK if family == socket.AF_INET else RT_SCOPE_UNIVERSE
        rtype, proto = RTN_UNICAST, RTPROT_BOOT
    # struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope,
    # type, flags
    body = struct.pack("<BBBBBBBBI", family, net.prefixlen, 0, 0,
                       RT_TABLE_MAIN, proto, scope, rtype, 0)
    body += nla(RTA_TABLE, struct.pack("<I", RT_TABLE_MAIN))
    body += nla(RTA_DST, net.network_address.packed)
    body += oif_and_encap(opts, encap, RTA_OIF, RTA_ENCAP_TYPE, RTA_ENCAP)
    return mtype, flags, body


def nexthop_msg(opts, encap):
    """RTM_NEWNEXTHOP/RTM_DELNEXTHOP: a nexthop object, the other way a
    netlink request reaches an lwtunnel build_state."""
    family = socket.AF_INET6 if opts["family"] == "6" else socket.AF_INET
    if opts["op"] == "nh-del":
        mtype, flags = RTM_DELNEXTHOP, 0
    else:
        mtype, flags = RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_EXCL
    # struct nhmsg: family, scope, protocol, resvd, flags
    body = struct.pack("<BBBBI", family, 0, RTPROT_BOOT if mtype == RTM_NEWNEXTHOP else 0, 0, 0)
    body += nla(NHA_ID, struct.pack("<I", int(opts["target"])))
    body += oif_and_encap(opts, encap, NHA_OIF, NHA_ENCAP_TYPE, NHA_ENCAP)
    return mtype, flags, body


def drop_privs():
    """uid/gid nobody: leaving uid 0 clears every capability (no keepcaps)."""
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)


def enter_netns(name):
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise HelperError(f"setns {name}: {os.strerror(ctypes.get_errno())}")
    os.close(fd)


def talk(mtype, flags, body):
    """Send one request, return (errno or 0, extack message or None)."""
    # Opened after any privilege drop: rtnetlink checks CAP_NET_ADMIN of
    # both the socket's opener and the sender.
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                       socket.NETLINK_ROUTE) as sock:
        sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        sock.bind((0, 0))
        seq = 1
        hdr = struct.pack("<IHHII", 16 + len(body), mtype,
                          NLM_F_REQUEST | NLM_F_ACK | flags, seq, 0)
        sock.send(hdr + body)
        while True:
            data = sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                mlen, rtype, rflags, rseq, _ = struct.unpack_from("<IHHII", data, off)
                if mlen < 16:
                    raise HelperError("malformed netlink reply")
                if rtype == NLMSG_ERROR and rseq == seq:
                    return parse_ack(data[off + 16:off + mlen], rflags)
                off += (mlen + 3) & ~3


def parse_ack(payload, flags):
    """struct nlmsgerr, then (with NLM_F_ACK_TLVS) the extack TLVs."""
    (err,) = struct.unpack_from("<i", payload, 0)
    # The echoed request: only its header with NETLINK_CAP_ACK.
    off = 4 + 16
    if not flags & NLM_F_CAPPED:
        (inner_len,) = struct.unpack_from("<I", payload, 4)
        off = 4 + ((inner_len + 3) & ~3)
    msg = None
    while flags & NLM_F_ACK_TLVS and off + 4 <= len(payload):
        alen, atype = struct.unpack_from("<HH", payload, off)
        if alen < 4:
            break
        if atype == NLMSGERR_ATTR_MSG:
            msg = payload[off + 4:off + alen].rstrip(b"\0").decode(errors="replace")
        off += (alen + 3) & ~3
    return -err, msg


def request(argv, one_shot=True):
    """Build, send and answer one request; returns (line, exit status)."""
    opts = parse_args(argv)
    try:
        if opts["netns"]:
            if not one_shot:
                raise HelperError("--netns goes before --server")
            enter_netns(opts["netns"])
        encap = build_encap(opts)
        if opts["drop"]:
            # Irreversible: a server would stay unprivileged.
            if not one_shot:
                raise HelperError("--drop-privs is one-shot only")
            drop_privs()
        if opts["op"] in ("add", "replace", "del"):
            mtype, flags, body = route_msg(opts, encap)
        elif opts["op"] in ("nh-add", "nh-del"):
            mtype, flags, body = nexthop_msg(opts, encap)
        else:
            raise HelperError(f"unknown OP {opts['op']}")
        err, msg = talk(mtype, flags, body)
    finally:
        for fd in opts["keep"]:
            os.close(fd)
    line = "ok" if err == 0 else errno.errorcode.get(err, str(err))
    if msg:
        line += f" extack: {msg}"
    return line, 0 if err == 0 else 1


def serve():
    for raw in sys.stdin:
        try:
            line, _ = request(raw.rstrip("\n").split("\x1f"), one_shot=False)
        except (HelperError, OSError, ValueError) as e:
            line = f"helper: {e}"
        print(line, flush=True)
    return 0


def main(argv):
    if argv[-1:] == ["--server"]:
        if argv[:1] == ["--netns"] and len(argv) == 3:
            enter_netns(argv[1])
        elif len(argv) != 1:
            raise HelperError("usage: rtnl.py [--netns NS] --server")
        return serve()
    line, status = request(argv)
    print(line)
    return status


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (HelperError, OSError, ValueError) as e:
        print(f"helper: {e}", file=sys.stderr)
        sys.exit(2)
