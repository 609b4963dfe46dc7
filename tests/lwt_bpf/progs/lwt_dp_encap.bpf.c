// SPDX-License-Identifier: GPL-2.0
/*
 * GRE encapsulation with bpf_lwt_push_encap() and BPF_LWT_REROUTE, valid
 * on both the in and the xmit hook.
 */
#include "lwt_dp.h"

/* To the decapsulating netns G: 10.79.2.2, fd79:2::2. */
SEC("gre4")
int lwt_dp_gre4(struct __sk_buff *skb)
{
	return dp_gre4(skb, DP_GRE4, 0x0a4f0202);
}

SEC("gre6")
int lwt_dp_gre6(struct __sk_buff *skb)
{
	return dp_gre6(skb, DP_GRE6, 2, 2);
}

/*
 * IPIP to G: 6.1 encapsulates GSO packets only in GRE, UDP or IPPROTO_IP
 * and IPv6 (0, 41), so TCP's GSO packets fail with -EPROTONOSUPPORT.
 */
SEC("ipip4")
int lwt_dp_ipip4(struct __sk_buff *skb)
{
	return dp_ipip4(skb, DP_IPIP4, 0x0a4f0202);
}

/* To addresses nothing routes: 10.79.8.8, fd79:8::8. */
SEC("noroute4")
int lwt_dp_noroute4(struct __sk_buff *skb)
{
	return dp_gre4(skb, DP_NOROUTE4, 0x0a4f0808);
}

SEC("noroute6")
int lwt_dp_noroute6(struct __sk_buff *skb)
{
	return dp_gre6(skb, DP_NOROUTE6, 8, 8);
}

/*
 * To the route's own destination (10.79.9.1, fd79:9::1): the reroute finds
 * this route, and its program, again.
 */
SEC("loop4")
int lwt_dp_loop4(struct __sk_buff *skb)
{
	return dp_gre4(skb, DP_LOOP4, 0x0a4f0901);
}

SEC("loop6")
int lwt_dp_loop6(struct __sk_buff *skb)
{
	return dp_gre6(skb, DP_LOOP6, 9, 1);
}

char _license[] SEC("license") = "GPL";
