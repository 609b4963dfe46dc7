/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwt_bpf.ko: BPF programs on routes ("ip route ... encap bpf").
 */
#ifndef _BPFEXT_LWT_BPF_H
#define _BPFEXT_LWT_BPF_H

#include <bpfext/bpfext.h>
#include <linux/bpf.h>
#include <linux/bpfext_lwt.h>
#include <linux/in6.h>
#include <linux/percpu.h>
#include <net/lwtunnel.h>
#include <net/net_namespace.h>

#define LWT_BPF_MAX_PROG_NAME 256

/* Per-CPU counters of one hook, indexed by enum bpfext_lwt_stat. */
struct lwt_bpf_stats {
	u64 cnt[__BPFEXT_LWT_STAT_MAX];
};

enum lwt_bpf_hook {
	LWT_BPF_HOOK_IN,
	LWT_BPF_HOOK_OUT,
	LWT_BPF_HOOK_XMIT,
	__LWT_BPF_HOOK_MAX,
};

/*
 * A route's counters, one lwt_bpf_stats per hook and CPU. Freed after a
 * grace period, like the programs they count for.
 */
struct lwt_bpf_counters {
	struct lwt_bpf_stats __percpu *pcpu;
	struct rcu_head rcu;
};

/* One of the three programs a route may carry. */
struct lwt_bpf_prog {
	struct bpf_prog *prog;
	char *name;
};

/*
 * What the route said about itself when its encap was built, so the
 * counters can be told apart per route. Nexthops (IPv4 multipath legs and
 * nexthop objects) know no destination or table: !has_dst.
 */
struct lwt_bpf_route_key {
	bool has_dst;
	u32 table;
	int oif;
	u8 dst_len;
	u8 gw_family;
	struct in6_addr dst;	/* an IPv4 address in s6_addr32[0] */
	struct in6_addr gw;
};

/*
 * Lives in lwtunnel_state->data of every "encap bpf" route.
 *
 * Up to @family it has the layout of Linux 6.1's struct bpf_lwt
 * (net/core/lwt_bpf.c). Where lwt_bpf.ko takes over a built-in
 * implementation (BPFEXT_TAKEOVER), both kinds of state live side by
 * side: the built-in's, made before the module loaded, are that prefix
 * alone; ours carry the rest too, and LWT_BPF_STATE_OWNED in lwt->flags
 * says so. Compares, dumps and frees read only the prefix, so they serve
 * both kinds; the datapath hands the built-in's states to the built-in
 * code. Unloading clears the flag and frees what hangs off the rest, and
 * the built-in code then serves our states as its own.
 */
struct lwt_bpf_route {
	struct lwt_bpf_prog in;
	struct lwt_bpf_prog out;
	struct lwt_bpf_prog xmit;
	int family;
	/* Ours only: valid while LWT_BPF_STATE_OWNED is set. */
	struct lwt_bpf_counters *counters;
	/* For the counters dump: see stats.c. */
	u64 net_cookie;
	u32 id;
	struct lwt_bpf_route_key key;
	/* Hooks kernel, "in" routes: the seg6local site, pinned (state.c). */
	const void *seg6_site;
};

/*
 * Not one of lwtunnel's LWTUNNEL_STATE_* flags, which it tests bit by
 * bit: set on the states lwt_bpf.ko built, while their counters live.
 */
#define LWT_BPF_STATE_OWNED	BIT(15)

static inline struct lwt_bpf_route *lwt_bpf_route(struct lwtunnel_state *lwt)
{
	return (struct lwt_bpf_route *)lwt->data;
}

/* A state the built-in implementation built, or was handed back. */
static inline bool lwt_bpf_foreign(const struct lwtunnel_state *lwt)
{
	return BPFEXT_TAKEOVER &&
	       unlikely(!(READ_ONCE(lwt->flags) & LWT_BPF_STATE_OWNED));
}

static inline void lwt_bpf_count(struct lwt_bpf_stats __percpu *stats,
				 enum bpfext_lwt_stat stat)
{
	this_cpu_inc(stats->cnt[stat]);
}

static inline struct lwt_bpf_stats __percpu *
lwt_bpf_hook_stats(const struct lwt_bpf_route *route, enum lwt_bpf_hook hook)
{
	return route->counters->pcpu + hook;
}

/* main.c: the built-in implementation taken over, if any. */
extern struct bpfext_encap lwt_bpf_encap;

/* state.c: the netlink side of the encap. */
extern const struct lwtunnel_encap_ops lwt_bpf_encap_ops;
extern struct lwtunnel_encap_ops lwt_bpf_takeover_ops;
int lwt_bpf_check_builtin(const struct lwtunnel_encap_ops *builtin);

/* datapath.c: the three hooks. */
int lwt_bpf_input(struct sk_buff *skb);
int lwt_bpf_output(struct net *net, struct sock *sk, struct sk_buff *skb);
int lwt_bpf_xmit(struct sk_buff *skb);

/* stats.c: the routes' counters over generic netlink. */
struct lwt_bpf_counters *lwt_bpf_counters_alloc(void);
void lwt_bpf_counters_free(struct lwt_bpf_counters *counters);
int lwt_bpf_stats_add(struct lwtunnel_state *lwt);
void lwt_bpf_stats_del(struct lwtunnel_state *lwt);
void lwt_bpf_stats_handover(void);
int lwt_bpf_stats_init(void);
void lwt_bpf_stats_exit(void);

/* encap.c: BPF_LWT_ENCAP_IP of bpf_lwt_push_encap(). */
int lwt_bpf_push_ip_encap(struct sk_buff *skb, void *hdr, u32 len,
			  bool ingress);

#endif /* _BPFEXT_LWT_BPF_H */
