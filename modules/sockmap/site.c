// SPDX-License-Identifier: GPL-2.0
/*
 * Serving the bpfext sockmap site of a kernel with the base patch and
 * BPF_SOCKMAP off: the kernel keeps the two map types, and has this
 * module make their maps, which get these ops; its syscall entry points,
 * helpers and socket callbacks come here (net/core/bpfext_sockmap.c).
 *
 * Every map pins the module until it is freed, so rmmod is refused while
 * one exists; a psock is only made for a socket put in a map. The maps'
 * map_btf_id are the kernel's struct bpf_stab and bpf_shtab, whose
 * layout is 6.1's, as the module's (sockmap.h) is.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "sockmap.h"

static const struct bpf_map_ops sockmap_array_ops = {
	.map_meta_equal		= bpf_map_meta_equal,
	.map_alloc		= sockmap_array_alloc,
	.map_free		= sockmap_array_free,
	.map_get_next_key	= sockmap_array_get_next_key,
	.map_lookup_elem_sys_only = sockmap_array_lookup_sys,
	.map_update_elem	= sockmap_update_elem,
	.map_delete_elem	= sockmap_array_delete_elem,
	.map_lookup_elem	= sockmap_array_lookup,
	.map_release_uref	= sockmap_array_release_progs,
	.map_check_btf		= map_check_no_btf,
	.map_btf_id		= &bpfext_sockmap_btf_ids[0],
	.iter_seq_info		= &sockmap_array_iter_seq_info,
};

static const struct bpf_map_ops sockmap_hash_ops = {
	.map_meta_equal		= bpf_map_meta_equal,
	.map_alloc		= sockmap_hash_alloc,
	.map_free		= sockmap_hash_free,
	.map_get_next_key	= sockmap_hash_get_next_key,
	.map_lookup_elem_sys_only = sockmap_hash_lookup_sys,
	.map_update_elem	= sockmap_update_elem,
	.map_delete_elem	= sockmap_hash_delete_elem,
	.map_lookup_elem	= sockmap_hash_lookup,
	.map_release_uref	= sockmap_hash_release_progs,
	.map_check_btf		= map_check_no_btf,
	.map_btf_id		= &bpfext_sockmap_btf_ids[1],
	.iter_seq_info		= &sockmap_hash_iter_seq_info,
};

static const struct bpfext_sockmap_ops sockmap_site_ops = {
	.array_ops		= &sockmap_array_ops,
	.hash_ops		= &sockmap_hash_ops,
	.update_elem_sys	= sockmap_update_elem_sys,
	.prog_attach		= sockmap_prog_attach,
	.prog_detach		= sockmap_prog_detach,
	.prog_query		= sockmap_prog_query,
	.unhash			= sockmap_unhash,
	.destroy		= sockmap_destroy,
	.close			= sockmap_close,
	.sock_map_update	= sockmap_sock_map_update,
	.sock_hash_update	= sockmap_sock_hash_update,
	.sk_redirect_map	= sockmap_sk_redirect_map,
	.sk_redirect_hash	= sockmap_sk_redirect_hash,
	.msg_redirect_map	= sockmap_msg_redirect_map,
	.msg_redirect_hash	= sockmap_msg_redirect_hash,
};

/**
 * sockmap_serve - claim the sockmap site and register the iterator
 *
 * Context: process, module init.
 * Return: 0, or a negative errno with the reason logged.
 */
int sockmap_serve(void)
{
	int err;

	err = sockmap_iter_init();
	if (err) {
		pr_err("the \"sockmap\" bpf_iter target: %d\n", err);
		return err;
	}
	err = bpfext_site_claim(BPFEXT_SITE_SOCKMAP, &sockmap_site_ops,
				THIS_MODULE);
	if (err) {
		pr_err("bpfext sockmap site busy (%d)\n", err);
		sockmap_iter_exit();
	}
	return err;
}

/*
 * Context: process, module exit. No map is left (each pins the module),
 * so no socket has a psock of ours; waits out the callers still inside.
 */
void sockmap_unserve(void)
{
	bpfext_site_release(BPFEXT_SITE_SOCKMAP, &sockmap_site_ops);
	sockmap_iter_exit();
}
