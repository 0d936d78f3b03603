// SPDX-License-Identifier: MIT
/* bench_pingpong [N]: two processes pinned to one CPU bounce a byte over two
 * pipes, so every hop is a wakeup plus a context switch. Prints the CPU time
 * both processes spent per switch (the scheduler tracepoints run in them, so
 * other load does not inflate it) and wall ns per switch. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	int ping[2], pong[2], result[2];
	double c0, w0, c1, w1, child_cpu = 0;
	cpu_set_t cpu;
	char c = 'x';
	pid_t child;

	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu) || pipe(ping) || pipe(pong) || pipe(result)) {
		perror("bench_pingpong setup");
		return 1;
	}
	child = fork();
	if (child == 0) {
		double start = 0;

		close(ping[1]); /* so the parent's close ends our read loop */
		close(pong[0]);
		while (read(ping[0], &c, 1) == 1) {
			if (c == 'g' && start == 0) /* the first measured message */
				start = ns(CLOCK_PROCESS_CPUTIME_ID);
			if (write(pong[1], &c, 1) != 1)
				break;
		}
		start = ns(CLOCK_PROCESS_CPUTIME_ID) - start;
		if (write(result[1], &start, sizeof(start)) != sizeof(start))
			_exit(1);
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	for (long i = 0; i < n / 10; i++) /* warm-up */
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			return 1;
	c = 'g';
	c0 = ns(CLOCK_PROCESS_CPUTIME_ID), w0 = ns(CLOCK_MONOTONIC);
	for (long i = 0; i < n; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			return 1;
	c1 = ns(CLOCK_PROCESS_CPUTIME_ID), w1 = ns(CLOCK_MONOTONIC);
	close(ping[1]);
	if (read(result[0], &child_cpu, sizeof(child_cpu)) != sizeof(child_cpu))
		return 1;
	waitpid(child, NULL, 0);
	/* One round trip = two context switches (there and back). */
	printf("{\"loop\":\"pingpong\",\"ops\":%ld,\"ns_per_op\":%.2f,\"wall_ns_per_op\":%.2f}\n", 2 * n,
	       (c1 - c0 + child_cpu) / (2.0 * n), (w1 - w0) / (2.0 * n));
	return 0;
}
