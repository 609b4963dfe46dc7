// SPDX-License-Identifier: GPL-2.0
/*
 * Taking over an lwtunnel encap type that built-in code serves.
 *
 * lwtunnel dispatches every call on a state through lwtun_encaps[type],
 * read each time under RCU: for the datapath (input, output, xmit), dumps
 * (fill_encap, get_encap_size), route compares (cmp_encap) and frees
 * (destroy_state). States keep no pointer to the ops that built them. So
 * one store into that slot, from the built-in ops to the module's, moves
 * every later call on every state, old and new, to the module; the store
 * back moves them all to the built-in again. Neither store changes a
 * state: the module must serve the built-in's states as they are, and
 * leave its own in a shape the built-in can serve (lwt_bpf.h).
 *
 * The slot is not exported; its address comes from kallsyms. Writers of
 * the slot are lwtunnel_encap_add_ops()/del_ops(), which use cmpxchg; so
 * do we. RTNL is held around each store: every build_state runs under it
 * (route and nexthop requests), so no build is half done on either side
 * of the store.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <bpfext/bpfext.h>
#include <linux/rtnetlink.h>
#include <net/lwtunnel.h>

static const struct lwtunnel_encap_ops __rcu **bpfext_encap_slot(unsigned int type)
{
	const struct lwtunnel_encap_ops __rcu **table;

	table = (void *)bpfext_symbol("lwtun_encaps");
	if (!table) {
		pr_err("cannot take over encap type %u: kernel symbol lwtun_encaps not found\n",
		       type);
		return NULL;
	}
	return &table[type];
}

/**
 * bpfext_encap_claim - serve an encap type, taking it over if built in
 * @encap: the type and the module's ops
 *
 * Logs one line saying why on failure.
 *
 * Context: process; takes RTNL.
 * Return: 0, or a negative errno.
 */
int bpfext_encap_claim(struct bpfext_encap *encap)
{
	const struct lwtunnel_encap_ops __rcu **slot;
	const struct lwtunnel_encap_ops *builtin;
	int err = 0;

	encap->builtin = NULL;
	/* Nothing built in for this type: serve it alone, states pin us. */
	if (!lwtunnel_encap_add_ops(encap->ops, encap->type)) {
		encap->active = encap->ops;
		return 0;
	}

	slot = bpfext_encap_slot(encap->type);
	if (!slot)
		return -ENOENT;

	rtnl_lock();
	builtin = rcu_dereference_protected(*slot, lockdep_rtnl_is_held());
	if (!builtin) {
		pr_err("encap type %u changed hands during load; try again\n",
		       encap->type);
		err = -EAGAIN;
	} else {
		err = encap->check_builtin(builtin);
	}
	if (!err && cmpxchg((const struct lwtunnel_encap_ops **)slot, builtin,
			    encap->takeover_ops) != builtin) {
		pr_err("encap type %u changed hands during load; try again\n",
		       encap->type);
		err = -EAGAIN;
	}
	rtnl_unlock();
	if (err)
		return err;

	encap->builtin = builtin;
	encap->active = encap->takeover_ops;
	encap->slot = slot;
	return 0;
}

/**
 * bpfext_encap_release - give an encap type back
 * @encap: what bpfext_encap_claim() filled in
 *
 * Context: RTNL held. The caller waits for a grace period afterwards,
 * before the module's text and ops may go.
 */
void bpfext_encap_release(struct bpfext_encap *encap)
{
	ASSERT_RTNL();
	if (!encap->builtin) {
		lwtunnel_encap_del_ops(encap->active, encap->type);
		return;
	}
	WARN_ON(cmpxchg((const struct lwtunnel_encap_ops **)encap->slot,
			encap->active, encap->builtin) != encap->active);
}
