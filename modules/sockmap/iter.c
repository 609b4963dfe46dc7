// SPDX-License-Identifier: GPL-2.0
/*
 * The "sockmap" bpf_iter target: a program run for each socket of a
 * SOCKMAP (key: the index) or a SOCKHASH (key: the element's), then
 * once with none. An iterator link holds its map, and so the module.
 *
 * Only with the base patch: a kernel whose sockmap is built in keeps its
 * own target, which reads the same layout.
 */

#include "sockmap.h"

#include <linux/btf_ids.h>

/* The context a program sees: Linux 6.1's, by name and layout. */
struct bpf_iter__sockmap {
	__bpf_md_ptr(struct bpf_iter_meta *, meta);
	__bpf_md_ptr(struct bpf_map *, map);
	__bpf_md_ptr(void *, key);
	__bpf_md_ptr(struct sock *, sk);
};

DEFINE_BPF_ITER_FUNC(sockmap, struct bpf_iter_meta *meta,
		     struct bpf_map *map, void *key, struct sock *sk)

struct sockmap_iter_state {
	struct bpf_map *map;
	/* SOCKMAP: the index shown; SOCKHASH: the bucket walked. */
	u32 index;
	struct sock *sk;
};

static int sockmap_iter_show_one(struct seq_file *seq, struct bpf_map *map,
				 void *key, struct sock *sk, bool in_stop)
{
	struct bpf_iter__sockmap ctx = {};
	struct bpf_iter_meta meta;
	struct bpf_prog *prog;

	meta.seq = seq;
	prog = bpf_iter_get_info(&meta, in_stop);
	if (!prog)
		return 0;
	ctx.meta = &meta;
	ctx.map = map;
	ctx.key = key;
	ctx.sk = sk;
	return bpf_iter_run_prog(prog, &ctx);
}

/* SOCKMAP: every index, empty ones shown with no socket. */
static void *sockmap_array_seq_at(struct sockmap_iter_state *st)
{
	if (st->index >= st->map->max_entries)
		return NULL;
	st->sk = sockmap_array_sk(st->map, st->index);
	return st;
}

static void *sockmap_array_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(rcu)
{
	if (*pos == 0)
		++*pos;
	rcu_read_lock();
	return sockmap_array_seq_at(seq->private);
}

static void *sockmap_array_seq_next(struct seq_file *seq, void *v,
				    loff_t *pos)
	__must_hold(rcu)
{
	struct sockmap_iter_state *st = seq->private;

	++*pos;
	++st->index;
	return sockmap_array_seq_at(st);
}

static int sockmap_array_seq_show(struct seq_file *seq, void *v)
	__must_hold(rcu)
{
	struct sockmap_iter_state *st = seq->private;

	return sockmap_iter_show_one(seq, st->map, &st->index, st->sk, false);
}

static void sockmap_array_seq_stop(struct seq_file *seq, void *v)
	__releases(rcu)
{
	struct sockmap_iter_state *st = seq->private;

	if (!v)
		sockmap_iter_show_one(seq, st->map, NULL, NULL, true);
	rcu_read_unlock();
}

static const struct seq_operations sockmap_array_seq_ops = {
	.start	= sockmap_array_seq_start,
	.next	= sockmap_array_seq_next,
	.stop	= sockmap_array_seq_stop,
	.show	= sockmap_array_seq_show,
};

/* SOCKHASH: the elements, bucket by bucket. */
static struct sockmap_hash_elem *
sockmap_hash_seq_find(struct sockmap_iter_state *st,
		      struct sockmap_hash_elem *prev)
{
	struct sockmap_hash *htab = container_of(st->map, struct sockmap_hash,
						 map);
	struct hlist_node *node;

	if (prev) {
		node = rcu_dereference(hlist_next_rcu(&prev->node));
		if (node)
			return hlist_entry(node, struct sockmap_hash_elem,
					   node);
		st->index++;
	}
	for (; st->index < htab->buckets_num; st->index++) {
		node = rcu_dereference(hlist_first_rcu(&htab->buckets[st->index].head));
		if (node)
			return hlist_entry(node, struct sockmap_hash_elem,
					   node);
	}
	return NULL;
}

static void *sockmap_hash_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(rcu)
{
	if (*pos == 0)
		++*pos;
	rcu_read_lock();
	return sockmap_hash_seq_find(seq->private, NULL);
}

static void *sockmap_hash_seq_next(struct seq_file *seq, void *v,
				   loff_t *pos)
	__must_hold(rcu)
{
	++*pos;
	return sockmap_hash_seq_find(seq->private, v);
}

static int sockmap_hash_seq_show(struct seq_file *seq, void *v)
	__must_hold(rcu)
{
	struct sockmap_iter_state *st = seq->private;
	struct sockmap_hash_elem *elem = v;

	return sockmap_iter_show_one(seq, st->map, elem->key, elem->sk, false);
}

static void sockmap_hash_seq_stop(struct seq_file *seq, void *v)
	__releases(rcu)
{
	struct sockmap_iter_state *st = seq->private;

	if (!v)
		sockmap_iter_show_one(seq, st->map, NULL, NULL, true);
	rcu_read_unlock();
}

static const struct seq_operations sockmap_hash_seq_ops = {
	.start	= sockmap_hash_seq_start,
	.next	= sockmap_hash_seq_next,
	.stop	= sockmap_hash_seq_stop,
	.show	= sockmap_hash_seq_show,
};

static int sockmap_iter_init_state(void *priv, struct bpf_iter_aux_info *aux)
{
	struct sockmap_iter_state *st = priv;

	bpf_map_inc_with_uref(aux->map);
	st->map = aux->map;
	return 0;
}

static void sockmap_iter_fini_state(void *priv)
{
	struct sockmap_iter_state *st = priv;

	bpf_map_put_with_uref(st->map);
}

const struct bpf_iter_seq_info sockmap_array_iter_seq_info = {
	.seq_ops		= &sockmap_array_seq_ops,
	.init_seq_private	= sockmap_iter_init_state,
	.fini_seq_private	= sockmap_iter_fini_state,
	.seq_priv_size		= sizeof(struct sockmap_iter_state),
};

const struct bpf_iter_seq_info sockmap_hash_iter_seq_info = {
	.seq_ops		= &sockmap_hash_seq_ops,
	.init_seq_private	= sockmap_iter_init_state,
	.fini_seq_private	= sockmap_iter_fini_state,
	.seq_priv_size		= sizeof(struct sockmap_iter_state),
};

static int sockmap_iter_attach(struct bpf_prog *prog,
			       union bpf_iter_link_info *linfo,
			       struct bpf_iter_aux_info *aux)
{
	struct bpf_map *map;
	int err = -EINVAL;

	if (!linfo->map.map_fd)
		return -EBADF;
	map = bpf_map_get_with_uref(linfo->map.map_fd);
	if (IS_ERR(map))
		return PTR_ERR(map);
	if (map->map_type != BPF_MAP_TYPE_SOCKMAP &&
	    map->map_type != BPF_MAP_TYPE_SOCKHASH)
		goto put;
	if (prog->aux->max_rdonly_access > map->key_size) {
		err = -EACCES;
		goto put;
	}
	aux->map = map;
	return 0;
put:
	bpf_map_put_with_uref(map);
	return err;
}

static void sockmap_iter_detach(struct bpf_iter_aux_info *aux)
{
	bpf_map_put_with_uref(aux->map);
}

/* The map's own iter_seq_info walks it (no seq_info here). */
static struct bpf_iter_reg sockmap_iter_reg = {
	.target			= "sockmap",
	.attach_target		= sockmap_iter_attach,
	.detach_target		= sockmap_iter_detach,
	.show_fdinfo		= bpf_iter_map_show_fdinfo,
	.fill_link_info		= bpf_iter_map_fill_link_info,
	.ctx_arg_info_size	= 2,
	.ctx_arg_info		= {
		{ offsetof(struct bpf_iter__sockmap, key),
		  PTR_TO_BUF | PTR_MAYBE_NULL | MEM_RDONLY },
		{ offsetof(struct bpf_iter__sockmap, sk),
		  PTR_TO_BTF_ID_OR_NULL },
	},
};

/* Context: process, module init. */
int sockmap_iter_init(void)
{
	sockmap_iter_reg.ctx_arg_info[1].btf_id =
		btf_sock_ids[BTF_SOCK_TYPE_SOCK];
	return bpf_iter_reg_target(&sockmap_iter_reg);
}

/* Context: module exit; no link is left, each holds a map. */
void sockmap_iter_exit(void)
{
	bpf_iter_unreg_target(&sockmap_iter_reg);
}
