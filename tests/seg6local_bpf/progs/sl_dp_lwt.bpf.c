// SPDX-License-Identifier: GPL-2.0
/*
 * "encap bpf in" programs (lwt_bpf.ko) pushing SRv6 with
 * bpf_lwt_push_encap(): it validates the SRH, inserts or encapsulates,
 * and routes the packet to its new destination, which the in hook then
 * forwards. Return values recorded as in sl_dp.h.
 */
#include "sl_dp.h"

/* BPF_LWT_ENCAP_SEG6: outer IPv6 + SRH (E, tag 0xe6) around the packet. */
SEC("push_encap")
int sl_dp_push_encap(struct __sk_buff *skb)
{
	struct {
		struct bpfext_srh h;
		struct sl_dp_in6 seg[1];
	} srh;
	long rc;

	__builtin_memset(&srh, 0, sizeof(srh));
	srh.h.hdrlen = 2;
	srh.h.type = 4;
	srh.h.tag = bpf_htons(0xe6);
	sl_dp_addr(&srh.seg[0], SL_E_NET, SL_E_HOST);
	rc = bpf_lwt_push_encap(skb, BPF_LWT_ENCAP_SEG6, &srh, sizeof(srh));
	sl_dp_run(SL_PUSH_ENCAP);
	sl_dp_set(SL_PUSH_ENCAP, 1, rc);
	return rc ? BPF_DROP : BPF_OK;
}

/*
 * BPF_LWT_ENCAP_SEG6_INLINE: an SRH (B, tag 0xe7) inserted in the packet;
 * the kernel fills segments[0] with the destination it had.
 */
SEC("push_inline")
int sl_dp_push_inline(struct __sk_buff *skb)
{
	struct {
		struct bpfext_srh h;
		struct sl_dp_in6 seg[2];
	} srh;
	long rc;

	__builtin_memset(&srh, 0, sizeof(srh));
	srh.h.hdrlen = 4;
	srh.h.type = 4;
	srh.h.segments_left = 1;
	srh.h.first_segment = 1;
	srh.h.tag = bpf_htons(0xe7);
	sl_dp_addr(&srh.seg[1], SL_B_NET, SL_B_HOST);
	rc = bpf_lwt_push_encap(skb, BPF_LWT_ENCAP_SEG6_INLINE, &srh,
				sizeof(srh));
	sl_dp_run(SL_PUSH_INLINE);
	sl_dp_set(SL_PUSH_INLINE, 1, rc);
	return rc ? BPF_DROP : BPF_OK;
}

/*
 * SRHs the helper must refuse with -EINVAL before touching the packet:
 * routing type 5, segments_left beyond the last entry, and a valid SRH
 * with an encap type that is none of the SRv6 ones. The packet goes on
 * as it came.
 */
SEC("push_bad")
int sl_dp_push_bad(struct __sk_buff *skb)
{
	struct {
		struct bpfext_srh h;
		struct sl_dp_in6 seg[2];
	} srh;

	__builtin_memset(&srh, 0, sizeof(srh));
	srh.h.hdrlen = 4;
	srh.h.type = 5;
	srh.h.segments_left = 1;
	srh.h.first_segment = 1;
	sl_dp_addr(&srh.seg[1], SL_B_NET, SL_B_HOST);
	sl_dp_run(SL_PUSH_BAD);
	sl_dp_set(SL_PUSH_BAD, 1,
		  bpf_lwt_push_encap(skb, BPF_LWT_ENCAP_SEG6_INLINE, &srh, sizeof(srh)));
	srh.h.type = 4;
	srh.h.segments_left = 2;
	sl_dp_set(SL_PUSH_BAD, 2, bpf_lwt_push_encap(skb, BPF_LWT_ENCAP_SEG6, &srh, sizeof(srh)));
	srh.h.segments_left = 1;
	sl_dp_set(SL_PUSH_BAD, 3, bpf_lwt_push_encap(skb, BPF_LWT_ENCAP_IP + 1, &srh, sizeof(srh)));
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
