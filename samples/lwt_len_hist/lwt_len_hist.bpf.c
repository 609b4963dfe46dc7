// SPDX-License-Identifier: GPL-2.0
/*
 * Per-route packet length histogram, the sample the original LWT BPF
 * series shipped as samples/bpf/lwt_len_hist_kern.c. Attach it to a route:
 *
 *   ip route add 192.0.2.0/24 encap bpf out obj lwt_len_hist.bpf.o \
 *	section len_hist dev eth0
 *
 * At the out hook skb->data is the IP header, so skb->len is the length of
 * the IP packet. Slot k of the map counts packets with 2^k <= len < 2^(k+1)
 * (slot 0 also counts len 0). iproute2 pins the map by name, in
 * /sys/fs/bpf/tc/globals/lwt_len_hist, where lwt_len_hist(8) reads it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define LEN_HIST_SLOTS	64

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LEN_HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lwt_len_hist SEC(".maps");

/* floor(log2(v)), 0 for v == 0 */
static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xffff) << 4;
	v >>= r;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

SEC("len_hist")
int lwt_len_hist_prog(struct __sk_buff *skb)
{
	__u32 key = log2_u32(skb->len);
	__u64 *count;

	count = bpf_map_lookup_elem(&lwt_len_hist, &key);
	if (count)
		__sync_fetch_and_add(count, 1);

	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
