// SPDX-License-Identifier: GPL-2.0
/*
 * The SRv6 workloads: End.BPF programs (LWT_SEG6LOCAL) for the three rows
 * of the End.BPF series' performance table. End.BPF has already made the
 * next segment the destination when they run; each returns BPF_DROP if a
 * helper fails, so a packet that reaches bench/guest.sh's sink went
 * through every helper call.
 *
 * The packets come from bench/guest.sh's "encap seg6 mode inline" routes:
 * IPv6 header, then an SRH with two segments (the sink's address and the
 * SID), then UDP.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <linux/seg6.h>
#include <linux/seg6_local.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpfext_srh.h>

/* Doing nothing: what End.BPF itself costs over End. */
SEC("nop")
int bench_seg6_nop(struct __sk_buff *skb)
{
	return BPF_OK;
}

/*
 * An 8-byte TLV at the end of the SRH: one bpf_lwt_seg6_adjust_srh() to
 * make room, one bpf_lwt_seg6_store_bytes() to write it (as upstream's
 * test_lwt_seg6local.c add_egr_x, without its padding and End.X). End.BPF
 * validates the grown SRH after the program, then forwards by a lookup.
 */
SEC("tlv")
int bench_seg6_tlv(struct __sk_buff *skb)
{
	/* Type 0x80, as tests/seg6local_bpf's: nothing on the path reads it. */
	__u8 tlv[8] = { 0x80, 6, 'b', 'p', 'f', 'e', 'x', 't' };
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip6 = data;
	struct ipv6_sr_hdr *srh = (void *)(ip6 + 1);
	__u32 end;

	if ((void *)(srh + 1) > data_end || ip6->nexthdr != IPPROTO_ROUTING)
		return BPF_DROP;
	end = sizeof(*ip6) + ((srh->hdrlen + 1) << 3);
	if (bpf_lwt_seg6_adjust_srh(skb, end, sizeof(tlv)))
		return BPF_DROP;
	if (bpf_lwt_seg6_store_bytes(skb, end, tlv, sizeof(tlv)))
		return BPF_DROP;
	return BPF_OK;
}

/* An SRH of one segment, as bpf_lwt_seg6_action() takes it. */
struct bench_srh1 {
	struct bpfext_srh h;
	struct in6_addr seg;
};

/*
 * End.B6 through bpf_lwt_seg6_action(): an SRH inserted after the IPv6
 * header, before the one the packet came with. Its one segment is
 * overwritten with the destination (seg6_do_srh_inline() keeps the final
 * destination in segments[0]), so the packet still goes to the sink, now
 * with two SRHs, both with no segment left. The action looked the
 * destination up: BPF_REDIRECT forwards along that.
 */
SEC("inline")
int bench_seg6_inline(struct __sk_buff *skb)
{
	struct bench_srh1 srh = {
		.h.hdrlen = sizeof(srh) / 8 - 1,
		.h.type = IPV6_SRCRT_TYPE_4,
		.h.segments_left = 0,
		.h.first_segment = 0,
		.h.tag = bpf_htons(0xb6),
	};

	if (bpf_lwt_seg6_action(skb, SEG6_LOCAL_ACTION_END_B6, &srh,
				sizeof(srh)))
		return BPF_DROP;
	return BPF_REDIRECT;
}

char _license[] SEC("license") = "GPL";
