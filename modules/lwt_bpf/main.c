// SPDX-License-Identifier: GPL-2.0
/*
 * lwt_bpf.ko: BPF programs on routes, the LWTUNNEL_ENCAP_BPF encap of
 * Linux 6.1 as a module.
 *
 * Lifetime: every route holding an "encap bpf" state holds a reference on
 * this module (lwtunnel_build_state() takes it through .owner), so rmmod is
 * refused while any such route exists. The bpfext LWT site is claimed
 * before the encap is offered and released after it is withdrawn; the
 * counters' generic netlink family outlives both.
 */

#include <bpfext/bpfext.h>
#include <linux/module.h>
#include <net/lwtunnel.h>

#include "lwt_bpf.h"

static const struct bpfext_lwt_ops lwt_bpf_site_ops = {
	.push_ip_encap = lwt_bpf_push_ip_encap,
};

static int __init lwt_bpf_init(void)
{
	int err;

	err = lwt_bpf_stats_init();
	if (err)
		return err;

	err = bpfext_site_claim(BPFEXT_SITE_LWT, &lwt_bpf_site_ops,
				THIS_MODULE);
	if (err) {
		pr_err("lwt_bpf: bpfext LWT site busy (%d)\n", err);
		goto err_stats;
	}

	/* Returns -1, not an errno, when the encap type is taken. */
	if (lwtunnel_encap_add_ops(&lwt_bpf_encap_ops, LWTUNNEL_ENCAP_BPF)) {
		pr_err("lwt_bpf: LWTUNNEL_ENCAP_BPF is taken; is CONFIG_LWTUNNEL_BPF on?\n");
		err = -EBUSY;
		goto err_site;
	}
	return 0;

err_site:
	bpfext_site_release(BPFEXT_SITE_LWT, &lwt_bpf_site_ops);
err_stats:
	lwt_bpf_stats_exit();
	return err;
}

static void __exit lwt_bpf_exit(void)
{
	lwtunnel_encap_del_ops(&lwt_bpf_encap_ops, LWTUNNEL_ENCAP_BPF);
	bpfext_site_release(BPFEXT_SITE_LWT, &lwt_bpf_site_ops);
	lwt_bpf_stats_exit();
}

module_init(lwt_bpf_init);
module_exit(lwt_bpf_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("BPF programs on routes (encap bpf)");
MODULE_AUTHOR("bpfext developers");
MODULE_ALIAS_RTNL_LWT(BPF);
MODULE_ALIAS_BPFEXT_SITE("lwt");
