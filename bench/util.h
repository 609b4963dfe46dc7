/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark's C programs share (bench/udpflood.c, bench/tcpconn.c,
 * bench/udpsteer.c): failing loudly, checked numeric arguments, the clock.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* A system call failed: exit 1. */
static inline void die(const char *what)
{
	perror(what);
	exit(1);
}

/*
 * A check of the run that did not hold: the run measured the wrong thing.
 * A macro, so that the compiler checks the format as fprintf()'s.
 */
#define fail(...) \
	do { \
		fprintf(stderr, __VA_ARGS__); \
		exit(1); \
	} while (0)

/* @s as a number in [@min, @max], or a usage error: exit 2. */
static inline unsigned long num(const char *s, unsigned long min,
				unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v < min || v > max) {
		fprintf(stderr, "bad number '%s' (%lu..%lu)\n", s, min, max);
		exit(2);
	}
	return v;
}

/* CLOCK_MONOTONIC in ns: guest time, under -icount an instruction count. */
static inline long long now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime");
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif /* BENCH_UTIL_H */
