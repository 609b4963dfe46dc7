// SPDX-License-Identifier: GPL-2.0
/*
 * End.BPF programs editing the SRH with bpf_lwt_seg6_store_bytes() and
 * bpf_lwt_seg6_adjust_srh(), each return value recorded (sl_dp.h). The
 * packet's SRH: fixed part at 40, segments at 48 and 64, end at 80.
 */
#include "sl_dp.h"

/* Flags and tag, the only bytes writable outside the TLV window. */
SEC("store_tag")
int sl_dp_store_tag(struct __sk_buff *skb)
{
	__u8 ft[3] = { 0x42, 0xbe, 0xef };

	sl_dp_run(SL_STORE_TAG);
	sl_dp_set(SL_STORE_TAG, 1, bpf_lwt_seg6_store_bytes(skb, SL_SRH_FLAGS,
							    ft, sizeof(ft)));
	return BPF_OK;
}

/* Writes outside what 6.1 allows: each -EFAULT, the packet as it was. */
SEC("store_bad")
int sl_dp_store_bad(struct __sk_buff *skb)
{
	struct sl_dp_in6 seg;
	__u8 b[4] = { 0xff, 0xff, 0xff, 0xff };

	__builtin_memset(&seg, 0xff, sizeof(seg));
	sl_dp_run(SL_STORE_BAD);
	/* segments[0] */
	sl_dp_set(SL_STORE_BAD, 1, bpf_lwt_seg6_store_bytes(skb, SL_SRH_SEG0,
							    &seg, sizeof(seg)));
	/* flags and tag and one byte more */
	sl_dp_set(SL_STORE_BAD, 2, bpf_lwt_seg6_store_bytes(skb, SL_SRH_FLAGS,
							    b, 4));
	/* the IPv6 header's hop limit */
	sl_dp_set(SL_STORE_BAD, 3, bpf_lwt_seg6_store_bytes(skb, 7, b, 1));
	/* the SRH's last entry, just before the flags */
	sl_dp_set(SL_STORE_BAD, 4, bpf_lwt_seg6_store_bytes(skb, SL_SRH + 4,
							    b, 1));
	return BPF_OK;
}

/*
 * 6.1's TLV window for store_bytes starts 8 bytes before the TLVs (the
 * fixed part is left out of its sum): the last 8 bytes of the last
 * segment are writable, and make the SRH checked again after the
 * program. The byte before that window, or 8 bytes ending one past the
 * SRH, are -EFAULT.
 */
SEC("store_win")
int sl_dp_store_win(struct __sk_buff *skb)
{
	__u8 low[8] = { 0, 0, 0, 0, 0, 0, 0x0b, 0x0b };
	__u8 b[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	sl_dp_run(SL_STORE_WIN);
	sl_dp_set(SL_STORE_WIN, 1, bpf_lwt_seg6_store_bytes(skb, SL_SRH_TLVS - 9, b, 1));
	sl_dp_set(SL_STORE_WIN, 2, bpf_lwt_seg6_store_bytes(skb, SL_SRH_TLVS - 7, b, 8));
	sl_dp_set(SL_STORE_WIN, 3, bpf_lwt_seg6_store_bytes(skb, SL_SRH_TLVS - 8, low, 8));
	return BPF_OK;
}

/* An 8-byte TLV, type 0x80, "bpfext", added at the end of the SRH. */
SEC("tlv_add")
int sl_dp_tlv_add(struct __sk_buff *skb)
{
	__u8 tlv[8] = { 0x80, 6, 'b', 'p', 'f', 'e', 'x', 't' };

	sl_dp_run(SL_TLV_ADD);
	sl_dp_set(SL_TLV_ADD, 1, bpf_lwt_seg6_adjust_srh(skb, SL_SRH_TLVS, 8));
	sl_dp_set(SL_TLV_ADD, 2, bpf_lwt_seg6_store_bytes(skb, SL_SRH_TLVS,
							  tlv, sizeof(tlv)));
	return BPF_OK;
}

/*
 * adjust_srh outside [TLV start, SRH end]: growing inside the segments
 * (where store_bytes' window already starts), growing one byte past the
 * end, shrinking past the end. Each -EFAULT, the packet as it was.
 */
SEC("adjust_bad")
int sl_dp_adjust_bad(struct __sk_buff *skb)
{
	sl_dp_run(SL_ADJUST_BAD);
	sl_dp_set(SL_ADJUST_BAD, 1, bpf_lwt_seg6_adjust_srh(skb, SL_SRH_TLVS - 8, 8));
	sl_dp_set(SL_ADJUST_BAD, 2, bpf_lwt_seg6_adjust_srh(skb, SL_SRH_TLVS + 1, 8));
	sl_dp_set(SL_ADJUST_BAD, 3, bpf_lwt_seg6_adjust_srh(skb, SL_SRH_TLVS, -8));
	return BPF_OK;
}

/*
 * 4 bytes more, not a multiple of 8: End.X refuses the SRH with -EBADMSG,
 * and End.BPF drops the packet after the program.
 */
SEC("adjust_odd")
int sl_dp_adjust_odd(struct __sk_buff *skb)
{
	struct sl_dp_in6 nh;

	sl_dp_addr(&nh, SL_NH_NET, SL_NH_HOST);
	sl_dp_run(SL_ADJUST_ODD);
	sl_dp_set(SL_ADJUST_ODD, 1, bpf_lwt_seg6_adjust_srh(skb, SL_SRH_TLVS, 4));
	sl_dp_set(SL_ADJUST_ODD, 2,
		  bpf_lwt_seg6_action(skb, SEG6_LOCAL_ACTION_END_X, &nh, sizeof(nh)));
	return BPF_OK;
}

/* 8 bytes more, but a TLV claiming 12: the SRH fails validation. */
SEC("tlv_badlen")
int sl_dp_tlv_badlen(struct __sk_buff *skb)
{
	__u8 tlv[8] = { 0x80, 10, 'b', 'p', 'f', 'e', 'x', 't' };

	sl_dp_run(SL_TLV_BADLEN);
	sl_dp_set(SL_TLV_BADLEN, 1, bpf_lwt_seg6_adjust_srh(skb, SL_SRH_TLVS, 8));
	sl_dp_set(SL_TLV_BADLEN, 2, bpf_lwt_seg6_store_bytes(skb, SL_SRH_TLVS, tlv, sizeof(tlv)));
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
