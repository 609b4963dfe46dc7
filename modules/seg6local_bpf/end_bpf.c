// SPDX-License-Identifier: GPL-2.0
/*
 * The End.BPF behaviour (RFC 8986's End, with a program between taking
 * the next segment and forwarding): the input of a seg6local route whose
 * action is SEG6_LOCAL_ACTION_END_BPF, counted per route.
 */

/* No pr_fmt: the illegal-return warning reads as Linux 6.1's. */

#include <linux/filter.h>
#include <net/dst.h>
#include <net/ipv6.h>
#include <net/seg6_hmac.h>

#include "seg6local_bpf.h"

#if !BPFEXT_TAKEOVER
static DEFINE_PER_CPU(struct seg6_bpf_srh_state, seg6local_bpf_srh);
#endif

/* Context: preemption off, from End.BPF or the program it runs. */
struct seg6_bpf_srh_state *seg6local_bpf_srh_state(void)
{
#if BPFEXT_TAKEOVER
	return this_cpu_ptr(seg6local_bpf_builtin.srh_states);
#else
	return this_cpu_ptr(&seg6local_bpf_srh);
#endif
}

/*
 * Whether the SRH the program left is one to forward. A program that
 * changed the TLV area (store_bytes inside it, adjust_srh) made it
 * unchecked; the length must then be whole 8-octet units, and it is
 * written back before the whole header is validated again.
 */
bool seg6local_bpf_srh_valid(void)
{
	struct seg6_bpf_srh_state *state = seg6local_bpf_srh_state();
	struct ipv6_sr_hdr *srh = state->srh;

	if (unlikely(!srh))
		return false;

	if (unlikely(!state->valid)) {
		if (state->hdrlen & 7)
			return false;
		srh->hdrlen = (u8)(state->hdrlen >> 3);
		if (!seg6local_bpf_validate_srh(srh, (srh->hdrlen + 1) << 3,
						true))
			return false;
		state->valid = true;
	}
	return true;
}

/* An SRH with segments left, and its HMAC if the kernel checks them. */
static struct ipv6_sr_hdr *seg6local_bpf_input_srh(struct sk_buff *skb)
{
	struct ipv6_sr_hdr *srh;

	srh = seg6local_bpf_get_srh(skb, IP6_FH_F_SKIP_RH);
	if (!srh)
		return NULL;
#ifdef CONFIG_IPV6_SEG6_HMAC
	if (!seg6_hmac_validate_skb(skb))
		return NULL;
#endif
	return srh;
}

static void seg6local_bpf_advance(struct ipv6_sr_hdr *srh,
				  struct in6_addr *daddr)
{
	srh->segments_left--;
	*daddr = srh->segments[srh->segments_left];
}

static enum bpfext_seg6_stat seg6local_bpf_verdict(u32 ret)
{
	switch (ret) {
	case BPF_OK:
		return BPFEXT_SEG6_STAT_OK;
	case BPF_REDIRECT:
		return BPFEXT_SEG6_STAT_REDIRECT;
	case BPF_DROP:
		return BPFEXT_SEG6_STAT_DROP;
	default:
		pr_warn_once("bpf-seg6local: Illegal return value %u\n", ret);
		return BPFEXT_SEG6_STAT_BAD_RET;
	}
}

/*
 * As Linux 6.1: the program runs with the next segment already the
 * destination. BPF_OK forwards by a lookup of it; BPF_REDIRECT forwards
 * along the dst the program's bpf_lwt_seg6_action() set. @route, the
 * record of the state, may be NULL (a state built before the module
 * took over a built-in End.BPF): then nothing is counted.
 */
int seg6local_bpf_run(struct sk_buff *skb, struct bpf_prog *prog,
		      struct seg6local_bpf_route *route)
{
	enum bpfext_seg6_stat verdict;
	struct seg6_bpf_srh_state *state;
	struct ipv6_sr_hdr *srh;
	u32 ret;

	srh = seg6local_bpf_input_srh(skb);
	if (!srh) {
		if (route)
			seg6local_bpf_count(route, BPFEXT_SEG6_STAT_DROP_NO_SRH);
		kfree_skb(skb);
		return -EINVAL;
	}
	seg6local_bpf_advance(srh, &ipv6_hdr(skb)->daddr);

	/* The helpers share the per-CPU state until it has been checked. */
	preempt_disable();
	state = seg6local_bpf_srh_state();
	state->srh = srh;
	state->hdrlen = srh->hdrlen << 3;
	state->valid = true;

	rcu_read_lock();
	bpf_compute_data_pointers(skb);
	ret = bpf_prog_run_save_cb(prog, skb);
	rcu_read_unlock();

	verdict = seg6local_bpf_verdict(ret);
	if (route) {
		seg6local_bpf_count(route, BPFEXT_SEG6_STAT_RUNS);
		seg6local_bpf_count(route, verdict);
	}
	if (verdict != BPFEXT_SEG6_STAT_OK &&
	    verdict != BPFEXT_SEG6_STAT_REDIRECT)
		goto drop;

	/* A helper that lost the SRH (End.DT6 decap) leaves NULL: no check. */
	if (state->srh && !seg6local_bpf_srh_valid()) {
		if (route)
			seg6local_bpf_count(route, BPFEXT_SEG6_STAT_DROP_SRH);
		goto drop;
	}
	preempt_enable();

	if (verdict == BPFEXT_SEG6_STAT_OK) {
		if (seg6local_bpf_lookup_nexthop(skb, NULL, 0) && route)
			seg6local_bpf_count(route,
					    BPFEXT_SEG6_STAT_DROP_NO_ROUTE);
	} else if (skb_dst(skb)->error && route) {
		seg6local_bpf_count(route, BPFEXT_SEG6_STAT_DROP_ACTION);
	}
	return dst_input(skb);

drop:
	preempt_enable();
	kfree_skb(skb);
	return -EINVAL;
}
