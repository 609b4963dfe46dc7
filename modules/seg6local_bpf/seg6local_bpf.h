/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seg6local_bpf.ko: SRv6 End.BPF, Linux 6.1's seg6local action running a
 * BPF_PROG_TYPE_LWT_SEG6LOCAL program, and the bpf_lwt_seg6_*() helpers
 * such programs call.
 */
#ifndef _SEG6LOCAL_BPF_H
#define _SEG6LOCAL_BPF_H

#include <bpfext/bpfext.h>
#include <linux/in6.h>
#include <linux/percpu.h>
#include <linux/xarray.h>
#include <net/seg6.h>
#include <net/seg6_local.h>
#include <linux/bpfext_seg6local.h>

struct seg6local_bpf_stats {
	u64 cnt[__BPFEXT_SEG6_STAT_MAX];
};

/*
 * One per End.BPF state the module built (route.c). @prog and @name are
 * the state's, valid while the record is in seg6local_bpf_routes.
 */
struct seg6local_bpf_route {
	struct seg6local_bpf_stats __percpu *stats;
	void **slot;
	const struct bpf_prog *prog;
	const char *name;
	u64 net_cookie;
	u32 id;
	/* The route's key, for the dump. */
	bool has_dst;
	u8 dst_len;
	u32 table;
	int oif;
	struct in6_addr dst;
	struct rcu_head rcu;
};

static inline void seg6local_bpf_count(struct seg6local_bpf_route *route,
				       enum bpfext_seg6_stat stat)
{
	this_cpu_inc(route->stats->cnt[stat]);
}

/*
 * The SRH the running program sees, per CPU. End.BPF sets it before the
 * program runs, with preemption off until the SRH is checked afterwards;
 * the helpers, called from the program, read and move it. @hdrlen is in
 * bytes and may be out of step with srh->hdrlen while !@valid: adjusting
 * the SRH changes it, and only the check after the program writes it back.
 * Where the module takes over a built-in End.BPF, the built-in helpers
 * serve the programs, so the state is the built-in's.
 */
struct seg6_bpf_srh_state *seg6local_bpf_srh_state(void);

/*
 * What End.BPF calls in built-in seg6 code: exported by the base patch,
 * looked up where the module takes over (takeover.c).
 */
#if BPFEXT_TAKEOVER
struct seg6local_bpf_builtin {
	struct ipv6_sr_hdr *(*get_srh)(struct sk_buff *skb, int flags);
	bool (*validate_srh)(struct ipv6_sr_hdr *srh, int len, bool reduced);
	int (*lookup_nexthop)(struct sk_buff *skb, struct in6_addr *nhaddr,
			      u32 tbl_id);
	struct seg6_bpf_srh_state __percpu *srh_states;
};

extern struct seg6local_bpf_builtin seg6local_bpf_builtin;
#endif

static inline struct ipv6_sr_hdr *seg6local_bpf_get_srh(struct sk_buff *skb,
							int flags)
{
#if BPFEXT_TAKEOVER
	return seg6local_bpf_builtin.get_srh(skb, flags);
#else
	return seg6_get_srh(skb, flags);
#endif
}

static inline bool seg6local_bpf_validate_srh(struct ipv6_sr_hdr *srh,
					      int len, bool reduced)
{
#if BPFEXT_TAKEOVER
	return seg6local_bpf_builtin.validate_srh(srh, len, reduced);
#else
	return seg6_validate_srh(srh, len, reduced);
#endif
}

static inline int seg6local_bpf_lookup_nexthop(struct sk_buff *skb,
					       struct in6_addr *nhaddr,
					       u32 tbl_id)
{
#if BPFEXT_TAKEOVER
	return seg6local_bpf_builtin.lookup_nexthop(skb, nhaddr, tbl_id);
#else
	return seg6_lookup_nexthop(skb, nhaddr, tbl_id);
#endif
}

/* end_bpf.c */
bool seg6local_bpf_srh_valid(void);
int seg6local_bpf_run(struct sk_buff *skb, struct bpf_prog *prog,
		      struct seg6local_bpf_route *route);

/* route.c */
extern struct xarray seg6local_bpf_routes;
int seg6local_bpf_route_add(struct bpf_prog *prog, const char *name,
			    const void *cfg, void **slot);
void seg6local_bpf_route_del(void **slot);
void seg6local_bpf_route_handover(void);

/* takeover.c: where the kernel has a built-in End.BPF */
int seg6local_bpf_takeover(void);
void seg6local_bpf_giveback(void);

/* stats.c */
int seg6local_bpf_stats_init(void);
void seg6local_bpf_stats_exit(void);

/* helpers.c: the helpers' implementations, as built-in filter.c's */
int seg6local_bpf_store_bytes(struct sk_buff *skb, u32 offset,
			      const void *from, u32 len);
int seg6local_bpf_action(struct sk_buff *skb, u32 action, void *param,
			 u32 param_len);
int seg6local_bpf_adjust_srh(struct sk_buff *skb, u32 offset, s32 len);
int seg6local_bpf_push_encap(struct sk_buff *skb, u32 type, void *hdr,
			     u32 len);

#endif /* _SEG6LOCAL_BPF_H */
