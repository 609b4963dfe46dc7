// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers of BPF_PROG_TYPE_LWT_SEG6LOCAL programs, and the SRv6
 * encaps of bpf_lwt_push_encap() on LWT in. filter.c keeps their numbers
 * and prototypes and calls these through the bpfext seg6local site, so
 * unmodified programs load; the verifier keeps packet data read-only to
 * the program, and these are the only writers of the SRH.
 *
 * They behave as Linux 6.1's, quirks included: store_bytes' TLV window
 * starts 8 bytes before the TLVs (it leaves out the fixed header), which
 * adjust_srh's does not.
 */

#include <linux/filter.h>
#include <linux/seg6_local.h>
#include <net/ip6_fib.h>
#include <net/ipv6.h>
#include <net/seg6.h>

#include "seg6local_bpf.h"

/* The SRH may have moved: data pointers are stale after a change. */
static int seg6local_bpf_find_srh(struct sk_buff *skb,
				  struct seg6_bpf_srh_state *state)
{
	int srhoff = 0;

	if (ipv6_find_hdr(skb, &srhoff, IPPROTO_ROUTING, NULL, NULL) < 0)
		return -EINVAL;
	state->srh = (struct ipv6_sr_hdr *)(skb->data + srhoff);
	return 0;
}

int seg6local_bpf_store_bytes(struct sk_buff *skb, u32 offset,
			      const void *from, u32 len)
{
	struct seg6_bpf_srh_state *state = seg6local_bpf_srh_state();
	struct ipv6_sr_hdr *srh = state->srh;
	void *tlvs, *end, *ptr;
	int err;

	if (!srh)
		return -EINVAL;

	tlvs = (char *)srh + ((srh->first_segment + 1) << 4);
	end = (char *)srh + sizeof(*srh) + state->hdrlen;
	ptr = skb->data + offset;
	if (ptr >= tlvs && ptr + len <= end)
		state->valid = false;
	else if (ptr < (void *)&srh->flags ||
		 ptr + len > (void *)&srh->segments)
		return -EFAULT;	/* only flags and tag outside the TLVs */

	err = skb_ensure_writable(skb, offset + len);
	bpf_compute_data_pointers(skb);
	if (unlikely(err))
		return -EFAULT;
	if (seg6local_bpf_find_srh(skb, state))
		return -EINVAL;

	memcpy(skb->data + offset, from, len);
	return 0;
}

/* After an action changed the headers: the SRH now on top, if any. */
static void seg6local_bpf_update_state(struct sk_buff *skb)
{
	struct seg6_bpf_srh_state *state = seg6local_bpf_srh_state();

	if (seg6local_bpf_find_srh(skb, state)) {
		state->srh = NULL;
		return;
	}
	state->hdrlen = state->srh->hdrlen << 3;
	state->valid = true;
}

static int seg6local_bpf_decap_dt6(struct sk_buff *skb, u32 table)
{
	int hdroff = 0;

	if (ipv6_find_hdr(skb, &hdroff, IPPROTO_IPV6, NULL, NULL) < 0)
		return -EBADMSG;
	if (!pskb_pull(skb, hdroff))
		return -EBADMSG;

	skb_postpull_rcsum(skb, skb_network_header(skb), hdroff);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	skb->encapsulation = 0;

	bpf_compute_data_pointers(skb);
	seg6local_bpf_update_state(skb);
	return seg6local_bpf_lookup_nexthop(skb, NULL, table);
}

static int seg6local_bpf_push_srh(struct sk_buff *skb, u32 type, void *param,
				  u32 param_len)
{
	struct seg6_bpf_srh_state *state = seg6local_bpf_srh_state();
	int err;

	if (state->srh && !seg6local_bpf_srh_valid())
		return -EBADMSG;
	err = seg6local_bpf_push_encap(skb, type, param, param_len);
	if (!err)
		seg6local_bpf_update_state(skb);
	return err;
}

int seg6local_bpf_action(struct sk_buff *skb, u32 action, void *param,
			 u32 param_len)
{
	switch (action) {
	case SEG6_LOCAL_ACTION_END_X:
		if (!seg6local_bpf_srh_valid())
			return -EBADMSG;
		if (param_len != sizeof(struct in6_addr))
			return -EINVAL;
		return seg6local_bpf_lookup_nexthop(skb, param, 0);
	case SEG6_LOCAL_ACTION_END_T:
		if (!seg6local_bpf_srh_valid())
			return -EBADMSG;
		if (param_len != sizeof(int))
			return -EINVAL;
		return seg6local_bpf_lookup_nexthop(skb, NULL, *(int *)param);
	case SEG6_LOCAL_ACTION_END_DT6:
		if (!seg6local_bpf_srh_valid())
			return -EBADMSG;
		if (param_len != sizeof(int))
			return -EINVAL;
		return seg6local_bpf_decap_dt6(skb, *(int *)param);
	case SEG6_LOCAL_ACTION_END_B6:
		return seg6local_bpf_push_srh(skb, BPF_LWT_ENCAP_SEG6_INLINE,
					      param, param_len);
	case SEG6_LOCAL_ACTION_END_B6_ENCAP:
		return seg6local_bpf_push_srh(skb, BPF_LWT_ENCAP_SEG6,
					      param, param_len);
	default:
		return -EINVAL;
	}
}

/* filter.c's bpf_skb_net_hdr_push(): @len zeroed bytes at @off. */
static int seg6local_bpf_hdr_push(struct sk_buff *skb, u32 off, u32 len)
{
	bool trans_same = skb->transport_header == skb->network_header;

	skb_push(skb, len);
	memmove(skb->data, skb->data + len, off);
	memset(skb->data + off, 0, len);
	skb->mac_header -= len;
	skb->network_header -= len;
	if (trans_same)
		skb->transport_header = skb->network_header;
	return 0;
}

/* filter.c's bpf_skb_net_hdr_pop(): @len bytes at @off gone. */
static int seg6local_bpf_hdr_pop(struct sk_buff *skb, u32 off, u32 len)
{
	bool trans_same = skb->transport_header == skb->network_header;
	void *old_data;

	if (unlikely(!pskb_may_pull(skb, off + len)))
		return -ENOMEM;
	old_data = skb->data;
	__skb_pull(skb, len);
	skb_postpull_rcsum(skb, old_data + off, len);
	memmove(skb->data, old_data, off);
	skb->mac_header += len;
	skb->network_header += len;
	if (trans_same)
		skb->transport_header = skb->network_header;
	return 0;
}

int seg6local_bpf_adjust_srh(struct sk_buff *skb, u32 offset, s32 len)
{
	struct seg6_bpf_srh_state *state = seg6local_bpf_srh_state();
	struct ipv6_sr_hdr *srh = state->srh;
	void *tlvs, *end, *ptr;
	int ret;

	if (unlikely(!srh))
		return -EINVAL;

	tlvs = (char *)srh + sizeof(*srh) + ((srh->first_segment + 1) << 4);
	end = (char *)srh + sizeof(*srh) + state->hdrlen;
	ptr = skb->data + offset;
	if (unlikely(ptr < tlvs || ptr > end))
		return -EFAULT;
	if (unlikely(len < 0 && (void *)((char *)ptr - len) > end))
		return -EFAULT;

	if (len > 0) {
		ret = skb_cow_head(skb, len);
		if (unlikely(ret < 0))
			return ret;
		ret = seg6local_bpf_hdr_push(skb, offset, len);
	} else {
		ret = seg6local_bpf_hdr_pop(skb, offset, -len);
	}
	bpf_compute_data_pointers(skb);
	if (unlikely(ret < 0))
		return ret;

	ipv6_hdr(skb)->payload_len = htons(skb->len - sizeof(struct ipv6hdr));
	if (seg6local_bpf_find_srh(skb, state))
		return -EINVAL;
	state->hdrlen += len;
	state->valid = false;
	return 0;
}

/*
 * BPF_LWT_ENCAP_SEG6 (an outer IPv6 header with @hdr as its SRH) and
 * BPF_LWT_ENCAP_SEG6_INLINE (@hdr inserted in the packet's own IPv6
 * header), then a route to the new destination.
 */
int seg6local_bpf_push_encap(struct sk_buff *skb, u32 type, void *hdr,
			     u32 len)
{
	struct ipv6_sr_hdr *srh = hdr;
	int err;

	if (!seg6local_bpf_validate_srh(srh, len, false))
		return -EINVAL;

	switch (type) {
	case BPF_LWT_ENCAP_SEG6_INLINE:
		if (skb->protocol != htons(ETH_P_IPV6))
			return -EBADMSG;
		err = seg6_do_srh_inline(skb, srh);
		break;
	case BPF_LWT_ENCAP_SEG6:
		skb_reset_inner_headers(skb);
		skb->encapsulation = 1;
		err = seg6_do_srh_encap(skb, srh, IPPROTO_IPV6);
		break;
	default:
		return -EINVAL;
	}

	bpf_compute_data_pointers(skb);
	if (err)
		return err;

	skb_set_transport_header(skb, sizeof(struct ipv6hdr));
	return seg6local_bpf_lookup_nexthop(skb, NULL, 0);
}
