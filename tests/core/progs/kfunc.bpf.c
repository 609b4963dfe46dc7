// SPDX-License-Identifier: GPL-2.0
/*
 * Calls bpfext_testmod's kfunc from an LWT xmit program, a program type the
 * module registered it for (tests/core/kfunc.sh).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern __u64 bpfext_testmod_triple_plus_one(__u64 x) __ksym;

/* Slot 0: the kfunc's result for the packet's length. Slot 1: that length. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kfunc_result SEC(".maps");

SEC("lwt_xmit")
int kfunc_lwt(struct __sk_buff *skb)
{
	__u32 k_res = 0, k_len = 1;
	__u64 len = skb->len;
	__u64 res = bpfext_testmod_triple_plus_one(len);

	bpf_map_update_elem(&kfunc_result, &k_res, &res, BPF_ANY);
	bpf_map_update_elem(&kfunc_result, &k_len, &len, BPF_ANY);
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
