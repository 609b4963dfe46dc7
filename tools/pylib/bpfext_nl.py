# SPDX-License-Identifier: GPL-2.0
"""Netlink for bpfext's tools, on pyroute2 (Debian's python3-pyroute2).

The message classes mirror uapi/linux/bpfext_lwt.h and
uapi/linux/bpfext_seg6local.h: the order of each nla_map is the
attribute numbering there.
"""
import errno
import socket

from pyroute2 import IPRoute
from pyroute2.netlink import NLM_F_DUMP, NLM_F_REQUEST, genlmsg, nla, nlmsg
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.generic import GenericNetlinkSocket

LWT_FAMILY = "bpfext_lwt"
LWT_VERSION = 1
LWT_CMD_GET_ROUTE = 1
LWT_CMD_GET_STATUS = 2
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
SEG6_STATS = ("runs", "ok", "drop", "redirect", "bad_ret", "drop_no_srh",
              "drop_srh", "drop_action", "drop_no_route")
SEG6_MODES = {1: "hooks", 2: "takeover"}


class lwt_msg(genlmsg):
    nla_map = (
        ("BPFEXT_LWT_A_UNSPEC", "none"),
        ("BPFEXT_LWT_A_PAD", "none"),
        ("BPFEXT_LWT_A_ID", "uint32"),
        ("BPFEXT_LWT_A_FAMILY", "uint8"),
        ("BPFEXT_LWT_A_TABLE", "uint32"),
        ("BPFEXT_LWT_A_DST", "ipaddr"),
        ("BPFEXT_LWT_A_DST_LEN", "uint8"),
        ("BPFEXT_LWT_A_OIF", "uint32"),
        ("BPFEXT_LWT_A_GATEWAY", "ipaddr"),
        ("BPFEXT_LWT_A_HOOK", "hook"),
        ("BPFEXT_LWT_A_VERSION", "asciiz"),
        ("BPFEXT_LWT_A_MODE", "uint8"),
        ("BPFEXT_LWT_A_STATES", "uint32"),
        ("BPFEXT_LWT_A_STATES_NETNS", "uint32"),
    )

    class hook(nla):
        nla_map = (
            ("BPFEXT_LWT_HOOK_A_UNSPEC", "none"),
            ("BPFEXT_LWT_HOOK_A_PAD", "none"),
            ("BPFEXT_LWT_HOOK_A_TYPE", "uint32"),
            ("BPFEXT_LWT_HOOK_A_PROG_NAME", "asciiz"),
            ("BPFEXT_LWT_HOOK_A_PROG_ID", "uint32"),
            ("BPFEXT_LWT_HOOK_A_STATS", "stats"),
        )

        class stats(nla):
            nla_map = (("UNSPEC", "none"), ("PAD", "none")) + \
                tuple((s, "uint64") for s in LWT_STATS)


class seg6_msg(genlmsg):
    nla_map = (
        ("BPFEXT_SEG6_A_UNSPEC", "none"),
        ("BPFEXT_SEG6_A_PAD", "none"),
        ("BPFEXT_SEG6_A_ID", "uint32"),
        ("BPFEXT_SEG6_A_TABLE", "uint32"),
        ("BPFEXT_SEG6_A_DST", "ip6addr"),
        ("BPFEXT_SEG6_A_DST_LEN", "uint8"),
        ("BPFEXT_SEG6_A_OIF", "uint32"),
        ("BPFEXT_SEG6_A_PROG_NAME", "asciiz"),
        ("BPFEXT_SEG6_A_PROG_ID", "uint32"),
        ("BPFEXT_SEG6_A_STATS", "stats"),
        ("BPFEXT_SEG6_A_VERSION", "asciiz"),
        ("BPFEXT_SEG6_A_MODE", "uint8"),
        ("BPFEXT_SEG6_A_STATES", "uint32"),
        ("BPFEXT_SEG6_A_STATES_NETNS", "uint32"),
    )

    class stats(nla):
        nla_map = (("UNSPEC", "none"), ("PAD", "none")) + \
            tuple((s, "uint64") for s in SEG6_STATS)


class NoFamily(Exception):
    """The module that owns a generic netlink family is not loaded."""


class _Genl(GenericNetlinkSocket):
    """A bpfext module's family; raises NoFamily when it is absent."""
    module_err_level = "debug"
    genl_family = msg_class = version = None

    def __init__(self):
        super().__init__()
        try:
            self.bind(self.genl_family, self.msg_class)
        except NetlinkError as e:
            self.close()
            if e.code == errno.ENOENT:
                raise NoFamily(self.genl_family) from None
            raise

    def _request(self, cmd, flags):
        msg = self.msg_class()
        msg["cmd"] = cmd
        msg["version"] = self.version
        return self.nlm_request(msg, msg_type=self.prid,
                                msg_flags=NLM_F_REQUEST | flags)


class LwtGenl(_Genl):
    """lwt_bpf.ko's family."""
    genl_family, msg_class, version = LWT_FAMILY, lwt_msg, LWT_VERSION

    def routes(self):
        """One dict per encap state of the caller's netns (the uapi's)."""
        return [lwt_route(m) for m in self._request(LWT_CMD_GET_ROUTE,
                                                    NLM_F_DUMP)]

    def status(self):
        m = self._request(LWT_CMD_GET_STATUS, 0)[0]
        return {
            "version": m.get_attr("BPFEXT_LWT_A_VERSION"),
            "mode": LWT_MODES.get(m.get_attr("BPFEXT_LWT_A_MODE"), "?"),
            "states": m.get_attr("BPFEXT_LWT_A_STATES"),
            "states_netns": m.get_attr("BPFEXT_LWT_A_STATES_NETNS"),
        }


class Seg6Genl(_Genl):
    """seg6local_bpf.ko's family."""
    genl_family, msg_class, version = SEG6_FAMILY, seg6_msg, SEG6_VERSION

    def routes(self):
        """One dict per End.BPF state of the caller's netns (the uapi's)."""
        return [seg6_route(m) for m in self._request(SEG6_CMD_GET_ROUTE,
                                                     NLM_F_DUMP)]

    def status(self):
        m = self._request(SEG6_CMD_GET_STATUS, 0)[0]
        return {
            "version": m.get_attr("BPFEXT_SEG6_A_VERSION"),
            "mode": SEG6_MODES.get(m.get_attr("BPFEXT_SEG6_A_MODE"), "?"),
            "states": m.get_attr("BPFEXT_SEG6_A_STATES"),
            "states_netns": m.get_attr("BPFEXT_SEG6_A_STATES_NETNS"),
        }


def _dev(oif):
    try:
        return socket.if_indextoname(oif)
    except OSError:
        return "if%d" % oif


def seg6_route(m):
    route = {"id": m.get_attr("BPFEXT_SEG6_A_ID"), "family": "inet6",
             "encap": "seg6local", "action": "End.BPF"}
    for key, name in (("table", "TABLE"), ("dst", "DST"),
                      ("dst_len", "DST_LEN"), ("prog", "PROG_NAME"),
                      ("prog_id", "PROG_ID")):
        val = m.get_attr("BPFEXT_SEG6_A_" + name)
        if val is not None:
            route[key] = val
    oif = m.get_attr("BPFEXT_SEG6_A_OIF")
    if oif is not None:
        route["dev"] = _dev(oif)
    route["stats"] = {}
    stats = m.get_attr("BPFEXT_SEG6_A_STATS")
    if stats is not None:
        for s in SEG6_STATS:
            val = stats.get_attr(s)
            if val is not None:
                route["stats"][s] = val
    return route


def lwt_route(m):
    route = {"id": m.get_attr("BPFEXT_LWT_A_ID"), "hooks": []}
    fam = m.get_attr("BPFEXT_LWT_A_FAMILY")
    route["family"] = "inet" if fam == socket.AF_INET else "inet6"
    for key, name in (("table", "TABLE"), ("dst", "DST"),
                      ("dst_len", "DST_LEN"), ("via", "GATEWAY")):
        val = m.get_attr("BPFEXT_LWT_A_" + name)
        if val is not None:
            route[key] = val
    oif = m.get_attr("BPFEXT_LWT_A_OIF")
    if oif is not None:
        route["dev"] = _dev(oif)
    for h in m.get_attrs("BPFEXT_LWT_A_HOOK"):
        hook = {"hook": LWT_HOOKS.get(h.get_attr("BPFEXT_LWT_HOOK_A_TYPE"), "?"),
                "prog": h.get_attr("BPFEXT_LWT_HOOK_A_PROG_NAME"),
                "prog_id": h.get_attr("BPFEXT_LWT_HOOK_A_PROG_ID"),
                "stats": {}}
        stats = h.get_attr("BPFEXT_LWT_HOOK_A_STATS")
        if stats is not None:
            for s in LWT_STATS:
                val = stats.get_attr(s)
                if val is not None:
                    hook["stats"][s] = val
        route["hooks"].append(hook)
    return route


RTM_NEWNEXTHOP = 104
RTM_GETNEXTHOP = 106


class nhmsg(nlmsg):
    """struct nhmsg and the NHA_* a count needs (this pyroute2 has none)."""
    fields = (("family", "B"), ("scope", "B"), ("protocol", "B"),
              ("resvd", "B"), ("flags", "I"))
    nla_map = (
        ("NHA_UNSPEC", "none"),
        ("NHA_ID", "uint32"),
        ("NHA_GROUP", "hex"),
        ("NHA_GROUP_TYPE", "uint16"),
        ("NHA_BLACKHOLE", "flag"),
        ("NHA_OIF", "uint32"),
        ("NHA_GATEWAY", "hex"),
        ("NHA_ENCAP_TYPE", "uint16"),
        ("NHA_ENCAP", "hex"),
    )


def _nexthops(ipr):
    ipr.marshal.msg_map[RTM_NEWNEXTHOP] = nhmsg
    msg = nhmsg()
    msg["family"] = socket.AF_UNSPEC
    try:
        return ipr.nlm_request(msg, msg_type=RTM_GETNEXTHOP,
                               msg_flags=NLM_F_REQUEST | NLM_F_DUMP)
    except NetlinkError as e:
        # A kernel without nexthop objects.
        if e.code in (errno.EOPNOTSUPP, errno.EINVAL):
            return ()
        raise


def _encap_bpf(msg):
    """Whether a route or nexthop message, or one of its legs, is encap bpf."""
    if msg.get_attr("RTA_ENCAP_TYPE") == LWTUNNEL_ENCAP_BPF or \
       msg.get_attr("NHA_ENCAP_TYPE") == LWTUNNEL_ENCAP_BPF:
        return True
    for leg in msg.get_attr("RTA_MULTIPATH") or ():
        if leg.get_attr("RTA_ENCAP_TYPE") == LWTUNNEL_ENCAP_BPF:
            return True
    return False


def encap_bpf_routes():
    """Routes (every table, IPv4 and IPv6) and nexthop objects of the
    caller's netns whose encap is bpf: (routes, nexthops)."""
    with IPRoute() as ipr:
        routes = 0
        for fam in (socket.AF_INET, socket.AF_INET6):
            routes += sum(1 for r in ipr.route("dump", family=fam)
                          if _encap_bpf(r))
        nexthops = sum(1 for n in _nexthops(ipr) if _encap_bpf(n))
    return routes, nexthops


def _end_bpf(msg):
    """Whether an IPv6 route, or one of its legs, is seg6local End.BPF:
    the only action with a SEG6_LOCAL_BPF attribute."""
    legs = [msg] + list(msg.get_attr("RTA_MULTIPATH") or ())
    for leg in legs:
        if leg.get_attr("RTA_ENCAP_TYPE") != LWTUNNEL_ENCAP_SEG6_LOCAL:
            continue
        encap = leg.get_attr("RTA_ENCAP")
        if encap is not None and encap.get_attr("SEG6_LOCAL_BPF") is not None:
            return True
    return False


def end_bpf_routes():
    """IPv6 routes (every table) of the caller's netns with End.BPF."""
    with IPRoute() as ipr:
        return sum(1 for r in ipr.route("dump", family=socket.AF_INET6)
                   if _end_bpf(r))
