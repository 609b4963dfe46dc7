// SPDX-License-Identifier: GPL-2.0
/*
 * Taking over the built-in End.BPF of a kernel without the base patch
 * (Debian's 6.1, IPV6_SEG6_BPF=y).
 *
 * Built-in seg6local calls an action through its entry in
 * seg6_action_table[], writable data it reads on each use: .input for
 * every packet, .slwt_ops.build_state and .destroy_state for each route
 * state. No state keeps a copy. So the module points End.BPF's three at
 * its own and stores the built-in's back on unload; everything else
 * (parsing, dumping, comparing and freeing the BPF attribute, the helpers
 * and their per-CPU SRH state, the per-route seg6 counters) stays the
 * built-in's, and the module's End.BPF uses the same per-CPU state, so
 * the built-in helpers serve its programs.
 *
 * A record of the module's (route.c) hangs off each state it builds, in
 * the state's nh6, which End.BPF has no use for: built-in seg6local reads
 * nh6 only for actions whose attributes include SEG6_LOCAL_NH6, and zeroes
 * it in every new state. States built before the module loaded have no
 * record: the built-in input serves them. Unloading frees the records
 * and zeroes nh6 again, so the built-in code then serves every state as
 * its own.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rtnetlink.h>
#include <linux/seg6_local.h>

#include "seg6local_bpf.h"

/* Linux 6.1's struct seg6_local_lwt (net/ipv6/seg6_local.c), up to bpf. */
struct seg6_61_lwt {
	int action;
	struct ipv6_sr_hdr *srh;
	int table;
	struct in_addr nh4;
	struct in6_addr nh6;
	int iif;
	int oif;
	struct {
		struct bpf_prog *prog;
		char *name;
	} bpf;
};

/* Linux 6.1's struct seg6_action_desc. */
struct seg6_61_action_desc {
	int action;
	unsigned long attrs;
	unsigned long optattrs;
	int (*input)(struct sk_buff *skb, struct seg6_61_lwt *slwt);
	int static_headroom;
	struct {
		int (*build_state)(struct seg6_61_lwt *slwt, const void *cfg,
				   struct netlink_ext_ack *extack);
		void (*destroy_state)(struct seg6_61_lwt *slwt);
	} slwt_ops;
};

static const struct bpfext_btf_member seg6_61_lwt_members[] = {
	{ "action", offsetof(struct seg6_61_lwt, action),
	  sizeof_field(struct seg6_61_lwt, action) },
	{ "nh6", offsetof(struct seg6_61_lwt, nh6),
	  sizeof_field(struct seg6_61_lwt, nh6) },
	{ "bpf", offsetof(struct seg6_61_lwt, bpf),
	  sizeof_field(struct seg6_61_lwt, bpf) },
};

static const struct bpfext_btf_member seg6_61_action_desc_members[] = {
	{ "action", offsetof(struct seg6_61_action_desc, action),
	  sizeof_field(struct seg6_61_action_desc, action) },
	{ "attrs", offsetof(struct seg6_61_action_desc, attrs),
	  sizeof_field(struct seg6_61_action_desc, attrs) },
	{ "optattrs", offsetof(struct seg6_61_action_desc, optattrs),
	  sizeof_field(struct seg6_61_action_desc, optattrs) },
	{ "input", offsetof(struct seg6_61_action_desc, input),
	  sizeof_field(struct seg6_61_action_desc, input) },
	{ "slwt_ops", offsetof(struct seg6_61_action_desc, slwt_ops),
	  sizeof_field(struct seg6_61_action_desc, slwt_ops) },
};

struct seg6local_bpf_builtin seg6local_bpf_builtin;

static struct seg6_61_action_desc *seg6local_bpf_desc;
static int (*seg6local_bpf_builtin_input)(struct sk_buff *skb,
					  struct seg6_61_lwt *slwt);

static void **seg6local_bpf_slot(struct seg6_61_lwt *slwt)
{
	return (void **)&slwt->nh6;
}

static int seg6local_bpf_input_61(struct sk_buff *skb, struct seg6_61_lwt *slwt)
{
	struct seg6local_bpf_route *route = READ_ONCE(*seg6local_bpf_slot(slwt));

	if (unlikely(!route))
		return seg6local_bpf_builtin_input(skb, slwt);
	return seg6local_bpf_run(skb, slwt->bpf.prog, route);
}

/* Context: RTNL; built-in seg6local has parsed the BPF attribute. */
static int seg6local_bpf_build_61(struct seg6_61_lwt *slwt, const void *cfg,
				  struct netlink_ext_ack *extack)
{
	return seg6local_bpf_route_add(slwt->bpf.prog, slwt->bpf.name, cfg,
				       seg6local_bpf_slot(slwt));
}

static void seg6local_bpf_destroy_61(struct seg6_61_lwt *slwt)
{
	seg6local_bpf_route_del(seg6local_bpf_slot(slwt));
}

static int seg6local_bpf_find_symbols(void)
{
	static const char * const names[] = {
		"seg6_get_srh", "seg6_validate_srh", "seg6_lookup_nexthop",
		"seg6_bpf_srh_states", "seg6_action_table",
		"input_action_end_bpf",
	};
	unsigned long addr[ARRAY_SIZE(names)];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		addr[i] = bpfext_symbol(names[i]);
		if (!addr[i]) {
			pr_err("kernel symbol %s not found\n", names[i]);
			return -ENOENT;
		}
	}
	seg6local_bpf_builtin.get_srh = (void *)addr[0];
	seg6local_bpf_builtin.validate_srh = (void *)addr[1];
	seg6local_bpf_builtin.lookup_nexthop = (void *)addr[2];
	seg6local_bpf_builtin.srh_states = (void __percpu *)addr[3];
	seg6local_bpf_desc = (void *)addr[4];
	seg6local_bpf_builtin_input = (void *)addr[5];
	return 0;
}

/*
 * End.BPF's entry in seg6_action_table[], as 6.1 defines it: the built-in
 * input, no per-state ops, the BPF attribute required and the counters
 * optional. Anything else is a kernel this module was not written for.
 */
static struct seg6_61_action_desc *seg6local_bpf_find_desc(void)
{
	struct seg6_61_action_desc *table = seg6local_bpf_desc, *desc;
	unsigned long n;

	n = bpfext_symbol_size((unsigned long)table) / sizeof(*table);
	for (desc = table; desc < table + n; desc++) {
		if (desc->action != SEG6_LOCAL_ACTION_END_BPF)
			continue;
		if (desc->input != seg6local_bpf_builtin_input ||
		    desc->slwt_ops.build_state || desc->slwt_ops.destroy_state ||
		    desc->attrs != BIT(SEG6_LOCAL_BPF) ||
		    desc->optattrs != BIT(SEG6_LOCAL_COUNTERS)) {
			pr_err("End.BPF in seg6_action_table is not Linux 6.1's built-in (input %ps)\n",
			       desc->input);
			return NULL;
		}
		return desc;
	}
	pr_err("no End.BPF in seg6_action_table (%lu entries)\n", n);
	return NULL;
}

/**
 * seg6local_bpf_takeover - serve End.BPF in place of the built-in
 *
 * Context: process, module init.
 * Return: 0, or a negative errno with the reason logged.
 */
int seg6local_bpf_takeover(void)
{
	struct seg6_61_action_desc *desc;
	int err;

	err = seg6local_bpf_find_symbols();
	if (err)
		return err;
	err = bpfext_btf_check("seg6_local_lwt", seg6_61_lwt_members,
			       ARRAY_SIZE(seg6_61_lwt_members));
	if (!err)
		err = bpfext_btf_check("seg6_action_desc",
				       seg6_61_action_desc_members,
				       ARRAY_SIZE(seg6_61_action_desc_members));
	if (err)
		return err;

	/* No state is built meanwhile; freeing one takes no RTNL. */
	rtnl_lock();
	desc = seg6local_bpf_find_desc();
	if (!desc) {
		rtnl_unlock();
		return -EOPNOTSUPP;
	}
	seg6local_bpf_desc = desc;
	/* Ours frees nothing on states without a record: first. */
	WRITE_ONCE(desc->slwt_ops.destroy_state, seg6local_bpf_destroy_61);
	WRITE_ONCE(desc->slwt_ops.build_state, seg6local_bpf_build_61);
	WRITE_ONCE(desc->input, seg6local_bpf_input_61);
	rtnl_unlock();
	return 0;
}

/* Context: process, module exit. */
void seg6local_bpf_giveback(void)
{
	struct seg6_61_action_desc *desc = seg6local_bpf_desc;

	rtnl_lock();
	WRITE_ONCE(desc->input, seg6local_bpf_builtin_input);
	WRITE_ONCE(desc->slwt_ops.build_state, NULL);
	seg6local_bpf_route_handover();
	/* A state freed from now on has no record. */
	WRITE_ONCE(desc->slwt_ops.destroy_state, NULL);
	rtnl_unlock();
	/* No CPU is left in our input or destroy_state after this. */
	synchronize_rcu();
	pr_info("End.BPF handed back to the built-in implementation\n");
}
