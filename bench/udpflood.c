// SPDX-License-Identifier: GPL-2.0
/*
 * udpflood: the benchmark's packet source and sink.
 *
 *   udpflood send [-s SIZE] [-b BATCH] [-w WARMUP] ADDR PORT COUNT
 *	Sends WARMUP (default 0) and then COUNT UDP datagrams of SIZE
 *	payload bytes (default 64) to ADDR:PORT, BATCH (default 32) per
 *	sendmmsg(), and prints "COUNT NSEC PPS" for the COUNT. The time is
 *	CLOCK_MONOTONIC around that loop only: process start-up (which reads
 *	the binary over 9p) and the first packets of a new socket, which
 *	take a slower path, are not in it.
 *
 *   udpflood sink ADDR PORT
 *	Binds a UDP socket, prints the pid of a child that holds it and
 *	returns once it is bound. The socket is never read: with the
 *	smallest receive buffer, datagrams are dropped at the socket at a
 *	constant cost and counted in Udp InDatagrams/InErrors (Udp6... in
 *	/proc/net/snmp6), so a sink adds no scheduling of its own to the
 *	measurement.
 *
 * ADDR is IPv4 or IPv6 (a colon in it). An IPv6 sink is IPV6_V6ONLY, so
 * it and an IPv4 sink on the same port coexist.
 *
 * pktgen would be faster but bypasses routing, which is what LWT hooks.
 */
#define _GNU_SOURCE	/* sendmmsg() */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static const char usage[] =
	"usage: udpflood send [-s SIZE] [-b BATCH] [-w WARMUP] ADDR PORT COUNT\n"
	"       udpflood sink ADDR PORT\n";

#define MAX_BATCH	1024
#define MAX_SIZE	1472	/* one Ethernet frame */

/*
 * A numeric IPv4 or IPv6 address and port; returns the length of the
 * sockaddr. getaddrinfo() with AI_NUMERICHOST only parses: no lookup.
 */
static socklen_t addr(struct sockaddr_storage *ss, const char *ip,
		      const char *port)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
		.ai_socktype = SOCK_DGRAM,
	};
	struct addrinfo *ai;
	socklen_t len;
	char p[6];
	int err;

	snprintf(p, sizeof(p), "%lu", num(port, 1, 65535));
	err = getaddrinfo(ip, p, &hints, &ai);
	if (err) {
		fprintf(stderr, "udpflood: bad address '%s': %s\n", ip,
			gai_strerror(err));
		exit(2);
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return len;
}

/* Sends n datagrams, batch at a time. */
static void flood(int fd, struct mmsghdr *msgs, unsigned long batch,
		  unsigned long n)
{
	unsigned long sent = 0;

	while (sent < n) {
		int r = sendmmsg(fd, msgs, n - sent < batch ? n - sent : batch, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* ECONNREFUSED: an ICMP unreachable came back, no sink. */
			die("sendmmsg");
		}
		sent += r;
	}
}

static int do_send(int argc, char **argv)
{
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	static char payload[MAX_SIZE];
	unsigned long count, size = 64, batch = 32, warmup = 0, i;
	struct sockaddr_storage dst;
	long long start, ns;
	socklen_t len;
	int fd, opt;

	while ((opt = getopt(argc, argv, "s:b:w:")) != -1) {
		switch (opt) {
		case 's':
			size = num(optarg, 0, MAX_SIZE);
			break;
		case 'b':
			batch = num(optarg, 1, MAX_BATCH);
			break;
		case 'w':
			warmup = num(optarg, 0, 1UL << 40);
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind != 3) {
		fputs(usage, stderr);
		return 2;
	}
	len = addr(&dst, argv[optind], argv[optind + 1]);
	count = num(argv[optind + 2], 1, 1UL << 40);

	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	/*
	 * Connected: the route is looked up once and cached on the socket,
	 * so each packet costs the route's hooks and not a FIB lookup.
	 */
	if (connect(fd, (struct sockaddr *)&dst, len))
		die("connect");

	memset(payload, 0xa5, sizeof(payload));
	for (i = 0; i < batch; i++) {
		iov[i].iov_base = payload;
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	flood(fd, msgs, batch, warmup);
	start = now_ns();
	flood(fd, msgs, batch, count);
	ns = now_ns() - start;
	close(fd);

	printf("%lu %lld %.0f\n", count, ns, ns > 0 ? count * 1e9 / ns : 0.0);
	return 0;
}

static int do_sink(int argc, char **argv)
{
	struct sockaddr_storage sin;
	int fd, null, one = 1, small = 1;
	socklen_t len;
	pid_t pid;

	if (argc != 4) {
		fputs(usage, stderr);
		return 2;
	}
	len = addr(&sin, argv[2], argv[3]);

	fd = socket(sin.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR");
	if (sin.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		die("IPV6_V6ONLY");
	/* The kernel rounds this up to its minimum. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)))
		die("SO_RCVBUF");
	if (bind(fd, (struct sockaddr *)&sin, len))
		die("bind");

	/*
	 * The caller's $(...) ends when the parent exits and the child lets
	 * go of stdout; by then the socket is bound.
	 */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid > 0) {
		printf("%d\n", (int)pid);
		return 0;
	}
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		die("/dev/null");
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	close(null);
	setsid();
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return do_send(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "sink"))
		return do_sink(argc, argv);
	fputs(usage, stderr);
	return 2;
}
