// SPDX-License-Identifier: GPL-2.0
/*
 * Backpressure on redirect, beyond upstream.
 *
 * In Linux 6.1 an SK_SKB verdict's redirect queues the skb on the target
 * socket's psock (ingress_skb), whose work sends it out of the target,
 * or into its receive queue for BPF_F_INGRESS. The source socket let go
 * of the skb when its verdict ran, so its receive window stays open:
 * when the target can take no more (its send buffer full, or for
 * BPF_F_INGRESS its receive buffer), the queue grows for as long as the
 * sender sends, a slow reader behind the target no matter.
 *
 * Here a redirect to a target that can take no more, with skbs already
 * queued for it, pauses the source: its programs stop reading it until
 * the target's queue drains. What the source receives meanwhile stays in
 * its receive queue, which fills, closes its TCP window and blocks the
 * sender. Paused sources are polled every jiffy.
 *
 * A source with a stream parser is paused at its strparser (strp->paused,
 * which the strparser honours); one with a verdict alone gets back the
 * sk_data_ready it had before it joined a map (saved in its psock) while
 * paused. A socket never points into this module: unloading resumes
 * every paused source first.
 */

#include <linux/module.h>
#include <net/strparser.h>
#include <net/tcp.h>

#include "sockmap.h"

static bool backpressure = true;
module_param(backpressure, bool, 0644);
MODULE_PARM_DESC(backpressure,
		 "Pause a redirect's source while its target is full (default: on; off: as upstream)");

/* Skbs queued for a full target before its sources pause, ... */
#define SOCKMAP_QUEUED_PAUSE	128
/* ... and to which the queue drains before they resume. */
#define SOCKMAP_QUEUED_RESUME	(SOCKMAP_QUEUED_PAUSE / 2)

struct sockmap_paused {
	struct list_head node;
	struct sock *sk;		/* the source, held */
	struct sk_psock *psock;		/* its psock, held */
	struct sock *target;		/* held */
	bool ingress;
	/* Set once the pause is in place (the work puts it there). */
	bool paused;
	/* A verdict alone: the sk_data_ready that runs it. */
	void (*verdict_ready)(struct sock *sk);
};

/*
 * Sources waiting, and those the work is looking at: a source is on one
 * of them at most. The work alone takes entries off; @sockmap_bp_closing
 * stops new ones at unload.
 */
static LIST_HEAD(sockmap_bp_waiting);
static LIST_HEAD(sockmap_bp_busy);
static DEFINE_SPINLOCK(sockmap_bp_lock);
static bool sockmap_bp_closing;

static void sockmap_bp_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sockmap_bp_work, sockmap_bp_work_fn);

static unsigned int sockmap_queued(struct sock *target)
{
	struct sk_psock *psock = sk_psock(target);

	return psock ? skb_queue_len(&psock->ingress_skb) : 0;
}

/* Context: RCU read-side. */
static bool sockmap_target_full(struct sock *target, bool ingress)
{
	if (sockmap_queued(target) < SOCKMAP_QUEUED_PAUSE)
		return false;
	if (ingress)
		return atomic_read(&target->sk_rmem_alloc) >
		       READ_ONCE(target->sk_rcvbuf);
	return !sk_stream_memory_free(target);
}

static bool sockmap_bp_listed(const struct sock *sk)
{
	struct sockmap_paused *p;

	list_for_each_entry(p, &sockmap_bp_waiting, node)
		if (p->sk == sk)
			return true;
	list_for_each_entry(p, &sockmap_bp_busy, node)
		if (p->sk == sk)
			return true;
	return false;
}

/**
 * sockmap_backpressure - pause @sk if its redirect target is full
 * @sk: the source, whose verdict redirects (the skb's socket)
 * @target: the socket the verdict redirects to
 * @ingress: into @target's receive queue (BPF_F_INGRESS), or out of it
 *
 * Context: a verdict program's helper: RCU read-side, softirq or process.
 */
void sockmap_backpressure(struct sock *sk, struct sock *target, bool ingress)
{
	struct sockmap_paused *p;
	struct sk_psock *psock;

	if (likely(!sockmap_target_full(target, ingress)) ||
	    !READ_ONCE(backpressure))
		return;
	if (!sk || sk == target || !sk_fullsock(sk))
		return;

	spin_lock_bh(&sockmap_bp_lock);
	if (sockmap_bp_closing || sockmap_bp_listed(sk))
		goto unlock;
	p = kzalloc(sizeof(*p), GFP_ATOMIC);
	if (!p)
		goto unlock;
	psock = sk_psock_get(sk);
	if (!psock) {
		kfree(p);
		goto unlock;
	}
	sock_hold(sk);
	sock_hold(target);
	p->sk = sk;
	p->psock = psock;
	p->target = target;
	p->ingress = ingress;
	list_add_tail(&p->node, &sockmap_bp_waiting);
	mod_delayed_work(system_wq, &sockmap_bp_work, 0);
unlock:
	spin_unlock_bh(&sockmap_bp_lock);
}

/* In a map, and not stopped: its programs may read it. */
static bool sockmap_source_live(struct sk_psock *psock)
{
	return sk_psock_test_state(psock, SK_PSOCK_TX_ENABLED) &&
	       !list_empty(&psock->link);
}

static bool sockmap_source_parsed(struct sk_psock *psock)
{
	return READ_ONCE(psock->progs.stream_parser) && psock->strp.sk;
}

/* Context: the source's lock held. */
static void sockmap_source_pause(struct sockmap_paused *p)
{
	struct sk_psock *psock = p->psock;
	struct sock *sk = p->sk;

	if (sockmap_source_parsed(psock)) {
		psock->strp.paused = 1;
	} else {
		write_lock_bh(&sk->sk_callback_lock);
		if (psock->saved_data_ready &&
		    sk->sk_data_ready != psock->saved_data_ready) {
			p->verdict_ready = sk->sk_data_ready;
			WRITE_ONCE(sk->sk_data_ready, psock->saved_data_ready);
		}
		write_unlock_bh(&sk->sk_callback_lock);
	}
	p->paused = true;
}

/*
 * Context: the source's lock held. A source no longer in a map keeps the
 * sk_data_ready it had before (its psock goes when the work lets go of
 * it), and is woken for its own reader.
 */
static void sockmap_source_resume(struct sockmap_paused *p)
{
	struct sk_psock *psock = p->psock;
	struct sock *sk = p->sk;
	bool live = sockmap_source_live(psock);
	bool verdict = false;

	if (!p->paused)
		return;
	if (sockmap_source_parsed(psock)) {
		psock->strp.paused = 0;
		if (live)
			strp_check_rcv(&psock->strp);
	} else if (p->verdict_ready) {
		write_lock_bh(&sk->sk_callback_lock);
		if (live && psock->saved_data_ready &&
		    sk->sk_data_ready == psock->saved_data_ready) {
			WRITE_ONCE(sk->sk_data_ready, p->verdict_ready);
			verdict = true;
		}
		write_unlock_bh(&sk->sk_callback_lock);
	}
	/* What arrived while paused goes through the programs now. */
	if (verdict)
		p->verdict_ready(sk);
	else if (!live && !sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
}

static bool sockmap_target_drained(struct sockmap_paused *p)
{
	bool drained;

	rcu_read_lock();
	drained = sock_flag(p->target, SOCK_DEAD) || !sk_psock(p->target) ||
		  sockmap_queued(p->target) < SOCKMAP_QUEUED_RESUME;
	rcu_read_unlock();
	return drained;
}

/* Context: process. Returns whether @p is done with. */
static bool sockmap_bp_step(struct sockmap_paused *p, bool closing)
{
	bool done = closing;

	lock_sock(p->sk);
	if (!p->paused && !closing && sockmap_source_live(p->psock))
		sockmap_source_pause(p);
	if (!p->paused || !sockmap_source_live(p->psock) ||
	    sockmap_target_drained(p))
		done = true;
	if (done)
		sockmap_source_resume(p);
	release_sock(p->sk);
	return done;
}

static void sockmap_bp_free(struct sockmap_paused *p)
{
	sk_psock_put(p->sk, p->psock);
	sock_put(p->target);
	sock_put(p->sk);
	kfree(p);
}

/* Context: process; the work, or unload once the work cannot run. */
static bool sockmap_bp_run(bool closing)
{
	struct sockmap_paused *p, *tmp;
	LIST_HEAD(done);
	bool more;

	spin_lock_bh(&sockmap_bp_lock);
	list_splice_init(&sockmap_bp_waiting, &sockmap_bp_busy);
	spin_unlock_bh(&sockmap_bp_lock);

	/* Only the work and unload take entries off the busy list. */
	list_for_each_entry_safe(p, tmp, &sockmap_bp_busy, node) {
		if (!sockmap_bp_step(p, closing))
			continue;
		spin_lock_bh(&sockmap_bp_lock);
		list_move(&p->node, &done);
		spin_unlock_bh(&sockmap_bp_lock);
	}

	spin_lock_bh(&sockmap_bp_lock);
	list_splice_init(&sockmap_bp_busy, &sockmap_bp_waiting);
	more = !list_empty(&sockmap_bp_waiting);
	spin_unlock_bh(&sockmap_bp_lock);

	list_for_each_entry_safe(p, tmp, &done, node)
		sockmap_bp_free(p);
	return more;
}

static void sockmap_bp_work_fn(struct work_struct *work)
{
	if (sockmap_bp_run(false))
		schedule_delayed_work(&sockmap_bp_work, 1);
}

/*
 * Context: process, module exit, once no helper of the module can run:
 * every paused source resumes.
 */
void sockmap_backpressure_exit(void)
{
	spin_lock_bh(&sockmap_bp_lock);
	sockmap_bp_closing = true;
	spin_unlock_bh(&sockmap_bp_lock);
	cancel_delayed_work_sync(&sockmap_bp_work);
	sockmap_bp_run(true);
}
