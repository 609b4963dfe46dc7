// SPDX-License-Identifier: GPL-2.0
/*
 * Per-route, per-hook counters of encap bpf routes and the generic netlink
 * family that dumps them (uapi/linux/bpfext_lwt.h).
 *
 * Every state lwt_bpf.ko built is in lwt_bpf_routes under an id of its
 * own, with LWT_BPF_STATE_OWNED set, until it is destroyed or handed back
 * to a built-in implementation; the xarray's lock covers both the entry
 * and the flag. States are destroyed from RCU callbacks, so the lock is
 * taken with BH off. A dump walks the ids in order and resumes after the
 * last one it sent.
 */

#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include <net/genetlink.h>

#include "lwt_bpf.h"

static DEFINE_XARRAY_FLAGS(lwt_bpf_routes, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
static u32 lwt_bpf_next_id;

struct lwt_bpf_counters *lwt_bpf_counters_alloc(void)
{
	struct lwt_bpf_counters *counters;

	/*
	 * Encaps are built from netlink requests, under RTNL, where we may
	 * sleep; per-CPU memory is better not taken from the atomic pool.
	 */
	counters = kzalloc(sizeof(*counters), GFP_KERNEL_ACCOUNT);
	if (!counters)
		return NULL;
	counters->pcpu = __alloc_percpu_gfp(sizeof(struct lwt_bpf_stats) *
					    __LWT_BPF_HOOK_MAX,
					    __alignof__(struct lwt_bpf_stats),
					    GFP_KERNEL_ACCOUNT);
	if (!counters->pcpu) {
		kfree(counters);
		return NULL;
	}
	return counters;
}

static void lwt_bpf_counters_free_rcu(struct rcu_head *head)
{
	struct lwt_bpf_counters *counters;

	counters = container_of(head, struct lwt_bpf_counters, rcu);
	free_percpu(counters->pcpu);
	kfree(counters);
}

/* lwt_bpf_stats_exit() waits for these callbacks. */
void lwt_bpf_counters_free(struct lwt_bpf_counters *counters)
{
	call_rcu(&counters->rcu, lwt_bpf_counters_free_rcu);
}

/*
 * Ids are reused only after 2^32 more states: a dump sees each once.
 * Context: building @lwt, which nobody else sees yet.
 */
int lwt_bpf_stats_add(struct lwtunnel_state *lwt)
{
	struct lwt_bpf_route *route = lwt_bpf_route(lwt);
	int err;

	lwt->flags |= LWT_BPF_STATE_OWNED;
	err = xa_alloc_cyclic_bh(&lwt_bpf_routes, &route->id, lwt, xa_limit_32b,
				 &lwt_bpf_next_id, GFP_KERNEL);
	if (err < 0) {
		lwt->flags &= ~LWT_BPF_STATE_OWNED;
		return err;
	}
	return 0;
}

/* Forgets @lwt's counters, if it is ours; under the xarray's lock. */
static struct lwt_bpf_counters *lwt_bpf_stats_unlink(struct lwtunnel_state *lwt)
{
	struct lwt_bpf_route *route = lwt_bpf_route(lwt);

	if (!(lwt->flags & LWT_BPF_STATE_OWNED))
		return NULL;
	__xa_erase(&lwt_bpf_routes, route->id);
	/* The datapath reads the flag without the lock: see lwt_bpf_foreign(). */
	WRITE_ONCE(lwt->flags, lwt->flags & ~LWT_BPF_STATE_OWNED);
	return route->counters;
}

/* A state the built-in implementation built has nothing to forget. */
void lwt_bpf_stats_del(struct lwtunnel_state *lwt)
{
	struct lwt_bpf_counters *counters;

	xa_lock_bh(&lwt_bpf_routes);
	counters = lwt_bpf_stats_unlink(lwt);
	xa_unlock_bh(&lwt_bpf_routes);
	if (counters)
		lwt_bpf_counters_free(counters);
}

/*
 * Before the built-in implementation gets the encap type back: every state
 * we built becomes a plain 6.1 state, which it serves and frees as its
 * own. A CPU still counting for one holds the RCU read lock, which the
 * counters' free waits for.
 *
 * Context: RTNL held (no state is being built), our ops still serving
 * (a state freed meanwhile comes to lwt_bpf_stats_del() and this lock).
 */
void lwt_bpf_stats_handover(void)
{
	struct lwt_bpf_counters *counters;
	struct lwtunnel_state *lwt;
	unsigned long id;

	ASSERT_RTNL();
	xa_lock_bh(&lwt_bpf_routes);
	xa_for_each(&lwt_bpf_routes, id, lwt) {
		counters = lwt_bpf_stats_unlink(lwt);
		lwt_bpf_counters_free(counters);
	}
	xa_unlock_bh(&lwt_bpf_routes);
}

static void lwt_bpf_stats_sum(const struct lwt_bpf_stats __percpu *stats,
			      u64 *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(u64) * __BPFEXT_LWT_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct lwt_bpf_stats *s = per_cpu_ptr(stats, cpu);

		for (i = 0; i < __BPFEXT_LWT_STAT_MAX; i++)
			sum[i] += READ_ONCE(s->cnt[i]);
	}
}

static int lwt_bpf_fill_stats(struct sk_buff *skb,
			      const struct lwt_bpf_stats __percpu *stats)
{
	u64 sum[__BPFEXT_LWT_STAT_MAX];
	struct nlattr *nest;
	int i;

	lwt_bpf_stats_sum(stats, sum);
	nest = nla_nest_start(skb, BPFEXT_LWT_HOOK_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = BPFEXT_LWT_STAT_RUNS; i < __BPFEXT_LWT_STAT_MAX; i++)
		if (nla_put_u64_64bit(skb, i, sum[i], BPFEXT_LWT_STAT_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int lwt_bpf_fill_hook(struct sk_buff *skb, u32 type,
			     const struct lwt_bpf_prog *lp,
			     const struct lwt_bpf_stats __percpu *stats)
{
	struct nlattr *nest;

	if (!lp->prog)
		return 0;

	nest = nla_nest_start(skb, BPFEXT_LWT_A_HOOK);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, BPFEXT_LWT_HOOK_A_TYPE, type) ||
	    nla_put_u32(skb, BPFEXT_LWT_HOOK_A_PROG_ID, lp->prog->aux->id) ||
	    (lp->name &&
	     nla_put_string(skb, BPFEXT_LWT_HOOK_A_PROG_NAME, lp->name)) ||
	    lwt_bpf_fill_stats(skb, stats))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int lwt_bpf_fill_key(struct sk_buff *skb, const struct lwt_bpf_route *route)
{
	const struct lwt_bpf_route_key *key = &route->key;
	int alen = route->family == AF_INET ? 4 : 16;
	int gwlen = key->gw_family == AF_INET ? 4 : 16;

	if (nla_put_u8(skb, BPFEXT_LWT_A_FAMILY, route->family) ||
	    (key->has_dst && nla_put_u32(skb, BPFEXT_LWT_A_TABLE, key->table)))
		return -EMSGSIZE;
	if (key->has_dst &&
	    (nla_put(skb, BPFEXT_LWT_A_DST, alen, &key->dst) ||
	     nla_put_u8(skb, BPFEXT_LWT_A_DST_LEN, key->dst_len)))
		return -EMSGSIZE;
	if (key->oif && nla_put_u32(skb, BPFEXT_LWT_A_OIF, key->oif))
		return -EMSGSIZE;
	if (key->gw_family &&
	    nla_put(skb, BPFEXT_LWT_A_GATEWAY, gwlen, &key->gw))
		return -EMSGSIZE;
	return 0;
}

static struct genl_family lwt_bpf_genl_family;

static int lwt_bpf_fill_route(struct sk_buff *skb, struct netlink_callback *cb,
			      const struct lwt_bpf_route *route)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &lwt_bpf_genl_family, NLM_F_MULTI,
			  BPFEXT_LWT_CMD_GET_ROUTE);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(skb, BPFEXT_LWT_A_ID, route->id) ||
	    lwt_bpf_fill_key(skb, route) ||
	    lwt_bpf_fill_hook(skb, LWT_BPF_IN, &route->in,
			      lwt_bpf_hook_stats(route, LWT_BPF_HOOK_IN)) ||
	    lwt_bpf_fill_hook(skb, LWT_BPF_OUT, &route->out,
			      lwt_bpf_hook_stats(route, LWT_BPF_HOOK_OUT)) ||
	    lwt_bpf_fill_hook(skb, LWT_BPF_XMIT, &route->xmit,
			      lwt_bpf_hook_stats(route, LWT_BPF_HOOK_XMIT))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* cb->args[0]: the id of the last route sent. */
static int lwt_bpf_genl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	u64 cookie = sock_net(skb->sk)->net_cookie;
	unsigned long id = cb->args[0] + 1;
	struct lwt_bpf_route *route;
	struct lwtunnel_state *lwt;

	/* The lock keeps each state's programs and names until we are done. */
	xa_lock_bh(&lwt_bpf_routes);
	xa_for_each_start(&lwt_bpf_routes, id, lwt, id) {
		route = lwt_bpf_route(lwt);
		if (route->net_cookie != cookie)
			continue;
		if (lwt_bpf_fill_route(skb, cb, route))
			break;
		cb->args[0] = id;
	}
	xa_unlock_bh(&lwt_bpf_routes);

	return skb->len;
}

static u8 lwt_bpf_mode(void)
{
	if (lwt_bpf_encap.builtin)
		return BPFEXT_LWT_MODE_TAKEOVER;
	return BPFEXT_TAKEOVER ? BPFEXT_LWT_MODE_ALONE : BPFEXT_LWT_MODE_HOOKS;
}

static int lwt_bpf_genl_status(struct sk_buff *skb, struct genl_info *info)
{
	u64 cookie = genl_info_net(info)->net_cookie;
	struct lwtunnel_state *lwt;
	u32 states = 0, here = 0;
	struct sk_buff *msg;
	unsigned long id;
	void *hdr;

	xa_lock_bh(&lwt_bpf_routes);
	xa_for_each(&lwt_bpf_routes, id, lwt) {
		states++;
		if (lwt_bpf_route(lwt)->net_cookie == cookie)
			here++;
	}
	xa_unlock_bh(&lwt_bpf_routes);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &lwt_bpf_genl_family, 0,
				BPFEXT_LWT_CMD_GET_STATUS);
	if (!hdr ||
	    nla_put_string(msg, BPFEXT_LWT_A_VERSION, BPFEXT_VERSION) ||
	    nla_put_u8(msg, BPFEXT_LWT_A_MODE, lwt_bpf_mode()) ||
	    nla_put_u32(msg, BPFEXT_LWT_A_STATES, states) ||
	    nla_put_u32(msg, BPFEXT_LWT_A_STATES_NETNS, here)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static const struct genl_small_ops lwt_bpf_genl_ops[] = {
	{
		.cmd		= BPFEXT_LWT_CMD_GET_ROUTE,
		.dumpit		= lwt_bpf_genl_dump,
	},
	{
		.cmd		= BPFEXT_LWT_CMD_GET_STATUS,
		.doit		= lwt_bpf_genl_status,
	},
};

/*
 * Strict from the first command: reserved header bytes must be zero, and
 * the dump takes no attributes (genetlink rejects any it is given).
 */
static struct genl_family lwt_bpf_genl_family __ro_after_init = {
	.name		= BPFEXT_LWT_GENL_NAME,
	.version	= BPFEXT_LWT_GENL_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= lwt_bpf_genl_ops,
	.n_small_ops	= ARRAY_SIZE(lwt_bpf_genl_ops),
	.resv_start_op	= BPFEXT_LWT_CMD_GET_ROUTE,
};

int __init lwt_bpf_stats_init(void)
{
	return genl_register_family(&lwt_bpf_genl_family);
}

void lwt_bpf_stats_exit(void)
{
	genl_unregister_family(&lwt_bpf_genl_family);
	/* Counters of the last routes may still wait for their grace period. */
	rcu_barrier();
}
