// SPDX-License-Identifier: GPL-2.0
/*
 * Calls bpfext_testmod's kfunc from a socket filter, a program type the
 * module did not register it for: the verifier must refuse it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern __u64 bpfext_testmod_triple_plus_one(__u64 x) __ksym;

SEC("socket")
int kfunc_socket(struct __sk_buff *skb)
{
	return bpfext_testmod_triple_plus_one(skb->len) & 1;
}

char _license[] SEC("license") = "GPL";
