// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_LWT_ENCAP_IP of bpf_lwt_push_encap(): push an outer IPv4 or IPv6
 * header (plus GRE or UDP) onto the packet. Built-in filter.c reaches this
 * through the bpfext LWT site. The program returns BPF_LWT_REROUTE to have
 * the encapsulated packet routed on its new destination.
 */

#include <linux/filter.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/dst.h>
#include <net/gre.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "lwt_bpf.h"

static int lwt_bpf_gso_set_type(struct sk_buff *skb, unsigned int gso_type,
				int encap_len)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);

	shinfo->gso_type |= gso_type | SKB_GSO_DODGY;
	skb_decrease_gso_size(shinfo, encap_len);
	shinfo->gso_segs = 0;
	return 0;
}

/*
 * Tell GSO which tunnel it now segments. Only TCP is let through: SCTP and
 * UDP_L4 GSO need more than a smaller gso_size.
 */
static int lwt_bpf_gso_encap(struct sk_buff *skb, bool ipv4, int encap_len)
{
	int inner_off;
	u8 protocol;
	void *inner;

	if (!(skb_shinfo(skb)->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)))
		return -ENOTSUPP;

	if (ipv4) {
		protocol = ip_hdr(skb)->protocol;
		inner_off = sizeof(struct iphdr);
	} else {
		protocol = ipv6_hdr(skb)->nexthdr;
		inner_off = sizeof(struct ipv6hdr);
	}
	inner = skb_network_header(skb) + inner_off;

	switch (protocol) {
	case IPPROTO_GRE:
		if (inner_off + sizeof(struct gre_base_hdr) > encap_len)
			return -EINVAL;
		if (((struct gre_base_hdr *)inner)->flags & GRE_CSUM)
			return lwt_bpf_gso_set_type(skb, SKB_GSO_GRE_CSUM,
						    encap_len);
		return lwt_bpf_gso_set_type(skb, SKB_GSO_GRE, encap_len);
	case IPPROTO_UDP:
		if (inner_off + sizeof(struct udphdr) > encap_len)
			return -EINVAL;
		if (((struct udphdr *)inner)->check)
			return lwt_bpf_gso_set_type(skb,
						    SKB_GSO_UDP_TUNNEL_CSUM,
						    encap_len);
		return lwt_bpf_gso_set_type(skb, SKB_GSO_UDP_TUNNEL,
					    encap_len);
	case IPPROTO_IP:	/* as upstream: 0 and 41, but not IPIP (4) */
	case IPPROTO_IPV6:
		return lwt_bpf_gso_set_type(skb, ipv4 ? SKB_GSO_IPXIP4 :
							SKB_GSO_IPXIP6,
					    encap_len);
	default:
		return -EPROTONOSUPPORT;
	}
}

/* Length checks on the header the program supplies. */
static int lwt_bpf_check_encap_hdr(const void *hdr, u32 len, bool *ipv4,
				   bool *udp)
{
	const struct iphdr *iph = hdr;
	u32 l3_len;

	if (len < sizeof(struct iphdr) || len > LWT_BPF_MAX_HEADROOM)
		return -EINVAL;

	if (iph->version == 4) {
		*ipv4 = true;
		l3_len = iph->ihl * 4;
		*udp = iph->protocol == IPPROTO_UDP;
	} else if (iph->version == 6) {
		*ipv4 = false;
		l3_len = sizeof(struct ipv6hdr);
		*udp = ((const struct ipv6hdr *)hdr)->nexthdr == NEXTHDR_UDP;
	} else {
		return -EINVAL;
	}

	if (len < l3_len || (*udp && len < l3_len + sizeof(struct udphdr)))
		return -EINVAL;
	return 0;
}

int lwt_bpf_push_ip_encap(struct sk_buff *skb, void *hdr, u32 len,
			  bool ingress)
{
	bool ipv4, udp;
	int err;

	err = lwt_bpf_check_encap_hdr(hdr, len, &ipv4, &udp);
	if (err)
		return err;

	if (ingress)
		err = skb_cow_head(skb, len + skb->mac_len);
	else
		err = skb_cow_head(skb,
				   len + LL_RESERVED_SPACE(skb_dst(skb)->dev));
	if (unlikely(err))
		return err;

	/* The current headers become the inner ones. */
	skb_reset_inner_headers(skb);
	skb_reset_inner_mac_header(skb);	/* no mac header yet */
	skb_set_inner_protocol(skb, skb->protocol);
	skb->encapsulation = 1;

	skb_push(skb, len);
	if (ingress)
		skb_postpush_rcsum(skb, hdr, len);
	skb_reset_network_header(skb);
	if (udp)
		skb_set_transport_header(skb, skb_network_offset(skb) +
				(ipv4 ? ((struct iphdr *)hdr)->ihl * 4 :
					sizeof(struct ipv6hdr)));
	memcpy(skb_network_header(skb), hdr, len);
	bpf_compute_data_pointers(skb);
	skb_clear_hash(skb);

	if (ipv4) {
		struct iphdr *iph = ip_hdr(skb);

		skb->protocol = htons(ETH_P_IP);
		/* A zero checksum asks the kernel to fill it in. */
		if (!iph->check)
			iph->check = ip_fast_csum((unsigned char *)iph,
						  iph->ihl);
	} else {
		skb->protocol = htons(ETH_P_IPV6);
	}

	if (skb_is_gso(skb))
		return lwt_bpf_gso_encap(skb, ipv4, len);
	return 0;
}
