// SPDX-License-Identifier: GPL-2.0
/*
 * An in-kernel redirect proxy under test: every byte checked end to end.
 *
 *   c1 ---TCP---> s1 (IN)  -- verdict: bpf_sk_redirect_{map,hash}(OUT) -->
 *   c2 (OUT) ---TCP---> s2
 *
 * The sender writes a stream on c1 whose every 8-byte word says where it
 * is (pattern()); s1 sits at key IN of a SOCKMAP (or SOCKHASH) whose
 * verdict (tests/sockmap/progs/smk_redirect.bpf.c) sends what s1 receives
 * out of c2, the socket at OUT; the receiver reads s2 and checks each
 * byte against the stream: nothing lost, duplicated or reordered.
 *
 * An event at a byte offset of the stream, while it flows:
 *   delete    s1 leaves the map: the rest reaches s1's reader, in order
 *   mapfree   the object (maps, programs) is closed and the map freed:
 *             s1's map here is smk_socks, its verdict (smk_skb_out) sends
 *             to c2 in smk_out, so that no program pins the map s1 is
 *             in. What c2 had queued goes with its psock (as upstream),
 *             what is left arrives in order at s2 and then at s1
 *   close     the sender closes c1: everything sent reaches s2, s1 sees
 *             EOF and stays in the map until it closes
 *   reset     the sender resets c1: s2 gets a prefix of the stream, s1
 *             stays in the map until it closes (6.1's TCP BPF proto has
 *             no unhash: a socket leaves a map when it closes)
 *   rcvreset  the final receiver resets s2: the sender goes on, what
 *             the verdict sends to c2 is dropped; c2 stays in the map
 *             until it closes
 *   stall     the final receiver stops reading for STALL_MS once it has
 *             read that far, then reads on: the whole stream arrives.
 *             "stalled=" says how much the sender wrote meanwhile: with
 *             backpressure on redirect, what the sockets' buffers hold;
 *             without (upstream), as much as it could send in that time
 *
 * Or, with -s N: N sockets in a SOCKHASH of N entries (lookup, iteration,
 * E2BIG, delete, removal on close).
 *
 * Prints what it measured as "key=value" words; exits 0 when every check
 * holds, 1 with the failed check on stderr.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bench/util.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KEY_IN	0
#define KEY_OUT	1
#define CHUNK	(64 * 1024)
/* A reader gives up after this long without data once the sender is done. */
#define IDLE_MS	3000
/* How long the final receiver stops reading for the stall event. */
#define STALL_MS	3000

enum event {
	EV_NONE, EV_DELETE, EV_MAPFREE, EV_CLOSE, EV_RESET, EV_RCVRESET,
	EV_STALL,
};

static const char *const event_names[] = {
	[EV_NONE] = "none", [EV_DELETE] = "delete", [EV_MAPFREE] = "mapfree",
	[EV_CLOSE] = "close", [EV_RESET] = "reset", [EV_RCVRESET] = "rcvreset",
	[EV_STALL] = "stall",
};

struct proxy {
	struct bpf_object *obj;
	int map_fd;
	int c1, s1, c2, s2;
	size_t total, event_at;
	enum event event;
	atomic_bool sender_done;
	/* Bytes the sender wrote, s2 read, s1's own reader read. */
	atomic_size_t sent, proxied, direct;
	/* When s2 read its last byte. */
	long long last_proxied_ns;
	/* The stream didn't hold at s2: the offset, or SIZE_MAX. */
	size_t bad_at;
	unsigned char *direct_buf;
	size_t direct_cap;
	bool s1_eof;
	int s1_err, s2_err;
	/* What the sender wrote while s2's reader stalled. */
	size_t stalled;
	bool stall_done;
};

/* The stream's word at byte @off (a multiple of 8): distinct for each. */
static __u64 pattern_word(__u64 off)
{
	__u64 w = (off >> 3) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;

	return w ^ (w >> 29);
}

static void pattern_fill(unsigned char *buf, size_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		__u64 w = pattern_word(off + i);

		memcpy(buf + i, &w, 8);
	}
}

/* Whether @len bytes read at stream offset @off are the stream's. */
static bool pattern_check(const unsigned char *data, size_t len, size_t off)
{
	static __thread unsigned char win[CHUNK];
	static __thread size_t win_base = SIZE_MAX;

	while (len) {
		size_t base = off & ~(size_t)(CHUNK - 1);
		size_t n = base + CHUNK - off;

		if (n > len)
			n = len;
		if (win_base != base) {
			pattern_fill(win, base, CHUNK);
			win_base = base;
		}
		if (memcmp(data, win + (off - base), n))
			return false;
		data += n;
		off += n;
		len -= n;
	}
	return true;
}

static void tcp_pair(int *c, int *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&sin, sizeof(sin)) || listen(l, 1) ||
	    getsockname(l, (void *)&sin, &len))
		die("listener");
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0 || connect(*c, (void *)&sin, sizeof(sin)))
		die("connect");
	*s = accept(l, NULL, NULL);
	if (*s < 0)
		die("accept");
	close(l);
}

static void reset_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		die("SO_LINGER");
	close(fd);
}

/*
 * Reads @fd until EOF, an error, or IDLE_MS without data once the sender
 * is done; hands each piece to @eat. Returns 0, or the read's errno.
 */
static int read_all(struct proxy *p, int fd,
		    void (*eat)(struct proxy *p, const unsigned char *d,
				size_t n), bool *eof)
{
	static __thread unsigned char buf[CHUNK];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long idle_since = 0;

	for (;;) {
		ssize_t n;

		if (poll(&pfd, 1, 100) < 0)
			return errno;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			eat(p, buf, n);
			idle_since = 0;
			continue;
		}
		if (n == 0) {
			*eof = true;
			return 0;
		}
		if (errno != EAGAIN)
			return errno;
		if (!atomic_load(&p->sender_done))
			continue;
		if (!idle_since)
			idle_since = now_ns();
		else if (now_ns() - idle_since > IDLE_MS * 1000000LL)
			return 0;
	}
}

static void eat_proxied(struct proxy *p, const unsigned char *d, size_t n)
{
	size_t off = atomic_load(&p->proxied);

	if (p->bad_at == SIZE_MAX && !pattern_check(d, n, off))
		p->bad_at = off;
	atomic_store(&p->proxied, off + n);
	if (p->event == EV_STALL && !p->stall_done && off + n >= p->event_at) {
		size_t before = atomic_load(&p->sent);

		usleep(STALL_MS * 1000);
		p->stalled = atomic_load(&p->sent) - before;
		p->stall_done = true;
	}
	p->last_proxied_ns = now_ns();
}

static void eat_direct(struct proxy *p, const unsigned char *d, size_t n)
{
	size_t off = atomic_load(&p->direct);

	if (off + n <= p->direct_cap)
		memcpy(p->direct_buf + off, d, n);
	atomic_store(&p->direct, off + n);
}

static void *s2_reader(void *arg)
{
	struct proxy *p = arg;
	bool eof = false;

	p->s2_err = read_all(p, p->s2, eat_proxied, &eof);
	return NULL;
}

static void *s1_reader(void *arg)
{
	struct proxy *p = arg;

	p->s1_err = read_all(p, p->s1, eat_direct, &p->s1_eof);
	return NULL;
}

/* Returns whether the sender goes on after the event. */
static bool fire(struct proxy *p)
{
	__u32 key = KEY_IN;

	switch (p->event) {
	case EV_DELETE:
		if (bpf_map_delete_elem(p->map_fd, &key))
			die("delete s1");
		return true;
	case EV_MAPFREE:
		bpf_object__close(p->obj);
		p->obj = NULL;
		p->map_fd = -1;
		return true;
	case EV_CLOSE:
		close(p->c1);
		return false;
	case EV_RESET:
		reset_close(p->c1);
		return false;
	case EV_RCVRESET:
		reset_close(p->s2);
		return true;
	default:
		return true;
	}
}

static void send_all(int fd, const unsigned char *buf, size_t n)
{
	while (n) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w < 0)
			die("send");
		buf += w;
		n -= w;
	}
}

/* The stream, a chunk at a time; the event fires between chunks. */
static void send_stream(struct proxy *p)
{
	static unsigned char buf[CHUNK];
	bool fired = p->event == EV_NONE;
	size_t off;

	for (off = 0; off < p->total; off += CHUNK) {
		size_t n = p->total - off < CHUNK ? p->total - off : CHUNK;

		if (!fired && off >= p->event_at) {
			fired = true;
			if (!fire(p))
				break;
		}
		pattern_fill(buf, off, CHUNK);
		send_all(p->c1, buf, n);
		atomic_store(&p->sent, off + n);
	}
	if (p->event != EV_CLOSE && p->event != EV_RESET)
		shutdown(p->c1, SHUT_WR);
	atomic_store(&p->sender_done, true);
}

/* Whether @key of the map holds a socket; dies on errors but ENOENT. */
static bool map_has(int map_fd, __u32 key)
{
	__u64 cookie;

	if (!bpf_map_lookup_elem(map_fd, &key, &cookie))
		return true;
	if (errno != ENOENT)
		die("map lookup");
	return false;
}

static void setup_proxy(struct proxy *p, const char *path, bool hash,
			bool parser)
{
	const char *map = hash ? "smk_hash" : "smk_socks";
	const char *verdict = hash ? "smk_skb_hash" : "smk_skb";
	const char *out_map = map;
	struct bpf_program *prog;
	int out_fd;
	__u32 key;
	__u64 fd;

	if (p->event == EV_MAPFREE && !hash) {
		verdict = "smk_skb_out";
		out_map = "smk_out";
	}

	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj || bpf_object__load(p->obj))
		fail("cannot load %s\n", path);
	p->map_fd = bpf_object__find_map_fd_by_name(p->obj, map);
	out_fd = bpf_object__find_map_fd_by_name(p->obj, out_map);
	prog = bpf_object__find_program_by_name(p->obj, verdict);
	if (p->map_fd < 0 || out_fd < 0 || !prog)
		fail("%s: no %s, %s or %s\n", path, map, out_map, verdict);
	if (bpf_prog_attach(bpf_program__fd(prog), p->map_fd,
			    BPF_SK_SKB_STREAM_VERDICT, 0))
		die("attach verdict");
	if (parser) {
		prog = bpf_object__find_program_by_name(p->obj, "smk_parse");
		if (!prog || bpf_prog_attach(bpf_program__fd(prog), p->map_fd,
					     BPF_SK_SKB_STREAM_PARSER, 0))
			die("attach parser");
	}
	tcp_pair(&p->c1, &p->s1);
	tcp_pair(&p->c2, &p->s2);
	key = KEY_OUT;
	fd = p->c2;
	if (bpf_map_update_elem(out_fd, &key, &fd, BPF_ANY))
		die("c2 into the map");
	key = KEY_IN;
	fd = p->s1;
	if (bpf_map_update_elem(p->map_fd, &key, &fd, BPF_ANY))
		die("s1 into the map");
}

/* @fd, at @key, is in the map until it closes, and only until then. */
static void check_leaves_on_close(struct proxy *p, __u32 key, int fd,
				  const char *name)
{
	if (!map_has(p->map_fd, key))
		fail("%s left the map before it closed\n", name);
	close(fd);
	if (map_has(p->map_fd, key))
		fail("%s in the map after it closed\n", name);
}

/* The checks of what arrived where, by event. */
static void check_proxy(struct proxy *p)
{
	size_t sent = p->sent, proxied = p->proxied, direct = p->direct;

	if (p->bad_at != SIZE_MAX)
		fail("s2: stream wrong at byte %zu\n", p->bad_at);
	if (p->s2_err && p->event != EV_RCVRESET)
		fail("s2: %s\n", strerror(p->s2_err));
	if (p->event == EV_STALL && !p->stall_done)
		fail("s2 never stalled\n");
	switch (p->event) {
	case EV_NONE:
	case EV_STALL:
		if (proxied != p->total || direct)
			fail("proxied %zu of %zu, direct %zu\n", proxied,
			     p->total, direct);
		break;
	case EV_MAPFREE:
		/*
		 * As upstream: what c2's psock still queued for sending goes
		 * with the psock (sk_psock_stop()); what is left arrives in
		 * order, the rest at s1.
		 */
		if (proxied + direct > p->total)
			fail("proxied %zu + direct %zu > %zu\n", proxied,
			     direct, p->total);
		if (direct > p->direct_cap)
			fail("direct %zu: more than kept\n", direct);
		if (!pattern_check(p->direct_buf, direct, p->total - direct))
			fail("s1: not the stream's last %zu bytes\n", direct);
		if (!p->s1_eof)
			fail("s1: no EOF\n");
		break;
	case EV_DELETE:
		if (proxied + direct != p->total)
			fail("proxied %zu + direct %zu != %zu\n", proxied,
			     direct, p->total);
		if (direct > p->direct_cap)
			fail("direct %zu: more than kept\n", direct);
		if (!pattern_check(p->direct_buf, direct, proxied))
			fail("s1: not the stream from byte %zu on\n", proxied);
		if (!p->s1_eof)
			fail("s1: no EOF\n");
		if (map_has(p->map_fd, KEY_IN))
			fail("s1 still in the map after delete\n");
		break;
	case EV_CLOSE:
		if (proxied != sent || direct)
			fail("proxied %zu of %zu sent, direct %zu\n", proxied,
			     sent, direct);
		if (!p->s1_eof)
			fail("s1: no EOF\n");
		check_leaves_on_close(p, KEY_IN, p->s1, "s1");
		break;
	case EV_RESET:
		if (proxied > sent || direct)
			fail("proxied %zu of %zu sent, direct %zu\n", proxied,
			     sent, direct);
		if (p->s1_err != ECONNRESET)
			fail("s1: %s, want ECONNRESET\n", strerror(p->s1_err));
		check_leaves_on_close(p, KEY_IN, p->s1, "s1");
		break;
	case EV_RCVRESET:
		if (sent != p->total || direct)
			fail("sent %zu of %zu, direct %zu\n", sent, p->total,
			     direct);
		check_leaves_on_close(p, KEY_OUT, p->c2, "c2");
		break;
	}
}

static void run_proxy(const char *path, size_t total, enum event event,
		      size_t event_at, bool hash, bool parser)
{
	struct proxy p = {
		.total = total, .event = event, .event_at = event_at,
		.bad_at = SIZE_MAX,
	};
	pthread_t t1, t2;
	long long t0;

	if (event == EV_DELETE || event == EV_MAPFREE) {
		p.direct_cap = total - event_at;
		p.direct_buf = malloc(p.direct_cap);
		if (!p.direct_buf)
			die("malloc");
	}
	setup_proxy(&p, path, hash, parser);
	t0 = now_ns();
	if (pthread_create(&t2, NULL, s2_reader, &p) ||
	    pthread_create(&t1, NULL, s1_reader, &p))
		die("pthread_create");
	send_stream(&p);
	pthread_join(t2, NULL);
	pthread_join(t1, NULL);
	printf("event=%s sent=%zu proxied=%zu direct=%zu lost=%zu stalled=%zu ms=%lld\n",
	       event_names[event], (size_t)p.sent, (size_t)p.proxied,
	       (size_t)p.direct, (size_t)(p.sent - p.proxied - p.direct),
	       p.stalled, p.proxied ? (p.last_proxied_ns - t0) / 1000000 : 0);
	check_proxy(&p);
	if (p.obj)
		bpf_object__close(p.obj);
}

static __u64 cookie_of(int fd)
{
	socklen_t len = sizeof(__u64);
	__u64 cookie;

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		die("SO_COOKIE");
	return cookie;
}

static unsigned int map_count(int map_fd)
{
	__u32 key, next, *prev = NULL;
	unsigned int n = 0;

	while (!bpf_map_get_next_key(map_fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	if (errno != ENOENT)
		die("get_next_key");
	return n;
}

/* @n sockets (n/2 connections) in a SOCKHASH of @n entries. */
static void run_scale(unsigned int n)
{
	struct rlimit rl = { .rlim_cur = n + 64, .rlim_max = n + 64 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	int map_fd, l, extra[2], *fds;
	long long t0, put_ns;
	unsigned int i, left;
	__u32 key;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE");
	fds = calloc(n, sizeof(*fds));
	map_fd = bpf_map_create(BPF_MAP_TYPE_SOCKHASH, "smk_scale",
				sizeof(__u32), sizeof(__u64), n, NULL);
	if (!fds || map_fd < 0)
		die("SOCKHASH");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&sin, sizeof(sin)) || listen(l, 4096) ||
	    getsockname(l, (void *)&sin, &slen))
		die("listener");
	for (i = 0; i < n; i += 2) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (void *)&sin, sizeof(sin)))
			die("connect");
		fds[i + 1] = accept(l, NULL, NULL);
		if (fds[i + 1] < 0)
			die("accept");
	}

	t0 = now_ns();
	for (key = 0; key < n; key++) {
		__u64 fd = fds[key];

		if (bpf_map_update_elem(map_fd, &key, &fd, BPF_NOEXIST))
			die("update");
	}
	put_ns = now_ns() - t0;
	for (key = 0; key < n; key++) {
		__u64 cookie;

		if (bpf_map_lookup_elem(map_fd, &key, &cookie))
			die("lookup");
		if (cookie != cookie_of(fds[key]))
			fail("key %u: cookie %llu, socket's %llu\n", key,
			     (unsigned long long)cookie,
			     (unsigned long long)cookie_of(fds[key]));
	}
	if (map_count(map_fd) != n)
		fail("iteration found %u of %u\n", map_count(map_fd), n);

	/* Full: a new key is E2BIG, replacing one is not. */
	tcp_pair(&extra[0], &extra[1]);
	key = n;
	{
		__u64 fd = extra[0];

		if (!bpf_map_update_elem(map_fd, &key, &fd, BPF_ANY) ||
		    errno != E2BIG)
			fail("key %u of a full map: %s, want E2BIG\n", key,
			     strerror(errno));
		key = 0;
		if (bpf_map_update_elem(map_fd, &key, &fd, BPF_EXIST))
			die("replace in a full map");
		fd = fds[0];
		if (bpf_map_update_elem(map_fd, &key, &fd, BPF_EXIST))
			die("replace back");
	}
	close(extra[0]);
	close(extra[1]);

	/* Half deleted, the other half closed: the map empties. */
	for (key = 0; key < n; key += 2)
		if (bpf_map_delete_elem(map_fd, &key))
			die("delete");
	left = map_count(map_fd);
	if (left != n / 2)
		fail("%u left after deleting %u of %u\n", left, n / 2, n);
	for (i = 0; i < n; i++)
		close(fds[i]);
	left = map_count(map_fd);
	if (left)
		fail("%u left after every socket closed\n", left);
	printf("sockets=%u puts_per_s=%lld\n", n,
	       put_ns ? n * 1000000000LL / put_ns : 0);
	close(l);
	close(map_fd);
	free(fds);
}

static enum event event_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(event_names); i++)
		if (!strcmp(name, event_names[i]))
			return i;
	fprintf(stderr, "unknown event %s\n", name);
	exit(2);
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: smk_proxy -o OBJ [-b BYTES] [-e EVENT@OFFSET] [-H] [-P]\n"
		"       smk_proxy -s SOCKETS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	size_t total = 64 << 20, event_at = 0;
	enum event event = EV_NONE;
	bool hash = false, parser = false;
	const char *path = NULL;
	unsigned int scale = 0;
	char *at;
	int opt;

	while ((opt = getopt(argc, argv, "o:b:e:HPs:")) != -1) {
		switch (opt) {
		case 'o':
			path = optarg;
			break;
		case 'b':
			total = num(optarg, 8, 1UL << 40);
			break;
		case 'e':
			at = strchr(optarg, '@');
			if (!at)
				bad_usage();
			*at = '\0';
			event = event_of(optarg);
			event_at = num(at + 1, 0, 1UL << 40);
			break;
		case 'H':
			hash = true;
			break;
		case 'P':
			parser = true;
			break;
		case 's':
			scale = num(optarg, 2, 1 << 20) & ~1U;
			break;
		default:
			bad_usage();
		}
	}
	if (scale) {
		run_scale(scale);
		return 0;
	}
	if (!path || event_at > total)
		bad_usage();
	run_proxy(path, total, event, event_at, hash, parser);
	return 0;
}
