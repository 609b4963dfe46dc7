// SPDX-License-Identifier: GPL-2.0
/*
 * Prints the packet length histogram lwt_len_hist.bpf.o collects on a
 * route, as a bar chart (after samples/bpf/lwt_len_hist_user.c).
 *
 *   lwt_len_hist [-m PINNED_MAP]
 *
 * The map is the one iproute2 pinned when it loaded the program:
 * /sys/fs/bpf/tc/globals/lwt_len_hist unless -m names another.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define DEFAULT_MAP	"/sys/fs/bpf/tc/globals/lwt_len_hist"
#define MAX_SLOTS	64
#define MAX_STARS	40

static void print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-m PINNED_MAP]\n"
		"  -m PATH  the pinned histogram map (default %s)\n",
		prog, DEFAULT_MAP);
}

static void stars(char *buf, unsigned long long val, unsigned long long max)
{
	unsigned long long n = max ? val * MAX_STARS / max : 0;

	if (val && !n)
		n = 1;
	memset(buf, '*', n);
	buf[n] = '\0';
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_MAP;
	unsigned long long data[MAX_SLOTS] = { 0 };
	unsigned long long max = 0, total = 0;
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info);
	char bar[MAX_STARS + 1];
	int fd, opt, ncpus, last = -1;
	__u64 *values;
	__u32 key, slots;

	while ((opt = getopt(argc, argv, "m:h")) != -1) {
		switch (opt) {
		case 'm':
			path = optarg;
			break;
		case 'h':
			print_usage(argv[0]);
			return 0;
		default:
			print_usage(argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		print_usage(argv[0]);
		return 2;
	}

	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "lwt_len_hist: %s: %s (no route loaded %s?)\n",
			path, strerror(errno), "lwt_len_hist.bpf.o");
		return 1;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		fprintf(stderr, "lwt_len_hist: %s: not a BPF map: %s\n",
			path, strerror(errno));
		return 1;
	}
	if ((info.type != BPF_MAP_TYPE_PERCPU_ARRAY &&
	     info.type != BPF_MAP_TYPE_ARRAY) ||
	    info.key_size != sizeof(__u32) || info.value_size != sizeof(__u64)) {
		fprintf(stderr, "lwt_len_hist: %s: map '%s' %s (type %u, key %u, value %u bytes)\n",
			path, info.name, "is not a length histogram",
			info.type, info.key_size, info.value_size);
		return 1;
	}

	ncpus = 1;
	if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		ncpus = libbpf_num_possible_cpus();
		if (ncpus < 0) {
			fprintf(stderr, "lwt_len_hist: possible CPUs: %s\n",
				strerror(-ncpus));
			return 1;
		}
	}
	values = calloc(ncpus, sizeof(*values));
	if (!values) {
		perror("lwt_len_hist");
		return 1;
	}

	slots = info.max_entries < MAX_SLOTS ? info.max_entries : MAX_SLOTS;
	for (key = 0; key < slots; key++) {
		int cpu;

		if (bpf_map_lookup_elem(fd, &key, values)) {
			fprintf(stderr, "lwt_len_hist: %s: slot %u: %s\n",
				path, key, strerror(errno));
			free(values);
			return 1;
		}
		for (cpu = 0; cpu < ncpus; cpu++)
			data[key] += values[cpu];
		total += data[key];
		if (data[key] > max)
			max = data[key];
		if (data[key])
			last = key;
	}
	free(values);
	close(fd);

	printf("%s: %llu packets\n", path, total);
	if (last < 0)
		return 0;
	printf("%20s : %-8s %s\n", "length", "count", "distribution");
	for (key = 0; key <= (__u32)last; key++) {
		unsigned long long lo = key ? 1ULL << key : 0;
		unsigned long long hi = (1ULL << key << 1) - 1;

		stars(bar, data[key], max);
		printf("%8llu -> %-8llu : %-8llu |%-*s|\n",
		       lo, hi, data[key], MAX_STARS, bar);
	}
	return 0;
}
