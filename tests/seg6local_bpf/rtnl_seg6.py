#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-built rtnetlink requests carrying an SRv6 "encap seg6local" End.BPF.

iproute2 only ever sends well-formed SEG6_LOCAL_* attributes, so it cannot
show how the kernel treats a malformed one. This helper builds
RTM_NEWROUTE, RTM_DELROUTE and RTM_NEWNEXTHOP messages whose RTA_ENCAP_TYPE
is LWTUNNEL_ENCAP_SEG6_LOCAL byte by byte, loads the trivial programs it
needs itself through bpf(2), and prints what the kernel answered, for
tests/seg6local_bpf/netlink.sh. It reuses the netlink and bpf(2) pieces of
tests/lwt_bpf/rtnl.py.

    rtnl_seg6.py [--netns NS] [--drop-privs] OP TARGET [--dev IF] [ENCAP...]
    rtnl_seg6.py [--netns NS] --server

    OP TARGET       add|replace|append|del PREFIX   (fd78::14/128, 10.78.1.1/32)
                    nh-add|nh-del ID   (a nexthop object; --family 4|6)
                    dump PREFIX        (print the route's seg6local encap)
    --action N      SEG6_LOCAL_ACTION, a u32 (default 15, End.BPF, whenever
                    any encap option is given); --action none leaves it out
    --action-raw HEX   the same attribute with this payload
    --bpf SPEC      one SEG6_LOCAL_BPF nest, repeatable; SPEC is a comma list:
                      fd=seg6         a fresh "r0 = 0; exit" (BPF_OK) program
                                      of type LWT_SEG6LOCAL
                      fd=lwt_in       the same of type LWT_IN
                      fd=socket       the same of type SOCKET_FILTER
                      fd=map          an array map's fd
                      fd=file         /dev/null's fd
                      fd=closed       a descriptor number closed again
                      fd=pin:PATH     the program pinned at PATH (BPF_OBJ_GET)
                      fd=NUMBER       that number, as is
                      fdlen=N         payload bytes of the fd attribute
                      name=STR        SEG6_LOCAL_BPF_PROG_NAME, NUL-terminated
                      nonul=STR       the name without its NUL
                      namelen=N       the name padded with NULs to N bytes
                      attr=T:HEX      an extra attribute of type T
                      raw=HEX         the nest's whole payload, as given
                    an empty SPEC sends an empty nest
    --counters LETTERS  SEG6_LOCAL_COUNTERS with a zero u64 PACKETS (p),
                    BYTES (b), ERRORS (e) for each letter given ("pbe" is
                    what iproute2's "count" sends; '' an empty nest)
    --counters-raw HEX  the counters nest with this payload
    --encap-attr T:HEX  another attribute inside RTA_ENCAP
    --empty-encap   RTA_ENCAP with nothing in it
    --drop-privs    after loading programs, become uid/gid 65534 with no
                    capabilities, then talk to the kernel

Output is one line: "ok" if the kernel acked the request, otherwise the
errno's name (EINVAL, ...); then " progs=ID,ID" with the ids of the
programs this request loaded or opened (fd=seg6|lwt_in|socket|pin:),
then " extack: MSG" if the kernel said why. dump prints "none" if no such
route is there, else for each route of that prefix (" | " between them)
"action N" [" prog=ID name=NAME"] [" packets=P bytes=B errors=E"]
" attrs=T,T" (the SEG6_LOCAL_* types dumped), or "no seg6local encap".
Exit status 0 for ok (and dump), 1 for a kernel error, 2 if the helper
itself failed ("helper: ..." on stderr).

--server answers many requests from one process, as rtnl.py's: one line
of \\x1f-separated arguments in, one line out.
"""

import ctypes
import errno
import ipaddress
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lwt_bpf"))
import rtnl  # noqa: E402  tests/lwt_bpf/rtnl.py: netlink and bpf(2) pieces
from rtnl import HelperError, nla, nest  # noqa: E402

# <linux/lwtunnel.h>, <linux/seg6_local.h>
LWTUNNEL_ENCAP_SEG6_LOCAL = 7
SEG6_LOCAL_ACTION, SEG6_LOCAL_BPF, SEG6_LOCAL_COUNTERS = 1, 8, 10
SEG6_LOCAL_ACTION_END_BPF = 15
SEG6_LOCAL_BPF_PROG, SEG6_LOCAL_BPF_PROG_NAME = 1, 2
SEG6_LOCAL_CNT_PACKETS, SEG6_LOCAL_CNT_BYTES, SEG6_LOCAL_CNT_ERRORS = 2, 3, 4
COUNTER_LETTERS = {"p": SEG6_LOCAL_CNT_PACKETS, "b": SEG6_LOCAL_CNT_BYTES,
                   "e": SEG6_LOCAL_CNT_ERRORS}

# <linux/netlink.h>, <linux/rtnetlink.h>
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLM_F_APPEND = 0x800
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWROUTE, RTM_GETROUTE = 24, 26
RTA_DST, RTA_ENCAP_TYPE, RTA_ENCAP, RTA_TABLE = 1, 21, 22, 15

# <linux/bpf.h>
BPF_OBJ_GET, BPF_OBJ_GET_INFO_BY_FD = 7, 15
PROG_TYPES = {"seg6": 19, "lwt_in": 10, "socket": 1}


def errname(err):
    """The errno's name; EOPNOTSUPP, as the kernel says, not its alias."""
    if err == errno.EOPNOTSUPP:
        return "EOPNOTSUPP"
    return errno.errorcode.get(err, str(err))


def load_prog(kind):
    """"r0 = 0; exit" (BPF_OK) of a BPF_PROG_TYPE; named bx_sl_nl, so a
    test can spot a program some refused request left referenced."""
    insns = struct.pack("<BBhi", 0xB7, 0, 0, 0)     # r0 = 0
    insns += struct.pack("<BBhi", 0x95, 0, 0, 0)    # exit
    insns_buf = ctypes.create_string_buffer(insns, len(insns))
    license_buf = ctypes.create_string_buffer(b"GPL")
    attr = bytearray(128)
    struct.pack_into("<IIQQ", attr, 0, PROG_TYPES[kind], 2,
                     ctypes.addressof(insns_buf), ctypes.addressof(license_buf))
    attr[48:48 + 9] = b"bx_sl_nl\0"
    return rtnl.bpf(rtnl.BPF_PROG_LOAD, attr)


def obj_get(path):
    """The fd of the object pinned at path."""
    path_buf = ctypes.create_string_buffer(path.encode())
    attr = bytearray(128)
    struct.pack_into("<Q", attr, 0, ctypes.addressof(path_buf))
    return rtnl.bpf(BPF_OBJ_GET, attr)


def prog_id(fd):
    """The id of the program behind fd (struct bpf_prog_info's second u32)."""
    info = ctypes.create_string_buffer(16)
    attr = bytearray(128)
    struct.pack_into("<IIQ", attr, 0, fd, len(info), ctypes.addressof(info))
    buf = ctypes.create_string_buffer(bytes(attr), 128)
    if rtnl.libc.syscall(rtnl.SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, buf, 128) < 0:
        raise HelperError(f"prog info: {os.strerror(ctypes.get_errno())}")
    return struct.unpack_from("<I", info.raw, 4)[0]


def fd_for(what, opts):
    """The fd value named by fd=WHAT; what this opened goes in opts."""
    if what in PROG_TYPES:
        fd = load_prog(what)
        opts["ids"].append(prog_id(fd))
    elif what.startswith("pin:"):
        fd = obj_get(what[4:])
        opts["ids"].append(prog_id(fd))
    elif what == "map":
        fd = rtnl.create_map()
    elif what == "file":
        fd = os.open("/dev/null", os.O_RDONLY)
    elif what == "closed":
        return rtnl.closed_fd()
    else:
        return int(what, 0)
    opts["keep"].append(fd)
    return fd


def bpf_nest(spec, opts):
    """A SEG6_LOCAL_BPF nest from a SPEC (see the module docstring)."""
    fd = name = None
    fdlen, namelen, extra, raw = 4, None, b"", None
    for item in filter(None, spec.split(",")):
        key, _, val = item.partition("=")
        if key == "fd":
            fd = fd_for(val, opts)
        elif key == "fdlen":
            fdlen = int(val)
        elif key == "name":
            name = val.encode() + b"\0"
        elif key == "nonul":
            name = val.encode()
        elif key == "namelen":
            namelen = int(val)
        elif key == "attr":
            extra += rtnl.parse_raw_attr(val)
        elif key == "raw":
            raw = bytes.fromhex(val)
        else:
            raise HelperError(f"unknown SPEC item '{item}'")
    if raw is not None:
        return nest(SEG6_LOCAL_BPF, raw)
    body = b""
    if fd is not None:
        fd_bytes = struct.pack("<I", fd & 0xFFFFFFFF)
        body += nla(SEG6_LOCAL_BPF_PROG, (fd_bytes + bytes(8))[:fdlen])
    if name is not None:
        if namelen is not None:
            name = name.ljust(namelen, b"\0")
        body += nla(SEG6_LOCAL_BPF_PROG_NAME, name)
    return nest(SEG6_LOCAL_BPF, body + extra)


def counters_nest(letters):
    body = b""
    for c in letters:
        if c not in COUNTER_LETTERS:
            raise HelperError(f"unknown counter '{c}'")
        body += nla(COUNTER_LETTERS[c], bytes(8))
    return nest(SEG6_LOCAL_COUNTERS, body)


def parse_args(argv):
    opts = {"netns": None, "drop": False, "dev": None, "family": None,
            "empty_encap": False, "action": struct.pack("<I", SEG6_LOCAL_ACTION_END_BPF),
            "items": [], "keep": [], "ids": []}
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
        if arg == "--action":
            opts["action"] = None if val == "none" else struct.pack("<I", int(val, 0))
        elif arg == "--action-raw":
            opts["action"] = bytes.fromhex(val)
        elif arg in ("--bpf", "--counters", "--counters-raw", "--encap-attr"):
            opts["items"].append((arg, val))
        elif arg in ("--netns", "--dev", "--family"):
            opts[arg[2:]] = val
        else:
            raise HelperError(f"unknown option {arg}")
    if len(pos) != 2:
        raise HelperError("usage: rtnl_seg6.py [--netns NS] [--drop-privs] OP TARGET ...")
    opts["op"], opts["target"] = pos
    return opts


def build_encap(opts):
    """The RTA_ENCAP payload, or None for a plain request; programs are
    loaded here, in the order the options were given."""
    if not opts["items"]:
        return b"" if opts["empty_encap"] else None
    body = b""
    if opts["action"] is not None:
        body += nla(SEG6_LOCAL_ACTION, opts["action"])
    for kind, val in opts["items"]:
        if kind == "--bpf":
            body += bpf_nest(val, opts)
        elif kind == "--counters":
            body += counters_nest(val)
        elif kind == "--counters-raw":
            body += nest(SEG6_LOCAL_COUNTERS, bytes.fromhex(val))
        else:
            body += rtnl.parse_raw_attr(val)
    return body


def with_encap(msg, opts, encap, type_attr, encap_attr):
    mtype, flags, body = msg
    if encap is not None:
        body += nla(type_attr, struct.pack("<H", LWTUNNEL_ENCAP_SEG6_LOCAL))
        body += nest(encap_attr, encap)
    return mtype, flags, body


def route_msg(opts, encap):
    """rtnl.py's route message (no encap), then ours; append is add with
    NLM_F_APPEND instead of NLM_F_EXCL, as "ip route append"."""
    op = opts["op"]
    sub = dict(opts, op="add" if op == "append" else op)
    mtype, flags, body = rtnl.route_msg(sub, None)
    if op == "append":
        flags = (flags & ~rtnl.NLM_F_EXCL) | NLM_F_APPEND
    return with_encap((mtype, flags, body), opts, encap,
                      RTA_ENCAP_TYPE, RTA_ENCAP)


def nexthop_msg(opts, encap):
    return with_encap(rtnl.nexthop_msg(opts, None), opts, encap,
                      rtnl.NHA_ENCAP_TYPE, rtnl.NHA_ENCAP)


def attrs(data):
    """{type: payload} of a run of attributes (the nested flag cleared)."""
    out = {}
    off = 0
    while off + 4 <= len(data):
        alen, atype = struct.unpack_from("<HH", data, off)
        if alen < 4:
            break
        out[atype & 0x3FFF] = data[off + 4:off + alen]
        off += (alen + 3) & ~3
    return out


def describe(encap_type, encap):
    """One route's seg6local encap as dump prints it."""
    if encap_type != LWTUNNEL_ENCAP_SEG6_LOCAL or encap is None:
        return "no seg6local encap"
    tb = attrs(encap)
    words = []
    if SEG6_LOCAL_ACTION in tb:
        words.append(f"action {struct.unpack('<I', tb[SEG6_LOCAL_ACTION][:4])[0]}")
    if SEG6_LOCAL_BPF in tb:
        b = attrs(tb[SEG6_LOCAL_BPF])
        pid = struct.unpack("<I", b[SEG6_LOCAL_BPF_PROG][:4])[0] \
            if SEG6_LOCAL_BPF_PROG in b else "-"
        name = b.get(SEG6_LOCAL_BPF_PROG_NAME, b"-").rstrip(b"\0").decode()
        words.append(f"prog={pid} name={name}")
    if SEG6_LOCAL_COUNTERS in tb:
        c = attrs(tb[SEG6_LOCAL_COUNTERS])
        vals = [struct.unpack("<Q", c[t][:8])[0] if t in c else "-"
                for t in (SEG6_LOCAL_CNT_PACKETS, SEG6_LOCAL_CNT_BYTES,
                          SEG6_LOCAL_CNT_ERRORS)]
        words.append("packets=%s bytes=%s errors=%s" % tuple(vals))
    words.append("attrs=" + ",".join(str(t) for t in sorted(tb)))
    return " ".join(words)


def dump(opts):
    """RTM_GETROUTE dump of the target's family; the target's routes."""
    net = ipaddress.ip_network(opts["target"])
    family = socket.AF_INET6 if net.version == 6 else socket.AF_INET
    found = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                       socket.NETLINK_ROUTE) as sock:
        sock.bind((0, 0))
        body = struct.pack("<BBBBBBBBI", family, 0, 0, 0, 0, 0, 0, 0, 0)
        sock.send(struct.pack("<IHHII", 16 + len(body), RTM_GETROUTE,
                              NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + body)
        while True:
            data = sock.recv(1 << 16)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, _, _, _ = struct.unpack_from("<IHHII", data, off)
                if mlen < 16:
                    raise HelperError("malformed netlink reply")
                msg = data[off + 16:off + mlen]
                off += (mlen + 3) & ~3
                if mtype == NLMSG_DONE:
                    return " | ".join(found) if found else "none"
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("<i", msg, 0)[0]
                    raise HelperError(f"dump: {errname(err)}")
                if mtype != RTM_NEWROUTE or msg[1] != net.prefixlen:
                    continue
                tb = attrs(msg[12:])
                if tb.get(RTA_DST) != net.network_address.packed:
                    continue
                etype = struct.unpack("<H", tb[RTA_ENCAP_TYPE][:2])[0] \
                    if RTA_ENCAP_TYPE in tb else None
                found.append(describe(etype, tb.get(RTA_ENCAP)))


def request(argv, one_shot=True):
    """Build, send and answer one request; returns (line, exit status)."""
    opts = parse_args(argv)
    try:
        if opts["netns"]:
            if not one_shot:
                raise HelperError("--netns goes before --server")
            rtnl.enter_netns(opts["netns"])
        if opts["op"] == "dump":
            return dump(opts), 0
        encap = build_encap(opts)
        if opts["drop"]:
            if not one_shot:
                raise HelperError("--drop-privs is one-shot only")
            rtnl.drop_privs()
        if opts["op"] in ("add", "replace", "append", "del"):
            msg = route_msg(opts, encap)
        elif opts["op"] in ("nh-add", "nh-del"):
            msg = nexthop_msg(opts, encap)
        else:
            raise HelperError(f"unknown OP {opts['op']}")
        err, extack = rtnl.talk(*msg)
    finally:
        for fd in opts["keep"]:
            os.close(fd)
    line = "ok" if err == 0 else errname(err)
    if opts["ids"]:
        line += " progs=" + ",".join(map(str, opts["ids"]))
    if extack:
        line += f" extack: {extack}"
    return line, 0 if err == 0 else 1


def serve():
    for raw in sys.stdin:
        try:
            line, _ = request(raw.rstrip("\n").split("\x1f"), one_shot=False)
        except (HelperError, OSError, ValueError, KeyError) as e:
            line = f"helper: {e}"
        print(line, flush=True)
    return 0


def main(argv):
    if argv[-1:] == ["--server"]:
        if argv[:1] == ["--netns"] and len(argv) == 3:
            rtnl.enter_netns(argv[1])
        elif len(argv) != 1:
            raise HelperError("usage: rtnl_seg6.py [--netns NS] --server")
        return serve()
    line, status = request(argv)
    print(line)
    return status


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (HelperError, OSError, ValueError, KeyError) as e:
        print(f"helper: {e}", file=sys.stderr)
        sys.exit(2)
