// SPDX-License-Identifier: GPL-2.0
/*
 * End.BPF programs for tests/seg6local_bpf/counters.sh: each makes one of
 * seg6local_bpf.ko's per-route counters move. Packets arrive with a
 * 40-byte IPv6 header and an SRH with two segments: 8 + 2 * 16 bytes.
 */
#include <linux/bpf.h>
#include <linux/in6.h>
#include <linux/seg6_local.h>
#include <bpf/bpf_helpers.h>

#define SRH_OFF		40
#define SRH_END		(SRH_OFF + 8 + 2 * 16)

SEC("ok")
int sl_ok(struct __sk_buff *skb)
{
	return BPF_OK;
}

SEC("drop")
int sl_drop(struct __sk_buff *skb)
{
	return BPF_DROP;
}

SEC("bad_ret")
int sl_bad_ret(struct __sk_buff *skb)
{
	return 42;
}

/* End.X to fd00:d::2, the destination namespace's address on the link. */
SEC("end_x")
int sl_end_x(struct __sk_buff *skb)
{
	struct in6_addr nh = { .s6_addr = { 0xfd, 0, 0, 0x0d, [15] = 2 } };

	bpf_lwt_seg6_action(skb, SEG6_LOCAL_ACTION_END_X, &nh, sizeof(nh));
	return BPF_REDIRECT;
}

/* End.X to an address no route covers: the action's route is an error. */
SEC("end_x_unreachable")
int sl_end_x_unreachable(struct __sk_buff *skb)
{
	struct in6_addr nh = { .s6_addr = { 0xfd, 0, 0xff, 0xff, [15] = 1 } };

	bpf_lwt_seg6_action(skb, SEG6_LOCAL_ACTION_END_X, &nh, sizeof(nh));
	return BPF_REDIRECT;
}

/* 4 bytes more SRH: no longer whole 8-octet units, so it is invalid. */
SEC("bad_srh")
int sl_bad_srh(struct __sk_buff *skb)
{
	bpf_lwt_seg6_adjust_srh(skb, SRH_END, 4);
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
