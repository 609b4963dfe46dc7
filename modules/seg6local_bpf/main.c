// SPDX-License-Identifier: GPL-2.0
/*
 * seg6local_bpf.ko: SRv6 End.BPF of Linux 6.1 as a module.
 *
 * On a kernel with the bpfext base patch and IPV6_SEG6_BPF off, built-in
 * seg6local parses End.BPF routes and calls this module, through the
 * bpfext seg6local site, to build and free their per-route records, for
 * their datapath, and for the helpers their programs call. The first
 * End.BPF route loads the module (its alias), and every End.BPF route
 * pins it: rmmod is refused while one exists.
 *
 * Where the kernel has no base patch (Debian's), the module takes over
 * the built-in End.BPF instead: see takeover.c.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>

#include "seg6local_bpf.h"

#if !BPFEXT_TAKEOVER
static int seg6local_bpf_build(struct bpfext_seg6_bpf *bpf, const void *cfg,
			       struct netlink_ext_ack *extack)
{
	return seg6local_bpf_route_add(bpf->prog, bpf->name, cfg, &bpf->priv);
}

static void seg6local_bpf_destroy(struct bpfext_seg6_bpf *bpf)
{
	seg6local_bpf_route_del(&bpf->priv);
}

static int seg6local_bpf_input(struct sk_buff *skb, struct bpfext_seg6_bpf *bpf)
{
	return seg6local_bpf_run(skb, bpf->prog, READ_ONCE(bpf->priv));
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

static int seg6local_bpf_serve(void)
{
	int err;

	err = bpfext_site_claim(BPFEXT_SITE_SEG6LOCAL, &seg6local_bpf_site_ops,
				THIS_MODULE);
	if (err)
		pr_err("bpfext seg6local site busy (%d)\n", err);
	return err;
}

/* No route is left; this waits out programs inside the helpers. */
static void seg6local_bpf_unserve(void)
{
	bpfext_site_release(BPFEXT_SITE_SEG6LOCAL, &seg6local_bpf_site_ops);
}
#else
static int seg6local_bpf_serve(void)
{
	return seg6local_bpf_takeover();
}

static void seg6local_bpf_unserve(void)
{
	seg6local_bpf_giveback();
}
#endif

/*
 * The first End.BPF route loads the module from its build_state, under
 * RTNL. Registering a genetlink family takes genetlink's lock, under which
 * other families' handlers wait for RTNL: then it is left to a worker.
 */
static bool seg6local_bpf_genl_up;

static void seg6local_bpf_genl_register(struct work_struct *work)
{
	int err = seg6local_bpf_stats_init();

	if (err)
		pr_warn("no counters over generic netlink (%d)\n", err);
	else
		seg6local_bpf_genl_up = true;
}

static DECLARE_WORK(seg6local_bpf_genl_work, seg6local_bpf_genl_register);

static int __init seg6local_bpf_init(void)
{
	int err;

	err = bpfext_kernel_init();
	if (err)
		return err;

	err = seg6local_bpf_serve();
	if (err)
		return err;

	if (rtnl_is_locked())
		schedule_work(&seg6local_bpf_genl_work);
	else
		seg6local_bpf_genl_register(NULL);

	pr_info("%s: serving End.BPF%s\n", BPFEXT_VERSION,
		BPFEXT_TAKEOVER ? ", taken over from the built-in" : "");
	return 0;
}

static void __exit seg6local_bpf_exit(void)
{
	flush_work(&seg6local_bpf_genl_work);
	seg6local_bpf_unserve();
	if (seg6local_bpf_genl_up)
		seg6local_bpf_stats_exit();
	else
		rcu_barrier();
}

module_init(seg6local_bpf_init);
module_exit(seg6local_bpf_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(BPFEXT_VERSION);
MODULE_DESCRIPTION("SRv6 End.BPF: BPF programs as seg6local behaviours");
MODULE_AUTHOR("bpfext developers");
MODULE_ALIAS_BPFEXT_SITE("seg6local");
