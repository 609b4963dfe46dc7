#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One process that holds SK_LOOKUP links, sockets and maps for a test.

Starting python costs seconds in a TCG guest, so a test starts this once
and sends it commands, one a line on stdin; each gets one answer line on
stdout: "ok" (and a value), or the errno's name (EINVAL, ...).

  prog NAME PATH           open the program bpftool pinned at PATH
  map NAME PATH            open a pinned map
  netns NAME PATH          open a netns (/proc/self/ns/net, /run/netns/X)
  attach LINK PROG NETNS [FLAGS]  BPF_LINK_CREATE, attach type BPF_SK_LOOKUP
  attach-type LINK PROG NETNS TYPE  the same with another attach type
  update LINK PROG [OLD]   BPF_LINK_UPDATE (with OLD: BPF_F_REPLACE)
  detach LINK              BPF_LINK_DETACH
  close NAME               close a link, socket, program, map or netns
  pin LINK PATH            BPF_OBJ_PIN a link
  query NETNS              BPF_PROG_QUERY: "ok N ID..."
  query-count NETNS        the same, "ok N" only
  enter NETNS              move this thread (sockets made later) into NETNS
  listen NAME tcp|udp ADDR PORT [reuseport] [v6only]
                           a socket, bound (and listening), that answers
                           every connection or datagram with NAME
  put MAP KEY SOCK         BPF_MAP_UPDATE_ELEM: the socket into a SOCKMAP
  ask tcp|udp ADDR PORT    connect (or send) and read the answer:
                           "ok NAME", or the errno (ECONNREFUSED, ...)
  sweep tcp|udp ADDR... -- PORT...  "ask" each address on each port:
                           "ok NAME=COUNT ..." over all answers
  storm tcp|udp ADDR PORT  "ask" in a loop, in a thread, until storm-wait
  storm-wait               stop it: "ok NAME=COUNT ..." over its answers
  unpriv-attach PROG NETNS BPF_LINK_CREATE from a child that became uid/gid
                           65534 with no capabilities: its errno, or "ok"
  unpriv-get PATH          BPF_OBJ_GET of a pin from such a child
  exit
"""
import ctypes
import errno
import os
import select
import socket
import struct
import sys
import threading

BPF_MAP_UPDATE_ELEM, BPF_OBJ_PIN, BPF_OBJ_GET, BPF_PROG_QUERY = 2, 6, 7, 16
BPF_LINK_CREATE, BPF_LINK_UPDATE, BPF_LINK_DETACH = 28, 29, 34
BPF_SK_LOOKUP, BPF_F_REPLACE = 36, 4
IP_RECVERR, IPV6_RECVERR = 11, 25       # not in Python's socket module

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    ret = libc.syscall(321, cmd, buf, len(attr))     # __NR_bpf on x86_64
    if ret < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return ret, buf.raw


def obj_get(path):
    cpath = ctypes.create_string_buffer(path.encode())
    attr = struct.pack("<QII", ctypes.addressof(cpath), 0, 0)
    return bpf(BPF_OBJ_GET, attr)[0]


def obj_pin(fd, path):
    cpath = ctypes.create_string_buffer(path.encode())
    bpf(BPF_OBJ_PIN, struct.pack("<QII", ctypes.addressof(cpath), fd, 0))


def link_create(prog, netns, attach_type=BPF_SK_LOOKUP, flags=0):
    return bpf(BPF_LINK_CREATE,
               struct.pack("<IIII", prog, netns, attach_type, flags) +
               bytes(48))[0]


def link_update(link, prog, old=None):
    flags = BPF_F_REPLACE if old is not None else 0
    bpf(BPF_LINK_UPDATE, struct.pack("<IIII", link, prog, flags, old or 0))


def link_detach(link):
    bpf(BPF_LINK_DETACH, struct.pack("<I", link) + bytes(12))


def prog_query(netns):
    ids = (ctypes.c_uint32 * 64)()
    attr = struct.pack("<IIIIQI", netns, BPF_SK_LOOKUP, 0, 0,
                       ctypes.addressof(ids), 64) + bytes(12)
    _, out = bpf(BPF_PROG_QUERY, attr)
    cnt = struct.unpack_from("<I", out, 24)[0]
    return [ids[i] for i in range(min(cnt, 64))]


def map_put(map_fd, key, value):
    k = ctypes.c_uint32(key)
    v = ctypes.c_uint64(value)
    bpf(BPF_MAP_UPDATE_ELEM,
        struct.pack("<IIQQQ", map_fd, 0, ctypes.addressof(k),
                    ctypes.addressof(v), 0))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


class Server:
    """Listening sockets that answer with their name, in one thread."""

    def __init__(self):
        self.socks = {}
        self.names = {}
        self.lock = threading.Lock()
        self.wake_r, self.wake_w = os.pipe()
        threading.Thread(target=self.loop, daemon=True).start()

    def add(self, name, proto, addr, port, opts):
        fam = family(addr)
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(fam, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if "reuseport" in opts:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                         1 if "v6only" in opts else 0)
        s.bind((addr, port))
        if proto == "tcp":
            s.listen(128)
        s.setblocking(False)
        with self.lock:
            self.socks[name] = s
            self.names[s.fileno()] = (name, proto, s)
        os.write(self.wake_w, b"x")
        return s

    def remove(self, name):
        with self.lock:
            s = self.socks.pop(name, None)
            if s:
                del self.names[s.fileno()]
        os.write(self.wake_w, b"x")
        return s

    def loop(self):
        while True:
            with self.lock:
                fds = list(self.names) + [self.wake_r]
            try:
                ready, _, _ = select.select(fds, [], [])
            except OSError:
                continue
            for fd in ready:
                if fd == self.wake_r:
                    os.read(fd, 64)
                    continue
                with self.lock:
                    entry = self.names.get(fd)
                if entry:
                    self.answer(*entry)

    @staticmethod
    def answer(name, proto, s):
        try:
            if proto == "tcp":
                conn, _ = s.accept()
                conn.sendall(name.encode() + b"\n")
                conn.close()
            else:
                _, peer = s.recvfrom(2048)
                s.sendto(name.encode() + b"\n", peer)
        except OSError:
            pass


def ask(proto, addr, port, timeout=20):
    fam = family(addr)
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(fam, kind) as s:
        s.settimeout(timeout)
        try:
            if proto == "tcp":
                s.connect((addr, port))
                data = s.recv(256)
            else:
                # The answer comes from the socket's own port, not the
                # one asked: no connect(). IP_RECVERR still reports an
                # ICMP port unreachable to an unconnected socket. From
                # loopback: an answer to an address a program steers
                # (198.51.100.1, any port) would be steered back to the
                # server, which would answer itself forever.
                s.bind(("::1" if fam == socket.AF_INET6 else "127.0.0.1", 0))
                if fam == socket.AF_INET:
                    s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
                else:
                    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
                s.sendto(b"?", (addr, port))
                data = s.recv(256)
        except socket.timeout:
            return "ETIMEDOUT"
        except OSError as e:
            return errno.errorcode.get(e.errno, str(e.errno))
    return "ok " + data.decode().strip()


CLONE_NEWNET = 0x40000000


def enter(fd):
    if libc.setns(fd, CLONE_NEWNET) < 0:
        raise OSError(ctypes.get_errno(), "setns")


def tally(seen, got):
    key = got[3:] if got.startswith("ok ") else got
    seen[key] = seen.get(key, 0) + 1


def tallied(seen):
    return "ok " + " ".join("%s=%d" % kv for kv in sorted(seen.items()))


class Storm(threading.Thread):
    """Connections in a loop, each answered or counted as its errno."""

    def __init__(self, proto, addr, port):
        super().__init__(daemon=True)
        self.args = (proto, addr, port)
        self.seen = {}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            tally(self.seen, ask(*self.args))


def unprivileged(fn, *args):
    """fn(*args) as uid/gid 65534 without capabilities, in a child."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            fn(*args)
            os._exit(0)
        except OSError as e:
            os._exit(e.errno)
        os._exit(255)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return "ok" if code == 0 else errno.errorcode.get(code, str(code))


class Controller:
    def __init__(self):
        self.fds = {}
        self.server = Server()
        self.storm = None

    def fd(self, name):
        return self.fds[name]

    def run(self, words):
        cmd, args = words[0], words[1:]
        if cmd in ("prog", "map"):
            self.fds[args[0]] = obj_get(args[1])
        elif cmd == "netns":
            self.fds[args[0]] = os.open(args[1], os.O_RDONLY)
        elif cmd == "attach":
            flags = int(args[3], 0) if len(args) > 3 else 0
            self.fds[args[0]] = link_create(self.fd(args[1]), self.fd(args[2]),
                                            flags=flags)
        elif cmd == "attach-type":
            self.fds[args[0]] = link_create(self.fd(args[1]), self.fd(args[2]),
                                            attach_type=int(args[3], 0))
        elif cmd == "update":
            old = self.fd(args[2]) if len(args) > 2 else None
            link_update(self.fd(args[0]), self.fd(args[1]), old)
        elif cmd == "detach":
            link_detach(self.fd(args[0]))
        elif cmd == "close":
            s = self.server.remove(args[0])
            if s:
                s.close()
            else:
                os.close(self.fds.pop(args[0]))
        elif cmd == "pin":
            obj_pin(self.fd(args[0]), args[1])
        elif cmd == "query":
            ids = prog_query(self.fd(args[0]))
            return "ok %d %s" % (len(ids), " ".join(map(str, ids)))
        elif cmd == "query-count":
            return "ok %d" % len(prog_query(self.fd(args[0])))
        elif cmd == "enter":
            enter(self.fd(args[0]))
        elif cmd == "storm":
            self.storm = Storm(args[0], args[1], int(args[2]))
            self.storm.start()
        elif cmd == "storm-wait":
            self.storm.stop.set()
            self.storm.join()
            return tallied(self.storm.seen)
        elif cmd == "unpriv-attach":
            return unprivileged(link_create, self.fd(args[0]),
                                self.fd(args[1]))
        elif cmd == "unpriv-get":
            return unprivileged(obj_get, args[0])
        elif cmd == "listen":
            self.server.add(args[0], args[1], args[2], int(args[3]), args[4:])
        elif cmd == "put":
            map_put(self.fd(args[0]), int(args[1]),
                    self.server.socks[args[2]].fileno())
        elif cmd == "ask":
            return ask(args[0], args[1], int(args[2]))
        elif cmd == "sweep":
            sep = args.index("--")
            seen = {}
            for addr in args[1:sep]:
                for port in args[sep + 1:]:
                    tally(seen, ask(args[0], addr, int(port)))
            return tallied(seen)
        else:
            return "helper: unknown command " + cmd
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
            out = ctl.run(words)
        except OSError as e:
            out = errno.errorcode.get(e.errno, str(e.errno))
        except (KeyError, IndexError, ValueError) as e:
            out = "helper: %s: %r" % (words[0], e)
        print(out, flush=True)


if __name__ == "__main__":
    main()
