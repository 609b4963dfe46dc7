// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers that go through a sockmap or sockhash: sock_ops programs
 * put the socket they run for into one, SK_SKB and SK_MSG verdicts pick
 * the socket their data goes to. Their prototypes are the kernel's
 * (net/core/filter.c hands them to the verifier); these are the calls.
 *
 * A redirect only marks the skb or message: the verdict's caller in
 * skmsg.c or tcp_bpf.c moves the data, and takes a reference on the
 * target then. Context: RCU read-side, as every program runs.
 */

#include <net/tcp.h>

#include "sockmap.h"

/* The socket ops a map update from sock_ops may come from. */
static bool sockmap_sock_ops_okay(const struct bpf_sock_ops_kern *ops)
{
	return ops->op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB ||
	       ops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB ||
	       ops->op == BPF_SOCK_OPS_TCP_LISTEN_CB;
}

BPF_CALL_4(sockmap_sock_map_update, struct bpf_sock_ops_kern *, sops,
	   struct bpf_map *, map, void *, key, u64, flags)
{
	WARN_ON_ONCE(!rcu_read_lock_held());
	if (likely(sockmap_sk_is_suitable(sops->sk) &&
		   sockmap_sock_ops_okay(sops)))
		return sockmap_array_update(map, *(u32 *)key, sops->sk, flags);
	return -EOPNOTSUPP;
}

BPF_CALL_4(sockmap_sock_hash_update, struct bpf_sock_ops_kern *, sops,
	   struct bpf_map *, map, void *, key, u64, flags)
{
	WARN_ON_ONCE(!rcu_read_lock_held());
	if (likely(sockmap_sk_is_suitable(sops->sk) &&
		   sockmap_sock_ops_okay(sops)))
		return sockmap_hash_update(map, key, sops->sk, flags);
	return -EOPNOTSUPP;
}

/* SK_PASS with the skb marked for @sk, or SK_DROP. */
static u64 sockmap_sk_redirect(struct sk_buff *skb, struct sock *sk,
			       u64 flags)
{
	if (unlikely(!sk || !sockmap_sk_redirect_allowed(sk)))
		return SK_DROP;
	/* Beyond upstream: a full target pauses the skb's socket. */
	sockmap_backpressure(skb->sk, sk, flags & BPF_F_INGRESS);
	skb_bpf_set_redir(skb, sk, flags & BPF_F_INGRESS);
	return SK_PASS;
}

BPF_CALL_4(sockmap_sk_redirect_map, struct sk_buff *, skb,
	   struct bpf_map *, map, u32, key, u64, flags)
{
	/* Flags first: an unknown one drops without a lookup, as upstream. */
	if (unlikely(flags & ~BPF_F_INGRESS))
		return SK_DROP;
	return sockmap_sk_redirect(skb, sockmap_array_sk(map, key), flags);
}

BPF_CALL_4(sockmap_sk_redirect_hash, struct sk_buff *, skb,
	   struct bpf_map *, map, void *, key, u64, flags)
{
	if (unlikely(flags & ~BPF_F_INGRESS))
		return SK_DROP;
	return sockmap_sk_redirect(skb, sockmap_hash_sk(map, key), flags);
}

/*
 * SK_PASS with the message marked for @sk, or SK_DROP. Only TCP sends
 * a message on (egress); any socket the map holds can receive one.
 */
static u64 sockmap_msg_redirect(struct sk_msg *msg, struct sock *sk,
				u64 flags)
{
	if (unlikely(!sk || !sockmap_sk_redirect_allowed(sk)))
		return SK_DROP;
	if (!(flags & BPF_F_INGRESS) && !sk_is_tcp(sk))
		return SK_DROP;
	msg->flags = flags;
	msg->sk_redir = sk;
	return SK_PASS;
}

BPF_CALL_4(sockmap_msg_redirect_map, struct sk_msg *, msg,
	   struct bpf_map *, map, u32, key, u64, flags)
{
	if (unlikely(flags & ~BPF_F_INGRESS))
		return SK_DROP;
	return sockmap_msg_redirect(msg, sockmap_array_sk(map, key), flags);
}

BPF_CALL_4(sockmap_msg_redirect_hash, struct sk_msg *, msg,
	   struct bpf_map *, map, void *, key, u64, flags)
{
	if (unlikely(flags & ~BPF_F_INGRESS))
		return SK_DROP;
	return sockmap_msg_redirect(msg, sockmap_hash_sk(map, key), flags);
}
