// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_MAP_TYPE_SOCKHASH: sockets by a key of any size, in hash buckets.
 *
 * A bucket's list changes under its lock; readers walk it under RCU, and
 * an element is freed after a grace period. A socket's psock link points
 * at its element, so a socket closing removes the element it is in, if
 * that element is still in the map.
 */

#include <linux/jhash.h>

#include "sockmap.h"

#define SOCKHASH_CREATE_FLAG_MASK \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

static struct sockmap_hash *sockmap_hash(struct bpf_map *map)
{
	return container_of(map, struct sockmap_hash, map);
}

static u32 sockmap_hash_key(const void *key, u32 len)
{
	return jhash(key, len, 0);
}

static struct sockmap_hash_bucket *
sockmap_hash_bucket(struct sockmap_hash *htab, u32 hash)
{
	return &htab->buckets[hash & (htab->buckets_num - 1)];
}

/* Context: the bucket's lock or RCU read-side. */
static struct sockmap_hash_elem *
sockmap_hash_find(struct hlist_head *head, u32 hash, const void *key,
		  u32 key_size)
{
	struct sockmap_hash_elem *elem;

	hlist_for_each_entry_rcu(elem, head, node)
		if (elem->hash == hash && !memcmp(elem->key, key, key_size))
			return elem;
	return NULL;
}

struct bpf_map *sockmap_hash_alloc(union bpf_attr *attr)
{
	struct sockmap_hash *htab;
	u32 i;

	if (!capable(CAP_NET_ADMIN))
		return ERR_PTR(-EPERM);
	if (attr->max_entries == 0 || attr->key_size == 0 ||
	    (attr->value_size != sizeof(u32) &&
	     attr->value_size != sizeof(u64)) ||
	    attr->map_flags & ~SOCKHASH_CREATE_FLAG_MASK)
		return ERR_PTR(-EINVAL);
	if (attr->key_size > MAX_BPF_STACK)
		return ERR_PTR(-E2BIG);

	htab = sockmap_kernel.map_area_alloc(sizeof(*htab), NUMA_NO_NODE);
	if (!htab)
		return ERR_PTR(-ENOMEM);
	sockmap_kernel.map_init_from_attr(&htab->map, attr);

	/* 0 when max_entries is over 2^31: the rounding overflowed. */
	htab->buckets_num = roundup_pow_of_two(htab->map.max_entries);
	htab->elem_size = sizeof(struct sockmap_hash_elem) +
			  round_up(htab->map.key_size, 8);
	if (htab->buckets_num == 0 ||
	    htab->buckets_num > U32_MAX / sizeof(struct sockmap_hash_bucket))
		goto err_inval;

	htab->buckets = sockmap_kernel.map_area_alloc((u64)htab->buckets_num *
						      sizeof(*htab->buckets),
						      htab->map.numa_node);
	if (!htab->buckets) {
		sockmap_kernel.map_area_free(htab);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < htab->buckets_num; i++) {
		INIT_HLIST_HEAD(&htab->buckets[i].head);
		raw_spin_lock_init(&htab->buckets[i].lock);
	}
	return &htab->map;

err_inval:
	sockmap_kernel.map_area_free(htab);
	return ERR_PTR(-EINVAL);
}

static void sockmap_hash_free_elem(struct sockmap_hash *htab,
				   struct sockmap_hash_elem *elem)
{
	atomic_dec(&htab->count);
	kfree_rcu(elem, rcu);
}

/* Empties one bucket; its sockets are locked one at a time, outside it. */
static void sockmap_hash_free_bucket(struct sockmap_hash *htab,
				     struct sockmap_hash_bucket *bucket)
{
	struct sockmap_hash_elem *elem;
	struct hlist_node *node;
	HLIST_HEAD(unlink);

	/*
	 * Racing a socket's close for the bucket's lock: every socket still
	 * listed is linked, so its psock holds it, and a reference here is
	 * safe to take.
	 */
	raw_spin_lock_bh(&bucket->lock);
	hlist_for_each_entry(elem, &bucket->head, node)
		sock_hold(elem->sk);
	hlist_move_list(&bucket->head, &unlink);
	raw_spin_unlock_bh(&bucket->lock);

	hlist_for_each_entry_safe(elem, node, &unlink, node) {
		hlist_del(&elem->node);
		lock_sock(elem->sk);
		rcu_read_lock();
		sockmap_psock_unref(elem->sk, elem);
		rcu_read_unlock();
		release_sock(elem->sk);
		sock_put(elem->sk);
		sockmap_hash_free_elem(htab, elem);
	}
}

/* Context: process; the map has no user left. */
void sockmap_hash_free(struct bpf_map *map)
{
	struct sockmap_hash *htab = sockmap_hash(map);
	u32 i;

	/* No update or delete is in flight after this. */
	synchronize_rcu();
	for (i = 0; i < htab->buckets_num; i++) {
		sockmap_hash_free_bucket(htab, &htab->buckets[i]);
		cond_resched();
	}
	/* A psock reader may still be looking at its link to an element. */
	synchronize_rcu();
	sockmap_kernel.map_area_free(htab->buckets);
	sockmap_kernel.map_area_free(htab);
}

void sockmap_hash_release_progs(struct bpf_map *map)
{
	psock_progs_drop(&sockmap_hash(map)->progs);
}

/* Context: RCU read-side. */
struct sock *sockmap_hash_sk(struct bpf_map *map, void *key)
{
	struct sockmap_hash *htab = sockmap_hash(map);
	u32 hash = sockmap_hash_key(key, map->key_size);
	struct sockmap_hash_elem *elem;

	WARN_ON_ONCE(!rcu_read_lock_held());
	elem = sockmap_hash_find(&sockmap_hash_bucket(htab, hash)->head, hash,
				 key, map->key_size);
	return elem ? elem->sk : NULL;
}

/* From a program: the socket, referenced (the verifier makes it release). */
void *sockmap_hash_lookup(struct bpf_map *map, void *key)
{
	struct sock *sk = sockmap_hash_sk(map, key);

	if (!sk)
		return NULL;
	if (sk_is_refcounted(sk) && !refcount_inc_not_zero(&sk->sk_refcnt))
		return NULL;
	return sk;
}

/* From the syscall: the socket's cookie, if the value has room for it. */
void *sockmap_hash_lookup_sys(struct bpf_map *map, void *key)
{
	struct sock *sk;

	if (map->value_size != sizeof(u64))
		return ERR_PTR(-ENOSPC);
	sk = sockmap_hash_sk(map, key);
	if (!sk)
		return ERR_PTR(-ENOENT);
	sockmap_kernel.sock_gen_cookie(sk);
	return &sk->sk_cookie;
}

/* Context: the bucket's lock held. */
static void sockmap_hash_remove(struct sockmap_hash *htab,
				struct sockmap_hash_elem *elem)
{
	hlist_del_rcu(&elem->node);
	sockmap_psock_unref(elem->sk, elem);
	sockmap_hash_free_elem(htab, elem);
}

/* @sk leaves the map: its link pointed at @link_raw, its element. */
void sockmap_hash_unlink(struct bpf_map *map, struct sock *sk,
			 void *link_raw)
{
	struct sockmap_hash *htab = sockmap_hash(map);
	struct sockmap_hash_elem *elem = link_raw, *found;
	struct sockmap_hash_bucket *bucket;

	WARN_ON_ONCE(!rcu_read_lock_held());
	bucket = sockmap_hash_bucket(htab, elem->hash);

	/*
	 * The element may be leaving the map already (a delete, an update
	 * replacing it), but is not freed before a grace period: still
	 * safe to read, and removed only if still listed.
	 */
	raw_spin_lock_bh(&bucket->lock);
	found = sockmap_hash_find(&bucket->head, elem->hash, elem->key,
				  map->key_size);
	if (found == elem)
		sockmap_hash_remove(htab, elem);
	raw_spin_unlock_bh(&bucket->lock);
}

int sockmap_hash_delete_elem(struct bpf_map *map, void *key)
{
	struct sockmap_hash *htab = sockmap_hash(map);
	u32 hash = sockmap_hash_key(key, map->key_size);
	struct sockmap_hash_bucket *bucket;
	struct sockmap_hash_elem *elem;
	int err = -ENOENT;

	/* The buckets' locks are not hardirq-safe. */
	if (irqs_disabled())
		return -EOPNOTSUPP;

	bucket = sockmap_hash_bucket(htab, hash);
	raw_spin_lock_bh(&bucket->lock);
	elem = sockmap_hash_find(&bucket->head, hash, key, map->key_size);
	if (elem) {
		sockmap_hash_remove(htab, elem);
		err = 0;
	}
	raw_spin_unlock_bh(&bucket->lock);
	return err;
}

/* Context: a bucket's lock held. @old, if any, is about to go. */
static struct sockmap_hash_elem *
sockmap_hash_new_elem(struct sockmap_hash *htab, const void *key, u32 hash,
		      struct sock *sk, struct sockmap_hash_elem *old)
{
	struct sockmap_hash_elem *elem;

	if (atomic_inc_return(&htab->count) > htab->map.max_entries &&
	    !old) {
		atomic_dec(&htab->count);
		return ERR_PTR(-E2BIG);
	}
	elem = sockmap_kernel.map_kmalloc_node(&htab->map, htab->elem_size,
					       GFP_ATOMIC | __GFP_NOWARN,
					       htab->map.numa_node);
	if (!elem) {
		atomic_dec(&htab->count);
		return ERR_PTR(-ENOMEM);
	}
	memcpy(elem->key, key, htab->map.key_size);
	elem->sk = sk;
	elem->hash = hash;
	return elem;
}

/*
 * Puts @sk under @key. Context: @sk held, RCU read-side (the callers in
 * update.c and helpers.c).
 */
int sockmap_hash_update(struct bpf_map *map, void *key, struct sock *sk,
			u64 flags)
{
	struct sockmap_hash *htab = sockmap_hash(map);
	u32 hash = sockmap_hash_key(key, map->key_size);
	struct sockmap_hash_elem *elem, *elem_new;
	struct sockmap_hash_bucket *bucket;
	struct sk_psock_link *link;
	struct sk_psock *psock;
	int err;

	WARN_ON_ONCE(!rcu_read_lock_held());
	if (unlikely(flags > BPF_EXIST))
		return -EINVAL;

	link = sk_psock_init_link();
	if (!link)
		return -ENOMEM;
	err = sockmap_psock_link(map, sk);
	if (err < 0)
		goto out_free;
	psock = sk_psock(sk);
	WARN_ON_ONCE(!psock);

	bucket = sockmap_hash_bucket(htab, hash);
	raw_spin_lock_bh(&bucket->lock);
	elem = sockmap_hash_find(&bucket->head, hash, key, map->key_size);
	if (elem && flags == BPF_NOEXIST) {
		err = -EEXIST;
		goto out_unlock;
	}
	if (!elem && flags == BPF_EXIST) {
		err = -ENOENT;
		goto out_unlock;
	}
	elem_new = sockmap_hash_new_elem(htab, key, hash, sk, elem);
	if (IS_ERR(elem_new)) {
		err = PTR_ERR(elem_new);
		goto out_unlock;
	}
	sockmap_psock_add_link(psock, link, map, elem_new);
	/* At the head: a concurrent lookup finds it before the old one. */
	hlist_add_head_rcu(&elem_new->node, &bucket->head);
	if (elem)
		sockmap_hash_remove(htab, elem);
	raw_spin_unlock_bh(&bucket->lock);
	return 0;

out_unlock:
	raw_spin_unlock_bh(&bucket->lock);
	sk_psock_put(sk, psock);
out_free:
	sk_psock_free_link(link);
	return err;
}

static int sockmap_hash_first_from(struct sockmap_hash *htab, u32 i,
				   void *key_next)
{
	struct sockmap_hash_elem *elem;

	for (; i < htab->buckets_num; i++) {
		elem = hlist_entry_safe(rcu_dereference(hlist_first_rcu(&htab->buckets[i].head)),
					struct sockmap_hash_elem, node);
		if (elem) {
			memcpy(key_next, elem->key, htab->map.key_size);
			return 0;
		}
	}
	return -ENOENT;
}

/* A key not in the map restarts the walk at the first, as upstream. */
int sockmap_hash_get_next_key(struct bpf_map *map, void *key, void *key_next)
{
	struct sockmap_hash *htab = sockmap_hash(map);
	struct sockmap_hash_elem *elem, *next;
	u32 hash;

	if (!key)
		return sockmap_hash_first_from(htab, 0, key_next);
	hash = sockmap_hash_key(key, map->key_size);
	elem = sockmap_hash_find(&sockmap_hash_bucket(htab, hash)->head, hash,
				 key, map->key_size);
	if (!elem)
		return sockmap_hash_first_from(htab, 0, key_next);

	next = hlist_entry_safe(rcu_dereference(hlist_next_rcu(&elem->node)),
				struct sockmap_hash_elem, node);
	if (next) {
		memcpy(key_next, next->key, map->key_size);
		return 0;
	}
	return sockmap_hash_first_from(htab,
				       (hash & (htab->buckets_num - 1)) + 1,
				       key_next);
}
