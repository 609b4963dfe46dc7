// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel symbols a module needs that a kernel without the base patch does
 * not export. kallsyms_lookup_name() itself is not exported since 5.7; a
 * kprobe on it yields its address, once, at module load.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <bpfext/bpfext.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/kstrtox.h>
#include <linux/string.h>

static unsigned long (*bpfext_kallsyms_lookup)(const char *name);
static int (*bpfext_skb_do_redirect_fn)(struct sk_buff *skb);

/**
 * bpfext_kernel_init - find what this module calls that is not exported
 *
 * Logs one line naming what is missing on failure.
 *
 * Context: process, module init.
 * Return: 0, or a negative errno.
 */
int bpfext_kernel_init(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int err;

	err = register_kprobe(&kp);
	if (err) {
		pr_err("cannot look up kernel symbols: kprobe on kallsyms_lookup_name failed (%d)\n",
		       err);
		return err;
	}
	bpfext_kallsyms_lookup = (void *)kp.addr;
	unregister_kprobe(&kp);

	bpfext_skb_do_redirect_fn = (void *)bpfext_symbol("skb_do_redirect");
	if (!bpfext_skb_do_redirect_fn) {
		pr_err("kernel symbol skb_do_redirect not found\n");
		return -ENOENT;
	}
	return 0;
}

/**
 * bpfext_symbol - address of a kernel symbol, exported or not
 * @name: the symbol; data symbols need CONFIG_KALLSYMS_ALL
 *
 * Return: the address, or 0 if the kernel has no such symbol.
 */
unsigned long bpfext_symbol(const char *name)
{
	return bpfext_kallsyms_lookup ? bpfext_kallsyms_lookup(name) : 0;
}

/**
 * bpfext_symbols_fill - fill a module's table of kernel functions
 * @table: the module's struct of pointers
 * @slots: each symbol and the offset of its pointer in @table
 * @n: how many
 *
 * Context: process, module init, after bpfext_kernel_init().
 * Return: 0, or -ENOENT (logged) if the kernel lacks one of them.
 */
int bpfext_symbols_fill(void *table, const struct bpfext_symbol_slot *slots,
			unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned long addr = bpfext_symbol(slots[i].name);

		if (!addr) {
			pr_err("kernel symbol %s not found\n", slots[i].name);
			return -ENOENT;
		}
		*(unsigned long *)((char *)table + slots[i].offset) = addr;
	}
	return 0;
}

/**
 * bpfext_symbol_is - whether @addr is the start of the symbol @name
 * @addr: a function pointer found in a built-in table
 * @name: the function it should be
 *
 * Tells a built-in table the module knows from one a later kernel (or a
 * livepatch) changed.
 */
bool bpfext_symbol_is(const void *addr, const char *name)
{
	char sym[KSYM_SYMBOL_LEN];

	if (!addr)
		return false;
	sprint_symbol(sym, (unsigned long)addr);
	/* "name+0x0/0x1f0": the start of @name, in vmlinux (no "[module]"). */
	return str_has_prefix(sym, name) && !strncmp(sym + strlen(name), "+0x0/", 5) &&
	       !strchr(sym, '[');
}

/* BPF_REDIRECT from an LWT xmit program: filter.c's, unexported in 6.1. */
/**
 * bpfext_symbol_size - the size kallsyms gives the symbol at @addr
 * @addr: the start of a symbol in vmlinux
 *
 * Return: its size in bytes (up to the next symbol), 0 if unknown.
 */
unsigned long bpfext_symbol_size(unsigned long addr)
{
	char sym[KSYM_SYMBOL_LEN], *size;
	unsigned long n;

	sprint_symbol(sym, addr);
	/* "name+0x0/0x348" */
	size = strstr(sym, "+0x0/");
	if (!size || strchr(sym, '[') || kstrtoul(size + 5, 16, &n))
		return 0;
	return n;
}

int bpfext_skb_do_redirect(struct sk_buff *skb)
{
	return bpfext_skb_do_redirect_fn(skb);
}
