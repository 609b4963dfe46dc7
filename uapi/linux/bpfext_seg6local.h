/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * seg6local_bpf.ko's generic netlink family: per-route counters of SRv6
 * End.BPF routes, which Linux's in-tree implementation does not keep.
 *
 * BPFEXT_SEG6_CMD_GET_ROUTE is a dump (NLM_F_DUMP) of every End.BPF state
 * the module built in the caller's network namespace; one message each:
 *
 *   BPFEXT_SEG6_A_ID         u32     unique while seg6local_bpf.ko stays loaded
 *   BPFEXT_SEG6_A_TABLE      u32     routing table
 *   BPFEXT_SEG6_A_DST        binary  16 bytes
 *   BPFEXT_SEG6_A_DST_LEN    u8
 *                                    (TABLE, DST and DST_LEN are absent for
 *                                    a nexthop object, which knows no
 *                                    destination)
 *   BPFEXT_SEG6_A_OIF        u32     the route's device, when it named one
 *   BPFEXT_SEG6_A_PROG_NAME  string  as in "ip -6 route show"
 *   BPFEXT_SEG6_A_PROG_ID    u32     as in "bpftool prog show"
 *   BPFEXT_SEG6_A_STATS      nest    u64 per enum bpfext_seg6_stat
 *
 * Counters start at zero when the state is built; replacing a route
 * builds a new state. What the program returned:
 *   runs = ok + drop + redirect + bad_ret;
 * packets dropped after an ok or redirect verdict are also counted by
 * why (drop_srh, drop_action, drop_no_route); packets dropped before the
 * program runs (drop_no_srh) are not runs.
 *
 * BPFEXT_SEG6_CMD_GET_STATUS (a plain request) answers how the module
 * serves:
 *
 *   BPFEXT_SEG6_A_VERSION       string  the module's version
 *   BPFEXT_SEG6_A_MODE          u8      enum bpfext_seg6_mode
 *   BPFEXT_SEG6_A_STATES        u32     End.BPF states it built, all netns
 *   BPFEXT_SEG6_A_STATES_NETNS  u32     those in the caller's netns
 *
 * End.BPF states the built-in implementation built (before the module
 * loaded, or handed back when it last unloaded) are not the module's.
 */
#ifndef _UAPI_LINUX_BPFEXT_SEG6LOCAL_H
#define _UAPI_LINUX_BPFEXT_SEG6LOCAL_H

#define BPFEXT_SEG6_GENL_NAME		"bpfext_seg6"
#define BPFEXT_SEG6_GENL_VERSION	1

enum bpfext_seg6_cmd {
	BPFEXT_SEG6_CMD_UNSPEC,
	BPFEXT_SEG6_CMD_GET_ROUTE,
	BPFEXT_SEG6_CMD_GET_STATUS,
	__BPFEXT_SEG6_CMD_MAX,
};

#define BPFEXT_SEG6_CMD_MAX (__BPFEXT_SEG6_CMD_MAX - 1)

enum bpfext_seg6_attr {
	BPFEXT_SEG6_A_UNSPEC,
	BPFEXT_SEG6_A_PAD,
	BPFEXT_SEG6_A_ID,
	BPFEXT_SEG6_A_TABLE,
	BPFEXT_SEG6_A_DST,
	BPFEXT_SEG6_A_DST_LEN,
	BPFEXT_SEG6_A_OIF,
	BPFEXT_SEG6_A_PROG_NAME,
	BPFEXT_SEG6_A_PROG_ID,
	BPFEXT_SEG6_A_STATS,
	BPFEXT_SEG6_A_VERSION,
	BPFEXT_SEG6_A_MODE,
	BPFEXT_SEG6_A_STATES,
	BPFEXT_SEG6_A_STATES_NETNS,
	__BPFEXT_SEG6_A_MAX,
};

#define BPFEXT_SEG6_A_MAX (__BPFEXT_SEG6_A_MAX - 1)

/* How seg6local_bpf.ko serves End.BPF: BPFEXT_SEG6_A_MODE. */
enum bpfext_seg6_mode {
	BPFEXT_SEG6_MODE_UNSPEC,
	BPFEXT_SEG6_MODE_HOOKS,		/* alone, on a bpfext base patch kernel */
	BPFEXT_SEG6_MODE_TAKEOVER,	/* taking over the built-in End.BPF */
};

/* Attribute types inside BPFEXT_SEG6_A_STATS, each a u64. */
enum bpfext_seg6_stat {
	BPFEXT_SEG6_STAT_UNSPEC,
	BPFEXT_SEG6_STAT_PAD,
	/* What the program returned. */
	BPFEXT_SEG6_STAT_RUNS,		/* the program ran */
	BPFEXT_SEG6_STAT_OK,		/* BPF_OK: to the next segment */
	BPFEXT_SEG6_STAT_DROP,		/* BPF_DROP */
	BPFEXT_SEG6_STAT_REDIRECT,	/* BPF_REDIRECT: bpf_lwt_seg6_action()'s */
	BPFEXT_SEG6_STAT_BAD_RET,	/* any other value: packet dropped */
	/* Packets the kernel dropped around the program. */
	BPFEXT_SEG6_STAT_DROP_NO_SRH,	/* no SRH with segments left (or a
					 * failed HMAC): the program did not run
					 */
	BPFEXT_SEG6_STAT_DROP_SRH,	/* the program left an invalid SRH */
	BPFEXT_SEG6_STAT_DROP_ACTION,	/* BPF_REDIRECT along a route that
					 * failed (the action's lookup found
					 * none)
					 */
	BPFEXT_SEG6_STAT_DROP_NO_ROUTE,	/* BPF_OK, and no route to the next
					 * segment
					 */
	__BPFEXT_SEG6_STAT_MAX,
};

#define BPFEXT_SEG6_STAT_MAX (__BPFEXT_SEG6_STAT_MAX - 1)

#endif /* _UAPI_LINUX_BPFEXT_SEG6LOCAL_H */
