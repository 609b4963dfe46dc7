/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sk_lookup.ko: BPF_PROG_TYPE_SK_LOOKUP of Linux 6.1 as a module.
 *
 * What the module keeps per network namespace is the in-tree layout: the
 * run array in net->bpf.run_array[NETNS_BPF_SK_LOOKUP], rebuilt in attach
 * order under netns_bpf_mutex whenever a link comes or goes, and read by
 * the socket lookups under RCU; the links themselves are the module's, on
 * a list of its own per netns. Each link pins the module.
 */
#ifndef _SK_LOOKUP_H
#define _SK_LOOKUP_H

#include <linux/bpf.h>
#include <linux/filter.h>

#include <bpfext/bpfext.h>

#if IS_ENABLED(CONFIG_BPF_SK_LOOKUP)
#error "sk_lookup.ko needs a kernel whose BPF_SK_LOOKUP is off"
#endif

/* At most this many links per netns, as in-tree. */
#define SK_LOOKUP_MAX_LINKS 64

/* link.c */
int sk_lookup_link_create(const union bpf_attr *attr, struct bpf_prog *prog);
int sk_lookup_links_init(void);
void sk_lookup_links_exit(void);

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
