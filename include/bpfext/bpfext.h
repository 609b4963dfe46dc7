/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between bpfext modules and the kernel they load into.
 *
 * Modules include this header, never <linux/bpfext.h> directly. It is the
 * one place that selects what the kernel offers:
 *
 *  - a kernel with the bpfext base patch (CONFIG_BPFEXT): the site
 *    registry, and the facility's in-tree implementation configured out,
 *    so a module offers the facility where nothing else does;
 *  - a kernel without it (Debian's packaged 6.1): a compat layer with the
 *    same API, compiled into each module (modules/compat/), which takes
 *    over the facility's built-in implementation at load and gives it
 *    back at unload (see compat.h for what it needs of the kernel).
 */
#ifndef _BPFEXT_BPFEXT_H
#define _BPFEXT_BPFEXT_H

#include <linux/filter.h>
#include <linux/kconfig.h>
#include <linux/printk.h>
#include <linux/rtnetlink.h>
#include <net/lwtunnel.h>

#include <bpfext/version.h>

#if IS_ENABLED(CONFIG_BPFEXT)
#include <linux/bpfext.h>

/* The site ops these modules are written against. */
#define BPFEXT_MODULES_API_VERSION 4

#if BPFEXT_API_VERSION != BPFEXT_MODULES_API_VERSION
#error "bpfext: kernel site API version differs from the modules'"
#endif

/* Built-in implementations are configured out: nothing to take over. */
#define BPFEXT_TAKEOVER 0
#define BPFEXT_CONTRACT "bpfext base patch"

static inline int bpfext_kernel_init(void)
{
	return 0;
}

static inline int bpfext_skb_do_redirect(struct sk_buff *skb)
{
	return skb_do_redirect(skb);
}
#else
#include <bpfext/compat.h>
#define BPFEXT_TAKEOVER 1
#define BPFEXT_CONTRACT "built-in takeover"
#endif

/*
 * An lwtunnel encap type a module serves. @ops pin the module from every
 * state they build (.owner): a kernel without another implementation has
 * nothing to hand those states to. @takeover_ops, the same callbacks with
 * no owner, serve instead when the module takes over a built-in
 * implementation, to which unloading hands every state back, so no state
 * needs to pin the module. @check_builtin vets the built-in ops before a
 * takeover (the module must know the layout of the states they built) and
 * logs why it refuses.
 *
 * bpfext_encap_claim() fills in @builtin (NULL if the module serves alone)
 * and @active (the ops now in the slot).
 */
struct bpfext_encap {
	unsigned int type;
	const struct lwtunnel_encap_ops *ops;
	const struct lwtunnel_encap_ops *takeover_ops;
	int (*check_builtin)(const struct lwtunnel_encap_ops *builtin);
	const struct lwtunnel_encap_ops *builtin;
	const struct lwtunnel_encap_ops *active;
	/* private: the built-in's slot, when taken over */
	const struct lwtunnel_encap_ops __rcu **slot;
};

#if IS_ENABLED(CONFIG_BPFEXT)
/* Context: process; takes RTNL on a stock kernel. */
static inline int bpfext_encap_claim(struct bpfext_encap *encap)
{
	encap->builtin = NULL;
	/* Returns -1, not an errno, when the type is taken. */
	if (lwtunnel_encap_add_ops(encap->ops, encap->type)) {
		pr_err("lwtunnel encap type %u is taken; is its in-tree implementation on?\n",
		       encap->type);
		return -EBUSY;
	}
	encap->active = encap->ops;
	return 0;
}

/* Context: RTNL held. The caller waits for a grace period afterwards. */
static inline void bpfext_encap_release(struct bpfext_encap *encap)
{
	ASSERT_RTNL();
	lwtunnel_encap_del_ops(encap->active, encap->type);
}
#else
int bpfext_encap_claim(struct bpfext_encap *encap);
void bpfext_encap_release(struct bpfext_encap *encap);
#endif

/*
 * Helpers a module supplies to BPF programs are kfuncs in the module's own
 * BTF. The verifier resolves a call to one only while the module is loaded
 * and makes every program that calls one hold a reference on the module,
 * so the module cannot be unloaded under it. The base patch gives the LWT
 * program types (in, out, xmit and seg6local) a kfunc hook for this;
 * Linux 6.1 itself has none.
 */
#include <linux/btf.h>

static inline int bpfext_register_lwt_kfuncs(const struct btf_kfunc_id_set *set)
{
	if (!IS_ENABLED(CONFIG_BPFEXT))
		return -EOPNOTSUPP;
	/*
	 * LWT_IN, LWT_OUT, LWT_XMIT and LWT_SEG6LOCAL share one hook, and a
	 * module's set may be registered with a hook only once.
	 */
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_LWT_XMIT, set);
}

#endif /* _BPFEXT_BPFEXT_H */
