// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately broken module: it WARNs when loaded. The harness
 * self-test loads it to prove that a kernel WARNING fails a run even when
 * every test case passed.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init warn_on_load_init(void)
{
	WARN(1, "bpfext harness self-test: deliberate warning\n");
	return 0;
}

static void __exit warn_on_load_exit(void)
{
}

module_init(warn_on_load_init);
module_exit(warn_on_load_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bpfext harness self-test: WARNs on load");
