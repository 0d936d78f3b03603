// SPDX-License-Identifier: MIT
/* bench_getppid [N]: ns per getppid() system call, the cheapest syscall there
 * is, so the tracer's per-syscall cost dominates what changes. Prints JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	double t0;

	for (long i = 0; i < n / 10; i++) /* warm caches and task storage */
		syscall(SYS_getppid);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid); /* not glibc's getppid(): never cached */
	printf("{\"loop\":\"getppid\",\"ops\":%ld,\"ns_per_op\":%.2f}\n", n, (now_ns() - t0) / n);
	return 0;
}
