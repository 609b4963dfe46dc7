// SPDX-License-Identifier: GPL-2.0
/* The compat layer's symbol lookup (include/bpfext/compat.h). */
#include "../../../modules/compat/symbols.c"
