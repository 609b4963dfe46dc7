// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_MAP_TYPE_SOCKMAP: an array of sockets, indexed by a u32 key.
 *
 * A slot changes under the map's lock; programs and the syscall read it
 * under RCU. A socket's psock link points at its slot, so a socket
 * closing finds and empties the slot it is in (sockmap_array_unlink), and
 * an update that replaced it meanwhile is left alone.
 */

#include "sockmap.h"

#define SOCKMAP_CREATE_FLAG_MASK \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

static struct sockmap_array *sockmap_array(struct bpf_map *map)
{
	return container_of(map, struct sockmap_array, map);
}

struct bpf_map *sockmap_array_alloc(union bpf_attr *attr)
{
	struct sockmap_array *stab;

	if (!capable(CAP_NET_ADMIN))
		return ERR_PTR(-EPERM);
	if (attr->max_entries == 0 || attr->max_entries > INT_MAX ||
	    attr->key_size != sizeof(u32) ||
	    (attr->value_size != sizeof(u32) &&
	     attr->value_size != sizeof(u64)) ||
	    attr->map_flags & ~SOCKMAP_CREATE_FLAG_MASK)
		return ERR_PTR(-EINVAL);

	stab = sockmap_kernel.map_area_alloc(sizeof(*stab), NUMA_NO_NODE);
	if (!stab)
		return ERR_PTR(-ENOMEM);
	sockmap_kernel.map_init_from_attr(&stab->map, attr);
	raw_spin_lock_init(&stab->lock);
	stab->sks = sockmap_kernel.map_area_alloc((u64)stab->map.max_entries *
						  sizeof(struct sock *),
						  stab->map.numa_node);
	if (!stab->sks) {
		sockmap_kernel.map_area_free(stab);
		return ERR_PTR(-ENOMEM);
	}
	return &stab->map;
}

/* Context: process; the map has no user left. */
void sockmap_array_free(struct bpf_map *map)
{
	struct sockmap_array *stab = sockmap_array(map);
	u32 i;

	/* No update or delete is in flight after this. */
	synchronize_rcu();
	for (i = 0; i < map->max_entries; i++) {
		struct sock **psk = &stab->sks[i];
		struct sock *sk = xchg(psk, NULL);

		if (!sk)
			continue;
		sock_hold(sk);
		lock_sock(sk);
		rcu_read_lock();
		sockmap_psock_unref(sk, psk);
		rcu_read_unlock();
		release_sock(sk);
		sock_put(sk);
	}
	/* A psock reader may still be looking at its link to a slot. */
	synchronize_rcu();
	sockmap_kernel.map_area_free(stab->sks);
	sockmap_kernel.map_area_free(stab);
}

void sockmap_array_release_progs(struct bpf_map *map)
{
	psock_progs_drop(&sockmap_array(map)->progs);
}

/* Context: RCU read-side. */
struct sock *sockmap_array_sk(struct bpf_map *map, u32 key)
{
	WARN_ON_ONCE(!rcu_read_lock_held());
	if (unlikely(key >= map->max_entries))
		return NULL;
	return READ_ONCE(sockmap_array(map)->sks[key]);
}

/* From a program: the socket, referenced (the verifier makes it release). */
void *sockmap_array_lookup(struct bpf_map *map, void *key)
{
	struct sock *sk = sockmap_array_sk(map, *(u32 *)key);

	if (!sk)
		return NULL;
	if (sk_is_refcounted(sk) && !refcount_inc_not_zero(&sk->sk_refcnt))
		return NULL;
	return sk;
}

/* From the syscall: the socket's cookie, if the value has room for it. */
void *sockmap_array_lookup_sys(struct bpf_map *map, void *key)
{
	struct sock *sk;

	if (map->value_size != sizeof(u64))
		return ERR_PTR(-ENOSPC);
	sk = sockmap_array_sk(map, *(u32 *)key);
	if (!sk)
		return ERR_PTR(-ENOENT);
	sockmap_kernel.sock_gen_cookie(sk);
	return &sk->sk_cookie;
}

/* Empties @psk if it holds @sk_test (any socket if NULL). */
static int sockmap_array_delete(struct sockmap_array *stab,
				struct sock *sk_test, struct sock **psk)
{
	struct sock *sk = NULL;
	int err = 0;

	/* The map's lock is not hardirq-safe. */
	if (irqs_disabled())
		return -EOPNOTSUPP;

	raw_spin_lock_bh(&stab->lock);
	if (!sk_test || sk_test == *psk)
		sk = xchg(psk, NULL);
	if (likely(sk))
		sockmap_psock_unref(sk, psk);
	else
		err = -EINVAL;
	raw_spin_unlock_bh(&stab->lock);
	return err;
}

/* @sk leaves the map: its link pointed at @link_raw, its slot. */
void sockmap_array_unlink(struct bpf_map *map, struct sock *sk,
			  void *link_raw)
{
	sockmap_array_delete(sockmap_array(map), sk, link_raw);
}

int sockmap_array_delete_elem(struct bpf_map *map, void *key)
{
	u32 i = *(u32 *)key;

	if (unlikely(i >= map->max_entries))
		return -EINVAL;
	return sockmap_array_delete(sockmap_array(map), NULL,
				    &sockmap_array(map)->sks[i]);
}

/* Every index is a key, empty or not, as for an array map. */
int sockmap_array_get_next_key(struct bpf_map *map, void *key, void *next)
{
	u32 i = key ? *(u32 *)key : U32_MAX;
	u32 *key_next = next;

	if (i == map->max_entries - 1)
		return -ENOENT;
	*key_next = i >= map->max_entries ? 0 : i + 1;
	return 0;
}

/*
 * Puts @sk in slot @idx. Context: @sk held, RCU read-side (the callers in
 * update.c and helpers.c).
 */
int sockmap_array_update(struct bpf_map *map, u32 idx, struct sock *sk,
			 u64 flags)
{
	struct sockmap_array *stab = sockmap_array(map);
	struct sk_psock_link *link;
	struct sk_psock *psock;
	struct sock *osk;
	int err;

	WARN_ON_ONCE(!rcu_read_lock_held());
	if (unlikely(flags > BPF_EXIST))
		return -EINVAL;
	if (unlikely(idx >= map->max_entries))
		return -E2BIG;

	link = sk_psock_init_link();
	if (!link)
		return -ENOMEM;
	err = sockmap_psock_link(map, sk);
	if (err < 0)
		goto out_free;
	psock = sk_psock(sk);
	WARN_ON_ONCE(!psock);

	raw_spin_lock_bh(&stab->lock);
	osk = stab->sks[idx];
	if (osk && flags == BPF_NOEXIST) {
		err = -EEXIST;
		goto out_unlock;
	}
	if (!osk && flags == BPF_EXIST) {
		err = -ENOENT;
		goto out_unlock;
	}
	sockmap_psock_add_link(psock, link, map, &stab->sks[idx]);
	stab->sks[idx] = sk;
	if (osk)
		sockmap_psock_unref(osk, &stab->sks[idx]);
	raw_spin_unlock_bh(&stab->lock);
	return 0;

out_unlock:
	raw_spin_unlock_bh(&stab->lock);
	if (psock)
		sk_psock_put(sk, psock);
out_free:
	sk_psock_free_link(link);
	return err;
}
