// SPDX-License-Identifier: GPL-2.0
/* Two counting programs, for replacing a route's program under traffic. */
#include "lwt_dp.h"

SEC("cnt_a")
int lwt_dp_cnt_a(struct __sk_buff *skb)
{
	dp_count(skb, DP_CNT_A);
	return BPF_OK;
}

SEC("cnt_b")
int lwt_dp_cnt_b(struct __sk_buff *skb)
{
	dp_count(skb, DP_CNT_B);
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
