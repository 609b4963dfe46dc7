// SPDX-License-Identifier: GPL-2.0
/*
 * The End.BPF behaviour (RFC 8986's End, with a program between taking
 * the next segment and forwarding): the input of a seg6local route whose
 * action is SEG6_LOCAL_ACTION_END_BPF.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/filter.h>
#include <net/dst.h>
#include <net/ipv6.h>
#include <net/seg6.h>
#include <net/seg6_hmac.h>

#include "seg6local_bpf.h"

DEFINE_PER_CPU(struct seg6_bpf_srh_state, seg6local_bpf_srh);

/*
 * Whether the SRH the program left is one to forward. A program that
 * changed the TLV area (store_bytes inside it, adjust_srh) made it
 * unchecked; the length must then be whole 8-octet units, and it is
 * written back before the whole header is validated again.
 * Context: preemption off, in End.BPF.
 */
bool seg6local_bpf_srh_valid(void)
{
	struct seg6_bpf_srh_state *state = this_cpu_ptr(&seg6local_bpf_srh);
	struct ipv6_sr_hdr *srh = state->srh;

	if (unlikely(!srh))
		return false;

	if (unlikely(!state->valid)) {
		if (state->hdrlen & 7)
			return false;
		srh->hdrlen = (u8)(state->hdrlen >> 3);
		if (!seg6_validate_srh(srh, (srh->hdrlen + 1) << 3, true))
			return false;
		state->valid = true;
	}
	return true;
}

/* An SRH with segments left, and its HMAC if the kernel checks them. */
static struct ipv6_sr_hdr *seg6local_bpf_get_srh(struct sk_buff *skb)
{
	struct ipv6_sr_hdr *srh;

	srh = seg6_get_srh(skb, IP6_FH_F_SKIP_RH);
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

/*
 * As Linux 6.1: the program runs with the next segment already the
 * destination. BPF_OK forwards by a lookup of it; BPF_REDIRECT forwards
 * along the dst the program's bpf_lwt_seg6_action() set.
 */
int seg6local_bpf_input(struct sk_buff *skb, struct bpfext_seg6_bpf *bpf)
{
	struct seg6_bpf_srh_state *state;
	struct ipv6_sr_hdr *srh;
	int ret;

	srh = seg6local_bpf_get_srh(skb);
	if (!srh) {
		kfree_skb(skb);
		return -EINVAL;
	}
	seg6local_bpf_advance(srh, &ipv6_hdr(skb)->daddr);

	/* The helpers share the per-CPU state until it has been checked. */
	preempt_disable();
	state = this_cpu_ptr(&seg6local_bpf_srh);
	state->srh = srh;
	state->hdrlen = srh->hdrlen << 3;
	state->valid = true;

	rcu_read_lock();
	bpf_compute_data_pointers(skb);
	ret = bpf_prog_run_save_cb(bpf->prog, skb);
	rcu_read_unlock();

	switch (ret) {
	case BPF_OK:
	case BPF_REDIRECT:
		break;
	case BPF_DROP:
		goto drop;
	default:
		pr_warn_once("bpf-seg6local: Illegal return value %u\n", ret);
		goto drop;
	}

	/* A helper that lost the SRH (End.DT6 decap) leaves NULL: no check. */
	if (state->srh && !seg6local_bpf_srh_valid())
		goto drop;

	preempt_enable();
	if (ret != BPF_REDIRECT)
		seg6_lookup_nexthop(skb, NULL, 0);
	return dst_input(skb);

drop:
	preempt_enable();
	kfree_skb(skb);
	return -EINVAL;
}
