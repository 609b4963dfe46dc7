/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lwt_bpf.ko's generic netlink family: per-route, per-hook counters of
 * "encap bpf" routes, which Linux's in-tree implementation does not keep.
 *
 * BPFEXT_LWT_CMD_GET_ROUTE is a dump (NLM_F_DUMP) of every encap bpf state
 * in the caller's network namespace; one message per state:
 *
 *   BPFEXT_LWT_A_ID        u32     unique while lwt_bpf.ko stays loaded
 *   BPFEXT_LWT_A_FAMILY    u8      AF_INET or AF_INET6
 *   BPFEXT_LWT_A_TABLE     u32     routing table
 *   BPFEXT_LWT_A_DST       binary  4 or 16 bytes
 *   BPFEXT_LWT_A_DST_LEN   u8
 *                                  (TABLE, DST and DST_LEN are absent for
 *                                  a state built for a nexthop, an IPv4
 *                                  multipath leg or a nexthop object,
 *                                  which knows no destination)
 *   BPFEXT_LWT_A_OIF       u32     the route's device, when it named one
 *   BPFEXT_LWT_A_GATEWAY   binary  4 or 16 bytes, when it had one
 *   BPFEXT_LWT_A_HOOK      nest    one per program on the route
 *     BPFEXT_LWT_HOOK_A_TYPE       u32     LWT_BPF_IN, LWT_BPF_OUT, LWT_BPF_XMIT
 *     BPFEXT_LWT_HOOK_A_PROG_NAME  string  as in "ip route show"
 *     BPFEXT_LWT_HOOK_A_PROG_ID    u32     as in "bpftool prog show"
 *     BPFEXT_LWT_HOOK_A_STATS      nest    u64 per enum bpfext_lwt_stat
 *
 * Counters belong to the encap state, which IPv4 shares among routes
 * whose nexthops are identical (device, gateway, metric and program
 * names: one fib_info); the message then names the route that built it.
 * They start at zero when the state is built; replacing a route's encap
 * with a different one builds a new state. Failures further on (a
 * redirect's device or qdisc dropping the packet) are the device's and
 * show in its statistics. For every hook,
 *   runs = ok + drop + redirect + reroute + bad_ret + bad_redirect.
 *
 * BPFEXT_LWT_CMD_GET_STATUS (a plain request) answers how lwt_bpf.ko serves:
 *
 *   BPFEXT_LWT_A_VERSION       string  the module's version
 *   BPFEXT_LWT_A_MODE          u8      enum bpfext_lwt_mode
 *   BPFEXT_LWT_A_STATES        u32     encap states it built, all netns
 *   BPFEXT_LWT_A_STATES_NETNS  u32     those in the caller's netns
 *
 * States the built-in implementation built, before the module loaded or
 * handed back when it last unloaded, are not the module's and not counted.
 */
#ifndef _UAPI_LINUX_BPFEXT_LWT_H
#define _UAPI_LINUX_BPFEXT_LWT_H

#define BPFEXT_LWT_GENL_NAME	"bpfext_lwt"
#define BPFEXT_LWT_GENL_VERSION	1

enum bpfext_lwt_cmd {
	BPFEXT_LWT_CMD_UNSPEC,
	BPFEXT_LWT_CMD_GET_ROUTE,
	BPFEXT_LWT_CMD_GET_STATUS,
	__BPFEXT_LWT_CMD_MAX,
};

#define BPFEXT_LWT_CMD_MAX (__BPFEXT_LWT_CMD_MAX - 1)

enum bpfext_lwt_attr {
	BPFEXT_LWT_A_UNSPEC,
	BPFEXT_LWT_A_PAD,
	BPFEXT_LWT_A_ID,
	BPFEXT_LWT_A_FAMILY,
	BPFEXT_LWT_A_TABLE,
	BPFEXT_LWT_A_DST,
	BPFEXT_LWT_A_DST_LEN,
	BPFEXT_LWT_A_OIF,
	BPFEXT_LWT_A_GATEWAY,
	BPFEXT_LWT_A_HOOK,
	BPFEXT_LWT_A_VERSION,
	BPFEXT_LWT_A_MODE,
	BPFEXT_LWT_A_STATES,
	BPFEXT_LWT_A_STATES_NETNS,
	__BPFEXT_LWT_A_MAX,
};

#define BPFEXT_LWT_A_MAX (__BPFEXT_LWT_A_MAX - 1)

enum bpfext_lwt_hook_attr {
	BPFEXT_LWT_HOOK_A_UNSPEC,
	BPFEXT_LWT_HOOK_A_PAD,
	BPFEXT_LWT_HOOK_A_TYPE,
	BPFEXT_LWT_HOOK_A_PROG_NAME,
	BPFEXT_LWT_HOOK_A_PROG_ID,
	BPFEXT_LWT_HOOK_A_STATS,
	__BPFEXT_LWT_HOOK_A_MAX,
};

#define BPFEXT_LWT_HOOK_A_MAX (__BPFEXT_LWT_HOOK_A_MAX - 1)

/* How lwt_bpf.ko serves encap bpf: BPFEXT_LWT_A_MODE. */
enum bpfext_lwt_mode {
	BPFEXT_LWT_MODE_UNSPEC,
	BPFEXT_LWT_MODE_HOOKS,		/* alone, on a bpfext base patch kernel */
	BPFEXT_LWT_MODE_TAKEOVER,	/* taking over the built-in implementation */
	BPFEXT_LWT_MODE_ALONE,		/* alone, on a kernel with no built-in */
};

/* Attribute types inside BPFEXT_LWT_HOOK_A_STATS, each a u64. */
enum bpfext_lwt_stat {
	BPFEXT_LWT_STAT_UNSPEC,
	BPFEXT_LWT_STAT_PAD,
	/* What the program returned. */
	BPFEXT_LWT_STAT_RUNS,		/* the program ran */
	BPFEXT_LWT_STAT_OK,		/* BPF_OK */
	BPFEXT_LWT_STAT_DROP,		/* BPF_DROP */
	BPFEXT_LWT_STAT_REDIRECT,	/* BPF_REDIRECT from xmit */
	BPFEXT_LWT_STAT_REROUTE,	/* BPF_LWT_REROUTE */
	BPFEXT_LWT_STAT_BAD_RET,	/* any other value: packet dropped */
	BPFEXT_LWT_STAT_BAD_REDIRECT,	/* BPF_REDIRECT from in or out:
					 * continued as BPF_OK
					 */
	/* Packets the kernel dropped around the program. */
	BPFEXT_LWT_STAT_DROP_HEADROOM,	/* no room for the link header */
	BPFEXT_LWT_STAT_DROP_PROTO,	/* BPF_OK after changing the network
					 * protocol: needs BPF_LWT_REROUTE
					 */
	BPFEXT_LWT_STAT_DROP_L2_NO_HDR,	/* redirect to a device that needs
					 * a link header, without one
					 */
	BPFEXT_LWT_STAT_DROP_NO_DEV,	/* redirect to a missing device */
	BPFEXT_LWT_STAT_DROP_REROUTE,	/* BPF_LWT_REROUTE failed: no route,
					 * or no room for the new route's
					 * link header
					 */
	__BPFEXT_LWT_STAT_MAX,
};

#define BPFEXT_LWT_STAT_MAX (__BPFEXT_LWT_STAT_MAX - 1)

#endif /* _UAPI_LINUX_BPFEXT_LWT_H */
