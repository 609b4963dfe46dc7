// SPDX-License-Identifier: GPL-2.0
/*
 * seg6local_bpf.ko: SRv6 End.BPF of Linux 6.1 as a module.
 *
 * On a kernel with the bpfext base patch and IPV6_SEG6_BPF off, built-in
 * seg6local parses End.BPF routes and calls this module, through the
 * bpfext seg6local site, for their datapath and for the helpers their
 * programs call. The first End.BPF route loads the module (its alias),
 * and every End.BPF route pins it: rmmod is refused while one exists.
 *
 * build_state runs under RTNL and may load this module, so its init
 * must not take RTNL.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "seg6local_bpf.h"

static int seg6local_bpf_build(struct bpfext_seg6_bpf *bpf, const void *cfg,
			       struct netlink_ext_ack *extack)
{
	return 0;
}

static void seg6local_bpf_destroy(struct bpfext_seg6_bpf *bpf)
{
}

static const struct bpfext_seg6local_ops seg6local_bpf_site_ops = {
	.build		= seg6local_bpf_build,
	.destroy	= seg6local_bpf_destroy,
	.input		= seg6local_bpf_input,
	.store_bytes	= seg6local_bpf_store_bytes,
	.action		= seg6local_bpf_action,
	.adjust_srh	= seg6local_bpf_adjust_srh,
	.push_encap	= seg6local_bpf_push_encap,
};

static int __init seg6local_bpf_init(void)
{
	int err;

	err = bpfext_kernel_init();
	if (err)
		return err;

	err = bpfext_site_claim(BPFEXT_SITE_SEG6LOCAL, &seg6local_bpf_site_ops,
				THIS_MODULE);
	if (err) {
		pr_err("bpfext seg6local site busy (%d)\n", err);
		return err;
	}
	pr_info("%s: serving End.BPF\n", BPFEXT_VERSION);
	return 0;
}

static void __exit seg6local_bpf_exit(void)
{
	/* No route is left; this waits out programs inside the helpers. */
	bpfext_site_release(BPFEXT_SITE_SEG6LOCAL, &seg6local_bpf_site_ops);
}

module_init(seg6local_bpf_init);
module_exit(seg6local_bpf_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(BPFEXT_VERSION);
MODULE_DESCRIPTION("SRv6 End.BPF: BPF programs as seg6local behaviours");
MODULE_AUTHOR("bpfext developers");
MODULE_ALIAS_BPFEXT_SITE("seg6local");
