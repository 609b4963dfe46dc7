// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for tests/sockmap: a verdict that sends what a socket in
 * smk_socks receives out of the socket at SMK_OUT (an in-kernel proxy),
 * with a parser for it, and an SK_MSG verdict that does the same for what
 * is sent.
 *
 * smk_runs[] counts each program's runs, whoever serves the map.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum { SMK_IN, SMK_OUT, SMK_NSOCKS = 4 };
enum { RUN_SKB, RUN_MSG, RUN_N };

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, SMK_NSOCKS);
	__type(key, __u32);
	__type(value, __u64);
} smk_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, SMK_NSOCKS);
	__type(key, __u32);
	__type(value, __u64);
} smk_hash SEC(".maps");

/* Where smk_skb_out sends: a map apart from the one its sockets are in. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, SMK_NSOCKS);
	__type(key, __u32);
	__type(value, __u64);
} smk_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RUN_N);
	__type(key, __u32);
	__type(value, __u64);
} smk_runs SEC(".maps");

static void count(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&smk_runs, &which);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* A parser for the stream parser: each skb as it comes, one message. */
SEC("sk_skb/stream_parser")
int smk_parse(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("sk_skb/stream_verdict")
int smk_skb(struct __sk_buff *skb)
{
	count(RUN_SKB);
	return bpf_sk_redirect_map(skb, &smk_socks, SMK_OUT, 0);
}

SEC("sk_skb/stream_verdict")
int smk_skb_hash(struct __sk_buff *skb)
{
	__u32 key = SMK_OUT;

	count(RUN_SKB);
	return bpf_sk_redirect_hash(skb, &smk_hash, &key, 0);
}

/*
 * A verdict that references only smk_out: a map it is attached to is not
 * pinned by its own sockets' programs, and goes when user space lets go.
 */
SEC("sk_skb/stream_verdict")
int smk_skb_out(struct __sk_buff *skb)
{
	count(RUN_SKB);
	return bpf_sk_redirect_map(skb, &smk_out, SMK_OUT, 0);
}

SEC("sk_msg")
int smk_msg(struct sk_msg_md *msg)
{
	count(RUN_MSG);
	return bpf_msg_redirect_map(msg, &smk_socks, SMK_OUT, BPF_F_INGRESS);
}

char _license[] SEC("license") = "GPL";
