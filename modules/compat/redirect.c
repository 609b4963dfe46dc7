// SPDX-License-Identifier: GPL-2.0
/*
 * Sending a built-in function's calls to a module's copy of it.
 *
 * Built-in code that a module takes over may be called directly, or
 * through a const table, or from JIT-compiled BPF programs (helpers): no
 * writable slot to repoint. ftrace can: its handler at the function's
 * entry sets the saved instruction pointer to the module's function, which
 * has the same prototype and so finds the arguments where the caller left
 * them. This is livepatch's mechanism, without livepatch's all or nothing:
 * a redirect may decline a call (->want), which then runs the built-in
 * function, and each module adds and removes its own.
 *
 * What runs in a replacement must not outlive the module: a replacement
 * that can sleep runs with a module reference ->want takes (and the
 * replacement drops); one that cannot is waited for at removal.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <bpfext/bpfext.h>
#include <linux/ftrace.h>
#include <linux/rcupdate.h>
#include <linux/rcupdate_wait.h>

#if !IS_ENABLED(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS) || !IS_ENABLED(CONFIG_DYNAMIC_FTRACE)
#error "bpfext: taking over a built-in function needs DYNAMIC_FTRACE_WITH_ARGS"
#endif

/* Context: the function's entry, preemption off (ftrace's recursion guard). */
static void notrace bpfext_redirect_handler(unsigned long ip,
					    unsigned long parent_ip,
					    struct ftrace_ops *ops,
					    struct ftrace_regs *fregs)
{
	struct bpfext_redirect *r = container_of(ops, struct bpfext_redirect,
						 ops);

	if (r->want && !r->want(&fregs->regs))
		return;
	ftrace_instruction_pointer_set(fregs, (unsigned long)r->to);
}

static int bpfext_redirect_one(struct bpfext_redirect *r)
{
	unsigned long addr = bpfext_symbol(r->name);
	int err;

	if (!addr) {
		pr_err("kernel function %s not found\n", r->name);
		return -ENOENT;
	}
	/* No IBT (compat.h): the ftrace call site is the first instruction. */
	r->ops.func = bpfext_redirect_handler;
	r->ops.flags = FTRACE_OPS_FL_DYNAMIC | FTRACE_OPS_FL_IPMODIFY |
		       FTRACE_OPS_FL_PERMANENT;
	err = ftrace_set_filter_ip(&r->ops, addr, 0, 0);
	if (err) {
		pr_err("cannot trace %s (%d)\n", r->name, err);
		return err;
	}
	err = register_ftrace_function(&r->ops);
	if (err) {
		/* -EBUSY: a livepatch or another module replaces it already. */
		pr_err("cannot redirect %s (%d)\n", r->name, err);
		ftrace_set_filter_ip(&r->ops, addr, 1, 0);
	}
	return err;
}

/**
 * bpfext_redirect_add - send calls of built-in functions to replacements
 * @r: the redirects, each with ->name, ->to and ->want set
 * @n: how many; they take effect in this order
 *
 * Context: process.
 * Return: 0, or a negative errno (logged) with none of them in effect.
 */
int bpfext_redirect_add(struct bpfext_redirect *r, unsigned int n)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		err = bpfext_redirect_one(&r[i]);
		if (err) {
			bpfext_redirect_del(r, i);
			return err;
		}
	}
	return 0;
}

/**
 * bpfext_redirect_del - give calls back to the built-in functions
 * @r: redirects bpfext_redirect_add() put in effect
 * @n: how many; removed last first
 *
 * On return no CPU is in a replacement that does not sleep: those run
 * from a task (the verifier's callbacks) or under RCU (helpers).
 *
 * Context: process.
 */
void bpfext_redirect_del(struct bpfext_redirect *r, unsigned int n)
{
	while (n--) {
		unregister_ftrace_function(&r[n].ops);
		ftrace_free_filter(&r[n].ops);
	}
	synchronize_rcu();
	synchronize_rcu_tasks();
}
