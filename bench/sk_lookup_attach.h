/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What bench/tcpconn.c and bench/udpsteer.c share: their options for
 * SK_LOOKUP programs, which each process attaches to its own netns before
 * it times anything, and the helpers around that.
 *
 *   -k NPROGS   programs to attach: 0 (none), or NPROGS - 1 "pass" and
 *               one "steer" last, each by its own BPF_LINK_CREATE
 *   -p DIR      where bpftool pinned the programs (DIR/pass, DIR/steer)
 *   -m PATH     the pinned SOCKMAP: the process puts its listening or
 *               receiving socket in it at key 0, for steer to select
 *
 * The links die with the process, so each repetition starts from a netns
 * with no program and the last one leaves none behind (a BPF_PROG_QUERY
 * checks both). Plain bpf(2), no libbpf: the programs are loaded by
 * bpftool, and only pinned objects are needed here.
 */
#ifndef BENCH_SK_LOOKUP_ATTACH_H
#define BENCH_SK_LOOKUP_ATTACH_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* The in-tree limit for SK_LOOKUP, and sk_lookup.ko's. */
#define SKL_MAX_PROGS	64

struct skl_opts {
	unsigned long nprogs;
	const char *progdir;
	const char *map;
};

/* A numeric IPv4 address and port. */
static void addr4(struct sockaddr_in *sin, const char *ip, const char *port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(num(port, 1, 65535));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1) {
		fprintf(stderr, "bad IPv4 address '%s'\n", ip);
		exit(2);
	}
}

static int same4(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr &&
	       a->sin_port == b->sin_port;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int obj_get(const char *dir, const char *name)
{
	union bpf_attr attr;
	char path[4096];
	int fd;

	if (name)
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	else
		snprintf(path, sizeof(path), "%s", dir);
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (unsigned long)path;
	fd = sys_bpf(BPF_OBJ_GET, &attr);
	if (fd < 0)
		die(path);
	return fd;
}

/* The programs attached to @netns, by BPF_PROG_QUERY. */
static unsigned long skl_count(int netns)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = netns;
	attr.query.attach_type = BPF_SK_LOOKUP;
	if (sys_bpf(BPF_PROG_QUERY, &attr))
		die("BPF_PROG_QUERY");
	return attr.query.prog_cnt;
}

/* Parses -k, -p or -m into @o; returns 0 for any other option. */
static int skl_opt(struct skl_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case 'k':
		o->nprogs = num(arg, 0, SKL_MAX_PROGS);
		return 1;
	case 'p':
		o->progdir = arg;
		return 1;
	case 'm':
		o->map = arg;
		return 1;
	}
	return 0;
}

/*
 * Puts @sock into the SOCKMAP and attaches the programs to this
 * process's netns, which must have none before: the links are the
 * process's and go with it.
 */
static void skl_attach(const struct skl_opts *o, int sock)
{
	union bpf_attr attr;
	unsigned long i;
	__u32 key = 0;
	__u64 val = sock;
	int netns, pass, steer, map;

	netns = open("/proc/self/ns/net", O_RDONLY);
	if (netns < 0)
		die("/proc/self/ns/net");
	if (skl_count(netns))
		fail("the netns has %lu SK_LOOKUP programs before the run\n",
		     skl_count(netns));
	if (!o->nprogs) {
		close(netns);
		return;
	}
	if (!o->progdir || !o->map) {
		fprintf(stderr, "-k needs -p PROGDIR and -m MAP\n");
		exit(2);
	}
	pass = obj_get(o->progdir, "pass");
	steer = obj_get(o->progdir, "steer");
	map = obj_get(o->map, NULL);

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map;
	attr.key = (unsigned long)&key;
	attr.value = (unsigned long)&val;
	attr.flags = BPF_ANY;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &attr))
		die("SOCKMAP update");

	for (i = 0; i < o->nprogs; i++) {
		memset(&attr, 0, sizeof(attr));
		attr.link_create.prog_fd = i + 1 < o->nprogs ? pass : steer;
		attr.link_create.target_fd = netns;
		attr.link_create.attach_type = BPF_SK_LOOKUP;
		/* Leaked on purpose: exit detaches them. */
		if (sys_bpf(BPF_LINK_CREATE, &attr) < 0)
			die("BPF_LINK_CREATE");
	}
	if (skl_count(netns) != o->nprogs)
		fail("%lu SK_LOOKUP programs attached, %lu wanted\n",
		     skl_count(netns), o->nprogs);
	close(pass);
	close(steer);
	close(map);
	close(netns);
}

#endif /* BENCH_SK_LOOKUP_ATTACH_H */
