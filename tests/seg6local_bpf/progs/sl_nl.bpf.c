// SPDX-License-Identifier: GPL-2.0
/*
 * End.BPF programs for tests/seg6local_bpf/netlink.sh and lifetime.sh:
 * each counts its runs in its object's sl_nl_runs and returns a fixed
 * verdict. Not pinned: "ip -n NS" runs in a mount namespace of its own,
 * so a pin by name would not outlive the command anyway.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Index into sl_nl_runs: which program ran. */
enum { SL_PASS, SL_PASS2, SL_DROP, SL_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sl_nl_runs SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&sl_nl_runs, &slot);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* The next segment is already the destination: forward to it. */
SEC("pass")
int sl_nl_pass(struct __sk_buff *skb)
{
	count(SL_PASS);
	return BPF_OK;
}

/* The same, a second program to replace the first with. */
SEC("pass2")
int sl_nl_pass2(struct __sk_buff *skb)
{
	count(SL_PASS2);
	return BPF_OK;
}

SEC("drop")
int sl_nl_drop(struct __sk_buff *skb)
{
	count(SL_DROP);
	return BPF_DROP;
}

char _license[] SEC("license") = "GPL";
