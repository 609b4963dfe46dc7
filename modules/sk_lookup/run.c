// SPDX-License-Identifier: GPL-2.0
/*
 * The program run the socket lookups make, and bpf_sk_assign().
 *
 * The TCP listener lookups and the UDP lookups of the kernel call here,
 * behind bpf_sk_lookup_enabled, with the packet's addresses and ports;
 * the netns' programs all run, in attach order, and together pick a
 * socket, let the lookup go on, or drop (in-tree's rules, below).
 */

#include <linux/bpf-netns.h>
#include <linux/filter.h>
#include <net/sock.h>
#include <net/ipv6.h>

#include "sk_lookup.h"

/*
 * Runs every program of @array on @ctx. A program's selection counts
 * only if it returned SK_PASS; the last such selection wins, and each
 * program starts from it, so a later program can replace it
 * (BPF_SK_LOOKUP_F_REPLACE) but neither clear it nor override it with
 * SK_DROP. Returns SK_PASS if a socket was selected or no program
 * dropped, SK_DROP otherwise; the selection is left in @ctx.
 */
u32 sk_lookup_run_array(const struct bpf_prog_array *array,
			struct bpf_sk_lookup_kern *ctx)
{
	const struct bpf_prog_array_item *item = &array->items[0];
	struct sock *selected = NULL;
	bool no_reuseport = false;
	bool dropped = false;
	struct bpf_prog *prog;

	migrate_disable();
	while ((prog = READ_ONCE(item->prog))) {
		ctx->selected_sk = selected;
		ctx->no_reuseport = no_reuseport;
		if (bpf_prog_run(prog, ctx) == SK_PASS) {
			if (ctx->selected_sk) {
				selected = ctx->selected_sk;
				no_reuseport = ctx->no_reuseport;
			}
		} else {
			dropped = true;
		}
		item++;
	}
	ctx->selected_sk = selected;
	ctx->no_reuseport = no_reuseport;
	migrate_enable();
	return selected || !dropped ? SK_PASS : SK_DROP;
}

/*
 * What the lookup does next: *psk is the socket picked, NULL to go on
 * with the hash tables, or ERR_PTR(-ECONNREFUSED) to find nothing (TCP
 * then resets, UDP answers port unreachable). Returns whether the pick
 * skips reuseport group selection.
 */
static bool sk_lookup_run(struct net *net, struct bpf_sk_lookup_kern *ctx,
			  struct sock **psk)
{
	struct bpf_prog_array *array;
	struct sock *sk = NULL;
	bool no_reuseport = false;

	rcu_read_lock();
	array = rcu_dereference(net->bpf.run_array[NETNS_BPF_SK_LOOKUP]);
	if (array) {
		if (sk_lookup_run_array(array, ctx) == SK_PASS) {
			sk = ctx->selected_sk;
			no_reuseport = ctx->no_reuseport;
		} else {
			sk = ERR_PTR(-ECONNREFUSED);
		}
	}
	rcu_read_unlock();
	*psk = sk;
	return no_reuseport;
}

bool sk_lookup_run_v4(struct net *net, int protocol, __be32 saddr,
		      __be16 sport, __be32 daddr, u16 dport, int ifindex,
		      struct sock **psk)
{
	struct bpf_sk_lookup_kern ctx = {
		.family		= AF_INET,
		.protocol	= protocol,
		.v4.saddr	= saddr,
		.v4.daddr	= daddr,
		.sport		= sport,
		.dport		= dport,
		.ingress_ifindex = ifindex,
	};

	return sk_lookup_run(net, &ctx, psk);
}

bool sk_lookup_run_v6(struct net *net, int protocol,
		      const struct in6_addr *saddr, __be16 sport,
		      const struct in6_addr *daddr, u16 dport, int ifindex,
		      struct sock **psk)
{
	struct bpf_sk_lookup_kern ctx = {
		.family		= AF_INET6,
		.protocol	= protocol,
		.v6.saddr	= saddr,
		.v6.daddr	= daddr,
		.sport		= sport,
		.dport		= dport,
		.ingress_ifindex = ifindex,
	};

	return sk_lookup_run(net, &ctx, psk);
}

/* Whether @sk can be the result of the lookup @ctx describes. */
static int sk_lookup_check(const struct bpf_sk_lookup_kern *ctx,
			   struct sock *sk)
{
	/* Lookups hold no reference: only SOCK_RCU_FREE sockets will do. */
	if (sk_is_refcounted(sk))
		return -ESOCKTNOSUPPORT;
	if (sk_is_tcp(sk) && sk->sk_state != TCP_LISTEN)
		return -ESOCKTNOSUPPORT;
	if (sk_is_udp(sk) && sk->sk_state != TCP_CLOSE)
		return -ESOCKTNOSUPPORT;
	if (sk->sk_protocol != ctx->protocol)
		return -EPROTOTYPE;
	/* An IPv6 socket takes IPv4 too, unless it is v6-only. */
	if (sk->sk_family != ctx->family &&
	    (sk->sk_family == AF_INET || ipv6_only_sock(sk)))
		return -EAFNOSUPPORT;
	return 0;
}

/* bpf_sk_assign() of SK_LOOKUP programs; @sk NULL clears the selection. */
u64 sk_lookup_assign(struct bpf_sk_lookup_kern *ctx, struct sock *sk,
		     u64 flags)
{
	int err;

	if (unlikely(flags & ~(BPF_SK_LOOKUP_F_REPLACE |
			       BPF_SK_LOOKUP_F_NO_REUSEPORT)))
		return -EINVAL;
	if (sk) {
		err = sk_lookup_check(ctx, sk);
		if (unlikely(err))
			return err;
	}
	if (ctx->selected_sk && !(flags & BPF_SK_LOOKUP_F_REPLACE))
		return -EEXIST;

	ctx->selected_sk = sk;
	ctx->no_reuseport = flags & BPF_SK_LOOKUP_F_NO_REUSEPORT;
	return 0;
}
