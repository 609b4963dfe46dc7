/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seg6local_bpf.ko: SRv6 End.BPF, Linux 6.1's seg6local action running a
 * BPF_PROG_TYPE_LWT_SEG6LOCAL program, and the bpf_lwt_seg6_*() helpers
 * such programs call.
 */
#ifndef _SEG6LOCAL_BPF_H
#define _SEG6LOCAL_BPF_H

#include <bpfext/bpfext.h>
#include <linux/percpu.h>
#include <net/seg6_local.h>

/*
 * The SRH the running program sees, per CPU. End.BPF sets it before the
 * program runs, with preemption off until the SRH is checked afterwards;
 * the helpers, called from the program, read and move it. @hdrlen is in
 * bytes and may be out of step with srh->hdrlen while !@valid: adjusting
 * the SRH changes it, and only the check after the program writes it back.
 */
DECLARE_PER_CPU(struct seg6_bpf_srh_state, seg6local_bpf_srh);

/* end_bpf.c */
bool seg6local_bpf_srh_valid(void);
int seg6local_bpf_input(struct sk_buff *skb, struct bpfext_seg6_bpf *bpf);

/* helpers.c: the helpers' implementations, as built-in filter.c's */
int seg6local_bpf_store_bytes(struct sk_buff *skb, u32 offset,
			      const void *from, u32 len);
int seg6local_bpf_action(struct sk_buff *skb, u32 action, void *param,
			 u32 param_len);
int seg6local_bpf_adjust_srh(struct sk_buff *skb, u32 offset, s32 len);
int seg6local_bpf_push_encap(struct sk_buff *skb, u32 type, void *hdr,
			     u32 len);

#endif /* _SEG6LOCAL_BPF_H */
