// SPDX-License-Identifier: GPL-2.0
/*
 * Taking over the built-in sockmap of a kernel without the base patch
 * (Debian's 6.1).
 *
 * The built-in calls what is sockmap's own through const tables (the map
 * types' bpf_map_ops, the protocols' BPF protos), directly from the bpf
 * syscall, and from programs (the helpers). The module sends each of
 * those calls to its own code (modules/compat/redirect.c).
 *
 * Maps and psock links keep Linux 6.1's layout, checked here against the
 * kernel's BTF: a map the built-in made before the module loaded is
 * served by the module from then on, and one the module made goes on
 * under the built-in code after it unloads. So no map pins the module,
 * and unloading hands everything back. What stays built in reads that
 * layout too: the skmsg core (psocks, the stream parser, the verdicts'
 * datapath, which kTLS shares), the protocols' BPF protos, the verifier's
 * rules for the map types, and the "sockmap" bpf_iter target.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "sockmap.h"

static const struct bpfext_btf_member sockmap_61_stab[] = {
	{ "map", offsetof(struct sockmap_array, map),
	  sizeof_field(struct sockmap_array, map) },
	{ "sks", offsetof(struct sockmap_array, sks),
	  sizeof_field(struct sockmap_array, sks) },
	{ "progs", offsetof(struct sockmap_array, progs),
	  sizeof_field(struct sockmap_array, progs) },
	{ "lock", offsetof(struct sockmap_array, lock),
	  sizeof_field(struct sockmap_array, lock) },
};

static const struct bpfext_btf_member sockmap_61_shtab[] = {
	{ "map", offsetof(struct sockmap_hash, map),
	  sizeof_field(struct sockmap_hash, map) },
	{ "buckets", offsetof(struct sockmap_hash, buckets),
	  sizeof_field(struct sockmap_hash, buckets) },
	{ "buckets_num", offsetof(struct sockmap_hash, buckets_num),
	  sizeof_field(struct sockmap_hash, buckets_num) },
	{ "elem_size", offsetof(struct sockmap_hash, elem_size),
	  sizeof_field(struct sockmap_hash, elem_size) },
	{ "progs", offsetof(struct sockmap_hash, progs),
	  sizeof_field(struct sockmap_hash, progs) },
	{ "count", offsetof(struct sockmap_hash, count),
	  sizeof_field(struct sockmap_hash, count) },
};

static const struct bpfext_btf_member sockmap_61_shtab_elem[] = {
	{ "rcu", offsetof(struct sockmap_hash_elem, rcu),
	  sizeof_field(struct sockmap_hash_elem, rcu) },
	{ "hash", offsetof(struct sockmap_hash_elem, hash),
	  sizeof_field(struct sockmap_hash_elem, hash) },
	{ "sk", offsetof(struct sockmap_hash_elem, sk),
	  sizeof_field(struct sockmap_hash_elem, sk) },
	{ "node", offsetof(struct sockmap_hash_elem, node),
	  sizeof_field(struct sockmap_hash_elem, node) },
	/* A flexible array: BTF gives it no size. */
	{ "key", offsetof(struct sockmap_hash_elem, key), 0 },
};

static const struct bpfext_btf_member sockmap_61_shtab_bucket[] = {
	{ "head", offsetof(struct sockmap_hash_bucket, head),
	  sizeof_field(struct sockmap_hash_bucket, head) },
	{ "lock", offsetof(struct sockmap_hash_bucket, lock),
	  sizeof_field(struct sockmap_hash_bucket, lock) },
};

static const struct {
	const char *name;
	const struct bpfext_btf_member *members;
	unsigned int n;
} sockmap_61_layouts[] = {
	{ "bpf_stab", sockmap_61_stab, ARRAY_SIZE(sockmap_61_stab) },
	{ "bpf_shtab", sockmap_61_shtab, ARRAY_SIZE(sockmap_61_shtab) },
	{ "bpf_shtab_elem", sockmap_61_shtab_elem,
	  ARRAY_SIZE(sockmap_61_shtab_elem) },
	{ "bpf_shtab_bucket", sockmap_61_shtab_bucket,
	  ARRAY_SIZE(sockmap_61_shtab_bucket) },
};

/*
 * Replacements that sleep run pinned: the pin is taken here, at the
 * built-in's entry, where the module cannot be going yet unnoticed
 * (preemption is off); if it is going, the built-in serves the call.
 */
static bool sockmap_want_pinned(struct pt_regs *regs)
{
	return try_module_get(THIS_MODULE);
}

/* The pinned replacements: the module's call, then the pin dropped. */
static struct bpf_map *sockmap_array_alloc_61(union bpf_attr *attr)
{
	struct bpf_map *map = sockmap_array_alloc(attr);

	module_put(THIS_MODULE);
	return map;
}

static struct bpf_map *sockmap_hash_alloc_61(union bpf_attr *attr)
{
	struct bpf_map *map = sockmap_hash_alloc(attr);

	module_put(THIS_MODULE);
	return map;
}

static void sockmap_array_free_61(struct bpf_map *map)
{
	sockmap_array_free(map);
	module_put(THIS_MODULE);
}

static void sockmap_hash_free_61(struct bpf_map *map)
{
	sockmap_hash_free(map);
	module_put(THIS_MODULE);
}

static void sockmap_array_release_progs_61(struct bpf_map *map)
{
	sockmap_array_release_progs(map);
	module_put(THIS_MODULE);
}

static void sockmap_hash_release_progs_61(struct bpf_map *map)
{
	sockmap_hash_release_progs(map);
	module_put(THIS_MODULE);
}

static int sockmap_update_elem_sys_61(struct bpf_map *map, void *key,
				      void *value, u64 flags)
{
	int err = sockmap_update_elem_sys(map, key, value, flags);

	module_put(THIS_MODULE);
	return err;
}

static int sockmap_prog_attach_61(const union bpf_attr *attr,
				  struct bpf_prog *prog)
{
	int err = sockmap_prog_attach(attr, prog);

	module_put(THIS_MODULE);
	return err;
}

static int sockmap_prog_detach_61(const union bpf_attr *attr,
				  enum bpf_prog_type ptype)
{
	int err = sockmap_prog_detach(attr, ptype);

	module_put(THIS_MODULE);
	return err;
}

static int sockmap_prog_query_61(const union bpf_attr *attr,
				 union bpf_attr __user *uattr)
{
	int err = sockmap_prog_query(attr, uattr);

	module_put(THIS_MODULE);
	return err;
}

static void sockmap_close_61(struct sock *sk, long timeout)
{
	sockmap_close(sk, timeout);
	module_put(THIS_MODULE);
}

#define SOCKMAP_REDIRECT(builtin, to) { builtin, to }
#define SOCKMAP_REDIRECT_PINNED(builtin, to) \
	{ builtin, to##_61, sockmap_want_pinned }

/*
 * What runs on a socket already in a map first (its close, the
 * helpers), then the maps' own ops, then what makes new maps and links:
 * everything a map the module makes meets is the module's by then.
 */
static struct bpfext_redirect sockmap_redirects[] = {
	SOCKMAP_REDIRECT("sock_map_unhash", sockmap_unhash),
	SOCKMAP_REDIRECT("sock_map_destroy", sockmap_destroy),
	SOCKMAP_REDIRECT_PINNED("sock_map_close", sockmap_close),
	SOCKMAP_REDIRECT("bpf_sock_map_update", sockmap_sock_map_update),
	SOCKMAP_REDIRECT("bpf_sock_hash_update", sockmap_sock_hash_update),
	SOCKMAP_REDIRECT("bpf_sk_redirect_map", sockmap_sk_redirect_map),
	SOCKMAP_REDIRECT("bpf_sk_redirect_hash", sockmap_sk_redirect_hash),
	SOCKMAP_REDIRECT("bpf_msg_redirect_map", sockmap_msg_redirect_map),
	SOCKMAP_REDIRECT("bpf_msg_redirect_hash", sockmap_msg_redirect_hash),
	SOCKMAP_REDIRECT("sock_map_lookup", sockmap_array_lookup),
	SOCKMAP_REDIRECT("sock_map_lookup_sys", sockmap_array_lookup_sys),
	SOCKMAP_REDIRECT("sock_map_get_next_key", sockmap_array_get_next_key),
	SOCKMAP_REDIRECT("sock_map_delete_elem", sockmap_array_delete_elem),
	SOCKMAP_REDIRECT("sock_hash_lookup", sockmap_hash_lookup),
	SOCKMAP_REDIRECT("sock_hash_lookup_sys", sockmap_hash_lookup_sys),
	SOCKMAP_REDIRECT("sock_hash_get_next_key", sockmap_hash_get_next_key),
	SOCKMAP_REDIRECT("sock_hash_delete_elem", sockmap_hash_delete_elem),
	SOCKMAP_REDIRECT("sock_map_update_elem", sockmap_update_elem),
	SOCKMAP_REDIRECT_PINNED("sock_map_release_progs",
				sockmap_array_release_progs),
	SOCKMAP_REDIRECT_PINNED("sock_hash_release_progs",
				sockmap_hash_release_progs),
	SOCKMAP_REDIRECT_PINNED("sock_map_free", sockmap_array_free),
	SOCKMAP_REDIRECT_PINNED("sock_hash_free", sockmap_hash_free),
	SOCKMAP_REDIRECT_PINNED("sock_map_update_elem_sys",
				sockmap_update_elem_sys),
	SOCKMAP_REDIRECT_PINNED("sock_map_get_from_fd", sockmap_prog_attach),
	SOCKMAP_REDIRECT_PINNED("sock_map_prog_detach", sockmap_prog_detach),
	SOCKMAP_REDIRECT_PINNED("sock_map_bpf_prog_query", sockmap_prog_query),
	SOCKMAP_REDIRECT_PINNED("sock_map_alloc", sockmap_array_alloc),
	SOCKMAP_REDIRECT_PINNED("sock_hash_alloc", sockmap_hash_alloc),
};

/**
 * sockmap_takeover - serve sockmap in place of the built-in
 *
 * Context: process, module init.
 * Return: 0, or a negative errno with the reason logged.
 */
int sockmap_takeover(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(sockmap_61_layouts); i++) {
		err = bpfext_btf_check(sockmap_61_layouts[i].name,
				       sockmap_61_layouts[i].members,
				       sockmap_61_layouts[i].n);
		if (err)
			return err;
	}
	return bpfext_redirect_add(sockmap_redirects,
				   ARRAY_SIZE(sockmap_redirects));
}

/*
 * Context: process, module exit. Every map and psock goes on, served by
 * the built-in code from here; a replacement that sleeps still running
 * holds the module, so none is (rmmod waited for the count to drop).
 */
void sockmap_giveback(void)
{
	bpfext_redirect_del(sockmap_redirects, ARRAY_SIZE(sockmap_redirects));
	pr_info("sockmap handed back to the built-in implementation\n");
}
