// SPDX-License-Identifier: GPL-2.0
/*
 * Checks a built-in private struct's layout against the running kernel's
 * BTF. A module that reads a state the built-in code allocated carries a
 * copy of the layout it was written for; this proves, at load, that the
 * members it touches sit where the copy says, on this very kernel.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <bpfext/bpfext.h>
#include <linux/btf.h>
#include <linux/err.h>
#include <linux/string.h>

/* Through typedefs and qualifiers to the type they name. */
static const struct btf_type *bpfext_btf_strip(const struct btf *btf,
					       const struct btf_type *t)
{
	while (t) {
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			t = btf_type_by_id(btf, t->type);
			continue;
		}
		return t;
	}
	return NULL;
}

static u32 bpfext_btf_size(const struct btf *btf, const struct btf_type *t)
{
	t = bpfext_btf_strip(btf, t);
	if (!t)
		return 0;
	if (btf_type_is_ptr(t))
		return sizeof(void *);
	if (btf_type_is_int(t) || btf_type_is_struct(t) ||
	    btf_type_is_enum(t))
		return t->size;
	return 0;
}

/**
 * bpfext_btf_check - check members of a vmlinux struct
 * @name: the struct's name
 * @members: each member's name, offset and size as the module expects
 * @n: how many
 *
 * Logs the first difference.
 * Return: 0 if all match, -EOPNOTSUPP otherwise or without kernel BTF.
 */
int bpfext_btf_check(const char *name, const struct bpfext_btf_member *members,
		     unsigned int n)
{
	struct btf *(*get_vmlinux)(void);
	s32 (*find)(const struct btf *btf, const char *name, u8 kind);
	const char *(*name_of)(const struct btf *btf, u32 offset);
	const struct btf_member *m;
	const struct btf_type *t;
	struct btf *btf;
	unsigned int i, j;
	s32 id;

	get_vmlinux = (void *)bpfext_symbol("bpf_get_btf_vmlinux");
	find = (void *)bpfext_symbol("btf_find_by_name_kind");
	name_of = (void *)bpfext_symbol("btf_name_by_offset");
	if (!get_vmlinux || !find || !name_of)
		goto no_btf;
	btf = get_vmlinux();
	if (IS_ERR_OR_NULL(btf))
		goto no_btf;

	id = find(btf, name, BTF_KIND_STRUCT);
	if (id < 0) {
		pr_err("struct %s is not in the kernel's BTF\n", name);
		return -EOPNOTSUPP;
	}
	t = btf_type_by_id(btf, id);
	for (i = 0; i < n; i++) {
		for_each_member(j, t, m)
			if (!strcmp(name_of(btf, m->name_off), members[i].name))
				break;
		if (j == btf_type_vlen(t) ||
		    __btf_member_bit_offset(t, m) != members[i].offset * 8 ||
		    bpfext_btf_size(btf, btf_type_by_id(btf, m->type)) !=
		    members[i].size) {
			pr_err("struct %s: member %s is not at %u, %u bytes, as this module was built for\n",
			       name, members[i].name, members[i].offset,
			       members[i].size);
			return -EOPNOTSUPP;
		}
	}
	return 0;

no_btf:
	pr_err("no kernel BTF to check struct %s against\n", name);
	return -EOPNOTSUPP;
}
