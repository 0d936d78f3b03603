// SPDX-License-Identifier: MIT
/* bench_pingpong [N]: two processes pinned to one CPU bounce a byte over two
 * pipes, so every hop is a wakeup plus a context switch. Prints ns per switch. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
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
	long n = argc > 1 ? atol(argv[1]) : 200000;
	int ping[2], pong[2];
	cpu_set_t cpu;
	char c = 'x';
	double t0;
	pid_t child;

	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu) || pipe(ping) || pipe(pong)) {
		perror("bench_pingpong setup");
		return 1;
	}
	child = fork();
	if (child == 0) {
		close(ping[1]); /* so the parent's close ends our read loop */
		close(pong[0]);
		while (read(ping[0], &c, 1) == 1 && write(pong[1], &c, 1) == 1)
			;
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	for (long i = 0; i < n / 10; i++) /* warm-up */
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			return 1;
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			return 1;
	/* One round trip = two context switches (there and back). */
	printf("{\"loop\":\"pingpong\",\"ops\":%ld,\"ns_per_op\":%.2f}\n", 2 * n,
	       (now_ns() - t0) / (2.0 * n));
	close(ping[1]);
	waitpid(child, NULL, 0);
	return 0;
}
