// SPDX-License-Identifier: GPL-2.0
/*
 * test_maps' sockmap part alone: upstream's test_maps.c, unchanged, with
 * a main() that runs only its test_sockmap(), in both of test_maps'
 * passes (preallocated maps, then BPF_F_NO_PREALLOC), and prints what
 * test_maps prints at the end. Built against an empty map_tests/tests.h
 * (tests/upstream.mk): none of map_tests/ is linked.
 *
 * Whole, test_maps runs every map type's tests, and those of the
 * parallel and stress kind take minutes under TCG; on a kernel where
 * only sockmap is ours (Debian's, which sockmap.ko takes over) this
 * part is what tests the module.
 */
#define main test_maps_main
#include "test_maps.c"
#undef main

int main(void)
{
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);

	map_opts.map_flags = 0;
	test_sockmap(0, NULL);

	map_opts.map_flags = BPF_F_NO_PREALLOC;
	test_sockmap(0, NULL);

	printf("test_maps: OK, %d SKIPPED\n", skips);
	return 0;
}
