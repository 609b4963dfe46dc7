// SPDX-License-Identifier: GPL-2.0
/*
 * A module that supplies one helper to LWT programs the way bpfext modules
 * do (bpfext_register_lwt_kfuncs()), so tests/core/kfunc.sh can show what
 * the verifier and module refcounting do with it. bpfext's counterpart of
 * upstream's bpf_testmod.
 */
#include <bpfext/bpfext.h>
#include <linux/btf_ids.h>
#include <linux/module.h>

/* Global and not inlined: a kfunc is found by its BTF and its address. */
u64 bpfext_testmod_triple_plus_one(u64 x);

/* Something a program cannot compute by accident: 3x + 1. */
noinline u64 bpfext_testmod_triple_plus_one(u64 x)
{
	return 3 * x + 1;
}

BTF_SET8_START(bpfext_testmod_kfunc_ids)
BTF_ID_FLAGS(func, bpfext_testmod_triple_plus_one)
BTF_SET8_END(bpfext_testmod_kfunc_ids)

static const struct btf_kfunc_id_set bpfext_testmod_kfuncs = {
	.owner	= THIS_MODULE,
	.set	= &bpfext_testmod_kfunc_ids,
};

static int __init bpfext_testmod_init(void)
{
	return bpfext_register_lwt_kfuncs(&bpfext_testmod_kfuncs);
}

static void __exit bpfext_testmod_exit(void)
{
}

module_init(bpfext_testmod_init);
module_exit(bpfext_testmod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bpfext test module: a kfunc for LWT programs");
