// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink side of LWTUNNEL_ENCAP_BPF: building a route's state from
 * RTA_ENCAP, dumping it back, comparing and freeing it. Attributes, errnos
 * and dump layout are those of Linux 6.1.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/ip6_fib.h>
#include <net/ip_fib.h>
#include <net/ipv6.h>
#include <net/lwtunnel.h>
#include <net/netlink.h>

#include "lwt_bpf.h"

static const struct nla_policy lwt_bpf_prog_policy[LWT_BPF_PROG_MAX + 1] = {
	[LWT_BPF_PROG_FD]	= { .type = NLA_U32, },
	[LWT_BPF_PROG_NAME]	= { .type = NLA_NUL_STRING,
				    .len = LWT_BPF_MAX_PROG_NAME },
};

static const struct nla_policy lwt_bpf_policy[LWT_BPF_MAX + 1] = {
	[LWT_BPF_IN]		= { .type = NLA_NESTED, },
	[LWT_BPF_OUT]		= { .type = NLA_NESTED, },
	[LWT_BPF_XMIT]		= { .type = NLA_NESTED, },
	[LWT_BPF_XMIT_HEADROOM]	= { .type = NLA_U32 },
};

static void lwt_bpf_prog_destroy(struct lwt_bpf_prog *lp)
{
	if (lp->prog)
		bpf_prog_put(lp->prog);
	kfree(lp->name);
}

/*
 * On the hooks kernel an "in" program's bpf_lwt_push_encap() with
 * BPF_LWT_ENCAP_SEG6(_INLINE) is served by seg6local_bpf.ko through the
 * seg6local site. Pin it for the route's life, so that rmmod of that
 * module is refused while a program that may call it is on a route, as
 * rmmod of this one is. A kernel where it cannot be loaded still gets the
 * route: the helper then answers -EINVAL, as 6.1 without IPV6_SEG6_BPF.
 * On a takeover kernel the SRv6 encaps stay built in.
 */
static void lwt_bpf_seg6_pin(struct lwt_bpf_route *route)
{
#if !BPFEXT_TAKEOVER
	if (!bpfext_site_request(BPFEXT_SITE_SEG6LOCAL))
		route->seg6_site = bpfext_site_get(BPFEXT_SITE_SEG6LOCAL);
#endif
}

static void lwt_bpf_seg6_unpin(struct lwt_bpf_route *route)
{
#if !BPFEXT_TAKEOVER
	bpfext_site_put(BPFEXT_SITE_SEG6LOCAL, route->seg6_site);
	route->seg6_site = NULL;
#endif
}

static void lwt_bpf_destroy_progs(struct lwt_bpf_route *route)
{
	lwt_bpf_prog_destroy(&route->in);
	lwt_bpf_prog_destroy(&route->out);
	lwt_bpf_prog_destroy(&route->xmit);
}

/*
 * Ours or the built-in's: the prefix both share is freed as 6.1's
 * bpf_destroy_state() frees it; the counters go with the registration.
 */
static void lwt_bpf_destroy_state(struct lwtunnel_state *lwt)
{
	lwt_bpf_stats_del(lwt);
	lwt_bpf_destroy_progs(lwt_bpf_route(lwt));
	lwt_bpf_seg6_unpin(lwt_bpf_route(lwt));
}

static int lwt_bpf_parse_prog(struct nlattr *attr, struct lwt_bpf_prog *lp,
			      enum bpf_prog_type type)
{
	struct nlattr *tb[LWT_BPF_PROG_MAX + 1];
	struct bpf_prog *prog;
	int err;

	/* Not strict: 6.1 accepts trailing and unknown attributes here. */
	err = nla_parse_nested_deprecated(tb, LWT_BPF_PROG_MAX, attr,
					  lwt_bpf_prog_policy, NULL);
	if (err < 0)
		return err;

	if (!tb[LWT_BPF_PROG_FD] || !tb[LWT_BPF_PROG_NAME])
		return -EINVAL;

	/* Same allocation context as lwtunnel_state_alloc(). */
	lp->name = nla_memdup(tb[LWT_BPF_PROG_NAME], GFP_ATOMIC);
	if (!lp->name)
		return -ENOMEM;

	prog = bpf_prog_get_type(nla_get_u32(tb[LWT_BPF_PROG_FD]), type);
	if (IS_ERR(prog))
		return PTR_ERR(prog);
	lp->prog = prog;
	return 0;
}

static int lwt_bpf_parse_hook(struct nlattr **tb, int attr,
			      struct lwtunnel_state *lwt,
			      struct lwt_bpf_prog *lp, unsigned int flag,
			      enum bpf_prog_type type)
{
	if (!tb[attr])
		return 0;
	lwt->flags |= flag;
	return lwt_bpf_parse_prog(tb[attr], lp, type);
}

/*
 * A route's config comes from RTM_NEWROUTE or RTM_DELROUTE; a nexthop's
 * from RTM_NEWNEXTHOP or, for an IPv4 multipath leg, from no message.
 */
static bool lwt_bpf_cfg_has_dst(const struct nl_info *info)
{
	return info->nlh && info->nlh->nlmsg_type != RTM_NEWNEXTHOP;
}

/* @cfg is a struct fib_config for AF_INET, a struct fib6_config for AF_INET6. */
static void lwt_bpf_route_key(struct lwt_bpf_route_key *key,
			      unsigned int family, const void *cfg)
{
	if (!cfg)
		return;

	if (family == AF_INET) {
		const struct fib_config *fc = cfg;

		key->has_dst = lwt_bpf_cfg_has_dst(&fc->fc_nlinfo);
		key->table = fc->fc_table;
		key->oif = fc->fc_oif;
		key->dst_len = fc->fc_dst_len;
		key->dst.s6_addr32[0] = fc->fc_dst;
		key->gw_family = fc->fc_gw_family;
		if (fc->fc_gw_family == AF_INET)
			key->gw.s6_addr32[0] = fc->fc_gw4;
		else if (fc->fc_gw_family == AF_INET6)
			key->gw = fc->fc_gw6;
	} else {
		const struct fib6_config *fc = cfg;

		key->has_dst = lwt_bpf_cfg_has_dst(&fc->fc_nlinfo);
		/* Unlike IPv4's, IPv6's config leaves "main" as 0. */
		key->table = fc->fc_table ? : RT6_TABLE_MAIN;
		key->oif = fc->fc_ifindex;
		key->dst_len = fc->fc_dst_len;
		key->dst = fc->fc_dst;
		if (!ipv6_addr_any(&fc->fc_gateway)) {
			key->gw_family = AF_INET6;
			key->gw = fc->fc_gateway;
		}
	}
}

static int lwt_bpf_build_state(struct net *net, struct nlattr *nla,
			       unsigned int family, const void *cfg,
			       struct lwtunnel_state **ts,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[LWT_BPF_MAX + 1];
	struct lwtunnel_state *lwt;
	struct lwt_bpf_route *route;
	int err;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;

	err = nla_parse_nested_deprecated(tb, LWT_BPF_MAX, nla, lwt_bpf_policy,
					  extack);
	if (err < 0)
		return err;

	if (!tb[LWT_BPF_IN] && !tb[LWT_BPF_OUT] && !tb[LWT_BPF_XMIT])
		return -EINVAL;

	lwt = lwtunnel_state_alloc(sizeof(*route));
	if (!lwt)
		return -ENOMEM;
	lwt->type = LWTUNNEL_ENCAP_BPF;
	route = lwt_bpf_route(lwt);
	route->family = family;
	route->net_cookie = net->net_cookie;
	lwt_bpf_route_key(&route->key, family, cfg);

	route->counters = lwt_bpf_counters_alloc();
	if (!route->counters) {
		kfree(lwt);
		return -ENOMEM;
	}
	err = lwt_bpf_parse_hook(tb, LWT_BPF_IN, lwt, &route->in,
				 LWTUNNEL_STATE_INPUT_REDIRECT,
				 BPF_PROG_TYPE_LWT_IN);
	if (err < 0)
		goto err_free;
	if (route->in.prog)
		lwt_bpf_seg6_pin(route);
	err = lwt_bpf_parse_hook(tb, LWT_BPF_OUT, lwt, &route->out,
				 LWTUNNEL_STATE_OUTPUT_REDIRECT,
				 BPF_PROG_TYPE_LWT_OUT);
	if (err < 0)
		goto err_free;
	err = lwt_bpf_parse_hook(tb, LWT_BPF_XMIT, lwt, &route->xmit,
				 LWTUNNEL_STATE_XMIT_REDIRECT,
				 BPF_PROG_TYPE_LWT_XMIT);
	if (err < 0)
		goto err_free;

	if (tb[LWT_BPF_XMIT_HEADROOM]) {
		u32 headroom = nla_get_u32(tb[LWT_BPF_XMIT_HEADROOM]);

		if (headroom > LWT_BPF_MAX_HEADROOM) {
			err = -ERANGE;
			goto err_free;
		}
		/* Only lowers the route MTU, as upstream. */
		lwt->headroom = headroom;
	}

	err = lwt_bpf_stats_add(lwt);
	if (err < 0)
		goto err_free;

	*ts = lwt;
	return 0;

err_free:
	lwt_bpf_destroy_progs(route);
	lwt_bpf_seg6_unpin(route);
	lwt_bpf_counters_free(route->counters);
	kfree(lwt);
	return err;
}

static int lwt_bpf_fill_prog(struct sk_buff *skb, int attr,
			     const struct lwt_bpf_prog *lp)
{
	struct nlattr *nest;

	if (!lp->prog)
		return 0;

	nest = nla_nest_start_noflag(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	if (lp->name && nla_put_string(skb, LWT_BPF_PROG_NAME, lp->name))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Only the program names, as upstream: no fd, id or headroom. */
static int lwt_bpf_fill_encap(struct sk_buff *skb, struct lwtunnel_state *lwt)
{
	const struct lwt_bpf_route *route = lwt_bpf_route(lwt);

	if (lwt_bpf_fill_prog(skb, LWT_BPF_IN, &route->in) ||
	    lwt_bpf_fill_prog(skb, LWT_BPF_OUT, &route->out) ||
	    lwt_bpf_fill_prog(skb, LWT_BPF_XMIT, &route->xmit))
		return -EMSGSIZE;
	return 0;
}

static int lwt_bpf_encap_nlsize(struct lwtunnel_state *lwt)
{
	int prog_size = nla_total_size(sizeof(struct nlattr)) +
			nla_total_size(LWT_BPF_MAX_PROG_NAME);

	return 3 * prog_size;	/* in, out, xmit */
}

/*
 * A delete request builds a new state with new program instances, so
 * programs compare by name, as upstream.
 */
static int lwt_bpf_prog_cmp(const struct lwt_bpf_prog *a,
			    const struct lwt_bpf_prog *b)
{
	if (!a->name || !b->name)
		return a->name != b->name;
	return strcmp(a->name, b->name);
}

static int lwt_bpf_encap_cmp(struct lwtunnel_state *a, struct lwtunnel_state *b)
{
	const struct lwt_bpf_route *ra = lwt_bpf_route(a);
	const struct lwt_bpf_route *rb = lwt_bpf_route(b);

	return lwt_bpf_prog_cmp(&ra->in, &rb->in) ||
	       lwt_bpf_prog_cmp(&ra->out, &rb->out) ||
	       lwt_bpf_prog_cmp(&ra->xmit, &rb->xmit);
}

/* Routes pin the module: see main.c. */
const struct lwtunnel_encap_ops lwt_bpf_encap_ops = {
	.build_state	= lwt_bpf_build_state,
	.destroy_state	= lwt_bpf_destroy_state,
	.input		= lwt_bpf_input,
	.output		= lwt_bpf_output,
	.xmit		= lwt_bpf_xmit,
	.fill_encap	= lwt_bpf_fill_encap,
	.get_encap_size	= lwt_bpf_encap_nlsize,
	.cmp_encap	= lwt_bpf_encap_cmp,
	.owner		= THIS_MODULE,
};

/*
 * The same, with no owner, for taking over a built-in implementation:
 * unloading hands every state back to it, so no state pins the module.
 * Filled in at load.
 */
struct lwtunnel_encap_ops lwt_bpf_takeover_ops __ro_after_init;

#if BPFEXT_TAKEOVER
static bool lwt_bpf_builtin_has(const void *fn, const char *name)
{
	if (bpfext_symbol_is(fn, name))
		return true;
	pr_err("built-in encap bpf is not Linux 6.1's (%ps where %s was expected): not taking it over\n",
	       fn, name);
	return false;
}

/*
 * Before serving, freeing and handing back a built-in's states, make sure
 * it is the one whose state layout lwt_bpf_route copies: Linux 6.1's
 * net/core/lwt_bpf.c, every callback where 6.1 put it.
 */
int lwt_bpf_check_builtin(const struct lwtunnel_encap_ops *b)
{
	if (b->owner) {
		pr_err("encap bpf is served by module %s, not built-in code: not taking it over\n",
		       module_name(b->owner));
		return -EBUSY;
	}
	if (!lwt_bpf_builtin_has(b->build_state, "bpf_build_state") ||
	    !lwt_bpf_builtin_has(b->destroy_state, "bpf_destroy_state") ||
	    !lwt_bpf_builtin_has(b->input, "bpf_input") ||
	    !lwt_bpf_builtin_has(b->output, "bpf_output") ||
	    !lwt_bpf_builtin_has(b->xmit, "bpf_xmit") ||
	    !lwt_bpf_builtin_has(b->fill_encap, "bpf_fill_encap_info") ||
	    !lwt_bpf_builtin_has(b->get_encap_size, "bpf_encap_nlsize") ||
	    !lwt_bpf_builtin_has(b->cmp_encap, "bpf_encap_cmp"))
		return -EOPNOTSUPP;
	return 0;
}
#endif
