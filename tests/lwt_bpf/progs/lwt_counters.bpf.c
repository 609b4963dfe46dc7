// SPDX-License-Identifier: GPL-2.0
/*
 * Programs that make lwt_bpf's kernel-side counters move: drops around the
 * program and reroutes (tests/lwt_bpf/counters.sh).
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <stddef.h>
#include <bpf/bpf_endian.h>
#include "lwt_test.h"

/* Where "reroute" sends the encapsulated packet (network byte order). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lwt_reroute_daddr SEC(".maps");

/* No device has this index: skb_do_redirect() drops the packet. */
SEC("redirect_nodev")
int lwt_redirect_nodev(struct __sk_buff *skb)
{
	return bpf_redirect(0x7ffffff0, 0);
}

/* An IPv6 header on an IPv4 packet, then BPF_OK instead of a reroute. */
SEC("proto_change")
int lwt_proto_change(struct __sk_buff *skb)
{
	struct ipv6hdr ip6 = {
		.version = 6,
		.payload_len = bpf_htons(skb->len),
		.nexthdr = IPPROTO_IPIP,
		.hop_limit = 64,
	};

	if (bpf_lwt_push_encap(skb, BPF_LWT_ENCAP_IP, &ip6, sizeof(ip6)))
		return BPF_DROP;
	return BPF_OK;
}

/* IPIP to the address in lwt_reroute_daddr, and a new route lookup. */
SEC("reroute")
int lwt_reroute(struct __sk_buff *skb)
{
	struct iphdr iph = {
		.version = 4,
		.ihl = 5,
		.ttl = 64,
		.protocol = IPPROTO_IPIP,
		.tot_len = bpf_htons(skb->len + sizeof(iph)),
	};
	__u32 key = 0, *daddr;

	daddr = bpf_map_lookup_elem(&lwt_reroute_daddr, &key);
	if (!daddr || skb->protocol != bpf_htons(ETH_P_IP))
		return BPF_DROP;
	iph.daddr = *daddr;
	/* The inner source: LWT programs cannot read skb->local_ip4. */
	if (bpf_skb_load_bytes(skb, offsetof(struct iphdr, saddr), &iph.saddr,
			       sizeof(iph.saddr)))
		return BPF_DROP;
	if (bpf_lwt_push_encap(skb, BPF_LWT_ENCAP_IP, &iph, sizeof(iph)))
		return BPF_DROP;
	return BPF_LWT_REROUTE;
}

char _license[] SEC("license") = "GPL";
