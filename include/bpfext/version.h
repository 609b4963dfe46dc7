/* SPDX-License-Identifier: GPL-2.0 */
/* The suite's version: every module's MODULE_VERSION, and dkms.conf's. */
#ifndef _BPFEXT_VERSION_H
#define _BPFEXT_VERSION_H

#define BPFEXT_VERSION "0.2"

#endif /* _BPFEXT_VERSION_H */
