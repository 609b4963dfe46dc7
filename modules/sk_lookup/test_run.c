// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_PROG_TEST_RUN of SK_LOOKUP programs: the program runs on a context
 * the caller gives (struct bpf_sk_lookup in ctx_in; no packet), as the
 * only program of a netns would, and the caller gets back its verdict
 * and, in ctx_out's cookie, the socket it selected.
 */

#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/sock.h>

#include "sk_lookup.h"

/* The caller's context, checked as in-tree: no socket, no bytes past it. */
static struct bpf_sk_lookup *ctx_from_user(const union bpf_attr *kattr)
{
	void __user *in = u64_to_user_ptr(kattr->test.ctx_in);
	u32 size = kattr->test.ctx_size_in;
	struct bpf_sk_lookup *ctx;
	int err;

	if (!in && !kattr->test.ctx_out)
		return ERR_PTR(-EINVAL);
	if (size > PAGE_SIZE)
		return ERR_PTR(-E2BIG);
	ctx = kzalloc(sizeof(*ctx), GFP_USER);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	if (in) {
		/* A larger context is fine if its extra bytes are zero. */
		if (size > sizeof(*ctx)) {
			err = check_zeroed_user(in + sizeof(*ctx),
						size - sizeof(*ctx));
			if (err <= 0) {
				kfree(ctx);
				return ERR_PTR(err ?: -E2BIG);
			}
			size = sizeof(*ctx);
		}
		if (copy_from_user(ctx, in, size)) {
			kfree(ctx);
			return ERR_PTR(-EFAULT);
		}
	}
	return ctx;
}

static int ctx_check(const struct bpf_sk_lookup *ctx)
{
	const u8 *tail = (const u8 *)ctx +
			 offsetofend(struct bpf_sk_lookup, local_port);
	const u8 *end = (const u8 *)(ctx + 1);

	if (ctx->sk)
		return -EINVAL;
	/* ingress_ifindex, and anything after it, must be zero. */
	for (; tail < end; tail++)
		if (*tail)
			return -EINVAL;
	if (ctx->local_port > U16_MAX)
		return -ERANGE;
	if (ctx->family != AF_INET &&
	    (!IS_ENABLED(CONFIG_IPV6) || ctx->family != AF_INET6))
		return -EAFNOSUPPORT;
	return 0;
}

static void ctx_to_kern(struct bpf_sk_lookup_kern *kern,
			struct bpf_sk_lookup *ctx)
{
	kern->family = ctx->family;
	kern->protocol = ctx->protocol;
	kern->dport = ctx->local_port;
	kern->sport = ctx->remote_port;
	if (ctx->family == AF_INET) {
		kern->v4.daddr = (__force __be32)ctx->local_ip4;
		kern->v4.saddr = (__force __be32)ctx->remote_ip4;
	} else {
		kern->v6.daddr = (struct in6_addr *)ctx->local_ip6;
		kern->v6.saddr = (struct in6_addr *)ctx->remote_ip6;
	}
}

/*
 * Runs @prog @repeat times with preemption off, leaving it between runs
 * when the scheduler asks. Returns the last verdict; *duration is the
 * mean time of a run in ns.
 */
static int run_repeat(struct bpf_prog_array *array,
		      struct bpf_sk_lookup_kern *kern, u32 repeat,
		      u32 *retval, u32 *duration)
{
	u64 start, spent = 0;
	u32 i;

	rcu_read_lock();
	preempt_disable();
	start = ktime_get_ns();
	for (i = 0; i < repeat;) {
		kern->selected_sk = NULL;
		*retval = sk_lookup_run_array(array, kern);
		if (++i == repeat)
			break;
		if (signal_pending(current)) {
			preempt_enable();
			rcu_read_unlock();
			return -EINTR;
		}
		if (need_resched()) {
			spent += ktime_get_ns() - start;
			preempt_enable();
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
			preempt_disable();
			start = ktime_get_ns();
		}
	}
	spent += ktime_get_ns() - start;
	preempt_enable();
	rcu_read_unlock();
	do_div(spent, repeat);
	*duration = min_t(u64, spent, U32_MAX);
	return 0;
}

static int results_to_user(const union bpf_attr *kattr,
			   union bpf_attr __user *uattr,
			   const struct bpf_sk_lookup *ctx, u32 retval,
			   u32 duration)
{
	void __user *out = u64_to_user_ptr(kattr->test.ctx_out);
	u32 size = sizeof(*ctx), copy = size, zero = 0;
	int err = 0;

	if (copy_to_user(&uattr->test.data_size_out, &zero, sizeof(zero)) ||
	    copy_to_user(&uattr->test.retval, &retval, sizeof(retval)) ||
	    copy_to_user(&uattr->test.duration, &duration, sizeof(duration)))
		return -EFAULT;
	if (!out)
		return 0;
	if (copy > kattr->test.ctx_size_out) {
		copy = kattr->test.ctx_size_out;
		err = -ENOSPC;
	}
	if (copy_to_user(out, ctx, copy) ||
	    copy_to_user(&uattr->test.ctx_size_out, &size, sizeof(size)))
		return -EFAULT;
	return err;
}

int sk_lookup_test_run(struct bpf_prog *prog, const union bpf_attr *kattr,
		       union bpf_attr __user *uattr)
{
	struct bpf_sk_lookup_kern kern = {};
	struct bpf_prog_array *array;
	u32 retval = 0, duration = 0;
	struct bpf_sk_lookup *ctx;
	int err;

	if (kattr->test.flags || kattr->test.cpu || kattr->test.batch_size ||
	    kattr->test.data_in || kattr->test.data_size_in ||
	    kattr->test.data_out || kattr->test.data_size_out)
		return -EINVAL;

	ctx = ctx_from_user(kattr);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	err = ctx_check(ctx);
	if (err)
		goto out;
	ctx_to_kern(&kern, ctx);

	err = -ENOMEM;
	array = sk_lookup_kernel.prog_array_alloc(1, GFP_KERNEL);
	if (!array)
		goto out;
	array->items[0].prog = prog;
	err = run_repeat(array, &kern, kattr->test.repeat ?: 1, &retval,
			 &duration);
	sk_lookup_kernel.prog_array_free(array);
	if (err)
		goto out;

	ctx->cookie = 0;
	if (kern.selected_sk) {
		/* Reuseport picks among a group per packet: there is none. */
		err = -EOPNOTSUPP;
		if (kern.selected_sk->sk_reuseport && !kern.no_reuseport)
			goto out;
		/* sock_gen_cookie(), which calls the unexported one. */
		preempt_disable();
		ctx->cookie = sk_lookup_kernel.sock_gen_cookie(kern.selected_sk);
		preempt_enable();
	}
	err = results_to_user(kattr, uattr, ctx, retval, duration);
out:
	kfree(ctx);
	return err;
}
