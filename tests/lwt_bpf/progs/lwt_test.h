/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maps shared by the tests/lwt_bpf programs. iproute2 pins them by name in
 * /sys/fs/bpf/tc/globals, so every object and route sees the same ones.
 */
#ifndef _LWT_TEST_H
#define _LWT_TEST_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

/* Index into lwt_runs: which program ran. */
enum lwt_slot {
	S_PASS, S_DROP, S_BAD_RET, S_RET_REDIRECT, S_PUSH_LL, S_NOHDR,
	S_TTL, S_MAX
};

struct lwt_cfg {
	__u32 ifindex;		/* where xmit programs redirect to */
	__u8 dst[ETH_ALEN];	/* the Ethernet header push_ll pushes */
	__u8 src[ETH_ALEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, S_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lwt_runs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lwt_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lwt_cfg SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&lwt_runs, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline struct lwt_cfg *cfg(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&lwt_cfg, &key);
}

#endif /* _LWT_TEST_H */
