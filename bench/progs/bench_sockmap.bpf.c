// SPDX-License-Identifier: GPL-2.0
/*
 * The sockmap benchmark's proxy (bench/sockproxy.c): the proxy's front
 * socket (accepted from the client) is in smb_front, whose verdict sends
 * what it receives out of the back socket (connected to the server), at
 * smb_to_back[0]; the back socket is in smb_back, whose verdict sends the
 * replies out of the front socket, at smb_to_front[0].
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SOCKMAP(name) \
	struct { \
		__uint(type, BPF_MAP_TYPE_SOCKMAP); \
		__uint(max_entries, 1); \
		__type(key, __u32); \
		__type(value, __u64); \
	} name SEC(".maps")

SOCKMAP(smb_front);
SOCKMAP(smb_back);
SOCKMAP(smb_to_front);
SOCKMAP(smb_to_back);

SEC("sk_skb/stream_verdict")
int smb_front_verdict(struct __sk_buff *skb)
{
	return bpf_sk_redirect_map(skb, &smb_to_back, 0, 0);
}

SEC("sk_skb/stream_verdict")
int smb_back_verdict(struct __sk_buff *skb)
{
	return bpf_sk_redirect_map(skb, &smb_to_front, 0, 0);
}

char _license[] SEC("license") = "GPL";
