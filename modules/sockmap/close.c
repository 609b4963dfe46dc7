// SPDX-License-Identifier: GPL-2.0
/*
 * A socket in maps going away. The protocols' BPF protos (tcp_bpf.c,
 * udp_bpf.c, unix_bpf.c) call these for close, unhash and destroy: the
 * socket leaves every map that holds it, then the call goes on to the
 * proto the socket had before it joined (saved in its psock).
 */

#include "sockmap.h"

static void sockmap_unlink(struct sock *sk, struct sk_psock_link *link)
{
	switch (link->map->map_type) {
	case BPF_MAP_TYPE_SOCKMAP:
		sockmap_array_unlink(link->map, sk, link->link_raw);
		break;
	case BPF_MAP_TYPE_SOCKHASH:
		sockmap_hash_unlink(link->map, sk, link->link_raw);
		break;
	default:
		break;
	}
}

/* Context: RCU read-side; @psock is @sk's. */
static void sockmap_remove_links(struct sock *sk, struct sk_psock *psock)
{
	struct sk_psock_link *link;

	while ((link = sockmap_kernel.psock_link_pop(psock))) {
		sockmap_unlink(sk, link);
		sk_psock_free_link(link);
	}
}

/* Leaks the socket rather than recurse into itself for ever (a bug). */
#define SOCKMAP_NO_RECURSION(saved, self) \
	WARN_ON_ONCE((void *)(saved) == (void *)(self))

void sockmap_unhash(struct sock *sk)
{
	void (*saved_unhash)(struct sock *sk);
	struct sk_psock *psock;

	rcu_read_lock();
	psock = sk_psock(sk);
	if (unlikely(!psock)) {
		saved_unhash = READ_ONCE(sk->sk_prot)->unhash;
	} else {
		saved_unhash = psock->saved_unhash;
		sockmap_remove_links(sk, psock);
	}
	rcu_read_unlock();
	if (SOCKMAP_NO_RECURSION(saved_unhash, sockmap_unhash) ||
	    SOCKMAP_NO_RECURSION(saved_unhash, READ_ONCE(sk->sk_prot)->unhash))
		return;
	if (saved_unhash)
		saved_unhash(sk);
}

void sockmap_destroy(struct sock *sk)
{
	void (*saved_destroy)(struct sock *sk);
	struct sk_psock *psock;

	rcu_read_lock();
	psock = sk_psock_get(sk);
	if (unlikely(!psock)) {
		rcu_read_unlock();
		saved_destroy = READ_ONCE(sk->sk_prot)->destroy;
	} else {
		saved_destroy = psock->saved_destroy;
		sockmap_remove_links(sk, psock);
		rcu_read_unlock();
		sockmap_kernel.psock_stop(psock);
		sk_psock_put(sk, psock);
	}
	if (SOCKMAP_NO_RECURSION(saved_destroy, sockmap_destroy))
		return;
	if (saved_destroy)
		saved_destroy(sk);
}

/* Context: process; may sleep (the socket's lock, the psock's work). */
void sockmap_close(struct sock *sk, long timeout)
{
	void (*saved_close)(struct sock *sk, long timeout);
	struct sk_psock *psock;

	lock_sock(sk);
	rcu_read_lock();
	psock = sk_psock(sk);
	if (likely(psock)) {
		saved_close = psock->saved_close;
		sockmap_remove_links(sk, psock);
		psock = sk_psock_get(sk);
	} else {
		saved_close = READ_ONCE(sk->sk_prot)->close;
	}
	rcu_read_unlock();
	if (psock) {
		sockmap_kernel.psock_stop(psock);
		release_sock(sk);
		/* The backlog may still be sending on @sk's behalf. */
		cancel_delayed_work_sync(&psock->work);
		sk_psock_put(sk, psock);
	} else {
		release_sock(sk);
	}

	if (SOCKMAP_NO_RECURSION(saved_close, sockmap_close) ||
	    SOCKMAP_NO_RECURSION(saved_close, sockmap_kernel.sock_map_close))
		return;
	saved_close(sk, timeout);
}
