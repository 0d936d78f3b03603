// SPDX-License-Identifier: MIT
/* bench_getppid [N]: cost of one getppid() system call, the cheapest there is,
 * so a tracer's per-syscall cost dominates what changes. Measured in CPU time
 * of this process (the tracer's programs run in it), so other load on the
 * machine does not inflate it; wall time is printed too. Prints JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	double c0, w0;

	for (long i = 0; i < n / 10; i++) /* warm caches and task storage */
		syscall(SYS_getppid);
	c0 = ns(CLOCK_PROCESS_CPUTIME_ID), w0 = ns(CLOCK_MONOTONIC);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid); /* not glibc's getppid(): never cached */
	printf("{\"loop\":\"getppid\",\"ops\":%ld,\"ns_per_op\":%.2f,\"wall_ns_per_op\":%.2f}\n", n,
	       (ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / n, (ns(CLOCK_MONOTONIC) - w0) / n);
	return 0;
}
