// SPDX-License-Identifier: GPL-2.0
/*
 * tests/lwt_bpf/takeover.sh: counts packets per destination, whichever
 * implementation runs the program, so a route's traffic is counted the
 * same before, during and after lwt_bpf.ko takes over.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Key: the IPv4 destination, or the last 32 bits of the IPv6 one. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lwt_tko_pkts SEC(".maps");

static __always_inline int count(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u64 zero = 0, *v;
	__u32 key;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = data;

		if ((void *)(iph + 1) > end)
			return BPF_OK;
		key = iph->daddr;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = data;

		if ((void *)(ip6h + 1) > end)
			return BPF_OK;
		key = ip6h->daddr.in6_u.u6_addr32[3];
	} else {
		return BPF_OK;
	}

	bpf_map_update_elem(&lwt_tko_pkts, &key, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&lwt_tko_pkts, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	return BPF_OK;
}

SEC("count")
int lwt_tko_count(struct __sk_buff *skb)
{
	return count(skb);
}

/*
 * The same under other names: IPv4 routes whose nexthops are equal share
 * one state (one fib_info), and a different program name keeps them apart.
 */
SEC("count2")
int lwt_tko_count2(struct __sk_buff *skb)
{
	return count(skb);
}

SEC("count3")
int lwt_tko_count3(struct __sk_buff *skb)
{
	return count(skb);
}

char _license[] SEC("license") = "GPL";
