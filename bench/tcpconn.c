// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconn: TCP connections per second through the socket lookup, with or
 * without SK_LOOKUP programs (bench/sk_lookup_guest.sh).
 *
 *   tcpconn [-k NPROGS -p PROGDIR -m MAP] [-w WARMUP] LADDR LPORT DADDR DPORT COUNT
 *	Listens on LADDR:LPORT, attaches the programs (sk_lookup_attach.h),
 *	then makes WARMUP (default 100) and then COUNT connections to
 *	DADDR:DPORT, one at a time: socket(), connect(), accept() on the
 *	listener, close() of both. Prints "COUNT NSEC CPS" for the COUNT,
 *	of CLOCK_MONOTONIC around that loop only.
 *
 * Without programs DADDR:DPORT is the listener's own address; with them
 * it is one nothing listens on, which only steer's bpf_sk_assign() gets
 * to the listener. Every connection must be accepted there at once (the
 * loopback handshake completes within connect()), and every accepted one
 * must be to DADDR:DPORT: anything else fails the run, so a row can
 * never time refused or misrouted connections.
 *
 * The client closes with SO_LINGER 0, a reset: no TIME_WAIT is left,
 * so the hash tables and the ephemeral port search stay the same from
 * the first connection to the last and no run runs out of ports. The
 * SYN is the one packet per connection that takes the listener lookup
 * (and so the programs); the rest find established sockets.
 */
#define _GNU_SOURCE	/* accept4() */
#include <poll.h>

#include "sk_lookup_attach.h"

static const char usage[] =
	"usage: tcpconn [-k NPROGS -p PROGDIR -m MAP] [-w WARMUP] LADDR LPORT DADDR DPORT COUNT\n";

/* One connection; checks where it arrived when @check. */
static void conn(int lfd, const struct sockaddr_in *dst, int check)
{
	static const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_in local;
	socklen_t len;
	int c, a;

	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0)
		die("socket");
	if (connect(c, (const struct sockaddr *)dst, sizeof(*dst)))
		die("connect");
	a = accept4(lfd, NULL, NULL, 0);
	if (a < 0 && errno == EAGAIN) {
		/* Not expected on loopback; wait a little before failing. */
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		if (poll(&p, 1, 2000) == 1)
			a = accept4(lfd, NULL, NULL, 0);
		else
			fail("tcpconn: a connection did not arrive on the listener\n");
	}
	if (a < 0)
		die("accept");
	if (check) {
		len = sizeof(local);
		if (getsockname(a, (struct sockaddr *)&local, &len))
			die("getsockname");
		if (!same4(&local, dst))
			fail("tcpconn: accepted a connection to %s:%u\n",
			     inet_ntoa(local.sin_addr), ntohs(local.sin_port));
	}
	if (setsockopt(c, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)))
		die("SO_LINGER");
	close(c);
	close(a);
}

int main(int argc, char **argv)
{
	struct skl_opts skl = { 0 };
	struct sockaddr_in lsin, dst;
	unsigned long warmup = 100, count, i;
	long long start, ns;
	int lfd, opt, one = 1;

	while ((opt = getopt(argc, argv, "k:p:m:w:")) != -1) {
		if (skl_opt(&skl, opt, optarg))
			continue;
		if (opt != 'w') {
			fputs(usage, stderr);
			return 2;
		}
		warmup = num(optarg, 0, 1UL << 30);
	}
	if (argc - optind != 5) {
		fputs(usage, stderr);
		return 2;
	}
	addr4(&lsin, argv[optind], argv[optind + 1]);
	addr4(&dst, argv[optind + 2], argv[optind + 3]);
	count = num(argv[optind + 4], 1, 1UL << 30);
	if (same4(&lsin, &dst) != !skl.nprogs) {
		fputs("tcpconn: without programs, connect to LADDR:LPORT; with them, elsewhere\n",
		      stderr);
		return 2;
	}

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR");
	if (bind(lfd, (struct sockaddr *)&lsin, sizeof(lsin)))
		die("bind");
	if (listen(lfd, 128))
		die("listen");
	/* accept() must not wait: a connection is there, or the run fails. */
	if (fcntl(lfd, F_SETFL, O_NONBLOCK))
		die("O_NONBLOCK");
	skl_attach(&skl, lfd);

	for (i = 0; i < warmup; i++)
		conn(lfd, &dst, 1);
	start = now_ns();
	for (i = 0; i < count; i++)
		conn(lfd, &dst, 0);
	ns = now_ns() - start;
	/* The timed connections went where the warm-up's did. */
	conn(lfd, &dst, 1);
	close(lfd);

	printf("%lu %lld %.0f\n", count, ns, ns > 0 ? count * 1e9 / ns : 0.0);
	return 0;
}
