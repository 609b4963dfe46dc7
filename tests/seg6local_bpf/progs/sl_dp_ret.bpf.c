// SPDX-License-Identifier: GPL-2.0
/* End.BPF return codes, and two counters for replacing a route's program. */
#include "sl_dp.h"

/*
 * Also records what the program is given: segments left (field 1), and
 * whether the destination already is the next segment, segments[0]
 * (field 2: 1 if so).
 */
SEC("ok")
int sl_dp_ok(struct __sk_buff *skb)
{
	__u64 daddr[2], seg0[2];
	__u8 left;

	sl_dp_run(SL_OK);
	if (bpf_skb_load_bytes(skb, SL_SRH + 3, &left, 1) ||
	    bpf_skb_load_bytes(skb, 24, &daddr, sizeof(daddr)) ||
	    bpf_skb_load_bytes(skb, SL_SRH_SEG0, &seg0, sizeof(seg0)))
		return BPF_DROP;
	sl_dp_set(SL_OK, 1, left);
	sl_dp_set(SL_OK, 2, daddr[0] == seg0[0] && daddr[1] == seg0[1]);
	return BPF_OK;
}

SEC("drop")
int sl_dp_drop(struct __sk_buff *skb)
{
	sl_dp_run(SL_DROP);
	return BPF_DROP;
}

/* A code LWT programs know but End.BPF does not: dropped, warned once. */
SEC("bad_ret")
int sl_dp_bad_ret(struct __sk_buff *skb)
{
	sl_dp_run(SL_BAD_RET);
	return BPF_LWT_REROUTE;
}

/*
 * BPF_REDIRECT with no action: the dst is still End.BPF's own route, so
 * the packet enters End.BPF again, which finds no segments left and
 * drops it before the program runs a second time.
 */
SEC("redirect")
int sl_dp_redirect(struct __sk_buff *skb)
{
	sl_dp_run(SL_REDIRECT);
	return BPF_REDIRECT;
}

SEC("cnt_a")
int sl_dp_cnt_a(struct __sk_buff *skb)
{
	sl_dp_run(SL_CNT_A);
	return BPF_OK;
}

SEC("cnt_b")
int sl_dp_cnt_b(struct __sk_buff *skb)
{
	sl_dp_run(SL_CNT_B);
	return BPF_OK;
}

/* For the dump: a program with a name of its own. */
SEC("show")
int sl_dp_show(struct __sk_buff *skb)
{
	sl_dp_run(SL_SHOW);
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
