// SPDX-License-Identifier: GPL-2.0
/*
 * lwt_bpf.ko: BPF programs on routes, the LWTUNNEL_ENCAP_BPF encap of
 * Linux 6.1 as a module.
 *
 * Two ways to serve, chosen at load (include/bpfext/bpfext.h):
 *
 *  - alone, on a kernel with the bpfext base patch, where the in-tree
 *    implementation is configured out: every route holding an "encap bpf"
 *    state holds a reference on this module (lwtunnel_build_state() takes
 *    it through .owner), so rmmod is refused while any such route exists;
 *
 *  - taking over the built-in implementation of a kernel without it
 *    (Debian's): the encap slot is pointed at our ops, which build every
 *    new state and serve the old ones by handing them to the built-in
 *    code. No state pins the module: unloading turns our states into
 *    plain 6.1 states and points the slot back, and the built-in code
 *    serves every route again.
 *
 * The bpfext LWT site is claimed before the encap is offered and released
 * after it is withdrawn; the counters' generic netlink family outlives
 * both.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <bpfext/bpfext.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/lwtunnel.h>

#include "lwt_bpf.h"

static const struct bpfext_lwt_ops lwt_bpf_site_ops = {
	.push_ip_encap = lwt_bpf_push_ip_encap,
};

struct bpfext_encap lwt_bpf_encap = {
	.type		= LWTUNNEL_ENCAP_BPF,
	.ops		= &lwt_bpf_encap_ops,
	.takeover_ops	= &lwt_bpf_takeover_ops,
#if BPFEXT_TAKEOVER
	.check_builtin	= lwt_bpf_check_builtin,
#endif
};

static int __init lwt_bpf_init(void)
{
	int err;

	err = bpfext_kernel_init();
	if (err)
		return err;

	lwt_bpf_takeover_ops = lwt_bpf_encap_ops;
	lwt_bpf_takeover_ops.owner = NULL;

	err = lwt_bpf_stats_init();
	if (err)
		return err;

	err = bpfext_site_claim(BPFEXT_SITE_LWT, &lwt_bpf_site_ops,
				THIS_MODULE);
	if (err) {
		pr_err("bpfext LWT site busy (%d)\n", err);
		goto err_stats;
	}

	err = bpfext_encap_claim(&lwt_bpf_encap);
	if (err)
		goto err_site;

	pr_info("%s: serving encap bpf%s\n", BPFEXT_VERSION,
		lwt_bpf_encap.builtin ?
		", taken over from the built-in implementation" : "");
	return 0;

err_site:
	bpfext_site_release(BPFEXT_SITE_LWT, &lwt_bpf_site_ops);
err_stats:
	lwt_bpf_stats_exit();
	return err;
}

static void __exit lwt_bpf_exit(void)
{
	rtnl_lock();
	lwt_bpf_stats_handover();
	bpfext_encap_release(&lwt_bpf_encap);
	rtnl_unlock();
	/* No CPU is left in our ops or datapath after this. */
	synchronize_rcu();

	bpfext_site_release(BPFEXT_SITE_LWT, &lwt_bpf_site_ops);
	lwt_bpf_stats_exit();
	if (lwt_bpf_encap.builtin)
		pr_info("encap bpf handed back to the built-in implementation\n");
}

module_init(lwt_bpf_init);
module_exit(lwt_bpf_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(BPFEXT_VERSION);
MODULE_DESCRIPTION("BPF programs on routes (encap bpf)");
MODULE_AUTHOR("bpfext developers");
MODULE_ALIAS_RTNL_LWT(BPF);
MODULE_ALIAS_BPFEXT_SITE("lwt");
#if !BPFEXT_TAKEOVER
/*
 * The SRv6 encaps of bpf_lwt_push_encap() from an "in" program are
 * seg6local_bpf.ko's on the hooks kernel: built in on 6.1, they must be
 * there whenever encap bpf is.
 */
MODULE_SOFTDEP("post: seg6local_bpf");
#endif
