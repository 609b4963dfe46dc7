/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixed part of an IPv6 Segment Routing Header (RFC 8754), as
 * bpf_lwt_seg6_action(), bpf_lwt_push_encap() and the SRH itself lay it
 * out, for the test and benchmark programs that build one on the stack.
 * <linux/seg6.h>'s struct ipv6_sr_hdr has this layout but ends in a
 * zero-length segments[], so it cannot head a struct of fixed size
 * without a GNU extension clang's -Werror refuses.
 */
#ifndef BPFEXT_SRH_H
#define BPFEXT_SRH_H

#include <linux/types.h>

struct bpfext_srh {
	__u8 nexthdr;		/* set by the kernel where it inserts one */
	__u8 hdrlen;
	__u8 type;
	__u8 segments_left;
	__u8 first_segment;
	__u8 flags;
	__be16 tag;
};

#endif
