// SPDX-License-Identifier: GPL-2.0
/*
 * SK_LOOKUP programs for tests/sk_lookup: the two use cases and
 * the plain verdicts.
 *
 *  web:    every address of 192.0.2.0/24 (and 2001:db8:80::/64) on port 80
 *          to the socket in skl_socks[SKL_WEB] (TCP) or [SKL_WEB_UDP];
 *  web_b:  the same to skl_socks[SKL_WEB_B] (a link update swaps them);
 *  proxy:  198.51.100.1 on any port to skl_socks[SKL_PROXY] (TCP) or
 *          [SKL_PROXY_UDP];
 *  pass, drop: nothing else.
 *
 * skl_runs[program] counts the runs of each.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum { SKL_WEB, SKL_WEB_UDP, SKL_WEB_B, SKL_PROXY, SKL_PROXY_UDP, SKL_NSOCKS };
enum { RUN_WEB, RUN_WEB_B, RUN_PROXY, RUN_PASS, RUN_DROP, RUN_N };

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, SKL_NSOCKS);
	__type(key, __u32);
	__type(value, __u64);
} skl_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RUN_N);
	__type(key, __u32);
	__type(value, __u64);
} skl_runs SEC(".maps");

static void count(__u32 run)
{
	__u64 *n = bpf_map_lookup_elem(&skl_runs, &run);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* Selects skl_socks[key]; SK_PASS either way (no socket: lookup goes on). */
static int steer(struct bpf_sk_lookup *ctx, __u32 key)
{
	struct bpf_sock *sk = bpf_map_lookup_elem(&skl_socks, &key);

	if (!sk)
		return SK_PASS;
	bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	return SK_PASS;
}

static int is_web(struct bpf_sk_lookup *ctx)
{
	if (ctx->local_port != 80)
		return 0;
	if (ctx->family == 2)	/* AF_INET */
		return (ctx->local_ip4 & bpf_htonl(0xffffff00)) ==
		       bpf_htonl(0xc0000200);
	/* AF_INET6, 2001:db8:80::/64 */
	return ctx->local_ip6[0] == bpf_htonl(0x20010db8) &&
	       ctx->local_ip6[1] == bpf_htonl(0x00800000);
}

static __u32 web_key(struct bpf_sk_lookup *ctx, __u32 tcp, __u32 udp)
{
	return ctx->protocol == IPPROTO_TCP ? tcp : udp;
}

SEC("sk_lookup")
int web(struct bpf_sk_lookup *ctx)
{
	count(RUN_WEB);
	if (!is_web(ctx))
		return SK_PASS;
	return steer(ctx, web_key(ctx, SKL_WEB, SKL_WEB_UDP));
}

SEC("sk_lookup")
int web_b(struct bpf_sk_lookup *ctx)
{
	count(RUN_WEB_B);
	if (!is_web(ctx) || ctx->protocol != IPPROTO_TCP)
		return SK_PASS;
	return steer(ctx, SKL_WEB_B);
}

SEC("sk_lookup")
int proxy(struct bpf_sk_lookup *ctx)
{
	count(RUN_PROXY);
	if (ctx->family != 2 || ctx->local_ip4 != bpf_htonl(0xc6336401))
		return SK_PASS;
	return steer(ctx, web_key(ctx, SKL_PROXY, SKL_PROXY_UDP));
}

SEC("sk_lookup")
int pass(struct bpf_sk_lookup *ctx)
{
	count(RUN_PASS);
	return SK_PASS;
}

SEC("sk_lookup")
int drop(struct bpf_sk_lookup *ctx)
{
	count(RUN_DROP);
	return SK_DROP;
}

char _license[] SEC("license") = "GPL";
