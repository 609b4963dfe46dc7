/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwt_bpf.ko: BPF programs on routes ("ip route ... encap bpf").
 */
#ifndef _BPFEXT_LWT_BPF_H
#define _BPFEXT_LWT_BPF_H

#include <linux/bpf.h>
#include <net/lwtunnel.h>

#define LWT_BPF_MAX_PROG_NAME 256

/* One of the three programs a route may carry. */
struct lwt_bpf_prog {
	struct bpf_prog *prog;
	char *name;
};

/* Lives in lwtunnel_state->data of every "encap bpf" route. */
struct lwt_bpf_route {
	struct lwt_bpf_prog in;
	struct lwt_bpf_prog out;
	struct lwt_bpf_prog xmit;
	int family;
};

static inline struct lwt_bpf_route *lwt_bpf_route(struct lwtunnel_state *lwt)
{
	return (struct lwt_bpf_route *)lwt->data;
}

/* state.c: the netlink side of the encap. */
extern const struct lwtunnel_encap_ops lwt_bpf_encap_ops;

/* datapath.c: the three hooks. */
int lwt_bpf_input(struct sk_buff *skb);
int lwt_bpf_output(struct net *net, struct sock *sk, struct sk_buff *skb);
int lwt_bpf_xmit(struct sk_buff *skb);

/* encap.c: BPF_LWT_ENCAP_IP of bpf_lwt_push_encap(). */
int lwt_bpf_push_ip_encap(struct sk_buff *skb, void *hdr, u32 len,
			  bool ingress);

#endif /* _BPFEXT_LWT_BPF_H */
