// SPDX-License-Identifier: GPL-2.0
/*
 * What the module calls in the kernel beyond its exports: the base patch
 * exports these; on a kernel without it (Debian's 6.1) they are found
 * by name at load, and the module refuses to load if one is missing.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sock_diag.h>

#include "sockmap.h"

#if IS_ENABLED(CONFIG_BPFEXT)

struct sockmap_kernel sockmap_kernel __ro_after_init = {
	.bpf_map_get		= __bpf_map_get,
	.bpf_prog_get		= bpf_prog_get,
	.map_area_alloc		= bpf_map_area_alloc,
	.map_area_free		= bpf_map_area_free,
	.map_init_from_attr	= bpf_map_init_from_attr,
	.map_kmalloc_node	= bpf_map_kmalloc_node,
	.psock_link_pop		= sk_psock_link_pop,
	.psock_stop		= sk_psock_stop,
	.psock_init_strp	= sk_psock_init_strp,
	.psock_start_strp	= sk_psock_start_strp,
	.psock_stop_strp	= sk_psock_stop_strp,
	.psock_start_verdict	= sk_psock_start_verdict,
	.psock_stop_verdict	= sk_psock_stop_verdict,
	.sock_gen_cookie	= __sock_gen_cookie,
	.sock_map_close		= sock_map_close,
};

int sockmap_kernel_init(void)
{
	return 0;
}

#else

struct sockmap_kernel sockmap_kernel __ro_after_init = {
	.sock_map_close		= sock_map_close,
#if !IS_ENABLED(CONFIG_MEMCG_KMEM)
	/* An inline then, without a symbol. */
	.map_kmalloc_node	= bpf_map_kmalloc_node,
#endif
};

#define SOCKMAP_SYMBOL(member, symbol) \
	BPFEXT_SYMBOL_SLOT(struct sockmap_kernel, member, symbol)

static const struct bpfext_symbol_slot sockmap_symbols[] = {
	SOCKMAP_SYMBOL(bpf_map_get, __bpf_map_get),
	SOCKMAP_SYMBOL(bpf_prog_get, bpf_prog_get),
	SOCKMAP_SYMBOL(map_area_alloc, bpf_map_area_alloc),
	SOCKMAP_SYMBOL(map_area_free, bpf_map_area_free),
	SOCKMAP_SYMBOL(map_init_from_attr, bpf_map_init_from_attr),
#if IS_ENABLED(CONFIG_MEMCG_KMEM)
	SOCKMAP_SYMBOL(map_kmalloc_node, bpf_map_kmalloc_node),
#endif
	SOCKMAP_SYMBOL(psock_link_pop, sk_psock_link_pop),
	SOCKMAP_SYMBOL(psock_stop, sk_psock_stop),
	SOCKMAP_SYMBOL(psock_init_strp, sk_psock_init_strp),
	SOCKMAP_SYMBOL(psock_start_strp, sk_psock_start_strp),
	SOCKMAP_SYMBOL(psock_stop_strp, sk_psock_stop_strp),
	SOCKMAP_SYMBOL(psock_start_verdict, sk_psock_start_verdict),
	SOCKMAP_SYMBOL(psock_stop_verdict, sk_psock_stop_verdict),
	SOCKMAP_SYMBOL(sock_gen_cookie, __sock_gen_cookie),
};

/* Context: process, module init. */
int sockmap_kernel_init(void)
{
	int err;

	err = bpfext_kernel_init();
	if (err)
		return err;
	return bpfext_symbols_fill(&sockmap_kernel, sockmap_symbols,
				   ARRAY_SIZE(sockmap_symbols));
}

#endif
