// SPDX-License-Identifier: GPL-2.0
/* Programs for the xmit hook only: packet writes, head room, redirects. */
#include <linux/ip.h>
#include <stddef.h>
#include <bpf/bpf_endian.h>
#include "lwt_test.h"

/* Push an Ethernet header and send the frame out an L2 device directly. */
SEC("push_ll")
int lwt_push_ll(struct __sk_buff *skb)
{
	struct lwt_cfg *c = cfg();
	struct ethhdr eth = { .h_proto = bpf_htons(ETH_P_IP) };

	count(S_PUSH_LL);
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

/* Redirect to an L2 device without a link header: the kernel drops it. */
SEC("redirect_nohdr")
int lwt_redirect_nohdr(struct __sk_buff *skb)
{
	struct lwt_cfg *c = cfg();

	count(S_NOHDR);
	if (!c)
		return BPF_DROP;
	return bpf_redirect(c->ifindex, 0);
}

/* A direct packet write: TTL 64 becomes 32, checksum fixed up. */
SEC("ttl")
int lwt_ttl(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *iph = data;
	__u16 old, new;

	count(S_TTL);
	if ((void *)(iph + 1) > data_end || iph->ttl != 64)
		return BPF_OK;
	old = *(__u16 *)&iph->ttl;
	iph->ttl = 32;
	new = *(__u16 *)&iph->ttl;
	bpf_l3_csum_replace(skb, offsetof(struct iphdr, check), old, new, 2);
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
