// SPDX-License-Identifier: GPL-2.0
/*
 * The SK_LOOKUP context: which loads of struct bpf_sk_lookup a program may
 * make, and the loads of struct bpf_sk_lookup_kern the verifier rewrites
 * them into. The context is read-only.
 */

#include <linux/filter.h>
#include <linux/in6.h>

#include "sk_lookup.h"

/* remote_port's upper 16 bits: zero, readable for compatibility. */
#define SK_LOOKUP_PORT_PAD_OFF	offsetofend(struct bpf_sk_lookup, remote_port)

bool sk_lookup_is_valid_access(int off, int size, enum bpf_access_type type,
			       const struct bpf_prog *prog,
			       struct bpf_insn_access_aux *info)
{
	if (off < 0 || off >= sizeof(struct bpf_sk_lookup))
		return false;
	if (off % size || type != BPF_READ)
		return false;

	switch (off) {
	case bpf_ctx_range_ptr(struct bpf_sk_lookup, sk):
		info->reg_type = PTR_TO_SOCKET_OR_NULL;
		return size == sizeof(__u64);

	case bpf_ctx_range(struct bpf_sk_lookup, family):
	case bpf_ctx_range(struct bpf_sk_lookup, protocol):
	case bpf_ctx_range(struct bpf_sk_lookup, remote_ip4):
	case bpf_ctx_range(struct bpf_sk_lookup, local_ip4):
	case bpf_ctx_range_till(struct bpf_sk_lookup, remote_ip6[0], remote_ip6[3]):
	case bpf_ctx_range_till(struct bpf_sk_lookup, local_ip6[0], local_ip6[3]):
	case bpf_ctx_range(struct bpf_sk_lookup, local_port):
	case bpf_ctx_range(struct bpf_sk_lookup, ingress_ifindex):
		bpf_ctx_record_field_size(info, sizeof(__u32));
		return bpf_ctx_narrow_access_ok(off, size, sizeof(__u32));

	case bpf_ctx_range(struct bpf_sk_lookup, remote_port):
		/* Programs written when it was a __u32 read all four bytes. */
		if (size == sizeof(__u32))
			return true;
		bpf_ctx_record_field_size(info, sizeof(__be16));
		return bpf_ctx_narrow_access_ok(off, size, sizeof(__be16));

	case SK_LOOKUP_PORT_PAD_OFF ...
	     offsetof(struct bpf_sk_lookup, local_ip4) - 1:
		bpf_ctx_record_field_size(info, sizeof(__u16));
		return bpf_ctx_narrow_access_ok(off, size, sizeof(__u16));

	default:
		return false;
	}
}

/*
 * A load of one 32-bit word of an IPv6 address: the kernel context holds
 * a pointer, NULL for IPv4 lookups, where the word reads as 0.
 */
static struct bpf_insn *load_ip6_word(struct bpf_insn *insn,
				      const struct bpf_insn *si,
				      int ptr_off, int word_off,
				      u32 *target_size)
{
	word_off += bpf_target_off(struct in6_addr, s6_addr32[0], 4,
				   target_size);
	*insn++ = BPF_LDX_MEM(BPF_SIZEOF(void *), si->dst_reg, si->src_reg,
			      ptr_off);
	*insn++ = BPF_JMP_IMM(BPF_JEQ, si->dst_reg, 0, 1);
	*insn++ = BPF_LDX_MEM(BPF_W, si->dst_reg, si->dst_reg, word_off);
	return insn;
}

/* A load into the destination of @si from the kernel context. */
static struct bpf_insn ldx(const struct bpf_insn *si, int size, int off)
{
	struct bpf_insn insn = BPF_LDX_MEM(size, si->dst_reg, si->src_reg, off);

	return insn;
}

#define KERN_OFF(field, size, target_size) \
	bpf_target_off(struct bpf_sk_lookup_kern, field, size, target_size)

u32 sk_lookup_convert_ctx_access(enum bpf_access_type type,
				 const struct bpf_insn *si,
				 struct bpf_insn *insn_buf,
				 struct bpf_prog *prog, u32 *target_size)
{
	struct bpf_insn *insn = insn_buf;

	switch (si->off) {
	case offsetof(struct bpf_sk_lookup, sk):
		*insn++ = BPF_LDX_MEM(BPF_SIZEOF(void *), si->dst_reg,
				      si->src_reg,
				      offsetof(struct bpf_sk_lookup_kern,
					       selected_sk));
		break;
	case offsetof(struct bpf_sk_lookup, family):
		*insn++ = ldx(si, BPF_H, KERN_OFF(family, 2, target_size));
		break;
	case offsetof(struct bpf_sk_lookup, protocol):
		*insn++ = ldx(si, BPF_H, KERN_OFF(protocol, 2, target_size));
		break;
	case offsetof(struct bpf_sk_lookup, remote_ip4):
		*insn++ = ldx(si, BPF_W, KERN_OFF(v4.saddr, 4, target_size));
		break;
	case offsetof(struct bpf_sk_lookup, local_ip4):
		*insn++ = ldx(si, BPF_W, KERN_OFF(v4.daddr, 4, target_size));
		break;
	case bpf_ctx_range_till(struct bpf_sk_lookup,
				remote_ip6[0], remote_ip6[3]):
		if (!IS_ENABLED(CONFIG_IPV6)) {
			*insn++ = BPF_MOV32_IMM(si->dst_reg, 0);
			break;
		}
		insn = load_ip6_word(insn, si,
				     offsetof(struct bpf_sk_lookup_kern, v6.saddr),
				     si->off - offsetof(struct bpf_sk_lookup,
							remote_ip6[0]),
				     target_size);
		break;
	case bpf_ctx_range_till(struct bpf_sk_lookup,
				local_ip6[0], local_ip6[3]):
		if (!IS_ENABLED(CONFIG_IPV6)) {
			*insn++ = BPF_MOV32_IMM(si->dst_reg, 0);
			break;
		}
		insn = load_ip6_word(insn, si,
				     offsetof(struct bpf_sk_lookup_kern, v6.daddr),
				     si->off - offsetof(struct bpf_sk_lookup,
							local_ip6[0]),
				     target_size);
		break;
	case offsetof(struct bpf_sk_lookup, remote_port):
		*insn++ = ldx(si, BPF_H, KERN_OFF(sport, 2, target_size));
		break;
	case SK_LOOKUP_PORT_PAD_OFF:
		*target_size = 2;
		*insn++ = BPF_MOV32_IMM(si->dst_reg, 0);
		break;
	case offsetof(struct bpf_sk_lookup, local_port):
		*insn++ = ldx(si, BPF_H, KERN_OFF(dport, 2, target_size));
		break;
	case offsetof(struct bpf_sk_lookup, ingress_ifindex):
		*insn++ = ldx(si, BPF_W, KERN_OFF(ingress_ifindex, 4, target_size));
		break;
	}

	return insn - insn_buf;
}
