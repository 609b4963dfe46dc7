// SPDX-License-Identifier: GPL-2.0
/*
 * The in, out and xmit hooks of an "encap bpf" route, with the return code
 * semantics of Linux 6.1's net/core/lwt_bpf.c.
 */

#include <linux/error-injection.h>
#include <linux/filter.h>
#include <linux/skbuff.h>
#include <net/dst.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6_stubs.h>
#include <net/l3mdev.h>
#include <net/lwtunnel.h>
#include <net/route.h>
#include <net/sch_generic.h>

#include "lwt_bpf.h"

/* Counts what skb_do_redirect() dropped for a reason the program can fix. */
static void lwt_bpf_count_redirect(struct lwt_bpf_stats __percpu *stats,
				   int err)
{
	if (err == -ERANGE)
		lwt_bpf_count(stats, BPFEXT_LWT_STAT_DROP_L2_NO_HDR);
	else if (err == -EINVAL)
		lwt_bpf_count(stats, BPFEXT_LWT_STAT_DROP_NO_DEV);
}

/*
 * Runs @lp on @skb. Returns BPF_OK, BPF_LWT_REROUTE or BPF_REDIRECT (the
 * skb was handed to skb_do_redirect()), or a negative errno after freeing
 * the skb. Only xmit may redirect; in and out get BPF_REDIRECT turned into
 * BPF_OK, as upstream does.
 */
static int lwt_bpf_run(struct sk_buff *skb, struct lwt_bpf_prog *lp,
		       struct lwt_bpf_stats __percpu *stats, bool can_redirect)
{
	int ret;

	/*
	 * bpf_redirect() leaves its target in the per-CPU bpf_redirect_info
	 * that skb_do_redirect() reads: stay on this CPU, with BH off, from
	 * the program to the redirect.
	 */
	migrate_disable();
	local_bh_disable();
	bpf_compute_data_pointers(skb);
	ret = bpf_prog_run_save_cb(lp->prog, skb);
	lwt_bpf_count(stats, BPFEXT_LWT_STAT_RUNS);

	switch (ret) {
	case BPF_OK:
		lwt_bpf_count(stats, BPFEXT_LWT_STAT_OK);
		break;
	case BPF_LWT_REROUTE:
		lwt_bpf_count(stats, BPFEXT_LWT_STAT_REROUTE);
		break;
	case BPF_REDIRECT:
		if (unlikely(!can_redirect)) {
			pr_warn_once("Illegal redirect return code in prog %s\n",
				     lp->name ? : "<unknown>");
			lwt_bpf_count(stats, BPFEXT_LWT_STAT_BAD_REDIRECT);
			ret = BPF_OK;
			break;
		}
		lwt_bpf_count(stats, BPFEXT_LWT_STAT_REDIRECT);
		skb_reset_mac_header(skb);
		lwt_bpf_count_redirect(stats, bpfext_skb_do_redirect(skb));
		break;
	case BPF_DROP:
		lwt_bpf_count(stats, BPFEXT_LWT_STAT_DROP);
		kfree_skb(skb);
		ret = -EPERM;
		break;
	default:
		pr_warn_once("bpf-lwt: Illegal return value %u, expect packet loss\n",
			     ret);
		lwt_bpf_count(stats, BPFEXT_LWT_STAT_BAD_RET);
		kfree_skb(skb);
		ret = -EINVAL;
		break;
	}

	local_bh_enable();
	migrate_enable();
	return ret;
}

static int lwt_bpf_input_reroute(struct sk_buff *skb,
				 struct lwt_bpf_stats __percpu *stats)
{
	int err;

	if (skb->protocol == htons(ETH_P_IP)) {
		struct net_device *dev = skb_dst(skb)->dev;
		const struct iphdr *iph = ip_hdr(skb);

		/* Dropping the dst may drop the last reference to dev. */
		dev_hold(dev);
		skb_dst_drop(skb);
		err = ip_route_input_noref(skb, iph->daddr, iph->saddr,
					   iph->tos, dev);
		dev_put(dev);
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		skb_dst_drop(skb);
		err = ipv6_stub->ipv6_route_input(skb);
	} else {
		err = -EAFNOSUPPORT;
	}

	if (err) {
		lwt_bpf_count(stats, BPFEXT_LWT_STAT_DROP_REROUTE);
		kfree_skb(skb);
		return err;
	}
	return dst_input(skb);
}

int lwt_bpf_input(struct sk_buff *skb)
{
	/*
	 * Keep the dst from before the program: a helper may replace the
	 * skb's dst, but the original route's input continues the packet.
	 */
	struct dst_entry *dst = skb_dst(skb);
	struct lwt_bpf_route *route = lwt_bpf_route(dst->lwtstate);
	struct lwt_bpf_stats __percpu *stats;
	int ret;

	if (lwt_bpf_foreign(dst->lwtstate))
		return lwt_bpf_encap.builtin->input(skb);

	if (route->in.prog) {
		stats = lwt_bpf_hook_stats(route, LWT_BPF_HOOK_IN);
		ret = lwt_bpf_run(skb, &route->in, stats, false);
		if (ret < 0)
			return ret;
		if (ret == BPF_LWT_REROUTE)
			return lwt_bpf_input_reroute(skb, stats);
	}

	if (unlikely(!dst->lwtstate->orig_input)) {
		kfree_skb(skb);
		return -EINVAL;
	}
	return dst->lwtstate->orig_input(skb);
}

int lwt_bpf_output(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	struct dst_entry *dst = skb_dst(skb);
	struct lwt_bpf_route *route = lwt_bpf_route(dst->lwtstate);
	int ret;

	if (lwt_bpf_foreign(dst->lwtstate))
		return lwt_bpf_encap.builtin->output(net, sk, skb);

	/* Upstream continues on BPF_LWT_REROUTE from out as if BPF_OK. */
	if (route->out.prog) {
		ret = lwt_bpf_run(skb, &route->out,
				  lwt_bpf_hook_stats(route, LWT_BPF_HOOK_OUT),
				  false);
		if (ret < 0)
			return ret;
	}

	if (unlikely(!dst->lwtstate->orig_output)) {
		pr_warn_once("orig_output not set on dst for prog %s\n",
			     route->out.name);
		kfree_skb(skb);
		return -EINVAL;
	}
	return dst->lwtstate->orig_output(net, sk, skb);
}

/*
 * Not inlined, and open to fail_function, so that tests can make it fail
 * as if memory were short (tests/lwt_bpf/counters.sh, DEBUG=1).
 */
static noinline int lwt_bpf_ensure_headroom(struct sk_buff *skb, int needed)
{
	int missing = needed - skb_headroom(skb);

	if (missing > 0 && pskb_expand_head(skb, missing, 0, GFP_ATOMIC))
		return -ENOMEM;
	return 0;
}

ALLOW_ERROR_INJECTION(lwt_bpf_ensure_headroom, ERRNO);

static struct dst_entry *lwt_bpf_reroute_v4(struct sk_buff *skb,
					    struct net *net, struct sock *sk,
					    int oif)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct flowi4 fl4 = {
		.flowi4_oif = oif,
		.flowi4_mark = skb->mark,
		.flowi4_uid = sock_net_uid(net, sk),
		.flowi4_tos = RT_TOS(iph->tos),
		.flowi4_flags = FLOWI_FLAG_ANYSRC,
		.flowi4_proto = iph->protocol,
		.daddr = iph->daddr,
		.saddr = iph->saddr,
	};
	struct rtable *rt = ip_route_output_key(net, &fl4);

	return IS_ERR(rt) ? ERR_CAST(rt) : &rt->dst;
}

static struct dst_entry *lwt_bpf_reroute_v6(struct sk_buff *skb,
					    struct net *net, struct sock *sk,
					    int oif)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.flowi6_oif = oif,
		.flowi6_mark = skb->mark,
		.flowi6_uid = sock_net_uid(net, sk),
		.flowlabel = ip6_flowinfo(ip6h),
		.flowi6_proto = ip6h->nexthdr,
		.daddr = ip6h->daddr,
		.saddr = ip6h->saddr,
	};

	/* The original socket, not the full one, as upstream passes it. */
	return ipv6_stub->ipv6_dst_lookup_flow(net, skb->sk, &fl6, NULL);
}

/*
 * The program changed the packet (typically bpf_lwt_push_encap()) and asks
 * for a new route lookup on its new destination. Consumes the skb.
 */
static int lwt_bpf_xmit_reroute(struct sk_buff *skb,
				struct lwt_bpf_stats __percpu *stats)
{
	struct net_device *l3mdev = l3mdev_master_dev_rcu(skb_dst(skb)->dev);
	int oif = l3mdev ? l3mdev->ifindex : 0;
	struct dst_entry *dst;
	struct sock *sk;
	struct net *net;
	int err;

	sk = sk_to_full_sk(skb->sk);
	if (sk) {
		if (sk->sk_bound_dev_if)
			oif = sk->sk_bound_dev_if;
		net = sock_net(sk);
	} else {
		net = dev_net(skb_dst(skb)->dev);
	}

	if (skb->protocol == htons(ETH_P_IP)) {
		dst = lwt_bpf_reroute_v4(skb, net, sk, oif);
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		dst = lwt_bpf_reroute_v6(skb, net, sk, oif);
	} else {
		err = -EAFNOSUPPORT;
		goto drop;
	}
	if (IS_ERR(dst)) {
		err = PTR_ERR(dst);
		goto drop;
	}
	if (unlikely(dst->error)) {
		err = dst->error;
		goto release;
	}

	/*
	 * The encap reserved headroom for the old route's device; the new
	 * one may need more.
	 */
	err = skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev));
	if (unlikely(err))
		goto release;

	skb_dst_drop(skb);
	skb_dst_set(skb, dst);

	err = dst_output(dev_net(dst->dev), skb->sk, skb);
	if (unlikely(err))
		return net_xmit_errno(err);

	/* ip(6)_finish_output2() stop here: the skb went out another way. */
	return LWTUNNEL_XMIT_DONE;

release:
	dst_release(dst);
drop:
	lwt_bpf_count(stats, BPFEXT_LWT_STAT_DROP_REROUTE);
	kfree_skb(skb);
	return err;
}

int lwt_bpf_xmit(struct sk_buff *skb)
{
	struct dst_entry *dst = skb_dst(skb);
	struct lwt_bpf_route *route = lwt_bpf_route(dst->lwtstate);
	/* Sampled before the program: what the L2 header will need. */
	int hroom = LL_RESERVED_SPACE(dst->dev);
	struct lwt_bpf_stats __percpu *stats;
	__be16 proto = skb->protocol;
	int ret;

	if (lwt_bpf_foreign(dst->lwtstate))
		return lwt_bpf_encap.builtin->xmit(skb);

	if (!route->xmit.prog)
		return LWTUNNEL_XMIT_CONTINUE;

	stats = lwt_bpf_hook_stats(route, LWT_BPF_HOOK_XMIT);
	ret = lwt_bpf_run(skb, &route->xmit, stats, true);
	switch (ret) {
	case BPF_OK:
		/*
		 * A new network protocol needs a new route: the program
		 * should have returned BPF_LWT_REROUTE.
		 */
		if (skb->protocol != proto) {
			lwt_bpf_count(stats, BPFEXT_LWT_STAT_DROP_PROTO);
			kfree_skb(skb);
			return -EINVAL;
		}
		/*
		 * The program may have pushed headers into the room the
		 * neighbour layer reserved; neigh_hh_output() copies in
		 * HH_DATA_MOD chunks, so restore the full reservation.
		 */
		ret = lwt_bpf_ensure_headroom(skb, hroom);
		if (unlikely(ret)) {
			/* 6.1 leaks the skb here; later kernels free it. */
			lwt_bpf_count(stats, BPFEXT_LWT_STAT_DROP_HEADROOM);
			kfree_skb(skb);
			return ret;
		}
		return LWTUNNEL_XMIT_CONTINUE;
	case BPF_REDIRECT:
		return LWTUNNEL_XMIT_DONE;
	case BPF_LWT_REROUTE:
		return lwt_bpf_xmit_reroute(skb, stats);
	default:
		return ret;
	}
}
