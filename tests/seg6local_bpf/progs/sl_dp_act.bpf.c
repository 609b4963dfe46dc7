// SPDX-License-Identifier: GPL-2.0
/*
 * End.BPF programs handing the packet to each bpf_lwt_seg6_action()
 * behaviour. BPF_REDIRECT keeps the dst the action chose; a failed action
 * drops, with its errno recorded.
 */
#include "sl_dp.h"

static __always_inline int sl_dp_verdict(__u32 slot, long rc)
{
	sl_dp_run(slot);
	sl_dp_set(slot, 1, rc);
	return rc ? BPF_DROP : BPF_REDIRECT;
}

/* End.X: forward to the next segment through a given next hop. */
SEC("end_x")
int sl_dp_end_x(struct __sk_buff *skb)
{
	struct sl_dp_in6 nh;

	sl_dp_addr(&nh, SL_NH_NET, SL_NH_HOST);
	return sl_dp_verdict(SL_END_X, bpf_lwt_seg6_action(skb,
			     SEG6_LOCAL_ACTION_END_X, &nh, sizeof(nh)));
}

/*
 * End.X, then BPF_OK: End.BPF looks the destination up again, and that
 * route, not End.X's next hop, is the one taken.
 */
SEC("end_x_ok")
int sl_dp_end_x_ok(struct __sk_buff *skb)
{
	struct sl_dp_in6 nh;
	long rc;

	sl_dp_addr(&nh, SL_NH_NET, SL_NH_HOST);
	rc = bpf_lwt_seg6_action(skb, SEG6_LOCAL_ACTION_END_X, &nh, sizeof(nh));
	sl_dp_run(SL_END_X_OK);
	sl_dp_set(SL_END_X_OK, 1, rc);
	return BPF_OK;
}

/* End.T: the next segment looked up in table SL_TABLE. */
SEC("end_t")
int sl_dp_end_t(struct __sk_buff *skb)
{
	int table = SL_TABLE;

	return sl_dp_verdict(SL_END_T, bpf_lwt_seg6_action(skb,
			     SEG6_LOCAL_ACTION_END_T, &table, sizeof(table)));
}

/* End.DT6: the inner IPv6 packet, decapsulated, looked up in SL_TABLE. */
SEC("end_dt6")
int sl_dp_end_dt6(struct __sk_buff *skb)
{
	int table = SL_TABLE;

	return sl_dp_verdict(SL_END_DT6, bpf_lwt_seg6_action(skb,
			     SEG6_LOCAL_ACTION_END_DT6, &table, sizeof(table)));
}

/*
 * End.B6: a new SRH inserted after the IPv6 header, tag 0xb6. Its
 * segments[0] is left zero: the kernel puts the current destination
 * there, and the destination becomes segments[1], the binding SID B.
 */
SEC("end_b6")
int sl_dp_end_b6(struct __sk_buff *skb)
{
	struct {
		struct bpfext_srh h;
		struct sl_dp_in6 seg[2];
	} srh;

	__builtin_memset(&srh, 0, sizeof(srh));
	srh.h.hdrlen = 4;
	srh.h.type = 4;
	srh.h.segments_left = 1;
	srh.h.first_segment = 1;
	srh.h.tag = bpf_htons(0xb6);
	sl_dp_addr(&srh.seg[1], SL_B_NET, SL_B_HOST);
	return sl_dp_verdict(SL_END_B6, bpf_lwt_seg6_action(skb,
			     SEG6_LOCAL_ACTION_END_B6, &srh, sizeof(srh)));
}

/* End.B6.Encaps: an outer IPv6 header and SRH (E, tag 0xb6e). */
SEC("end_b6_encap")
int sl_dp_end_b6_encap(struct __sk_buff *skb)
{
	struct {
		struct bpfext_srh h;
		struct sl_dp_in6 seg[1];
	} srh;

	__builtin_memset(&srh, 0, sizeof(srh));
	srh.h.hdrlen = 2;
	srh.h.type = 4;
	srh.h.tag = bpf_htons(0xb6e);
	sl_dp_addr(&srh.seg[0], SL_E_NET, SL_E_HOST);
	return sl_dp_verdict(SL_END_B6_ENCAP, bpf_lwt_seg6_action(skb,
			     SEG6_LOCAL_ACTION_END_B6_ENCAP, &srh, sizeof(srh)));
}

/*
 * Actions refused before they change anything, each errno recorded; the
 * packet then goes on by BPF_OK. End.X and End.T with a parameter of the
 * wrong size (-EINVAL), an action End.BPF does not offer (End.DX6,
 * -EINVAL), End.DT6 on a packet with no inner IPv6 header (-EBADMSG),
 * End.B6 with an SRH of routing type 5 (-EINVAL).
 */
SEC("act_bad")
int sl_dp_act_bad(struct __sk_buff *skb)
{
	struct {
		struct bpfext_srh h;
		struct sl_dp_in6 seg[2];
	} srh;
	struct sl_dp_in6 nh;
	int table = SL_TABLE;

	sl_dp_addr(&nh, SL_NH_NET, SL_NH_HOST);
	__builtin_memset(&srh, 0, sizeof(srh));
	srh.h.hdrlen = 4;
	srh.h.type = 5;
	srh.h.segments_left = 1;
	srh.h.first_segment = 1;
	sl_dp_addr(&srh.seg[1], SL_B_NET, SL_B_HOST);
	sl_dp_run(SL_ACT_BAD);
	sl_dp_set(SL_ACT_BAD, 1, bpf_lwt_seg6_action(skb, SEG6_LOCAL_ACTION_END_X, &nh, 8));
	sl_dp_set(SL_ACT_BAD, 2, bpf_lwt_seg6_action(skb, SEG6_LOCAL_ACTION_END_T, &table, 2));
	sl_dp_set(SL_ACT_BAD, 3,
		  bpf_lwt_seg6_action(skb, SEG6_LOCAL_ACTION_END_DX6, &nh, sizeof(nh)));
	sl_dp_set(SL_ACT_BAD, 4,
		  bpf_lwt_seg6_action(skb, SEG6_LOCAL_ACTION_END_DT6, &table, sizeof(table)));
	sl_dp_set(SL_ACT_BAD, 5,
		  bpf_lwt_seg6_action(skb, SEG6_LOCAL_ACTION_END_B6, &srh, sizeof(srh)));
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
