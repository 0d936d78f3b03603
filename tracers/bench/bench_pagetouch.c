// SPDX-License-Identifier: MIT
/* bench_pagetouch [PAGES]: maps fresh anonymous memory and writes one byte per
 * page, so every touch is a minor fault. Prints CPU ns per fault (the fault
 * handler and the tracer's programs run in this process) and wall ns. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CHUNK_PAGES 4096 /* 16 MiB per mapping */

static int touch_chunk(long page)
{
	char *p = mmap(NULL, CHUNK_PAGES * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	madvise(p, CHUNK_PAGES * page, MADV_NOHUGEPAGE); /* one fault per 4 KiB page */
	for (long i = 0; i < CHUNK_PAGES; i++)
		p[i * page] = 1;
	munmap(p, CHUNK_PAGES * page);
	return 0;
}

int main(int argc, char **argv)
{
	long pages = argc > 1 ? atol(argv[1]) : 200000, page = sysconf(_SC_PAGESIZE);
	long chunks = (pages + CHUNK_PAGES - 1) / CHUNK_PAGES;
	double c0, w0, n;

	if (touch_chunk(page)) { /* warm-up */
		perror("mmap");
		return 1;
	}
	c0 = ns(CLOCK_PROCESS_CPUTIME_ID), w0 = ns(CLOCK_MONOTONIC);
	for (long c = 0; c < chunks; c++)
		if (touch_chunk(page))
			return 1;
	n = (double)(chunks * CHUNK_PAGES);
	printf("{\"loop\":\"pagetouch\",\"ops\":%.0f,\"ns_per_op\":%.2f,\"wall_ns_per_op\":%.2f}\n", n,
	       (ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / n, (ns(CLOCK_MONOTONIC) - w0) / n);
	return 0;
}
