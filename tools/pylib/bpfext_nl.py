# SPDX-License-Identifier: GPL-2.0
"""Netlink for bpfext's tools, on Python's standard library alone.

The attribute numbers mirror uapi/linux/bpfext_lwt.h and
uapi/linux/bpfext_seg6local.h (the order of each tuple below is the
enum's). No netlink library: importing pyroute2 took 5 of the 6 seconds
one run of a tool took in a TCG guest, and the tests run them often.
"""
import errno
import os
import socket
import struct

NETLINK_GENERIC = 16
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLA_F_NESTED, NLA_TYPE_MASK = 0x8000, 0x3fff

LWT_FAMILY = "bpfext_lwt"
LWT_VERSION = 1
LWT_CMD_GET_ROUTE = 1
LWT_CMD_GET_STATUS = 2
LWT_ATTRS = ("UNSPEC", "PAD", "ID", "FAMILY", "TABLE", "DST", "DST_LEN", "OIF",
             "GATEWAY", "HOOK", "VERSION", "MODE", "STATES", "STATES_NETNS")
LWT_HOOK_ATTRS = ("UNSPEC", "PAD", "TYPE", "PROG_NAME", "PROG_ID", "STATS")
LWT_STATS = ("runs", "ok", "drop", "redirect", "reroute", "bad_ret",
             "bad_redirect", "drop_headroom", "drop_proto", "drop_l2_no_hdr",
             "drop_no_dev", "drop_reroute")
LWT_HOOKS = {1: "in", 2: "out", 3: "xmit"}     # LWT_BPF_IN, _OUT, _XMIT
LWT_MODES = {1: "hooks", 2: "takeover", 3: "alone"}
LWTUNNEL_ENCAP_BPF = 6
LWTUNNEL_ENCAP_SEG6_LOCAL = 7

SEG6_FAMILY = "bpfext_seg6"
SEG6_VERSION = 1
SEG6_CMD_GET_ROUTE = 1
SEG6_CMD_GET_STATUS = 2
SEG6_ATTRS = ("UNSPEC", "PAD", "ID", "TABLE", "DST", "DST_LEN", "OIF",
              "PROG_NAME", "PROG_ID", "STATS", "VERSION", "MODE", "STATES",
              "STATES_NETNS")
SEG6_STATS = ("runs", "ok", "drop", "redirect", "bad_ret", "drop_no_srh",
              "drop_srh", "drop_action", "drop_no_route")
SEG6_MODES = {1: "hooks", 2: "takeover"}

# rtnetlink: what counting encap bpf and End.BPF routes reads.
RTM_GETROUTE, RTM_GETNEXTHOP = 26, 106
RTA_MULTIPATH, RTA_ENCAP_TYPE, RTA_ENCAP = 9, 21, 22
NHA_ENCAP_TYPE = 7
SEG6_LOCAL_BPF = 8
RTMSG = struct.Struct("BBBBBBBBI")
NHMSG = struct.Struct("BBBBI")
RTNEXTHOP = struct.Struct("HBBi")


def attrs(buf, names=None):
    """A message's attributes: {type: [payload, ...]}, or keyed by name
    (from the tuple of names, the uapi enum's order) when names is given."""
    out, off = {}, 0
    while off + 4 <= len(buf):
        length, kind = struct.unpack_from("HH", buf, off)
        if length < 4 or off + length > len(buf):
            break
        kind &= NLA_TYPE_MASK
        if names is not None:
            kind = names[kind] if kind < len(names) else kind
        out.setdefault(kind, []).append(buf[off + 4:off + length])
        off += (length + 3) & ~3
    return out


def attr(kind, payload):
    """One attribute, padded."""
    data = struct.pack("HH", 4 + len(payload), kind) + payload
    return data + b"\0" * (-len(data) % 4)


def _u(data):
    return int.from_bytes(data, "little") if data is not None else None


def _str(data):
    return data.split(b"\0", 1)[0].decode() if data is not None else None


def _addr(data):
    fam = socket.AF_INET if len(data) == 4 else socket.AF_INET6
    return socket.inet_ntop(fam, data)


class Netlink:
    """One netlink socket; request() returns the replies' payloads."""

    def __init__(self, protocol):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  protocol)
        self.sock.bind((0, 0))
        self.seq = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, msg_type, flags, payload):
        """Sends one request and returns [(type, payload)] of its replies,
        up to NLMSG_DONE for a dump or the kernel's ACK otherwise. Raises
        OSError with the kernel's errno."""
        self.seq += 1
        dump = (flags & NLM_F_DUMP) == NLM_F_DUMP
        if not dump:
            flags |= NLM_F_ACK
        self.sock.send(struct.pack("IHHII", 16 + len(payload), msg_type,
                                   NLM_F_REQUEST | flags, self.seq, 0) +
                       payload)
        replies = []
        while True:
            buf, off = self.sock.recv(1 << 20), 0
            while off + 16 <= len(buf):
                length, kind, _, seq, _ = struct.unpack_from("IHHII", buf, off)
                body = buf[off + 16:off + length]
                off += (length + 3) & ~3
                if seq != self.seq:
                    continue
                if kind == NLMSG_ERROR or kind == NLMSG_DONE:
                    err = struct.unpack_from("i", body)[0] if body else 0
                    if err < 0:
                        raise OSError(-err, os.strerror(-err))
                    if kind == NLMSG_DONE or not dump:
                        return replies
                    continue
                replies.append((kind, body))


class NoFamily(Exception):
    """The module that owns a generic netlink family is not loaded."""


class Genl(Netlink):
    """A bpfext module's generic netlink family; NoFamily when absent."""
    genl_family = names = version = None

    def __init__(self):
        super().__init__(NETLINK_GENERIC)
        name = attr(CTRL_ATTR_FAMILY_NAME, self.genl_family.encode() + b"\0")
        try:
            (_, body), = self.request(GENL_ID_CTRL, 0,
                                      struct.pack("BBH", CTRL_CMD_GETFAMILY,
                                                  1, 0) + name)
        except OSError as e:
            self.close()
            if e.errno == errno.ENOENT:
                raise NoFamily(self.genl_family) from None
            raise
        self.family_id = _u(attrs(body[4:])[CTRL_ATTR_FAMILY_ID][0])

    def genl_request(self, cmd, flags, payload=b""):
        """The family's replies to one command, each as attrs(names)."""
        hdr = struct.pack("BBH", cmd, self.version, 0)
        return [attrs(body[4:], self.names)
                for _, body in self.request(self.family_id, flags,
                                            hdr + payload)]

    def _status(self, modes):
        a = self.genl_request(self.status_cmd, 0)[0]
        return {
            "version": _str(a.get("VERSION", [None])[0]),
            "mode": modes.get(_u(a.get("MODE", [None])[0]), "?"),
            "states": _u(a.get("STATES", [None])[0]),
            "states_netns": _u(a.get("STATES_NETNS", [None])[0]),
        }


def _dev(oif):
    try:
        return socket.if_indextoname(oif)
    except OSError:
        return "if%d" % oif


def _stats(data, names):
    stats = attrs(data)
    return {name: _u(stats[i + 2][0]) for i, name in enumerate(names)
            if i + 2 in stats}


def _first(a, key):
    return a[key][0] if key in a else None


class LwtGenl(Genl):
    """lwt_bpf.ko's family."""
    genl_family, names, version = LWT_FAMILY, LWT_ATTRS, LWT_VERSION
    status_cmd = LWT_CMD_GET_STATUS

    def routes(self):
        """One dict per encap state of the caller's netns (the uapi's)."""
        return [lwt_route(a) for a in self.genl_request(LWT_CMD_GET_ROUTE,
                                                        NLM_F_DUMP)]

    def status(self):
        return self._status(LWT_MODES)


class Seg6Genl(Genl):
    """seg6local_bpf.ko's family."""
    genl_family, names, version = SEG6_FAMILY, SEG6_ATTRS, SEG6_VERSION
    status_cmd = SEG6_CMD_GET_STATUS

    def routes(self):
        """One dict per End.BPF state of the caller's netns (the uapi's)."""
        return [seg6_route(a) for a in self.genl_request(SEG6_CMD_GET_ROUTE,
                                                         NLM_F_DUMP)]

    def status(self):
        return self._status(SEG6_MODES)


def seg6_route(a):
    route = {"id": _u(_first(a, "ID")), "family": "inet6",
             "encap": "seg6local", "action": "End.BPF"}
    for key, name, conv in (("table", "TABLE", _u), ("dst", "DST", _addr),
                            ("dst_len", "DST_LEN", _u),
                            ("prog", "PROG_NAME", _str),
                            ("prog_id", "PROG_ID", _u)):
        if name in a:
            route[key] = conv(a[name][0])
    if "OIF" in a:
        route["dev"] = _dev(_u(a["OIF"][0]))
    route["stats"] = _stats(a["STATS"][0], SEG6_STATS) if "STATS" in a \
        else {}
    return route


def lwt_route(a):
    route = {"id": _u(_first(a, "ID")), "hooks": []}
    fam = _u(_first(a, "FAMILY"))
    route["family"] = "inet" if fam == socket.AF_INET else "inet6"
    for key, name, conv in (("table", "TABLE", _u), ("dst", "DST", _addr),
                            ("dst_len", "DST_LEN", _u),
                            ("via", "GATEWAY", _addr)):
        if name in a:
            route[key] = conv(a[name][0])
    if "OIF" in a:
        route["dev"] = _dev(_u(a["OIF"][0]))
    for data in a.get("HOOK", ()):
        h = attrs(data, LWT_HOOK_ATTRS)
        route["hooks"].append({
            "hook": LWT_HOOKS.get(_u(_first(h, "TYPE")), "?"),
            "prog": _str(_first(h, "PROG_NAME")),
            "prog_id": _u(_first(h, "PROG_ID")),
            "stats": _stats(h["STATS"][0], LWT_STATS) if "STATS" in h else {},
        })
    return route


def _legs(rta):
    """A route's own attributes, then each RTA_MULTIPATH leg's."""
    yield rta
    for mp in rta.get(RTA_MULTIPATH, ()):
        off = 0
        while off + RTNEXTHOP.size <= len(mp):
            length = RTNEXTHOP.unpack_from(mp, off)[0]
            if length < RTNEXTHOP.size:
                break
            yield attrs(mp[off + RTNEXTHOP.size:off + length])
            off += (length + 3) & ~3


def _routes(rtnl, family):
    """The attributes of every route of one family, every table."""
    payload = RTMSG.pack(family, 0, 0, 0, 0, 0, 0, 0, 0)
    return [attrs(body[RTMSG.size:])
            for _, body in rtnl.request(RTM_GETROUTE, NLM_F_DUMP, payload)]


def _nexthops(rtnl):
    try:
        return [attrs(body[NHMSG.size:])
                for _, body in rtnl.request(RTM_GETNEXTHOP, NLM_F_DUMP,
                                            NHMSG.pack(0, 0, 0, 0, 0))]
    except OSError as e:
        # A kernel without nexthop objects.
        if e.errno in (errno.EOPNOTSUPP, errno.EINVAL):
            return []
        raise


def _encap_type(a, kind):
    return _u(_first(a, kind)) if kind in a else None


def encap_bpf_routes():
    """Routes (every table, IPv4 and IPv6) and nexthop objects of the
    caller's netns whose encap is bpf, or with a leg that is: (routes,
    nexthops)."""
    with Netlink(socket.NETLINK_ROUTE) as rtnl:
        routes = sum(1 for fam in (socket.AF_INET, socket.AF_INET6)
                     for r in _routes(rtnl, fam)
                     if any(_encap_type(leg, RTA_ENCAP_TYPE) ==
                            LWTUNNEL_ENCAP_BPF for leg in _legs(r)))
        nexthops = sum(1 for n in _nexthops(rtnl)
                       if _encap_type(n, NHA_ENCAP_TYPE) == LWTUNNEL_ENCAP_BPF)
    return routes, nexthops


def _end_bpf(leg):
    """Whether a route or leg is seg6local End.BPF: the only action with a
    SEG6_LOCAL_BPF attribute."""
    return _encap_type(leg, RTA_ENCAP_TYPE) == LWTUNNEL_ENCAP_SEG6_LOCAL and \
        RTA_ENCAP in leg and SEG6_LOCAL_BPF in attrs(leg[RTA_ENCAP][0])


def end_bpf_routes():
    """IPv6 routes (every table) of the caller's netns with End.BPF."""
    with Netlink(socket.NETLINK_ROUTE) as rtnl:
        return sum(1 for r in _routes(rtnl, socket.AF_INET6)
                   if any(_end_bpf(leg) for leg in _legs(r)))
