// SPDX-License-Identifier: GPL-2.0
/*
 * sk_lookup.ko: BPF_PROG_TYPE_SK_LOOKUP of Linux 6.1 as a module.
 *
 * On a kernel with the bpfext base patch and BPF_SK_LOOKUP off, the
 * program type stays registered in the kernel, which calls this module,
 * through the bpfext sk_lookup site, to check and rewrite the programs'
 * context accesses, to run them for BPF_PROG_TEST_RUN, to attach them to
 * a netns (BPF_LINK_CREATE), for bpf_sk_assign(), and from the TCP and
 * UDP socket lookups. Loading or attaching the first such program loads
 * the module (its alias).
 *
 * On a kernel without the base patch (Debian's 6.1), where SK_LOOKUP is
 * built in, loading the module takes the built-in's place for all of that
 * but the run (takeover.c), and unloading gives it back.
 *
 * Every link pins the module: rmmod is refused while one exists.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "sk_lookup.h"

#if IS_ENABLED(CONFIG_BPFEXT)

static const struct bpfext_sk_lookup_ops sk_lookup_site_ops = {
	.link_create		= sk_lookup_link_create,
	.is_valid_access	= sk_lookup_is_valid_access,
	.convert_ctx_access	= sk_lookup_convert_ctx_access,
	.test_run		= sk_lookup_test_run,
	.run_v4			= sk_lookup_run_v4,
	.run_v6			= sk_lookup_run_v6,
	.assign			= sk_lookup_assign,
};

static int sk_lookup_serve(void)
{
	int err;

	err = bpfext_site_claim(BPFEXT_SITE_SK_LOOKUP, &sk_lookup_site_ops,
				THIS_MODULE);
	if (err)
		pr_err("bpfext sk_lookup site busy (%d)\n", err);
	return err;
}

/* Waits out any caller still inside the module's code. */
static void sk_lookup_unserve(void)
{
	bpfext_site_release(BPFEXT_SITE_SK_LOOKUP, &sk_lookup_site_ops);
}

#else

static int sk_lookup_serve(void)
{
	return sk_lookup_takeover();
}

static void sk_lookup_unserve(void)
{
	sk_lookup_giveback();
}

#endif

static int __init sk_lookup_init(void)
{
	int err;

	err = sk_lookup_kernel_init();
	if (err)
		return err;
	err = sk_lookup_serve();
	if (err)
		return err;

	pr_info("%s: serving BPF_PROG_TYPE_SK_LOOKUP\n", BPFEXT_VERSION);
	return 0;
}

/* No link is left (each pins the module), so no lookup runs a program. */
static void __exit sk_lookup_exit(void)
{
	sk_lookup_unserve();
	sk_lookup_links_exit();
}

module_init(sk_lookup_init);
module_exit(sk_lookup_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(BPFEXT_VERSION);
MODULE_DESCRIPTION("BPF_PROG_TYPE_SK_LOOKUP: BPF programs that pick the socket for a lookup");
MODULE_AUTHOR("bpfext developers");
MODULE_ALIAS_BPFEXT_SITE("sk_lookup");
