// SPDX-License-Identifier: GPL-2.0
/*
 * Taking over the built-in SK_LOOKUP of a kernel without the base patch
 * (Debian's 6.1).
 *
 * The built-in calls what is SK_LOOKUP's own directly or through const
 * tables: netns_bpf_link_create() from the bpf syscall, the verifier's
 * context callbacks and BPF_PROG_TEST_RUN through sk_lookup's ops, and
 * bpf_sk_lookup_assign() from the programs themselves. The module sends
 * each of those calls to its own code (modules/compat/redirect.c); a link
 * of another attach type (the flow dissector's) stays the built-in's.
 *
 * Two things stay built in, and read the state in the in-tree layout the
 * module keeps: the programs' run, inlined into the TCP and UDP lookups
 * behind bpf_sk_lookup_enabled (taking it over would mean replacing the
 * four lookups themselves, paid on every lookup even with no program),
 * and BPF_PROG_QUERY and netns teardown. Links the built-in made before
 * the module loaded stay on the same list, before the module's, and keep
 * working, as do those it makes after the module unloads (which it cannot
 * while a link of its own exists).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "sk_lookup.h"

/* What the kernel reads of every link on net->bpf.links[]. */
static const struct bpfext_btf_member sk_lookup_61_link_members[] = {
	{ "link", offsetof(struct sk_lookup_link, link),
	  sizeof_field(struct sk_lookup_link, link) },
	{ "type", offsetof(struct sk_lookup_link, type),
	  sizeof_field(struct sk_lookup_link, type) },
	{ "netns_type", offsetof(struct sk_lookup_link, netns_type),
	  sizeof_field(struct sk_lookup_link, netns_type) },
	{ "net", offsetof(struct sk_lookup_link, net),
	  sizeof_field(struct sk_lookup_link, net) },
	{ "node", offsetof(struct sk_lookup_link, node),
	  sizeof_field(struct sk_lookup_link, node) },
};

/*
 * Replacements that sleep run pinned: the pin is taken here, at the
 * built-in's entry, where the module cannot be going yet unnoticed
 * (preemption is off); if it is going, the built-in serves the call.
 */
static bool sk_lookup_want_pinned(struct pt_regs *regs)
{
	return try_module_get(THIS_MODULE);
}

/* Only BPF_SK_LOOKUP links: the first argument is the bpf_attr. */
static bool sk_lookup_want_link(struct pt_regs *regs)
{
	const union bpf_attr *attr =
		(void *)regs_get_kernel_argument(regs, 0);

	if (attr->link_create.attach_type != BPF_SK_LOOKUP)
		return false;
	return try_module_get(THIS_MODULE);
}

static int sk_lookup_link_create_61(const union bpf_attr *attr,
				    struct bpf_prog *prog)
{
	int ret = sk_lookup_link_create(attr, prog);

	module_put(THIS_MODULE);
	return ret;
}

static int sk_lookup_test_run_61(struct bpf_prog *prog,
				 const union bpf_attr *kattr,
				 union bpf_attr __user *uattr)
{
	int ret = sk_lookup_test_run(prog, kattr, uattr);

	module_put(THIS_MODULE);
	return ret;
}

/* bpf_sk_lookup_assign()'s prototype, a BPF helper's. */
BPF_CALL_3(sk_lookup_assign_61, struct bpf_sk_lookup_kern *, ctx,
	   struct sock *, sk, u64, flags)
{
	return sk_lookup_assign(ctx, sk, flags);
}

/* Everything else first: the first link the module makes is served whole. */
static struct bpfext_redirect sk_lookup_redirects[] = {
	{ "sk_lookup_is_valid_access", sk_lookup_is_valid_access },
	{ "sk_lookup_convert_ctx_access", sk_lookup_convert_ctx_access },
	{ "bpf_sk_lookup_assign", sk_lookup_assign_61 },
	{ "bpf_prog_test_run_sk_lookup", sk_lookup_test_run_61,
	  sk_lookup_want_pinned },
	{ "netns_bpf_link_create", sk_lookup_link_create_61,
	  sk_lookup_want_link },
};

/**
 * sk_lookup_takeover - serve SK_LOOKUP in place of the built-in
 *
 * Context: process, module init.
 * Return: 0, or a negative errno with the reason logged.
 */
int sk_lookup_takeover(void)
{
	int err;

	err = bpfext_btf_check("bpf_netns_link", sk_lookup_61_link_members,
			       ARRAY_SIZE(sk_lookup_61_link_members));
	if (err)
		return err;
	return bpfext_redirect_add(sk_lookup_redirects,
				   ARRAY_SIZE(sk_lookup_redirects));
}

/*
 * Context: process, module exit. The module has no link left; the
 * built-in's links, and any it makes from now on, go on as they are.
 */
void sk_lookup_giveback(void)
{
	bpfext_redirect_del(sk_lookup_redirects,
			    ARRAY_SIZE(sk_lookup_redirects));
	pr_info("SK_LOOKUP handed back to the built-in implementation\n");
}
