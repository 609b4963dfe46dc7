// SPDX-License-Identifier: GPL-2.0
/*
 * A socket joining and leaving maps.
 *
 * Joining gives the socket a psock (or a reference on the one it has),
 * copies the map's programs into it, swaps in the protocol's BPF proto and
 * starts the receive side the programs call for: the stream parser with a
 * parser and a verdict, or the verdict alone through the socket's
 * read_skb. Each map holding the socket holds one psock reference, through
 * the link it adds to the psock; the last map to let go drops the psock,
 * which puts the socket's proto back.
 *
 * Callers hold the socket (lock_sock() from the syscall, bh_lock_sock()
 * from a program) and are in an RCU read-side section.
 */

#include "sockmap.h"

struct sk_psock_progs *sockmap_progs(struct bpf_map *map)
{
	switch (map->map_type) {
	case BPF_MAP_TYPE_SOCKMAP:
		return &container_of(map, struct sockmap_array, map)->progs;
	case BPF_MAP_TYPE_SOCKHASH:
		return &container_of(map, struct sockmap_hash, map)->progs;
	default:
		return NULL;
	}
}

void sockmap_psock_add_link(struct sk_psock *psock,
			    struct sk_psock_link *link, struct bpf_map *map,
			    void *link_raw)
{
	link->link_raw = link_raw;
	link->map = map;
	spin_lock_bh(&psock->link_lock);
	list_add_tail(&link->list, &psock->link);
	spin_unlock_bh(&psock->link_lock);
}

/*
 * Drops the link to @link_raw; if that map's programs run the receive
 * side, stops it and gives the socket its plain data_ready back.
 */
static void sockmap_psock_del_link(struct sock *sk, struct sk_psock *psock,
				   void *link_raw)
{
	bool strp_stop = false, verdict_stop = false;
	struct sk_psock_link *link, *tmp;

	spin_lock_bh(&psock->link_lock);
	list_for_each_entry_safe(link, tmp, &psock->link, list) {
		struct sk_psock_progs *progs;

		if (link->link_raw != link_raw)
			continue;
		progs = sockmap_progs(link->map);
		if (psock->saved_data_ready) {
			strp_stop = progs->stream_parser;
			verdict_stop = progs->stream_verdict ||
				       progs->skb_verdict;
		}
		list_del(&link->list);
		sk_psock_free_link(link);
		break;
	}
	spin_unlock_bh(&psock->link_lock);

	if (!strp_stop && !verdict_stop)
		return;
	write_lock_bh(&sk->sk_callback_lock);
	if (strp_stop)
		sockmap_kernel.psock_stop_strp(sk, psock);
	if (verdict_stop)
		sockmap_kernel.psock_stop_verdict(sk, psock);
	if (psock->psock_update_sk_prot)
		psock->psock_update_sk_prot(sk, psock, false);
	write_unlock_bh(&sk->sk_callback_lock);
}

/* A map lets go of @sk: its link goes, with the reference it held. */
void sockmap_psock_unref(struct sock *sk, void *link_raw)
{
	struct sk_psock *psock = sk_psock(sk);

	if (likely(psock)) {
		sockmap_psock_del_link(sk, psock, link_raw);
		sk_psock_put(sk, psock);
	}
}

/*
 * The psock @sk has, referenced, or NULL; ERR_PTR(-EBUSY) if it belongs
 * to another user of psocks (kTLS, espintcp: their proto's close is not
 * the sockmap one) or is going.
 */
static struct sk_psock *sockmap_psock_get_checked(struct sock *sk)
{
	struct sk_psock *psock;

	rcu_read_lock();
	psock = sk_psock(sk);
	if (psock && (READ_ONCE(sk->sk_prot)->close !=
		      sockmap_kernel.sock_map_close ||
		      !refcount_inc_not_zero(&psock->refcnt)))
		psock = ERR_PTR(-EBUSY);
	rcu_read_unlock();
	return psock;
}

static int sockmap_psock_init_proto(struct sock *sk, struct sk_psock *psock)
{
	if (!sk->sk_prot->psock_update_sk_prot)
		return -EINVAL;
	psock->psock_update_sk_prot = sk->sk_prot->psock_update_sk_prot;
	return sk->sk_prot->psock_update_sk_prot(sk, psock, false);
}

/* The map's programs, each referenced; on error none is. */
static int sockmap_progs_get(const struct sk_psock_progs *from,
			     struct sk_psock_progs *to)
{
	struct bpf_prog **const dst[] = {
		&to->msg_parser, &to->stream_parser,
		&to->stream_verdict, &to->skb_verdict,
	};
	struct bpf_prog *const src[] = {
		READ_ONCE(from->msg_parser), READ_ONCE(from->stream_parser),
		READ_ONCE(from->stream_verdict), READ_ONCE(from->skb_verdict),
	};
	unsigned int i;

	memset(to, 0, sizeof(*to));
	for (i = 0; i < ARRAY_SIZE(src); i++) {
		struct bpf_prog *prog;

		if (!src[i])
			continue;
		prog = bpf_prog_inc_not_zero(src[i]);
		if (IS_ERR(prog)) {
			psock_progs_drop(to);
			return PTR_ERR(prog);
		}
		*dst[i] = prog;
	}
	return 0;
}

/* Whether @psock runs a program in a place @progs would take. */
static bool sockmap_progs_clash(const struct sk_psock_progs *progs,
				struct sk_psock *psock)
{
	bool verdict = READ_ONCE(psock->progs.skb_verdict) ||
		       READ_ONCE(psock->progs.stream_verdict);

	return (progs->msg_parser && READ_ONCE(psock->progs.msg_parser)) ||
	       (progs->stream_parser &&
		READ_ONCE(psock->progs.stream_parser)) ||
	       ((progs->skb_verdict || progs->stream_verdict) && verdict);
}

/* Moves each of @progs into @psock, which owns them from then on. */
static void sockmap_progs_give(struct sk_psock_progs *progs,
			       struct sk_psock *psock)
{
	if (progs->msg_parser)
		psock_set_prog(&psock->progs.msg_parser, progs->msg_parser);
	if (progs->stream_parser)
		psock_set_prog(&psock->progs.stream_parser,
			       progs->stream_parser);
	if (progs->stream_verdict)
		psock_set_prog(&psock->progs.stream_verdict,
			       progs->stream_verdict);
	if (progs->skb_verdict)
		psock_set_prog(&psock->progs.skb_verdict, progs->skb_verdict);
}

/*
 * Starts the receive side @progs call for, if none runs yet; *@started
 * says whether it did. Context: sk_callback_lock held for writing.
 */
static int sockmap_psock_start_rx(struct sock *sk, struct sk_psock *psock,
				  const struct sk_psock_progs *progs,
				  bool *started)
{
	int err;

	*started = false;
	if (psock->saved_data_ready)
		return 0;
	if (progs->stream_parser && progs->stream_verdict) {
		err = sockmap_kernel.psock_init_strp(sk, psock);
		if (err)
			return err;
		sockmap_kernel.psock_start_strp(sk, psock);
		*started = true;
	} else if (progs->stream_verdict || progs->skb_verdict) {
		/* A stream verdict here has no parser: the verdict alone. */
		sockmap_kernel.psock_start_verdict(sk, psock);
		*started = true;
	}
	return 0;
}

/**
 * sockmap_psock_link - ready @sk for a place in @map
 * @map: the map it joins
 * @sk: the socket, held by the caller
 *
 * Takes a psock reference for the link the caller then adds.
 *
 * Return: 0, -EBUSY if the socket runs other programs where the map's
 * would go or its psock is not the sockmap's, another negative errno.
 */
int sockmap_psock_link(struct bpf_map *map, struct sock *sk)
{
	struct sk_psock_progs progs;
	struct sk_psock *psock;
	bool started;
	int err;

	err = sockmap_progs_get(sockmap_progs(map), &progs);
	if (err)
		return err;

	psock = sockmap_psock_get_checked(sk);
	if (IS_ERR(psock)) {
		err = PTR_ERR(psock);
		goto out_progs;
	}
	if (psock && sockmap_progs_clash(&progs, psock)) {
		sk_psock_put(sk, psock);
		err = -EBUSY;
		goto out_progs;
	}
	if (!psock) {
		psock = sk_psock_init(sk, map->numa_node);
		if (IS_ERR(psock)) {
			err = PTR_ERR(psock);
			goto out_progs;
		}
	}

	/* The psock holds the programs now: dropping it drops them. */
	sockmap_progs_give(&progs, psock);
	err = sockmap_psock_init_proto(sk, psock);
	if (err < 0) {
		sk_psock_put(sk, psock);
		return err;
	}

	write_lock_bh(&sk->sk_callback_lock);
	err = sockmap_psock_start_rx(sk, psock, &progs, &started);
	write_unlock_bh(&sk->sk_callback_lock);
	if (err) {
		sk_psock_put(sk, psock);
		return err;
	}

	/*
	 * Beyond upstream: what arrived before the socket joined goes
	 * through the programs now, not when more data wakes the socket
	 * (if ever: a request that waits for its answer is never followed
	 * by more).
	 */
	if (started && !skb_queue_empty_lockless(&sk->sk_receive_queue)) {
		void (*data_ready)(struct sock *sk) = READ_ONCE(sk->sk_data_ready);

		data_ready(sk);
	}
	return 0;

out_progs:
	psock_progs_drop(&progs);
	return err;
}
