// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_SK_LOOKUP links: one program attached to one network namespace.
 *
 * A netns' links run in attach order. Every change to them rebuilds the
 * netns' run array whole and publishes it under RCU, so a lookup sees
 * either the old set or the new one. A link holds no reference on its
 * netns: the kernel's netns pre_exit detaches it (link->net = NULL), and
 * the link lives on, detached, until its last fd goes.
 *
 * The links sit on the kernel's own list, net->bpf.links[], laid out as
 * the kernel's struct bpf_netns_link, because kernel code walks that list:
 * netns teardown detaches every link on it, and where the built-in serves
 * SK_LOOKUP too (a kernel without the base patch, links made before the
 * module loaded) the built-in's links and ours make one run array, which
 * whichever side changes it rebuilds from the list. All of this is
 * serialised by the kernel's netns_bpf_mutex.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "sk_lookup.h"

static struct mutex *netns_mutex(void)
{
	return sk_lookup_kernel.netns_bpf_mutex;
}

static struct list_head *netns_links(struct net *net)
{
	return &net->bpf.links[NETNS_BPF_SK_LOOKUP];
}

static struct sk_lookup_link *to_sk_lookup_link(const struct bpf_link *link)
{
	return container_of(link, struct sk_lookup_link, link);
}

static struct bpf_prog_array *run_array(struct net *net)
{
	return rcu_dereference_protected(net->bpf.run_array[NETNS_BPF_SK_LOOKUP],
					 lockdep_is_held(netns_mutex()));
}

static void run_array_publish(struct net *net, struct bpf_prog_array *array)
{
	struct bpf_prog_array *old;

	old = rcu_replace_pointer(net->bpf.run_array[NETNS_BPF_SK_LOOKUP],
				  array, lockdep_is_held(netns_mutex()));
	sk_lookup_kernel.prog_array_free(old);
}

static unsigned int link_count(struct net *net)
{
	struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, netns_links(net))
		n++;
	return n;
}

/*
 * A run array of the netns' links, in attach order: the built-in's links
 * are struct bpf_netns_link, ours start the same way.
 */
static struct bpf_prog_array *run_array_build(struct net *net)
{
	struct bpf_prog_array *array;
	struct sk_lookup_link *pos;
	unsigned int i = 0;

	array = sk_lookup_kernel.prog_array_alloc(link_count(net), GFP_KERNEL);
	if (!array)
		return NULL;
	list_for_each_entry(pos, netns_links(net), node)
		array->items[i++].prog = pos->link.prog;
	return array;
}

static int link_index(struct net *net, struct sk_lookup_link *link)
{
	struct sk_lookup_link *pos;
	int i = 0;

	list_for_each_entry(pos, netns_links(net), node) {
		if (pos == link)
			return i;
		i++;
	}
	return -ENOENT;
}

/* Under netns_bpf_mutex; @link is attached to @net. */
static void link_detach_locked(struct net *net, struct sk_lookup_link *link)
{
	struct bpf_prog_array *old, *array;
	int idx = link_index(net, link);

	list_del(&link->node);
	link->net = NULL;
	static_branch_dec(&bpf_sk_lookup_enabled);

	if (list_empty(netns_links(net))) {
		run_array_publish(net, NULL);
		return;
	}
	array = run_array_build(net);
	if (array) {
		run_array_publish(net, array);
		return;
	}
	/*
	 * No memory for the smaller array: take the program out of the
	 * current one in place, as in-tree (it then runs a dummy there).
	 */
	old = run_array(net);
	WARN_ON(sk_lookup_kernel.prog_array_delete_safe_at(old, idx));
}

static void sk_lookup_link_release(struct bpf_link *link)
{
	struct sk_lookup_link *skl = to_sk_lookup_link(link);

	mutex_lock(netns_mutex());
	if (skl->net)
		link_detach_locked(skl->net, skl);
	mutex_unlock(netns_mutex());
}

static int sk_lookup_link_detach(struct bpf_link *link)
{
	sk_lookup_link_release(link);
	return 0;
}

static void sk_lookup_link_free(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct sk_lookup_link, rcu));
	/*
	 * The module's exit waits for this callback with rcu_barrier(), so
	 * its text outlives the return from here.
	 */
	module_put(THIS_MODULE);
}

static void sk_lookup_link_dealloc(struct bpf_link *link)
{
	call_rcu(&to_sk_lookup_link(link)->rcu, sk_lookup_link_free);
}

static int sk_lookup_link_update_prog(struct bpf_link *link,
				      struct bpf_prog *new_prog,
				      struct bpf_prog *old_prog)
{
	struct sk_lookup_link *skl = to_sk_lookup_link(link);
	struct net *net;
	int idx, err;

	mutex_lock(netns_mutex());
	err = -EPERM;
	if (old_prog && old_prog != link->prog)
		goto out;
	err = -EINVAL;
	if (new_prog->type != link->prog->type)
		goto out;
	/* Detached, or its netns is going away. */
	err = -ENOLINK;
	net = skl->net;
	if (!net || !check_net(net))
		goto out;

	idx = link_index(net, skl);
	err = sk_lookup_kernel.prog_array_update_at(run_array(net), idx,
						    new_prog);
	if (err)
		goto out;
	old_prog = xchg(&link->prog, new_prog);
	bpf_prog_put(old_prog);
out:
	mutex_unlock(netns_mutex());
	return err;
}

static int sk_lookup_link_fill_info(const struct bpf_link *link,
				    struct bpf_link_info *info)
{
	const struct sk_lookup_link *skl = to_sk_lookup_link(link);
	unsigned int inum = 0;

	mutex_lock(netns_mutex());
	if (skl->net && check_net(skl->net))
		inum = skl->net->ns.inum;
	mutex_unlock(netns_mutex());

	info->netns.netns_ino = inum;
	info->netns.attach_type = BPF_SK_LOOKUP;
	return 0;
}

static void sk_lookup_link_show_fdinfo(const struct bpf_link *link,
				       struct seq_file *seq)
{
	struct bpf_link_info info = {};

	sk_lookup_link_fill_info(link, &info);
	seq_printf(seq, "netns_ino:\t%u\nattach_type:\t%u\n",
		   info.netns.netns_ino, info.netns.attach_type);
}

static const struct bpf_link_ops sk_lookup_link_ops = {
	.release	= sk_lookup_link_release,
	.dealloc	= sk_lookup_link_dealloc,
	.detach		= sk_lookup_link_detach,
	.update_prog	= sk_lookup_link_update_prog,
	.fill_link_info	= sk_lookup_link_fill_info,
	.show_fdinfo	= sk_lookup_link_show_fdinfo,
};

static int link_attach(struct net *net, struct sk_lookup_link *skl)
{
	struct bpf_prog_array *array;
	int err = 0;

	mutex_lock(netns_mutex());
	if (link_count(net) >= SK_LOOKUP_MAX_LINKS) {
		err = -E2BIG;
		goto out;
	}
	list_add_tail(&skl->node, netns_links(net));
	array = run_array_build(net);
	if (!array) {
		list_del(&skl->node);
		err = -ENOMEM;
		goto out;
	}
	skl->net = net;
	run_array_publish(net, array);
	static_branch_inc(&bpf_sk_lookup_enabled);
out:
	mutex_unlock(netns_mutex());
	return err;
}

/* BPF_LINK_CREATE, called with the module pinned by its caller. */
int sk_lookup_link_create(const union bpf_attr *attr, struct bpf_prog *prog)
{
	struct bpf_link_primer primer;
	struct sk_lookup_link *skl;
	struct net *net;
	int err;

	if (attr->link_create.flags ||
	    attr->link_create.attach_type != BPF_SK_LOOKUP)
		return -EINVAL;

	net = get_net_ns_by_fd(attr->link_create.target_fd);
	if (IS_ERR(net))
		return PTR_ERR(net);

	err = -ENOMEM;
	skl = kzalloc(sizeof(*skl), GFP_USER);
	if (!skl)
		goto out_put_net;
	/* Dropped when the link is freed (sk_lookup_link_free()). */
	__module_get(THIS_MODULE);
	sk_lookup_kernel.link_init(&skl->link, BPF_LINK_TYPE_NETNS,
				   &sk_lookup_link_ops, prog);
	skl->type = BPF_SK_LOOKUP;
	skl->netns_type = NETNS_BPF_SK_LOOKUP;

	err = sk_lookup_kernel.link_prime(&skl->link, &primer);
	if (err) {
		kfree(skl);
		/* Our caller's reference on us is still held: not our last. */
		module_put(THIS_MODULE);
		goto out_put_net;
	}

	err = link_attach(net, skl);
	if (err) {
		sk_lookup_kernel.link_cleanup(&primer);
		goto out_put_net;
	}
	put_net(net);
	return sk_lookup_kernel.link_settle(&primer);

out_put_net:
	put_net(net);
	return err;
}

/* Context: process, module exit; no link is left (each pins the module). */
void sk_lookup_links_exit(void)
{
	/* Wait for the last sk_lookup_link_free() to return. */
	rcu_barrier();
}
