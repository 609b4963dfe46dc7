// SPDX-License-Identifier: GPL-2.0
/*
 * The xmit workload: push an Ethernet header and redirect the frame to the
 * L2 device, as upstream's samples/bpf/test_lwt_bpf.c push_ll_and_redirect
 * does. Upstream patches the ifindex and addresses into the source with
 * sed; bench/guest.sh writes them into bench_cfg instead, so one object
 * serves every run.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct bench_cfg {
	__u32 ifindex;		/* the veth the frame is redirected to */
	__u8 dst[ETH_ALEN];	/* the peer's address, or it drops as OTHERHOST */
	__u8 src[ETH_ALEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bench_cfg SEC(".maps");

SEC("push_ll")
int bench_push_ll(struct __sk_buff *skb)
{
	struct ethhdr eth = { .h_proto = bpf_htons(ETH_P_IP) };
	struct bench_cfg *c;
	__u32 key = 0;

	c = bpf_map_lookup_elem(&bench_cfg, &key);
	if (!c)
		return BPF_DROP;
	__builtin_memcpy(eth.h_dest, c->dst, ETH_ALEN);
	__builtin_memcpy(eth.h_source, c->src, ETH_ALEN);
	if (bpf_skb_change_head(skb, ETH_HLEN, 0))
		return BPF_DROP;
	if (bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0))
		return BPF_DROP;
	return bpf_redirect(c->ifindex, 0);
}

char _license[] SEC("license") = "GPL";
