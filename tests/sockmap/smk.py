#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One process that holds sockmaps and TCP sockets for a sockmap test.

Starting python costs seconds in a TCG guest, so a test starts this once
and sends it commands, one a line on stdin; each gets one answer line on
stdout: "ok" (and a value), or the errno's name (EINVAL, ...). Driven
through tests/sk_lookup/skl.sh (skl_start with this file's path).

  map NAME PATH            open a map bpftool pinned at PATH
  prog NAME PATH           open a program bpftool pinned at PATH
  pair NAME                a TCP connection over loopback: its ends are
                           NAME.c (connecting) and NAME.s (accepted)
  sock NAME KIND           one socket: tcp (unconnected), listen, udp
                           (unbound), udpbound, raw, unix (NAME.c and
                           NAME.s, connected), unixdgram
  file NAME PATH           open a file
  put MAP KEY SOCK [FLAGS] BPF_MAP_UPDATE_ELEM, the socket's fd as value
  putfd MAP KEY FD [FLAGS] the same with a number for the fd
  attach MAP PROG TYPE     BPF_PROG_ATTACH of PROG to MAP (or any fd) as
  detach MAP PROG TYPE     TYPE: stream_parser, stream_verdict,
                           skb_verdict, msg_verdict; _DETACH likewise
  query MAP TYPE           BPF_PROG_QUERY: "ok COUNT"
  get MAP KEY              BPF_MAP_LOOKUP_ELEM: "ok COOKIE"
  del MAP KEY              BPF_MAP_DELETE_ELEM
  send SOCK TEXT           write TEXT
  recv SOCK [SECONDS]      read what comes within SECONDS (5): "ok TEXT",
                           "EOF", or "ETIMEDOUT"
  close NAME               close a map or socket
  exit
"""
import ctypes
import errno
import os
import select
import socket
import struct
import sys

BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM = 1, 2, 3
BPF_OBJ_GET, BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_PROG_QUERY = 7, 8, 9, 16
ATTACH_TYPES = {"stream_parser": 4, "stream_verdict": 5, "msg_verdict": 7,
                "skb_verdict": 38}

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    ret = libc.syscall(321, cmd, buf, len(attr))     # __NR_bpf on x86_64
    if ret < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return ret


def obj_get(path):
    cpath = ctypes.create_string_buffer(path.encode())
    return bpf(BPF_OBJ_GET, struct.pack("<QII", ctypes.addressof(cpath),
                                        0, 0))


def map_elem(cmd, map_fd, key, value=None, flags=0):
    k = ctypes.c_uint32(key)
    v = ctypes.c_uint64(value or 0)
    # BPF_MAP_DELETE_ELEM's attributes end at the key: more is EINVAL.
    vp = 0 if cmd == BPF_MAP_DELETE_ELEM else ctypes.addressof(v)
    bpf(cmd, struct.pack("<IIQQQ", map_fd, 0, ctypes.addressof(k), vp, flags))
    return v.value


def prog_attach(cmd, target_fd, prog_fd, attach_type):
    bpf(cmd, struct.pack("<IIIII", target_fd, prog_fd,
                         ATTACH_TYPES[attach_type], 0, 0))


def prog_query(target_fd, attach_type):
    ids = (ctypes.c_uint32 * 4)()
    attr = ctypes.create_string_buffer(
        struct.pack("<IIIIQI", target_fd, ATTACH_TYPES[attach_type], 0, 0,
                    ctypes.addressof(ids), 4), 32)
    ret = libc.syscall(321, BPF_PROG_QUERY, attr, 32)
    if ret < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return struct.unpack_from("<I", attr.raw, 24)[0]


def one_socket(kind):
    if kind == "tcp":
        return socket.socket()
    if kind == "listen":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        return s
    if kind in ("udp", "udpbound"):
        s = socket.socket(type=socket.SOCK_DGRAM)
        if kind == "udpbound":
            s.bind(("127.0.0.1", 0))
        return s
    if kind == "raw":
        return socket.socket(type=socket.SOCK_RAW, proto=socket.IPPROTO_UDP)
    if kind == "unixdgram":
        return socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    raise ValueError("socket kind " + kind)


class Controller:
    def __init__(self):
        self.objs = {}

    def fd(self, name):
        obj = self.objs[name]
        return obj if isinstance(obj, int) else obj.fileno()

    def pair(self, name):
        lst = socket.socket()
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        c = socket.create_connection(lst.getsockname())
        s, _ = lst.accept()
        lst.close()
        self.objs[name + ".c"], self.objs[name + ".s"] = c, s

    def recv(self, name, timeout=5.0):
        s = self.objs[name]
        got = b""
        while True:
            ready, _, _ = select.select([s], [], [],
                                        timeout if not got else 0.3)
            if not ready:
                break
            chunk = s.recv(65536)
            if not chunk:
                if not got:
                    return "EOF"
                break
            got += chunk
        return "ok " + got.decode() if got else "ETIMEDOUT"

    def run(self, words):
        cmd, args = words[0], words[1:]
        if cmd == "map":
            self.objs[args[0]] = obj_get(args[1])
        elif cmd == "prog":
            self.objs[args[0]] = obj_get(args[1])
        elif cmd == "pair":
            self.pair(args[0])
        elif cmd == "sock" and args[1] == "unix":
            c, s = socket.socketpair()
            self.objs[args[0] + ".c"], self.objs[args[0] + ".s"] = c, s
        elif cmd == "sock":
            self.objs[args[0]] = one_socket(args[1])
        elif cmd == "file":
            self.objs[args[0]] = os.open(args[1], os.O_RDONLY)
        elif cmd == "putfd":
            flags = int(args[3]) if len(args) > 3 else 0
            map_elem(BPF_MAP_UPDATE_ELEM, self.fd(args[0]), int(args[1]),
                     int(args[2]), flags)
        elif cmd in ("attach", "detach"):
            prog_attach(BPF_PROG_ATTACH if cmd == "attach"
                        else BPF_PROG_DETACH,
                        self.fd(args[0]), self.fd(args[1]), args[2])
        elif cmd == "query":
            return "ok %d" % prog_query(self.fd(args[0]), args[1])
        elif cmd == "put":
            flags = int(args[3]) if len(args) > 3 else 0
            map_elem(BPF_MAP_UPDATE_ELEM, self.fd(args[0]), int(args[1]),
                     self.fd(args[2]), flags)
        elif cmd == "get":
            return "ok %d" % map_elem(BPF_MAP_LOOKUP_ELEM, self.fd(args[0]),
                                      int(args[1]))
        elif cmd == "del":
            map_elem(BPF_MAP_DELETE_ELEM, self.fd(args[0]), int(args[1]))
        elif cmd == "send":
            self.objs[args[0]].sendall(" ".join(args[1:]).encode())
        elif cmd == "recv":
            return self.recv(args[0], *map(float, args[1:2]))
        elif cmd == "close":
            obj = self.objs.pop(args[0])
            if isinstance(obj, int):
                os.close(obj)
            else:
                obj.close()
        else:
            return "EINVAL"
        return "ok"


def main():
    ctl = Controller()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "exit":
            break
        try:
            reply = ctl.run(words)
        except OSError as e:
            # Python names 95 ENOTSUP; the kernel's name is EOPNOTSUPP.
            reply = "EOPNOTSUPP" if e.errno == errno.EOPNOTSUPP else \
                errno.errorcode.get(e.errno, str(e.errno))
        except (KeyError, IndexError, ValueError) as e:
            reply = "EINVAL %s" % e
        print(reply, flush=True)


if __name__ == "__main__":
    main()
