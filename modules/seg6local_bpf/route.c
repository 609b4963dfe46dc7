// SPDX-License-Identifier: GPL-2.0
/*
 * What seg6local_bpf.ko keeps per End.BPF route: its counters, and what
 * the route said about itself, so the counters can be told apart.
 *
 * Built-in seg6local owns the route state and its BPF attribute (program
 * and name); a record hangs off it (@slot) from End.BPF's build_state
 * until its destroy_state, or until the module hands the state back to a
 * built-in End.BPF. Every record is in seg6local_bpf_routes under an id
 * of its own; the xarray's lock covers the entry and the slot. States are
 * destroyed from RCU callbacks, so the lock is taken with BH off. Records
 * are freed a grace period after they leave the state: the datapath reads
 * them under RCU.
 */

#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include <net/ip6_fib.h>

#include "seg6local_bpf.h"

DEFINE_XARRAY_FLAGS(seg6local_bpf_routes, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
static u32 seg6local_bpf_next_id;

/*
 * A route's config comes from RTM_NEWROUTE or RTM_DELROUTE; a nexthop
 * object's from RTM_NEWNEXTHOP, and it names no destination.
 */
static void seg6local_bpf_route_key(struct seg6local_bpf_route *route,
				    const struct fib6_config *cfg)
{
	if (!cfg)
		return;
	route->has_dst = cfg->fc_nlinfo.nlh &&
			 cfg->fc_nlinfo.nlh->nlmsg_type != RTM_NEWNEXTHOP;
	route->table = cfg->fc_table ? : RT6_TABLE_MAIN;
	route->oif = cfg->fc_ifindex;
	route->dst_len = cfg->fc_dst_len;
	route->dst = cfg->fc_dst;
	if (cfg->fc_nlinfo.nl_net)
		route->net_cookie = cfg->fc_nlinfo.nl_net->net_cookie;
}

/**
 * seg6local_bpf_route_add - give an End.BPF state being built a record
 * @prog: the state's program
 * @name: its name, as the route gave it
 * @cfg: the struct fib6_config the state is built for
 * @slot: where the state keeps the record
 *
 * Context: building the state, under RTNL; nobody else sees it yet.
 * Return: 0 or a negative errno.
 */
int seg6local_bpf_route_add(struct bpf_prog *prog, const char *name,
			    const void *cfg, void **slot)
{
	struct seg6local_bpf_route *route;
	int err;

	route = kzalloc(sizeof(*route), GFP_KERNEL_ACCOUNT);
	if (!route)
		return -ENOMEM;
	route->stats = alloc_percpu_gfp(struct seg6local_bpf_stats,
					GFP_KERNEL_ACCOUNT);
	if (!route->stats) {
		kfree(route);
		return -ENOMEM;
	}
	route->prog = prog;
	route->name = name;
	route->slot = slot;
	seg6local_bpf_route_key(route, cfg);

	err = xa_alloc_cyclic_bh(&seg6local_bpf_routes, &route->id, route,
				 xa_limit_32b, &seg6local_bpf_next_id,
				 GFP_KERNEL);
	if (err < 0) {
		free_percpu(route->stats);
		kfree(route);
		return err;
	}
	/* The datapath finds it once the state is published. */
	*slot = route;
	return 0;
}

static void seg6local_bpf_route_free_rcu(struct rcu_head *head)
{
	struct seg6local_bpf_route *route;

	route = container_of(head, struct seg6local_bpf_route, rcu);
	free_percpu(route->stats);
	kfree(route);
}

/* Unlinks @route from its state and the xarray; under the xarray's lock. */
static void seg6local_bpf_route_unlink(struct seg6local_bpf_route *route)
{
	__xa_erase(&seg6local_bpf_routes, route->id);
	/* The datapath reads the slot without the lock. */
	WRITE_ONCE(*route->slot, NULL);
	call_rcu(&route->rcu, seg6local_bpf_route_free_rcu);
}

/**
 * seg6local_bpf_route_del - forget the record of a state being destroyed
 * @slot: where the state keeps it; NULL in it if the module has none
 */
void seg6local_bpf_route_del(void **slot)
{
	struct seg6local_bpf_route *route;

	xa_lock_bh(&seg6local_bpf_routes);
	route = *slot;
	if (route)
		seg6local_bpf_route_unlink(route);
	xa_unlock_bh(&seg6local_bpf_routes);
}

/*
 * Before a built-in End.BPF gets the states back: each becomes a plain
 * 6.1 state. A CPU still counting for one holds the RCU read lock, which
 * the records' free waits for.
 *
 * Context: RTNL held (no state is being built); our destroy_state still in
 * place (a state freed meanwhile comes to seg6local_bpf_route_del()).
 */
void seg6local_bpf_route_handover(void)
{
	struct seg6local_bpf_route *route;
	unsigned long id;

	ASSERT_RTNL();
	xa_lock_bh(&seg6local_bpf_routes);
	xa_for_each(&seg6local_bpf_routes, id, route)
		seg6local_bpf_route_unlink(route);
	xa_unlock_bh(&seg6local_bpf_routes);
}
