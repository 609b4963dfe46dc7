// SPDX-License-Identifier: GPL-2.0
/*
 * tests/seg6local_bpf/takeover.sh: counts the packets each End.BPF SID
 * sees, whoever runs the program (the built-in End.BPF or the module's),
 * and lets them on to the next segment.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);	/* the SID's last 32 bits */
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_tko_pkts SEC(".maps");

/*
 * The program runs with the next segment already the destination; the
 * SID the packet came for is segment 1 of its SRH [final, SID], whose
 * last 32 bits are bytes 76-79 (IPv6 header 40, SRH header 8).
 */
SEC("count")
int sl_count(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u64 *n, first = 1;
	__u32 key;

	if (data + 80 > end)
		return BPF_OK;
	key = *(__u32 *)(data + 76);
	n = bpf_map_lookup_elem(&sl_tko_pkts, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&sl_tko_pkts, &key, &first, BPF_NOEXIST);
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
