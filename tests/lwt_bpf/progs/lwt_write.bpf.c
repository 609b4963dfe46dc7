// SPDX-License-Identifier: GPL-2.0
/* A direct packet write, which the verifier refuses on in and out. */
#include <linux/ip.h>
#include "lwt_test.h"

SEC("write")
int lwt_write(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *iph = data;

	if ((void *)(iph + 1) > data_end)
		return BPF_OK;
	iph->tos = 0x10;
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
