// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_PROG_ATTACH, BPF_PROG_DETACH and BPF_PROG_QUERY with a map fd as
 * the target: a map has one program per attach type, which sockets that
 * join the map afterwards take (psock.c); sockets already in it keep the
 * programs they joined with, as upstream. There are no links in 6.1.
 */

#include "sockmap.h"

/*
 * The map's place for programs of @which. A stream verdict and an skb
 * verdict exclude each other (-EBUSY); the stream parser exists only with
 * the kernel's stream parser (CONFIG_BPF_STREAM_PARSER).
 */
static int sockmap_prog_slot(struct bpf_map *map, struct bpf_prog ***pprog,
			     u32 which)
{
	struct sk_psock_progs *progs = sockmap_progs(map);

	if (!progs)
		return -EOPNOTSUPP;

	switch (which) {
	case BPF_SK_MSG_VERDICT:
		*pprog = &progs->msg_parser;
		return 0;
	case BPF_SK_SKB_STREAM_PARSER:
		if (!IS_ENABLED(CONFIG_BPF_STREAM_PARSER))
			return -EOPNOTSUPP;
		*pprog = &progs->stream_parser;
		return 0;
	case BPF_SK_SKB_STREAM_VERDICT:
		if (progs->skb_verdict)
			return -EBUSY;
		*pprog = &progs->stream_verdict;
		return 0;
	case BPF_SK_SKB_VERDICT:
		if (progs->stream_verdict)
			return -EBUSY;
		*pprog = &progs->skb_verdict;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* @prog replaces @old (-ENOENT if @old is not the one there), or anything. */
static int sockmap_prog_update(struct bpf_map *map, struct bpf_prog *prog,
			       struct bpf_prog *old, u32 which)
{
	struct bpf_prog **pprog;
	int err;

	err = sockmap_prog_slot(map, &pprog, which);
	if (err)
		return err;
	if (old)
		return psock_replace_prog(pprog, prog, old);
	psock_set_prog(pprog, prog);
	return 0;
}

/*
 * The map of fd @ufd, unreferenced, with its struct fd in @f for the
 * caller to fdput().
 */
static struct bpf_map *sockmap_map_from_fd(u32 ufd, struct fd *f)
{
	struct bpf_map *map;

	*f = fdget(ufd);
	map = sockmap_kernel.bpf_map_get(*f);
	return map;
}

/**
 * sockmap_prog_attach - BPF_PROG_ATTACH of @prog to the map attr->target_fd
 * @attr: the syscall's attributes; no attach flags, no replace fd
 * @prog: the program, whose reference the map takes on success
 *
 * The attach type is not checked against the program's expected one,
 * as upstream: it picks the map's place for it.
 *
 * Context: process.
 */
int sockmap_prog_attach(const union bpf_attr *attr, struct bpf_prog *prog)
{
	struct bpf_map *map;
	struct fd f;
	int err;

	if (attr->attach_flags || attr->replace_bpf_fd)
		return -EINVAL;
	map = sockmap_map_from_fd(attr->target_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);
	err = sockmap_prog_update(map, prog, NULL, attr->attach_type);
	fdput(f);
	return err;
}

/**
 * sockmap_prog_detach - BPF_PROG_DETACH from the map attr->target_fd
 * @attr: the syscall's attributes; attr->attach_bpf_fd is the program
 * @ptype: the program type the attach type calls for
 *
 * Context: process.
 * Return: 0, -EINVAL for a program of another type, -ENOENT if it is
 * not the one attached, or another negative errno.
 */
int sockmap_prog_detach(const union bpf_attr *attr, enum bpf_prog_type ptype)
{
	struct bpf_prog *prog;
	struct bpf_map *map;
	struct fd f;
	int err;

	if (attr->attach_flags || attr->replace_bpf_fd)
		return -EINVAL;
	map = sockmap_map_from_fd(attr->target_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);

	prog = sockmap_kernel.bpf_prog_get(attr->attach_bpf_fd);
	if (IS_ERR(prog)) {
		err = PTR_ERR(prog);
		goto out;
	}
	if (prog->type != ptype)
		err = -EINVAL;
	else
		err = sockmap_prog_update(map, NULL, prog, attr->attach_type);
	bpf_prog_put(prog);
out:
	fdput(f);
	return err;
}

/**
 * sockmap_prog_query - BPF_PROG_QUERY on the map attr->target_fd
 * @attr: the syscall's attributes; no query flags
 * @uattr: where the answer goes: attach_flags 0, prog_cnt 0 or 1, the id
 *
 * Context: process.
 */
int sockmap_prog_query(const union bpf_attr *attr,
		       union bpf_attr __user *uattr)
{
	__u32 __user *prog_ids = u64_to_user_ptr(attr->query.prog_ids);
	u32 prog_cnt = 0, flags = 0, id = 0;
	struct bpf_prog **pprog;
	struct bpf_prog *prog;
	struct bpf_map *map;
	struct fd f;
	int err;

	if (attr->query.query_flags)
		return -EINVAL;
	map = sockmap_map_from_fd(attr->target_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);

	rcu_read_lock();
	err = sockmap_prog_slot(map, &pprog, attr->query.attach_type);
	if (!err) {
		prog = READ_ONCE(*pprog);
		prog_cnt = prog ? 1 : 0;
		if (attr->query.prog_cnt && prog_ids && prog) {
			/*
			 * Unreferenced: the program may be going, and its id
			 * be 0 already; then it is not counted.
			 */
			id = data_race(prog->aux->id);
			if (!id)
				prog_cnt = 0;
		}
	}
	rcu_read_unlock();

	if (copy_to_user(&uattr->query.attach_flags, &flags, sizeof(flags)) ||
	    (id && copy_to_user(prog_ids, &id, sizeof(id))) ||
	    copy_to_user(&uattr->query.prog_cnt, &prog_cnt, sizeof(prog_cnt)))
		err = -EFAULT;
	fdput(f);
	return err;
}
