/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sk_lookup.ko: BPF_PROG_TYPE_SK_LOOKUP of Linux 6.1 as a module.
 *
 * What the module keeps per network namespace is the in-tree layout, so
 * that the kernel's own code reads it as its own (netns teardown,
 * BPF_PROG_QUERY, and on a kernel without the base patch the built-in
 * lookups and any link the built-in made before the module loaded): the
 * links on net->bpf.links[NETNS_BPF_SK_LOOKUP], in attach order, and the
 * run array in net->bpf.run_array[NETNS_BPF_SK_LOOKUP], rebuilt from them
 * under netns_bpf_mutex whenever a link comes or goes, and read by the
 * socket lookups under RCU. Each of the module's links pins the module.
 */
#ifndef _SK_LOOKUP_H
#define _SK_LOOKUP_H

#include <linux/bpf.h>
#include <linux/bpf-netns.h>
#include <linux/filter.h>

#include <bpfext/bpfext.h>

#if IS_ENABLED(CONFIG_BPF_SK_LOOKUP)
#error "sk_lookup.ko needs a kernel whose BPF_SK_LOOKUP is off"
#endif

/*
 * A link. It starts as Linux 6.1's struct bpf_netns_link (kernel/bpf/
 * net_namespace.c), which kernel code reads of every link on
 * net->bpf.links[]; a kernel without the base patch has its layout checked
 * at load (takeover.c).
 */
struct sk_lookup_link {
	struct bpf_link link;
	enum bpf_attach_type type;
	enum netns_bpf_attach_type netns_type;
	/* NULL once detached. Under netns_bpf_mutex. */
	struct net *net;
	/* On net->bpf.links[NETNS_BPF_SK_LOOKUP] while attached. */
	struct list_head node;
	/* The module's own: frees the link and drops its module reference. */
	struct rcu_head rcu;
};

/* At most this many links per netns, as in-tree. */
#define SK_LOOKUP_MAX_LINKS 64

/*
 * Kernel functions the base patch exports and a kernel without it does
 * not: kernel.c finds those at load (kallsyms).
 */
struct sk_lookup_kernel {
	/* Serialises every change to a netns' links and run arrays. */
	struct mutex *netns_bpf_mutex;
	void (*link_init)(struct bpf_link *link, enum bpf_link_type type,
			  const struct bpf_link_ops *ops,
			  struct bpf_prog *prog);
	int (*link_prime)(struct bpf_link *link,
			  struct bpf_link_primer *primer);
	int (*link_settle)(struct bpf_link_primer *primer);
	void (*link_cleanup)(struct bpf_link_primer *primer);
	struct bpf_prog_array *(*prog_array_alloc)(u32 prog_cnt, gfp_t flags);
	void (*prog_array_free)(struct bpf_prog_array *array);
	int (*prog_array_delete_safe_at)(struct bpf_prog_array *array,
					 int index);
	int (*prog_array_update_at)(struct bpf_prog_array *array, int index,
				    struct bpf_prog *prog);
	u64 (*sock_gen_cookie)(struct sock *sk);
};

extern struct sk_lookup_kernel sk_lookup_kernel;

/* kernel.c */
int sk_lookup_kernel_init(void);

/* link.c */
int sk_lookup_link_create(const union bpf_attr *attr, struct bpf_prog *prog);
void sk_lookup_links_exit(void);

/* takeover.c, on a kernel without the base patch */
int sk_lookup_takeover(void);
void sk_lookup_giveback(void);

/* run.c */
u32 sk_lookup_run_array(const struct bpf_prog_array *array,
			struct bpf_sk_lookup_kern *ctx);
bool sk_lookup_run_v4(struct net *net, int protocol, __be32 saddr,
		      __be16 sport, __be32 daddr, u16 dport, int ifindex,
		      struct sock **psk);
bool sk_lookup_run_v6(struct net *net, int protocol,
		      const struct in6_addr *saddr, __be16 sport,
		      const struct in6_addr *daddr, u16 dport, int ifindex,
		      struct sock **psk);
u64 sk_lookup_assign(struct bpf_sk_lookup_kern *ctx, struct sock *sk,
		     u64 flags);

/* ctx.c */
bool sk_lookup_is_valid_access(int off, int size, enum bpf_access_type type,
			       const struct bpf_prog *prog,
			       struct bpf_insn_access_aux *info);
u32 sk_lookup_convert_ctx_access(enum bpf_access_type type,
				 const struct bpf_insn *si,
				 struct bpf_insn *insn_buf,
				 struct bpf_prog *prog, u32 *target_size);

/* test_run.c */
int sk_lookup_test_run(struct bpf_prog *prog, const union bpf_attr *kattr,
		       union bpf_attr __user *uattr);

#endif /* _SK_LOOKUP_H */
