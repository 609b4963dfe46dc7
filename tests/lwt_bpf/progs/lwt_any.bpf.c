// SPDX-License-Identifier: GPL-2.0
/*
 * Programs valid on every LWT hook (iproute2 loads every program of an
 * object with the hook's type, so xmit-only helpers live elsewhere).
 */
#include "lwt_test.h"

SEC("pass")
int lwt_pass(struct __sk_buff *skb)
{
	count(S_PASS);
	return BPF_OK;
}

SEC("drop")
int lwt_drop(struct __sk_buff *skb)
{
	count(S_DROP);
	return BPF_DROP;
}

SEC("bad_ret")
int lwt_bad_ret(struct __sk_buff *skb)
{
	count(S_BAD_RET);
	return 42;
}

/* On in and out the kernel continues this as BPF_OK, warning once. */
SEC("ret_redirect")
int lwt_ret_redirect(struct __sk_buff *skb)
{
	count(S_RET_REDIRECT);
	return BPF_REDIRECT;
}

char _license[] SEC("license") = "GPL";
