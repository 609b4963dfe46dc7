/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bpfext API on a kernel without the base patch, such as Debian's
 * packaged 6.1, whose built-in implementations a module takes over.
 * Include <bpfext/bpfext.h>, not this file.
 *
 * What it needs of the kernel, each checked at build (dkms.conf's
 * BUILD_EXCLUSIVE_*, the top Kbuild and the #errors below) or at load (one
 * log line saying what is missing, and the load fails):
 *  - Linux 6.1: a module knows the layout of the 6.1 built-in's private
 *    state, which it serves, frees and hands back, and checks at load
 *    that the built-in is the one it knows;
 *  - CONFIG_KPROBES and CONFIG_KALLSYMS_ALL: the built-in's tables and a
 *    few callees are not exported; their addresses come from kallsyms,
 *    whose lookup function is found through a kprobe;
 *  - no CONFIG_X86_KERNEL_IBT: that lookup function is then called through
 *    a pointer, and IBT may have sealed its landing pad.
 */
#ifndef _BPFEXT_COMPAT_H
#define _BPFEXT_COMPAT_H

#include <linux/ftrace.h>
#include <linux/stddef.h>
#include <linux/types.h>

#if !IS_ENABLED(CONFIG_KPROBES) || !IS_ENABLED(CONFIG_KALLSYMS_ALL)
#error "bpfext: without the base patch, CONFIG_KPROBES and CONFIG_KALLSYMS_ALL are needed"
#endif
#if IS_ENABLED(CONFIG_X86_KERNEL_IBT)
#error "bpfext: without the base patch, CONFIG_X86_KERNEL_IBT is not supported"
#endif

struct module;
struct sk_buff;

/*
 * The site registry's API. On this kernel the sites' callers are built-in
 * code that calls the built-in implementation directly; what a site
 * carries is stateless (BPF_LWT_ENCAP_IP of bpf_lwt_push_encap() pushes a
 * header onto a packet and reads no route state), so the built-in keeps
 * serving it, and a claim only records the module's ops.
 */
enum bpfext_site_id {
	BPFEXT_SITE_LWT,
	__BPFEXT_SITE_MAX,
};

struct bpfext_lwt_ops {
	int (*push_ip_encap)(struct sk_buff *skb, void *hdr, u32 len,
			     bool ingress);
};

static inline int bpfext_site_claim(enum bpfext_site_id id, const void *ops,
				    struct module *owner)
{
	return 0;
}

static inline void bpfext_site_release(enum bpfext_site_id id,
				       const void *ops)
{
}

#define MODULE_ALIAS_BPFEXT_SITE(name) MODULE_ALIAS("bpfext-site-" name)

/* modules/compat/symbols.c */
int bpfext_kernel_init(void);
unsigned long bpfext_symbol(const char *name);
unsigned long bpfext_symbol_size(unsigned long addr);
bool bpfext_symbol_is(const void *addr, const char *name);
int bpfext_skb_do_redirect(struct sk_buff *skb);

/*
 * A module's table of kernel functions it finds by name: each entry is a
 * symbol and where in the module's struct of pointers its address goes.
 */
struct bpfext_symbol_slot {
	const char *name;
	size_t offset;
};

#define BPFEXT_SYMBOL_SLOT(type, member, symbol) \
	{ #symbol, offsetof(type, member) }

int bpfext_symbols_fill(void *table, const struct bpfext_symbol_slot *slots,
			unsigned int n);

/* modules/compat/btf.c: where a module expects a member of a struct. */
struct bpfext_btf_member {
	const char *name;
	u32 offset;
	u32 size;
};

int bpfext_btf_check(const char *name, const struct bpfext_btf_member *members,
		     unsigned int n);

/*
 * modules/compat/redirect.c: calls of the built-in function @name go to
 * @to, which has its prototype, when @want (given the caller's registers)
 * says so or is NULL. A @to that can sleep runs with a module reference
 * that its @want takes and it drops.
 */
struct bpfext_redirect {
	const char *name;
	void *to;
	bool (*want)(struct pt_regs *regs);
	struct ftrace_ops ops;
};

int bpfext_redirect_add(struct bpfext_redirect *r, unsigned int n);
void bpfext_redirect_del(struct bpfext_redirect *r, unsigned int n);

#endif /* _BPFEXT_COMPAT_H */
