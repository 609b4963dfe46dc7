/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwt_bpf.ko: BPF programs on routes ("ip route ... encap bpf").
 */
#ifndef _BPFEXT_LWT_BPF_H
#define _BPFEXT_LWT_BPF_H

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
	struct lwt_bpf_stats __percpu *stats;
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

/* Lives in lwtunnel_state->data of every "encap bpf" route. */
struct lwt_bpf_route {
	struct lwt_bpf_prog in;
	struct lwt_bpf_prog out;
	struct lwt_bpf_prog xmit;
	int family;
	struct lwt_bpf_counters *counters;
	/* For the counters dump: see stats.c. */
	u64 net_cookie;
	u32 id;
	struct lwt_bpf_route_key key;
};

static inline void lwt_bpf_count(struct lwt_bpf_prog *lp,
				 enum bpfext_lwt_stat stat)
{
	this_cpu_inc(lp->stats->cnt[stat]);
}

static inline struct lwt_bpf_route *lwt_bpf_route(struct lwtunnel_state *lwt)
{
	return (struct lwt_bpf_route *)lwt->data;
}

/* state.c: the netlink side of the encap. */
extern const struct lwtunnel_encap_ops lwt_bpf_encap_ops;

/* datapath.c: the three hooks. */
int lwt_bpf_input(struct sk_buff *skb);
int lwt_bpf_output(struct net *net, struct sock *sk, struct sk_buff *skb);
int lwt_bpf_xmit(struct sk_buff *skb);

/* stats.c: the routes' counters over generic netlink. */
struct lwt_bpf_counters *lwt_bpf_counters_alloc(void);
void lwt_bpf_counters_free(struct lwt_bpf_counters *counters);
int lwt_bpf_stats_add(struct lwt_bpf_route *route);
void lwt_bpf_stats_del(struct lwt_bpf_route *route);
int lwt_bpf_stats_init(void);
void lwt_bpf_stats_exit(void);

/* encap.c: BPF_LWT_ENCAP_IP of bpf_lwt_push_encap(). */
int lwt_bpf_push_ip_encap(struct sk_buff *skb, void *hdr, u32 len,
			  bool ingress);

#endif /* _BPFEXT_LWT_BPF_H */
