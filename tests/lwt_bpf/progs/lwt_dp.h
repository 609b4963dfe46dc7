/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Programs of tests/lwt_bpf/datapath.sh. The addresses are the test's
 * topology (see datapath.sh); lwt_dp_stats is pinned by name in
 * /sys/fs/bpf/tc/globals, shared by every object and route.
 */
#ifndef _LWT_DP_H
#define _LWT_DP_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Which program ran: the key of lwt_dp_stats. */
enum lwt_dp_slot {
	DP_GRE4, DP_GRE6, DP_NOROUTE4, DP_NOROUTE6, DP_LOOP4, DP_LOOP6,
	DP_CNT_A, DP_CNT_B, DP_IPIP4, DP_MAX
};

struct lwt_dp_stats {
	__u64 runs;
	__u64 errs;	/* bpf_lwt_push_encap() failures */
	__u64 err;	/* the last one, negated */
	__u64 big;	/* packets longer than any MTU here: GSO */
	__u64 maxlen;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DP_MAX);
	__type(key, __u32);
	__type(value, struct lwt_dp_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lwt_dp_stats SEC(".maps");

/* No device on the test's paths has an MTU above this. */
#define DP_MAX_MTU	1600

/* The outer source: the client netns (10.79.3.2, fd79:3::2). */
#define DP_SRC4		0x0a4f0302
#define DP_SRC6_NET	3
#define DP_SRC6_HOST	2

struct lwt_dp_gre {
	__be16 flags;
	__be16 protocol;
};

static __always_inline struct lwt_dp_stats *
dp_count(struct __sk_buff *skb, __u32 slot)
{
	struct lwt_dp_stats *s = bpf_map_lookup_elem(&lwt_dp_stats, &slot);

	if (!s)
		return 0;
	__sync_fetch_and_add(&s->runs, 1);
	if (skb->len > DP_MAX_MTU)
		__sync_fetch_and_add(&s->big, 1);
	if (skb->len > s->maxlen)
		s->maxlen = skb->len;
	return s;
}

static __always_inline int dp_push(struct __sk_buff *skb,
				   struct lwt_dp_stats *s, void *hdr, __u32 len)
{
	int err = bpf_lwt_push_encap(skb, BPF_LWT_ENCAP_IP, hdr, len);

	if (!err)
		return BPF_LWT_REROUTE;
	if (s) {
		__sync_fetch_and_add(&s->errs, 1);
		s->err = -err;
	}
	return BPF_DROP;
}

/* IPv4 + GRE to @daddr (host order), carrying the packet as it is. */
static __always_inline int dp_gre4(struct __sk_buff *skb, __u32 slot,
				   __u32 daddr)
{
	struct lwt_dp_stats *s = dp_count(skb, slot);
	struct {
		struct iphdr ip;
		struct lwt_dp_gre gre;
	} h;

	__builtin_memset(&h, 0, sizeof(h));
	h.ip.version = 4;
	h.ip.ihl = 5;
	h.ip.ttl = 64;
	h.ip.protocol = IPPROTO_GRE;
	h.ip.saddr = bpf_htonl(DP_SRC4);
	h.ip.daddr = bpf_htonl(daddr);
	h.ip.tot_len = bpf_htons(skb->len + sizeof(h));
	h.gre.protocol = skb->protocol;
	return dp_push(skb, s, &h, sizeof(h));
}

/* IPv4 in IPv4 (IPPROTO_IPIP) to @daddr: the packet must be IPv4. */
static __always_inline int dp_ipip4(struct __sk_buff *skb, __u32 slot,
				    __u32 daddr)
{
	struct lwt_dp_stats *s = dp_count(skb, slot);
	struct iphdr h;

	__builtin_memset(&h, 0, sizeof(h));
	h.version = 4;
	h.ihl = 5;
	h.ttl = 64;
	h.protocol = IPPROTO_IPIP;
	h.saddr = bpf_htonl(DP_SRC4);
	h.daddr = bpf_htonl(daddr);
	h.tot_len = bpf_htons(skb->len + sizeof(h));
	return dp_push(skb, s, &h, sizeof(h));
}

/* IPv6 + GRE to fd79:@net::@host. */
static __always_inline int dp_gre6(struct __sk_buff *skb, __u32 slot,
				   __u8 net, __u8 host)
{
	struct lwt_dp_stats *s = dp_count(skb, slot);
	struct {
		struct ipv6hdr ip6;
		struct lwt_dp_gre gre;
	} h;

	__builtin_memset(&h, 0, sizeof(h));
	h.ip6.version = 6;
	h.ip6.nexthdr = IPPROTO_GRE;
	h.ip6.hop_limit = 64;
	h.ip6.payload_len = bpf_htons(skb->len + sizeof(h.gre));
	h.ip6.saddr.s6_addr[0] = 0xfd;
	h.ip6.saddr.s6_addr[1] = 0x79;
	h.ip6.saddr.s6_addr[3] = DP_SRC6_NET;
	h.ip6.saddr.s6_addr[15] = DP_SRC6_HOST;
	h.ip6.daddr.s6_addr[0] = 0xfd;
	h.ip6.daddr.s6_addr[1] = 0x79;
	h.ip6.daddr.s6_addr[3] = net;
	h.ip6.daddr.s6_addr[15] = host;
	h.gre.protocol = skb->protocol;
	return dp_push(skb, s, &h, sizeof(h));
}

#endif /* _LWT_DP_H */
