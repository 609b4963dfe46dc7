// SPDX-License-Identifier: GPL-2.0
/*
 * The in workload: a program that only counts, so what is measured is the
 * hook's own cost. The count also lets bench/guest.sh check that every
 * packet really went through the program.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bench_cnt SEC(".maps");

SEC("count")
int bench_count(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&bench_cnt, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
