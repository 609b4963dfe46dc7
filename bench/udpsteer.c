// SPDX-License-Identifier: GPL-2.0
/*
 * udpsteer: UDP datagrams per second through the socket lookup, with or
 * without SK_LOOKUP programs, counted where they arrive
 * (bench/sk_lookup_guest.sh).
 *
 *   udpsteer [-k NPROGS -p PROGDIR -m MAP] [-w WARMUP] [-b BATCH] [-s SIZE]
 *	     LADDR LPORT DADDR DPORT COUNT
 *	Binds a receiving socket to LADDR:LPORT, attaches the programs
 *	(sk_lookup_attach.h), then sends WARMUP (default 1000) and then
 *	COUNT datagrams of SIZE payload bytes (default 64) to DADDR:DPORT,
 *	BATCH (default 32) per sendmmsg(), from a socket connected there,
 *	and after each batch reads them all back from the receiving socket
 *	with recvmmsg(). Prints "COUNT NSEC PPS" for the COUNT, of
 *	CLOCK_MONOTONIC around that loop only.
 *
 * Without programs DADDR:DPORT is the receiver's own address; with them
 * it is one nothing is bound to, which only steer's bpf_sk_assign() gets
 * to the receiver. Every datagram sent must be read from the receiver,
 * with the size sent: one lost (a lookup that found nothing answers port
 * unreachable, and the next send fails with ECONNREFUSED) or late by two
 * seconds fails the run, so a row can never time dropped traffic.
 *
 * Loopback delivers within sendmmsg() (its softirq runs as the send
 * re-enables bottom halves), so a batch is normally all there when
 * recvmmsg() is called; the receive buffer holds many more than BATCH
 * datagrams of this size.
 */
#define _GNU_SOURCE	/* sendmmsg(), recvmmsg() */
#include <poll.h>

#include "sk_lookup_attach.h"

static const char usage[] =
	"usage: udpsteer [-k NPROGS -p PROGDIR -m MAP] [-w WARMUP] [-b BATCH] [-s SIZE]\n"
	"                LADDR LPORT DADDR DPORT COUNT\n";

#define MAX_BATCH	256
#define MAX_SIZE	1472

static struct mmsghdr smsg[MAX_BATCH], rmsg[MAX_BATCH];
static struct iovec siov[MAX_BATCH], riov[MAX_BATCH];
static char payload[MAX_SIZE], rbuf[MAX_BATCH][MAX_SIZE + 1];

/* Sends @n datagrams, @batch at a time, each batch read back from @r. */
static void flood(int s, int r, unsigned long batch, unsigned long size,
		  unsigned long n)
{
	unsigned long sent = 0;

	while (sent < n) {
		unsigned long want = n - sent < batch ? n - sent : batch;
		unsigned long out = 0, in = 0;
		int k, j;

		while (out < want) {
			k = sendmmsg(s, smsg, want - out, 0);
			if (k < 0 && errno == EINTR)
				continue;
			/* ECONNREFUSED: a port unreachable came back. */
			if (k < 0)
				die("sendmmsg");
			out += k;
		}
		while (in < want) {
			k = recvmmsg(r, rmsg, want - in, MSG_DONTWAIT, NULL);
			if (k < 0 && errno == EAGAIN) {
				struct pollfd p = { .fd = r, .events = POLLIN };

				if (poll(&p, 1, 2000) != 1)
					fail("udpsteer: %lu of %lu datagrams arrived\n",
					     sent + in, sent + want);
				continue;
			}
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				die("recvmmsg");
			for (j = 0; j < k; j++)
				if (rmsg[j].msg_len != size)
					fail("udpsteer: received %u bytes, sent %lu\n",
					     rmsg[j].msg_len, size);
			in += k;
		}
		sent += want;
	}
}

int main(int argc, char **argv)
{
	unsigned long warmup = 1000, batch = 32, size = 64, count, i;
	struct skl_opts skl = { 0 };
	struct sockaddr_in lsin, dst;
	long long start, ns;
	int s, r, opt, one = 1;

	while ((opt = getopt(argc, argv, "k:p:m:w:b:s:")) != -1) {
		if (skl_opt(&skl, opt, optarg))
			continue;
		switch (opt) {
		case 'w':
			warmup = num(optarg, 0, 1UL << 40);
			break;
		case 'b':
			batch = num(optarg, 1, MAX_BATCH);
			break;
		case 's':
			size = num(optarg, 0, MAX_SIZE);
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind != 5) {
		fputs(usage, stderr);
		return 2;
	}
	addr4(&lsin, argv[optind], argv[optind + 1]);
	addr4(&dst, argv[optind + 2], argv[optind + 3]);
	count = num(argv[optind + 4], 1, 1UL << 40);
	if (same4(&lsin, &dst) != !skl.nprogs) {
		fputs("udpsteer: without programs, send to LADDR:LPORT; with them, elsewhere\n",
		      stderr);
		return 2;
	}

	r = socket(AF_INET, SOCK_DGRAM, 0);
	if (r < 0)
		die("socket");
	if (setsockopt(r, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR");
	if (bind(r, (struct sockaddr *)&lsin, sizeof(lsin)))
		die("bind");
	skl_attach(&skl, r);

	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket");
	/*
	 * Connected: the route is looked up once and cached on the socket,
	 * so each datagram costs the receive side's lookup and not a FIB
	 * lookup; and a port unreachable is reported to it.
	 */
	if (connect(s, (struct sockaddr *)&dst, sizeof(dst)))
		die("connect");

	memset(payload, 0xa5, sizeof(payload));
	for (i = 0; i < batch; i++) {
		siov[i].iov_base = payload;
		siov[i].iov_len = size;
		smsg[i].msg_hdr.msg_iov = &siov[i];
		smsg[i].msg_hdr.msg_iovlen = 1;
		/* One byte more than sent: a longer datagram shows. */
		riov[i].iov_base = rbuf[i];
		riov[i].iov_len = sizeof(rbuf[i]);
		rmsg[i].msg_hdr.msg_iov = &riov[i];
		rmsg[i].msg_hdr.msg_iovlen = 1;
	}

	flood(s, r, batch, size, warmup);
	start = now_ns();
	flood(s, r, batch, size, count);
	ns = now_ns() - start;
	close(s);
	close(r);

	printf("%lu %lld %.0f\n", count, ns, ns > 0 ? count * 1e9 / ns : 0.0);
	return 0;
}
