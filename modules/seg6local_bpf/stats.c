// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family that dumps End.BPF routes' counters
 * (uapi/linux/bpfext_seg6local.h). A dump walks the records' ids in
 * order and resumes after the last one it sent; the xarray's lock keeps
 * each record, and the state's program and name, until it is done.
 */

#include <net/genetlink.h>

#include "seg6local_bpf.h"

static void seg6local_bpf_stats_sum(const struct seg6local_bpf_route *route,
				    u64 *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(u64) * __BPFEXT_SEG6_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct seg6local_bpf_stats *s;

		s = per_cpu_ptr(route->stats, cpu);
		for (i = 0; i < __BPFEXT_SEG6_STAT_MAX; i++)
			sum[i] += READ_ONCE(s->cnt[i]);
	}
}

static int seg6local_bpf_fill_stats(struct sk_buff *skb,
				    const struct seg6local_bpf_route *route)
{
	u64 sum[__BPFEXT_SEG6_STAT_MAX];
	struct nlattr *nest;
	int i;

	seg6local_bpf_stats_sum(route, sum);
	nest = nla_nest_start(skb, BPFEXT_SEG6_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = BPFEXT_SEG6_STAT_RUNS; i < __BPFEXT_SEG6_STAT_MAX; i++)
		if (nla_put_u64_64bit(skb, i, sum[i], BPFEXT_SEG6_STAT_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int seg6local_bpf_fill_key(struct sk_buff *skb,
				  const struct seg6local_bpf_route *route)
{
	if (route->has_dst &&
	    (nla_put_u32(skb, BPFEXT_SEG6_A_TABLE, route->table) ||
	     nla_put_in6_addr(skb, BPFEXT_SEG6_A_DST, &route->dst) ||
	     nla_put_u8(skb, BPFEXT_SEG6_A_DST_LEN, route->dst_len)))
		return -EMSGSIZE;
	if (route->oif && nla_put_u32(skb, BPFEXT_SEG6_A_OIF, route->oif))
		return -EMSGSIZE;
	return 0;
}

static struct genl_family seg6local_bpf_genl_family;

static int seg6local_bpf_fill_route(struct sk_buff *skb,
				    struct netlink_callback *cb,
				    const struct seg6local_bpf_route *route)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &seg6local_bpf_genl_family, NLM_F_MULTI,
			  BPFEXT_SEG6_CMD_GET_ROUTE);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(skb, BPFEXT_SEG6_A_ID, route->id) ||
	    seg6local_bpf_fill_key(skb, route) ||
	    nla_put_u32(skb, BPFEXT_SEG6_A_PROG_ID, route->prog->aux->id) ||
	    (route->name &&
	     nla_put_string(skb, BPFEXT_SEG6_A_PROG_NAME, route->name)) ||
	    seg6local_bpf_fill_stats(skb, route)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* cb->args[0]: the id of the last route sent. */
static int seg6local_bpf_genl_dump(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	u64 cookie = sock_net(skb->sk)->net_cookie;
	unsigned long id = cb->args[0] + 1;
	struct seg6local_bpf_route *route;

	xa_lock_bh(&seg6local_bpf_routes);
	xa_for_each_start(&seg6local_bpf_routes, id, route, id) {
		if (route->net_cookie != cookie)
			continue;
		if (seg6local_bpf_fill_route(skb, cb, route))
			break;
		cb->args[0] = id;
	}
	xa_unlock_bh(&seg6local_bpf_routes);

	return skb->len;
}

static int seg6local_bpf_genl_status(struct sk_buff *skb,
				     struct genl_info *info)
{
	u64 cookie = genl_info_net(info)->net_cookie;
	struct seg6local_bpf_route *route;
	u32 states = 0, here = 0;
	struct sk_buff *msg;
	unsigned long id;
	void *hdr;

	xa_lock_bh(&seg6local_bpf_routes);
	xa_for_each(&seg6local_bpf_routes, id, route) {
		states++;
		if (route->net_cookie == cookie)
			here++;
	}
	xa_unlock_bh(&seg6local_bpf_routes);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &seg6local_bpf_genl_family, 0,
				BPFEXT_SEG6_CMD_GET_STATUS);
	if (!hdr ||
	    nla_put_string(msg, BPFEXT_SEG6_A_VERSION, BPFEXT_VERSION) ||
	    nla_put_u8(msg, BPFEXT_SEG6_A_MODE,
		       BPFEXT_TAKEOVER ? BPFEXT_SEG6_MODE_TAKEOVER :
					 BPFEXT_SEG6_MODE_HOOKS) ||
	    nla_put_u32(msg, BPFEXT_SEG6_A_STATES, states) ||
	    nla_put_u32(msg, BPFEXT_SEG6_A_STATES_NETNS, here)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static const struct genl_small_ops seg6local_bpf_genl_ops[] = {
	{
		.cmd		= BPFEXT_SEG6_CMD_GET_ROUTE,
		.dumpit		= seg6local_bpf_genl_dump,
	},
	{
		.cmd		= BPFEXT_SEG6_CMD_GET_STATUS,
		.doit		= seg6local_bpf_genl_status,
	},
};

/*
 * Strict from the first command, and readable unprivileged, as the
 * routes themselves are.
 */
static struct genl_family seg6local_bpf_genl_family = {
	.name		= BPFEXT_SEG6_GENL_NAME,
	.version	= BPFEXT_SEG6_GENL_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= seg6local_bpf_genl_ops,
	.n_small_ops	= ARRAY_SIZE(seg6local_bpf_genl_ops),
	.resv_start_op	= BPFEXT_SEG6_CMD_GET_ROUTE,
};

/* Takes genetlink's lock: never under RTNL (see main.c). */
int seg6local_bpf_stats_init(void)
{
	return genl_register_family(&seg6local_bpf_genl_family);
}

void seg6local_bpf_stats_exit(void)
{
	genl_unregister_family(&seg6local_bpf_genl_family);
	/* Records of the last routes may still wait for their grace period. */
	rcu_barrier();
}
