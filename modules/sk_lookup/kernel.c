// SPDX-License-Identifier: GPL-2.0
/*
 * What the module calls in the kernel beyond its exports: the base patch
 * exports these; on a kernel without it (Debian's 6.1) they are found
 * by name at load, and the module refuses to load if one is missing.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sock_diag.h>

#include "sk_lookup.h"

#if IS_ENABLED(CONFIG_BPFEXT)

struct sk_lookup_kernel sk_lookup_kernel __ro_after_init = {
	.netns_bpf_mutex		= &netns_bpf_mutex,
	.link_init			= bpf_link_init,
	.link_prime			= bpf_link_prime,
	.link_settle			= bpf_link_settle,
	.link_cleanup			= bpf_link_cleanup,
	.prog_array_alloc		= bpf_prog_array_alloc,
	.prog_array_free		= bpf_prog_array_free,
	.prog_array_delete_safe_at	= bpf_prog_array_delete_safe_at,
	.prog_array_update_at		= bpf_prog_array_update_at,
	.sock_gen_cookie		= __sock_gen_cookie,
};

int sk_lookup_kernel_init(void)
{
	return 0;
}

#else

struct sk_lookup_kernel sk_lookup_kernel __ro_after_init;

#define SK_LOOKUP_SYMBOL(member, symbol) \
	BPFEXT_SYMBOL_SLOT(struct sk_lookup_kernel, member, symbol)

static const struct bpfext_symbol_slot sk_lookup_symbols[] = {
	SK_LOOKUP_SYMBOL(netns_bpf_mutex, netns_bpf_mutex),
	SK_LOOKUP_SYMBOL(link_init, bpf_link_init),
	SK_LOOKUP_SYMBOL(link_prime, bpf_link_prime),
	SK_LOOKUP_SYMBOL(link_settle, bpf_link_settle),
	SK_LOOKUP_SYMBOL(link_cleanup, bpf_link_cleanup),
	SK_LOOKUP_SYMBOL(prog_array_alloc, bpf_prog_array_alloc),
	SK_LOOKUP_SYMBOL(prog_array_free, bpf_prog_array_free),
	SK_LOOKUP_SYMBOL(prog_array_delete_safe_at, bpf_prog_array_delete_safe_at),
	SK_LOOKUP_SYMBOL(prog_array_update_at, bpf_prog_array_update_at),
	SK_LOOKUP_SYMBOL(sock_gen_cookie, __sock_gen_cookie),
};

/* Context: process, module init. */
int sk_lookup_kernel_init(void)
{
	int err;

	err = bpfext_kernel_init();
	if (err)
		return err;
	return bpfext_symbols_fill(&sk_lookup_kernel, sk_lookup_symbols,
				   ARRAY_SIZE(sk_lookup_symbols));
}

#endif
