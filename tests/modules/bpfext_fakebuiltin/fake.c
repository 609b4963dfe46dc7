// SPDX-License-Identifier: GPL-2.0
/*
 * Test module: makes the running kernel's built-in encap bpf look like one
 * lwt_bpf.ko does not know, as a later kernel or a livepatch that changed
 * its callbacks would, so that tests/lwt_bpf/refusal.sh can check that
 * lwt_bpf refuses to take it over and says why in one line.
 *
 * It points lwtun_encaps[LWTUNNEL_ENCAP_BPF] at a copy of the built-in ops
 * whose xmit is its own, a wrapper that calls the built-in one, so routes
 * keep working; unloading points the slot back. Only for kernels without
 * the bpfext base patch, where the built-in code serves encap bpf.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <bpfext/bpfext.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/lwtunnel.h>

static const struct lwtunnel_encap_ops __rcu **fake_slot;
static const struct lwtunnel_encap_ops *fake_builtin;
static struct lwtunnel_encap_ops fake_ops;

static int bpfext_fakebuiltin_xmit(struct sk_buff *skb)
{
	return fake_builtin->xmit(skb);
}

static int __init fake_init(void)
{
	const struct lwtunnel_encap_ops *ops;
	int err;

	err = bpfext_kernel_init();
	if (err)
		return err;
	fake_slot = (void *)bpfext_symbol("lwtun_encaps");
	if (!fake_slot)
		return -ENOENT;
	fake_slot += LWTUNNEL_ENCAP_BPF;

	rtnl_lock();
	ops = rcu_dereference_protected(*fake_slot, lockdep_rtnl_is_held());
	if (!ops || !bpfext_symbol_is(ops->xmit, "bpf_xmit")) {
		rtnl_unlock();
		pr_err("encap bpf is not served by the built-in code\n");
		return -EBUSY;
	}
	fake_builtin = ops;
	fake_ops = *ops;
	fake_ops.xmit = bpfext_fakebuiltin_xmit;
	WARN_ON(cmpxchg((const struct lwtunnel_encap_ops **)fake_slot, ops,
			&fake_ops) != ops);
	rtnl_unlock();
	return 0;
}

static void __exit fake_exit(void)
{
	rtnl_lock();
	WARN_ON(cmpxchg((const struct lwtunnel_encap_ops **)fake_slot,
			&fake_ops, fake_builtin) != &fake_ops);
	rtnl_unlock();
	synchronize_rcu();
}

module_init(fake_init);
module_exit(fake_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bpfext test: a built-in encap bpf that lwt_bpf does not know");
