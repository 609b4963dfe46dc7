/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Programs of tests/seg6local_bpf/datapath.sh. The addresses are the
 * test's topology (see datapath.sh). Every program records into the
 * pinned array sl_dp_rec, shared by every object and route: slot N (the
 * test's case N, also its SID fc00::N and UDP source port 7100 + N) has
 * SL_DP_FIELDS signed 64-bit fields, key N * SL_DP_FIELDS + field: field
 * 0 counts runs, fields 1.. hold the return values of the helper calls
 * of the last run, in the order the program makes them.
 */
#ifndef _SL_DP_H
#define _SL_DP_H

#include <linux/bpf.h>
#include <linux/seg6_local.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpfext_srh.h>

enum sl_dp_slot {
	SL_END_X = 1, SL_END_T, SL_END_DT6, SL_END_B6, SL_END_B6_ENCAP,
	SL_OK, SL_DROP, SL_BAD_RET, SL_STORE_TAG, SL_STORE_BAD, SL_STORE_WIN,
	SL_TLV_ADD, SL_ADJUST_BAD, SL_ADJUST_ODD, SL_TLV_BADLEN,
	SL_PUSH_ENCAP, SL_PUSH_INLINE, SL_PUSH_BAD, SL_CNT_A, SL_CNT_B,
	SL_SHOW, SL_END_X_OK, SL_ACT_BAD, SL_REDIRECT, SL_SLOTS
};

#define SL_DP_FIELDS	8

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_SLOTS * SL_DP_FIELDS);
	__type(key, __u32);
	__type(value, __s64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_dp_rec SEC(".maps");

static __always_inline void sl_dp_set(__u32 slot, __u32 field, __s64 v)
{
	__u32 key = slot * SL_DP_FIELDS + field;
	__s64 *p = bpf_map_lookup_elem(&sl_dp_rec, &key);

	if (p)
		*p = v;
}

static __always_inline void sl_dp_run(__u32 slot)
{
	__u32 key = slot * SL_DP_FIELDS;
	__s64 *p = bpf_map_lookup_elem(&sl_dp_rec, &key);

	if (p)
		__sync_fetch_and_add(p, 1);
}

/*
 * The packets the test sends carry one SRH right after the IPv6 header
 * (offset 40) with two segments: segments[0] the final destination and
 * segments[1] the End.BPF SID, so End.BPF runs the program with
 * segments_left 0. Offsets into it, from the start of the packet:
 */
#define SL_SRH		40
#define SL_SRH_FLAGS	(SL_SRH + 5)		/* flags, then the 16-bit tag */
#define SL_SRH_SEG0	(SL_SRH + 8)
#define SL_SRH_SEG1	(SL_SRH + 24)
#define SL_SRH_TLVS	(SL_SRH + 40)		/* the end: no TLVs yet */

struct sl_dp_in6 {
	__u8 b[16];
};

/* fd81:@net::@host, the test's addresses. */
static __always_inline void sl_dp_addr(struct sl_dp_in6 *a, __u8 net,
				       __u8 host)
{
	__builtin_memset(a, 0, sizeof(*a));
	a->b[0] = 0xfd;
	a->b[1] = 0x81;
	a->b[3] = net;
	a->b[15] = host;
}

/* The End.X next hop (in netns X, reached through a gateway route). */
#define SL_NH_NET	7
#define SL_NH_HOST	1
/* Netns R: the binding SID of End.B6 and the End.DT6 SID of the encaps. */
#define SL_B_NET	9
#define SL_B_HOST	0xb
#define SL_E_NET	9
#define SL_E_HOST	0xe
/* The table End.T and End.DT6 look up: it leads to X, main to R. */
#define SL_TABLE	117

#endif /* _SL_DP_H */
