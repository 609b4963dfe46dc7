// SPDX-License-Identifier: GPL-2.0
/*
 * sockmap.ko: BPF_MAP_TYPE_SOCKMAP and BPF_MAP_TYPE_SOCKHASH of Linux 6.1
 * as a module.
 *
 * On a kernel with the bpfext base patch and BPF_SOCKMAP off, the kernel
 * keeps the two map types and has this module make their maps, attach
 * programs to them, run the helpers and take closing sockets out of them
 * (site.c); creating the first map, or attaching to one, loads it (its
 * alias). Every map pins the module: rmmod is refused while one exists.
 *
 * On a kernel without the base patch (Debian's 6.1), where sockmap is
 * built in, loading the module takes the built-in's place (takeover.c),
 * and unloading gives it back; the maps keep the built-in's layout, so
 * neither pins the other's maps.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "sockmap.h"

#if IS_ENABLED(CONFIG_BPFEXT)
#define sockmap_start sockmap_serve
#define sockmap_stop sockmap_unserve
#else
#define sockmap_start sockmap_takeover
#define sockmap_stop sockmap_giveback
#endif

static int __init sockmap_init(void)
{
	int err;

	err = sockmap_kernel_init();
	if (err)
		return err;
	err = sockmap_start();
	if (err)
		return err;
	pr_info("%s: serving BPF_MAP_TYPE_SOCKMAP and BPF_MAP_TYPE_SOCKHASH\n",
		BPFEXT_VERSION);
	return 0;
}

static void __exit sockmap_exit(void)
{
	sockmap_stop();
	sockmap_backpressure_exit();
}

module_init(sockmap_init);
module_exit(sockmap_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(BPFEXT_VERSION);
MODULE_DESCRIPTION("BPF socket maps: SOCKMAP and SOCKHASH, their programs and redirects");
MODULE_AUTHOR("bpfext developers");
MODULE_ALIAS_BPFEXT_SITE("sockmap");
