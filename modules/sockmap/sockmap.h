/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sockmap.ko: BPF_MAP_TYPE_SOCKMAP and BPF_MAP_TYPE_SOCKHASH of Linux 6.1
 * as a module: the maps, the programs attached to them, the helpers that
 * update and redirect through them, and the socket callbacks that take a
 * closing socket out of them.
 *
 * What a socket in a map carries is the kernel's: its psock (skmsg.c, which
 * kTLS uses too), with the map's programs copied in when the socket joins,
 * and the protocol's BPF proto (tcp_bpf.c, udp_bpf.c, unix_bpf.c) whose
 * close, unhash and destroy come here. A psock lists the maps that hold
 * its socket (struct sk_psock_link), each link pointing at the map's slot
 * for it: the array entry, or the hash element.
 *
 * The maps keep Linux 6.1's layout (net/core/sock_map.c), so that on a
 * kernel whose sockmap is built in (Debian's 6.1) a map made before the
 * module loaded is served by the module, and one the module made is
 * served by the built-in code after it unloads (takeover.c).
 */
#ifndef _SOCKMAP_H
#define _SOCKMAP_H

#include <linux/bpf.h>
#include <linux/file.h>
#include <linux/filter.h>
#include <linux/skmsg.h>

#include <bpfext/bpfext.h>

/* BPF_MAP_TYPE_SOCKMAP: Linux 6.1's struct bpf_stab. */
struct sockmap_array {
	struct bpf_map map;
	/* max_entries slots; an entry changes under @lock, read under RCU. */
	struct sock **sks;
	/* Copied into each socket's psock when it joins. */
	struct sk_psock_progs progs;
	raw_spinlock_t lock;
};

/* Linux 6.1's struct bpf_shtab_elem: a psock's link points at one. */
struct sockmap_hash_elem {
	struct rcu_head rcu;
	u32 hash;
	struct sock *sk;
	struct hlist_node node;
	u8 key[];
};

/* Linux 6.1's struct bpf_shtab_bucket. */
struct sockmap_hash_bucket {
	struct hlist_head head;
	raw_spinlock_t lock;
};

/* BPF_MAP_TYPE_SOCKHASH: Linux 6.1's struct bpf_shtab. */
struct sockmap_hash {
	struct bpf_map map;
	/* buckets_num, a power of two; elements are freed after RCU. */
	struct sockmap_hash_bucket *buckets;
	u32 buckets_num;
	u32 elem_size;
	struct sk_psock_progs progs;
	/* Elements, at most max_entries. */
	atomic_t count;
};

/*
 * Kernel functions the base patch exports and a kernel without it does
 * not: kernel.c finds those at load (kallsyms).
 */
struct sockmap_kernel {
	struct bpf_map *(*bpf_map_get)(struct fd f);
	struct bpf_prog *(*bpf_prog_get)(u32 ufd);
	void *(*map_area_alloc)(u64 size, int numa_node);
	void (*map_area_free)(void *base);
	void (*map_init_from_attr)(struct bpf_map *map, union bpf_attr *attr);
	void *(*map_kmalloc_node)(const struct bpf_map *map, size_t size,
				  gfp_t flags, int node);
	struct sk_psock_link *(*psock_link_pop)(struct sk_psock *psock);
	void (*psock_stop)(struct sk_psock *psock);
	int (*psock_init_strp)(struct sock *sk, struct sk_psock *psock);
	void (*psock_start_strp)(struct sock *sk, struct sk_psock *psock);
	void (*psock_stop_strp)(struct sock *sk, struct sk_psock *psock);
	void (*psock_start_verdict)(struct sock *sk, struct sk_psock *psock);
	void (*psock_stop_verdict)(struct sock *sk, struct sk_psock *psock);
	u64 (*sock_gen_cookie)(struct sock *sk);
	/*
	 * What the protocols' BPF protos call on close: a socket whose
	 * proto's close is not this has a psock of another user.
	 */
	void (*sock_map_close)(struct sock *sk, long timeout);
};

extern struct sockmap_kernel sockmap_kernel;

/* kernel.c */
int sockmap_kernel_init(void);

/* psock.c: a socket joining and leaving maps */
int sockmap_psock_link(struct bpf_map *map, struct sock *sk);
void sockmap_psock_unref(struct sock *sk, void *link_raw);
void sockmap_psock_add_link(struct sk_psock *psock,
			    struct sk_psock_link *link, struct bpf_map *map,
			    void *link_raw);
struct sk_psock_progs *sockmap_progs(struct bpf_map *map);

/* update.c: sockets into maps, from the syscall and from programs */
bool sockmap_sk_is_suitable(const struct sock *sk);
bool sockmap_sk_redirect_allowed(const struct sock *sk);
int sockmap_update_elem_sys(struct bpf_map *map, void *key, void *value,
			    u64 flags);
int sockmap_update_elem(struct bpf_map *map, void *key, void *value,
			u64 flags);

/* array.c: BPF_MAP_TYPE_SOCKMAP */
struct bpf_map *sockmap_array_alloc(union bpf_attr *attr);
void sockmap_array_free(struct bpf_map *map);
int sockmap_array_get_next_key(struct bpf_map *map, void *key, void *next);
void *sockmap_array_lookup(struct bpf_map *map, void *key);
void *sockmap_array_lookup_sys(struct bpf_map *map, void *key);
int sockmap_array_delete_elem(struct bpf_map *map, void *key);
void sockmap_array_release_progs(struct bpf_map *map);
struct sock *sockmap_array_sk(struct bpf_map *map, u32 key);
int sockmap_array_update(struct bpf_map *map, u32 idx, struct sock *sk,
			 u64 flags);
void sockmap_array_unlink(struct bpf_map *map, struct sock *sk,
			  void *link_raw);

/* hash.c: BPF_MAP_TYPE_SOCKHASH */
struct bpf_map *sockmap_hash_alloc(union bpf_attr *attr);
void sockmap_hash_free(struct bpf_map *map);
int sockmap_hash_get_next_key(struct bpf_map *map, void *key, void *next);
void *sockmap_hash_lookup(struct bpf_map *map, void *key);
void *sockmap_hash_lookup_sys(struct bpf_map *map, void *key);
int sockmap_hash_delete_elem(struct bpf_map *map, void *key);
void sockmap_hash_release_progs(struct bpf_map *map);
struct sock *sockmap_hash_sk(struct bpf_map *map, void *key);
int sockmap_hash_update(struct bpf_map *map, void *key, struct sock *sk,
			u64 flags);
void sockmap_hash_unlink(struct bpf_map *map, struct sock *sk,
			 void *link_raw);

/* prog.c: BPF_PROG_ATTACH, _DETACH and _QUERY on a map */
int sockmap_prog_attach(const union bpf_attr *attr, struct bpf_prog *prog);
int sockmap_prog_detach(const union bpf_attr *attr,
			enum bpf_prog_type ptype);
int sockmap_prog_query(const union bpf_attr *attr,
		       union bpf_attr __user *uattr);

/* close.c: the protocols' BPF protos call these */
void sockmap_unhash(struct sock *sk);
void sockmap_destroy(struct sock *sk);
void sockmap_close(struct sock *sk, long timeout);

/* helpers.c: the six helpers, as the kernel's BPF_CALL_4 functions */
u64 sockmap_sock_map_update(u64 sops, u64 map, u64 key, u64 flags, u64 r5);
u64 sockmap_sock_hash_update(u64 sops, u64 map, u64 key, u64 flags, u64 r5);
u64 sockmap_sk_redirect_map(u64 skb, u64 map, u64 key, u64 flags, u64 r5);
u64 sockmap_sk_redirect_hash(u64 skb, u64 map, u64 key, u64 flags, u64 r5);
u64 sockmap_msg_redirect_map(u64 msg, u64 map, u64 key, u64 flags, u64 r5);
u64 sockmap_msg_redirect_hash(u64 msg, u64 map, u64 key, u64 flags, u64 r5);

/* backpressure.c: a full redirect target pauses its sources */
void sockmap_backpressure(struct sock *sk, struct sock *target, bool ingress);
void sockmap_backpressure_exit(void);

/* takeover.c, on a kernel without the base patch */
int sockmap_takeover(void);
void sockmap_giveback(void);

/* site.c and iter.c, on a kernel with the base patch */
int sockmap_serve(void);
void sockmap_unserve(void);
extern const struct bpf_iter_seq_info sockmap_array_iter_seq_info;
extern const struct bpf_iter_seq_info sockmap_hash_iter_seq_info;
int sockmap_iter_init(void);
void sockmap_iter_exit(void);

#endif /* _SOCKMAP_H */
