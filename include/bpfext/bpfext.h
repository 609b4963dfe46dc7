/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between bpfext modules and the kernel they load into.
 *
 * Modules include this header, never <linux/bpfext.h> directly: on a
 * hooks kernel it is the base patch's site registry; a kernel without the
 * patch needs a compat layer providing the same API, which this header is
 * the place to select.
 */
#ifndef _BPFEXT_BPFEXT_H
#define _BPFEXT_BPFEXT_H

#include <linux/kconfig.h>

#if IS_ENABLED(CONFIG_BPFEXT)
#include <linux/bpfext.h>
#else
#error "bpfext modules need a kernel with the bpfext base patch (CONFIG_BPFEXT)"
#endif

/* The site ops these modules are written against. */
#define BPFEXT_MODULES_API_VERSION 1

#if BPFEXT_API_VERSION != BPFEXT_MODULES_API_VERSION
#error "bpfext: kernel site API version differs from the modules'"
#endif

/*
 * Helpers a module supplies to BPF programs are kfuncs in the module's own
 * BTF. The verifier resolves a call to one only while the module is loaded
 * and makes every program that calls one hold a reference on the module,
 * so the module cannot be unloaded under it. The base patch gives the LWT
 * program types (in, out, xmit and seg6local) a kfunc hook for this.
 */
#include <linux/btf.h>

static inline int bpfext_register_lwt_kfuncs(const struct btf_kfunc_id_set *set)
{
	/*
	 * LWT_IN, LWT_OUT, LWT_XMIT and LWT_SEG6LOCAL share one hook, and a
	 * module's set may be registered with a hook only once.
	 */
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_LWT_XMIT, set);
}

#endif /* _BPFEXT_BPFEXT_H */
