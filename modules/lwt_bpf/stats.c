// SPDX-License-Identifier: GPL-2.0
/*
 * Per-route, per-hook counters of encap bpf routes and the generic netlink
 * family that dumps them (uapi/linux/bpfext_lwt.h).
 *
 * Every state that built successfully is on lwt_bpf_routes until it is
 * destroyed. States are destroyed from RCU callbacks, so the list lock is
 * taken with BH off. The dump walks the list in id order, which is the
 * order states were added, and resumes after the last id it sent.
 */

#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <net/genetlink.h>

#include "lwt_bpf.h"

static LIST_HEAD(lwt_bpf_routes);
static DEFINE_SPINLOCK(lwt_bpf_routes_lock);
static u32 lwt_bpf_next_id;

struct lwt_bpf_counters *lwt_bpf_counters_alloc(void)
{
	struct lwt_bpf_counters *counters;

	/* Same allocation context as lwtunnel_state_alloc(). */
	counters = kzalloc(sizeof(*counters), GFP_ATOMIC);
	if (!counters)
		return NULL;
	counters->pcpu = __alloc_percpu_gfp(sizeof(struct lwt_bpf_stats) *
					    __LWT_BPF_HOOK_MAX,
					    __alignof__(struct lwt_bpf_stats),
					    GFP_ATOMIC);
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

void lwt_bpf_stats_add(struct lwt_bpf_route *route)
{
	spin_lock_bh(&lwt_bpf_routes_lock);
	route->id = ++lwt_bpf_next_id;
	list_add_tail(&route->node, &lwt_bpf_routes);
	spin_unlock_bh(&lwt_bpf_routes_lock);
}

void lwt_bpf_stats_del(struct lwt_bpf_route *route)
{
	spin_lock_bh(&lwt_bpf_routes_lock);
	list_del_init(&route->node);
	spin_unlock_bh(&lwt_bpf_routes_lock);
}

static void lwt_bpf_stats_sum(const struct lwt_bpf_prog *lp, u64 *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(u64) * __BPFEXT_LWT_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct lwt_bpf_stats *s = per_cpu_ptr(lp->stats, cpu);

		for (i = 0; i < __BPFEXT_LWT_STAT_MAX; i++)
			sum[i] += READ_ONCE(s->cnt[i]);
	}
}

static int lwt_bpf_fill_stats(struct sk_buff *skb, const struct lwt_bpf_prog *lp)
{
	u64 sum[__BPFEXT_LWT_STAT_MAX];
	struct nlattr *nest;
	int i;

	lwt_bpf_stats_sum(lp, sum);
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
			     const struct lwt_bpf_prog *lp)
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
	    lwt_bpf_fill_stats(skb, lp))
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
	    nla_put_u32(skb, BPFEXT_LWT_A_TABLE, key->table))
		return -EMSGSIZE;
	if (key->table &&
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
	    lwt_bpf_fill_hook(skb, LWT_BPF_IN, &route->in) ||
	    lwt_bpf_fill_hook(skb, LWT_BPF_OUT, &route->out) ||
	    lwt_bpf_fill_hook(skb, LWT_BPF_XMIT, &route->xmit)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* cb->args[0]: the id of the last route sent. */
static int lwt_bpf_genl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct lwt_bpf_route *route;
	u32 last = cb->args[0];

	spin_lock_bh(&lwt_bpf_routes_lock);
	list_for_each_entry(route, &lwt_bpf_routes, node) {
		/*
		 * Ids only grow along the list. The route's net is only
		 * compared, never dereferenced.
		 */
		if (route->id <= last || !net_eq(read_pnet(&route->net), net))
			continue;
		if (lwt_bpf_fill_route(skb, cb, route))
			break;
		last = route->id;
	}
	spin_unlock_bh(&lwt_bpf_routes_lock);

	cb->args[0] = last;
	return skb->len;
}

static const struct genl_small_ops lwt_bpf_genl_ops[] = {
	{
		.cmd		= BPFEXT_LWT_CMD_GET_ROUTE,
		.dumpit		= lwt_bpf_genl_dump,
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
