// SPDX-License-Identifier: GPL-2.0
/*
 * The compat layer for kernels without the base patch, built into this
 * module so that it carries its own copy (include/bpfext/compat.h).
 */
#include "../compat/symbols.c"
#include "../compat/btf.c"
#include "../compat/redirect.c"
