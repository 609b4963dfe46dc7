// SPDX-License-Identifier: GPL-2.0
/*
 * The SK_LOOKUP benchmark's programs (bench/sk_lookup_guest.sh).
 *
 *  steer:  192.0.2.1 port 80, the address nothing listens on, to the
 *          socket in bench_skl_socks[0], as tests/sk_lookup's web program
 *          does: bpf_map_lookup_elem() of the SOCKMAP, bpf_sk_assign(),
 *          bpf_sk_release(); SK_PASS either way;
 *  pass:   SK_PASS and nothing else, the programs attached before steer
 *          in the rows with 8 and 64: what is measured is the cost of
 *          running one more program, not of what it does.
 *
 * Neither counts its runs: a counter would be measured too. The guest
 * checks the runs with kernel.bpf_stats_enabled, outside the timed runs.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_skl_socks SEC(".maps");

SEC("sk_lookup")
int steer(struct bpf_sk_lookup *ctx)
{
	struct bpf_sock *sk;
	__u32 key = 0;

	if (ctx->local_port != 80 || ctx->local_ip4 != bpf_htonl(0xc0000201))
		return SK_PASS;
	sk = bpf_map_lookup_elem(&bench_skl_socks, &key);
	if (!sk)
		return SK_PASS;
	bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	return SK_PASS;
}

SEC("sk_lookup")
int pass(struct bpf_sk_lookup *ctx)
{
	return SK_PASS;
}

char _license[] SEC("license") = "GPL";
