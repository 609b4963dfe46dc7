// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets into maps: from the bpf syscall (the value is a socket fd) and
 * from the programs the verifier lets update a sockmap (the value is a
 * socket pointer).
 */

#include <linux/net.h>
#include <net/tcp.h>

#include "sockmap.h"

/* A protocol that can give a socket a BPF proto: TCP, UDP and unix. */
bool sockmap_sk_is_suitable(const struct sock *sk)
{
	return !!sk->sk_prot->psock_update_sk_prot;
}

static bool sockmap_sk_state_allowed(const struct sock *sk)
{
	if (sk_is_tcp(sk))
		return (1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_LISTEN);
	if (sk_is_udp(sk))
		return sk_hashed(sk);
	if (sk_is_stream_unix(sk))
		return (1 << sk->sk_state) & TCPF_ESTABLISHED;
	return true;
}

/* Whether a program may send data to @sk: a listener takes none. */
bool sockmap_sk_redirect_allowed(const struct sock *sk)
{
	if (sk_is_tcp(sk))
		return sk->sk_state != TCP_LISTEN;
	return sk->sk_state == TCP_ESTABLISHED;
}

/* Context: @sk held, RCU read-side. */
static int sockmap_update_locked(struct bpf_map *map, void *key,
				 struct sock *sk, u64 flags)
{
	if (!sockmap_sk_state_allowed(sk))
		return -EOPNOTSUPP;
	if (map->map_type == BPF_MAP_TYPE_SOCKMAP)
		return sockmap_array_update(map, *(u32 *)key, sk, flags);
	return sockmap_hash_update(map, key, sk, flags);
}

/**
 * sockmap_update_elem_sys - BPF_MAP_UPDATE_ELEM on a sockmap or sockhash
 * @map: the map
 * @key: the key
 * @value: a socket fd, u32 or u64 as the map's value size
 * @flags: BPF_ANY, BPF_NOEXIST or BPF_EXIST
 *
 * Context: process; may sleep (the socket's lock).
 * Return: 0, or upstream's errno: -EINVAL for an fd over S32_MAX or a
 * socket without a sock, -EOPNOTSUPP for a protocol or state a map cannot
 * hold, and those of sockfd_lookup() and the map's update.
 */
int sockmap_update_elem_sys(struct bpf_map *map, void *key, void *value,
			    u64 flags)
{
	struct socket *sock;
	struct sock *sk;
	u64 ufd;
	int err;

	if (map->value_size == sizeof(u64))
		ufd = *(u64 *)value;
	else
		ufd = *(u32 *)value;
	if (ufd > S32_MAX)
		return -EINVAL;

	sock = sockfd_lookup(ufd, &err);
	if (!sock)
		return err;
	sk = sock->sk;
	if (!sk) {
		err = -EINVAL;
		goto out;
	}
	if (!sockmap_sk_is_suitable(sk)) {
		err = -EOPNOTSUPP;
		goto out;
	}

	lock_sock(sk);
	rcu_read_lock();
	err = sockmap_update_locked(map, key, sk, flags);
	rcu_read_unlock();
	release_sock(sk);
out:
	sockfd_put(sock);
	return err;
}

/*
 * ->map_update_elem, from a program the verifier lets update a sockmap
 * (bpf_map_update_elem() with a socket it holds as the value).
 */
int sockmap_update_elem(struct bpf_map *map, void *key, void *value,
			u64 flags)
{
	struct sock *sk = value;
	int err;

	if (unlikely(!sk || !sk_fullsock(sk)))
		return -EINVAL;
	if (!sockmap_sk_is_suitable(sk))
		return -EOPNOTSUPP;

	local_bh_disable();
	bh_lock_sock(sk);
	err = sockmap_update_locked(map, key, sk, flags);
	bh_unlock_sock(sk);
	local_bh_enable();
	return err;
}
