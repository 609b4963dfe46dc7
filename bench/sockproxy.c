// SPDX-License-Identifier: GPL-2.0
/*
 * One timed workload through a TCP proxy on loopback, for the sockmap
 * benchmark (bench/sockmap_guest.sh):
 *
 *   client c ---> f [proxy] b ---> server s     (replies: s -> b -> f -> c)
 *
 * The proxy is one of
 *   sockmap  in the kernel: f's verdict sends what f receives out of b,
 *            b's sends it out of f (bench/progs/bench_sockmap.bpf.c);
 *            whoever serves sockmap (built in, or sockmap.ko) serves it
 *   epoll    a thread: epoll, read(), write()
 *   splice   a thread: epoll, splice() through a pipe each way
 *
 * and the workload one of
 *   stream   COUNT bytes from client to server, in 64 KiB writes: MB/s
 *   msgs     COUNT messages of SIZE bytes, client to server, TCP_NODELAY:
 *            messages/s
 *   rtt      COUNT requests of SIZE bytes, each answered with SIZE bytes
 *            before the next: the 50th and 99th percentile of the round
 *            trip, in ns
 *
 *   sockproxy -m MODE -w WORKLOAD [-n COUNT] [-s SIZE] [-o OBJ]
 *
 * Prints "VALUE" (MB/s, messages/s) or "P50 P99" (ns) of guest time, and
 * fails unless every byte arrived.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "util.h"

#define CHUNK	(64 * 1024)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum mode { MODE_SOCKMAP, MODE_EPOLL, MODE_SPLICE };
enum workload { WL_STREAM, WL_MSGS, WL_RTT };

struct bench {
	enum mode mode;
	enum workload wl;
	unsigned long count, size;
	int c, f, b, s;
	/* The server's: when the last byte arrived, how many did. */
	long long end_ns;
	unsigned long long received;
};

static int listener(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int l;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)sin, sizeof(*sin)) || listen(l, 1) ||
	    getsockname(l, (void *)sin, &len))
		die("listener");
	return l;
}

/* Two connections: c to f (the proxy's front), b (its back) to s. */
static void connect_all(struct bench *bn)
{
	struct sockaddr_in sin;
	int l, one = 1;

	l = listener(&sin);
	bn->c = socket(AF_INET, SOCK_STREAM, 0);
	if (bn->c < 0 || connect(bn->c, (void *)&sin, sizeof(sin)))
		die("client connect");
	bn->f = accept(l, NULL, NULL);
	close(l);
	l = listener(&sin);
	bn->b = socket(AF_INET, SOCK_STREAM, 0);
	if (bn->b < 0 || connect(bn->b, (void *)&sin, sizeof(sin)))
		die("proxy connect");
	bn->s = accept(l, NULL, NULL);
	close(l);
	if (bn->f < 0 || bn->s < 0)
		die("accept");
	if (bn->wl != WL_STREAM &&
	    (setsockopt(bn->c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	     setsockopt(bn->s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	     setsockopt(bn->f, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	     setsockopt(bn->b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))))
		die("TCP_NODELAY");
}

static void put(int map_fd, int sock)
{
	__u64 fd = sock;
	__u32 key = 0;

	if (bpf_map_update_elem(map_fd, &key, &fd, BPF_ANY))
		die("sockmap update");
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(obj, name);

	if (fd < 0)
		fail("no map %s\n", name);
	return fd;
}

static void attach(struct bpf_object *obj, const char *prog, int map)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);

	if (!p || bpf_prog_attach(bpf_program__fd(p), map,
				  BPF_SK_SKB_STREAM_VERDICT, 0))
		die(prog);
}

/* The in-kernel proxy: the object stays open for the process's life. */
static void sockmap_proxy(struct bench *bn, const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	int front, back;

	if (!obj || bpf_object__load(obj))
		fail("cannot load %s\n", path);
	front = map_fd(obj, "smb_front");
	back = map_fd(obj, "smb_back");
	attach(obj, "smb_front_verdict", front);
	attach(obj, "smb_back_verdict", back);
	put(map_fd(obj, "smb_to_back"), bn->b);
	put(map_fd(obj, "smb_to_front"), bn->f);
	put(front, bn->f);
	put(back, bn->b);
}

static void write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);

		if (w < 0)
			die("write");
		buf += w;
		n -= w;
	}
}

/* Moves @n bytes from the pipe to @to. */
static void splice_out(int pipe_rd, int to, ssize_t n)
{
	while (n > 0) {
		ssize_t m = splice(pipe_rd, NULL, to, NULL, n, SPLICE_F_MOVE);

		if (m <= 0)
			die("splice out");
		n -= m;
	}
}

/* Moves what @from has now to @to; false at EOF. */
static bool copy_ready(struct bench *bn, int from, int to, int pipe_fds[2])
{
	static char buf[CHUNK];
	ssize_t n;

	for (;;) {
		if (bn->mode == MODE_EPOLL) {
			n = recv(from, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0)
				write_all(to, buf, n);
		} else {
			/*
			 * Once per readiness: a TCP socket's splice blocks
			 * unless the socket is O_NONBLOCK (SPLICE_F_NONBLOCK
			 * is the pipe's), and epoll says again if more is
			 * there.
			 */
			n = splice(from, NULL, pipe_fds[1], NULL, CHUNK,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				splice_out(pipe_fds[0], to, n);
				return true;
			}
		}
		if (n == 0)
			return false;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0)
			die("proxy read");
	}
}

static void *user_proxy(void *arg)
{
	struct bench *bn = arg;
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0), fwd[2], rev[2];

	if (ep < 0 || pipe(fwd) || pipe(rev))
		die("epoll, pipes");
	ev.data.fd = bn->f;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, bn->f, &ev))
		die("epoll_ctl");
	ev.data.fd = bn->b;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, bn->b, &ev))
		die("epoll_ctl");
	for (;;) {
		bool more;

		if (epoll_wait(ep, &ev, 1, -1) != 1)
			die("epoll_wait");
		if (ev.data.fd == bn->f)
			more = copy_ready(bn, bn->f, bn->b, fwd);
		else
			more = copy_ready(bn, bn->b, bn->f, rev);
		if (!more)
			return NULL;
	}
}

/* The server's side of stream and msgs: counts what arrives. */
static void *sink(void *arg)
{
	static char buf[CHUNK];
	struct bench *bn = arg;
	unsigned long long want = bn->wl == WL_STREAM ? bn->count :
				  (unsigned long long)bn->count * bn->size;

	while (bn->received < want) {
		ssize_t n = read(bn->s, buf, sizeof(buf));

		if (n <= 0)
			break;
		bn->received += n;
	}
	bn->end_ns = now_ns();
	return NULL;
}

/* The server's side of rtt: each request answered with as many bytes. */
static void *echo(void *arg)
{
	struct bench *bn = arg;
	char *buf = malloc(bn->size);
	unsigned long i;

	if (!buf)
		die("malloc");
	for (i = 0; i < bn->count; i++) {
		size_t got = 0;

		while (got < bn->size) {
			ssize_t n = read(bn->s, buf + got, bn->size - got);

			if (n <= 0)
				fail("server: request %lu short\n", i);
			got += n;
		}
		write_all(bn->s, buf, bn->size);
		bn->received += got;
	}
	free(buf);
	return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void run_rtt(struct bench *bn)
{
	long long *rtt = calloc(bn->count, sizeof(*rtt));
	char *buf = calloc(1, bn->size);
	unsigned long i;

	if (!rtt || !buf)
		die("calloc");
	for (i = 0; i < bn->count; i++) {
		long long t0 = now_ns();
		size_t got = 0;

		write_all(bn->c, buf, bn->size);
		while (got < bn->size) {
			ssize_t n = read(bn->c, buf + got, bn->size - got);

			if (n <= 0)
				fail("client: reply %lu short\n", i);
			got += n;
		}
		rtt[i] = now_ns() - t0;
	}
	qsort(rtt, bn->count, sizeof(*rtt), cmp_ll);
	printf("%lld %lld\n", rtt[bn->count / 2], rtt[bn->count * 99 / 100]);
	free(rtt);
	free(buf);
}

/* The client's side of stream and msgs; the sink times the end. */
static void run_oneway(struct bench *bn)
{
	static char buf[CHUNK];
	size_t n = bn->wl == WL_STREAM ? CHUNK : bn->size;
	unsigned long long left = bn->wl == WL_STREAM ? bn->count :
				  (unsigned long long)bn->count * bn->size;

	while (left) {
		size_t w = left < n ? left : n;

		write_all(bn->c, buf, w);
		left -= w;
	}
}

static const char *const modes[] = { "sockmap", "epoll", "splice" };
static const char *const workloads[] = { "stream", "msgs", "rtt" };

static void bad_usage(void)
{
	fprintf(stderr, "usage: sockproxy -m sockmap|epoll|splice -w stream|msgs|rtt\n"
		"                 -n COUNT [-s SIZE] [-o OBJ]\n");
	exit(2);
}

static unsigned int pick(const char *name, const char *const *names,
			 unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return i;
	bad_usage();
	return 0;
}

int main(int argc, char **argv)
{
	struct bench bn = { .count = 0, .size = 64 };
	const char *obj = NULL, *mode = NULL, *wl = NULL;
	pthread_t proxy, server;
	long long t0;
	int opt;

	while ((opt = getopt(argc, argv, "m:w:n:s:o:")) != -1) {
		switch (opt) {
		case 'm':
			mode = optarg;
			break;
		case 'w':
			wl = optarg;
			break;
		case 'n':
			bn.count = num(optarg, 1, 1UL << 40);
			break;
		case 's':
			bn.size = num(optarg, 1, CHUNK);
			break;
		case 'o':
			obj = optarg;
			break;
		default:
			bad_usage();
		}
	}
	if (!mode || !wl || !bn.count)
		bad_usage();
	bn.mode = pick(mode, modes, ARRAY_SIZE(modes));
	bn.wl = pick(wl, workloads, ARRAY_SIZE(workloads));

	connect_all(&bn);
	if (bn.mode == MODE_SOCKMAP) {
		if (!obj)
			fail("sockmap needs -o OBJ\n");
		sockmap_proxy(&bn, obj);
	} else if (pthread_create(&proxy, NULL, user_proxy, &bn)) {
		die("pthread_create");
	}
	if (pthread_create(&server, NULL, bn.wl == WL_RTT ? echo : sink, &bn))
		die("pthread_create");

	t0 = now_ns();
	if (bn.wl == WL_RTT)
		run_rtt(&bn);
	else
		run_oneway(&bn);
	pthread_join(server, NULL);
	if (bn.wl != WL_RTT) {
		unsigned long long want = bn.wl == WL_STREAM ? bn.count :
			(unsigned long long)bn.count * bn.size;
		double s = (bn.end_ns - t0) / 1e9;

		if (bn.received != want)
			fail("server received %llu of %llu bytes\n",
			     bn.received, want);
		if (bn.wl == WL_STREAM)
			printf("%.1f\n", want / s / 1e6);
		else
			printf("%.0f\n", bn.count / s);
	}
	return 0;
}
