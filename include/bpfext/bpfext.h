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

#endif /* _BPFEXT_BPFEXT_H */
