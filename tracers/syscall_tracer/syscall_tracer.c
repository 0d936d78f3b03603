// SPDX-License-Identifier: MIT
/* syscall_tracer: prints one "syscall" line per system call slower than the
 * threshold (filtered in the kernel) and a "tracer_stats" line every 5 s. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "ks_common.h"
#include "ks_run.h"
#include "syscall_tracer.h"
#include "syscall_tracer.skel.h"
#include "syscall_names.h"

#define TOOL "syscall_tracer"
#define POLL_MS 250

static struct env {
	double threshold_ms;
	double stats_s;
	long pid;
	const char *comm;
	bool skip_idle;
	bool verbose;
} env = { .threshold_ms = 10, .stats_s = 5 };

static int64_t epoch_offset_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
static uint64_t nr_events;
/* libbpf keeps consuming while the producer keeps producing; under a flood the
 * callback ends the round after a batch so signals and stats still get a turn. */
#define BATCH_MAX 4096
#define STOP_BATCH (-EAGAIN)
static unsigned int batch;

/* Syscalls newer than the build machine's UAPI headers (x86_64 numbers). */
static const char *const newer_syscalls[][2] = {
	{ "452", "fchmodat2" }, { "453", "map_shadow_stack" }, { "454", "futex_wake" },
	{ "455", "futex_wait" }, { "456", "futex_requeue" }, { "457", "statmount" },
	{ "458", "listmount" }, { "459", "lsm_get_self_attr" }, { "460", "lsm_set_self_attr" },
	{ "461", "lsm_list_modules" }, { "462", "mseal" }, { "463", "setxattrat" },
	{ "464", "getxattrat" }, { "465", "listxattrat" }, { "466", "removexattrat" },
	{ "467", "open_tree_attr" }, { "468", "file_getattr" }, { "469", "file_setattr" },
};

/* Syscalls whose first argument is a file descriptor: their `fd` is meaningful. */
static const char *const fd_syscalls[] = {
	"read", "write", "close", "fstat", "lseek", "ioctl", "pread64", "pwrite64", "readv",
	"writev", "fcntl", "flock", "fsync", "fdatasync", "ftruncate", "getdents",
	"getdents64", "fchdir", "fchmod", "fchown", "fstatfs", "readahead", "fsetxattr",
	"fgetxattr", "flistxattr", "fremovexattr", "sendfile", "sendto", "recvfrom",
	"sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "connect", "accept", "accept4", "bind",
	"listen", "shutdown", "getsockname", "getpeername", "setsockopt", "getsockopt",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "fadvise64", "fallocate",
	"sync_file_range", "syncfs", "splice", "tee", "vmsplice", "copy_file_range",
	"preadv", "pwritev", "preadv2", "pwritev2", "timerfd_settime", "timerfd_gettime",
	"inotify_add_watch", "inotify_rm_watch", "fanotify_mark", "io_uring_enter",
	"io_uring_register", "finit_module", "pidfd_send_signal", "pidfd_getfd",
};

/* --skip-idle: calls that sleep until something happens (an event, a timer, a
 * child, a peer). However long they take, they are a process waiting for work,
 * never trouble (the same list as IDLE_SYSCALLS in ingest's classifier; a test
 * keeps them equal), and on a quiet host
 * they are most of what crosses the threshold: every event loop's epoll_wait.
 * Skipping them in the kernel also breaks a feedback loop: each line we print
 * wakes the supervisor and ingest from an epoll_wait that was itself slow. */
static const char *const idle_syscalls[] = {
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select", "pselect6",
	"nanosleep", "clock_nanosleep", "pause", "rt_sigsuspend", "rt_sigtimedwait", "wait4",
	"waitid", "accept", "accept4", "recvfrom", "recvmsg", "recvmmsg", "msgrcv",
	"mq_timedreceive", "io_getevents", "io_pgetevents", "futex_waitv",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static void skip_idle_syscalls(volatile __u64 *mask)
{
	for (size_t nr = 0; nr < ARRAY_SIZE(ks_syscall_table) && nr < SKIP_WORDS * 64; nr++)
		if (ks_syscall_table[nr] && in_list(idle_syscalls, ARRAY_SIZE(idle_syscalls), ks_syscall_table[nr]))
			mask[nr / 64] |= 1ull << (nr % 64);
}

/* The number of futex here, for the timed-out waits --skip-idle drops; -1 if unknown. */
static __s64 futex_nr(void)
{
	for (size_t nr = 0; nr < ARRAY_SIZE(ks_syscall_table); nr++)
		if (ks_syscall_table[nr] && strcmp(ks_syscall_table[nr], "futex") == 0)
			return (__s64)nr;
	return -1;
}

/* The jiffies shortcut of the kernel side: spans of at most this many jiffies
 * are surely below the threshold. The tick length is the resolution of
 * CLOCK_MONOTONIC_COARSE; one tick is lost to resolution and one to lag. */
static __s64 max_fast_jiffies(__u64 min_ns)
{
	struct timespec res;
	__u64 tick_ns;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) != 0 || res.tv_sec > 0 || res.tv_nsec <= 0)
		return -1;
	tick_ns = (__u64)res.tv_nsec;
	return (__s64)(min_ns / tick_ns) - 2;
}

static const char *syscall_name(uint32_t nr, char *buf, size_t len)
{
	if (nr < ARRAY_SIZE(ks_syscall_table) && ks_syscall_table[nr])
		return ks_syscall_table[nr];
	for (size_t i = 0; i < ARRAY_SIZE(newer_syscalls); i++)
		if ((uint32_t)atoi(newer_syscalls[i][0]) == nr)
			return newer_syscalls[i][1];
	snprintf(buf, len, "syscall_%u", nr);
	return buf;
}

static bool takes_fd(const char *name)
{
	return in_list(fd_syscalls, ARRAY_SIZE(fd_syscalls), name);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct syscall_event *e = data;
	char buf[32];
	const char *name = syscall_name(e->nr, buf, sizeof(buf));
	double ts = (double)((int64_t)e->ts_boot_ns + epoch_offset_ns) / 1e9;

	nr_events++;
	ks_begin_event(stdout, "syscall", ts);
	printf(",\"pid\":%u,\"tid\":%u,\"comm\":", e->pid, e->tid);
	ks_json_str(stdout, e->comm, sizeof(e->comm));
	printf(",\"uid\":%u,\"cpu\":%u,\"syscall_nr\":%u,\"syscall\":\"%s\",\"latency_ms\":%.3f,\"ret\":%lld",
	       e->uid, e->cpu, e->nr, name, (double)e->latency_ns / 1e6, (long long)e->ret);
	if (e->ret < 0 && e->ret >= -4095)
		printf(",\"errno\":%lld", (long long)-e->ret);
	printf(",\"fd\":%d}\n", takes_fd(name) ? (int)e->arg0 : -1);
	return ++batch >= BATCH_MAX ? STOP_BATCH : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " TOOL " [options]\n"
		"Prints one NDJSON \"syscall\" line per system call slower than the threshold\n"
		"(filtered in the kernel) and a \"tracer_stats\" line every 5 s.\n\n"
		"  -t, --threshold-ms MS  report calls taking at least MS ms (default 10, 0 = all)\n"
		"  -p, --pid PID          only this process (tgid)\n"
		"  -c, --comm NAME        only tasks whose comm is NAME (max 15 chars)\n"
		"  -I, --skip-idle        skip calls that only wait for work (epoll_wait, poll,\n"
		"                         nanosleep, wait4, ..., a futex wait that timed out):\n"
		"                         what npm start runs\n"
		"  -i, --interval S       seconds between tracer_stats lines (default 5)\n"
		"  -v, --verbose          libbpf debug output on stderr\n"
		"  -h, --help             this help\n\n" KS_USAGE_EXIT_CODES);
}

int main(int argc, char **argv)
{
	static const char *const hooks[] = { "sys_enter", "sys_exit", NULL };
	static const struct ks_flag flags[] = {
		{ "threshold-ms", 't', KS_ARG_DOUBLE, &env.threshold_ms, 0, 3600e3 },
		KS_FLAG_PID(&env.pid),
		{ "comm", 'c', KS_ARG_STRING, &env.comm, 1, TASK_COMM_LEN - 1 },
		KS_FLAG_INTERVAL(&env.stats_s),
		{ "skip-idle", 'I', KS_ARG_SWITCH, &env.skip_idle, 0, 0 },
		/* accepted for a uniform command line; nothing to rank */
		{ "top", 'n', KS_ARG_IGNORED, NULL, 0, 0 },
		KS_FLAG_VERBOSE(&env.verbose),
		{},
	};
	struct syscall_tracer_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	uint64_t next_stats, last_stats, last_events = 0, last_drops = 0;
	int err;

	ks_parse_flags(TOOL, argc, argv, flags, usage);
	if ((err = ks_start(TOOL, hooks, env.verbose)))
		return err;

	skel = syscall_tracer_bpf__open();
	if (!skel) {
		err = ks_bpf_error(TOOL, "open BPF skeleton", errno);
		goto cleanup;
	}
	skel->rodata->min_ns = (__u64)(env.threshold_ms * 1e6);
	skel->rodata->max_fast_jiffies = max_fast_jiffies(skel->rodata->min_ns);
	skel->rodata->targ_tgid = env.pid;
	skel->rodata->self_tgid = getpid();
	if (env.skip_idle) {
		skip_idle_syscalls(skel->rodata->skip_nr);
		skel->rodata->skip_timedout_nr = futex_nr();
	}
	if (env.comm) {
		skel->rodata->filter_comm = true;
		strncpy((char *)skel->rodata->targ_comm, env.comm, TASK_COMM_LEN - 1);
	}
	if ((err = ks_load_attach(TOOL, skel->skeleton, "attach to sys_enter/sys_exit")))
		goto cleanup;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, NULL, NULL);
	if (!rb) {
		err = ks_bpf_error(TOOL, "create ring buffer", errno);
		goto cleanup;
	}
	epoch_offset_ns = ks_boot_to_epoch_ns();
	fprintf(stderr, TOOL ": tracing syscalls >= %.3f ms; Ctrl-C to stop\n", env.threshold_ms);

	last_stats = ks_mono_ns();
	next_stats = last_stats + (uint64_t)(env.stats_s * 1e9);
	while (!ks_exiting) {
		uint64_t now;

		batch = 0;
		/* Woken early only when the ring fills (the kernel side submits with
		 * NO_WAKEUP below a quarter full); otherwise the timeout ends the
		 * round and consume() collects what arrived, so the reader sees at most
		 * one write per POLL_MS. A signal interrupts the wait at once. */
		err = ring_buffer__poll(rb, POLL_MS);
		if (err >= 0 || err == -EINTR)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR && err != STOP_BATCH) {
			err = ks_bpf_error(TOOL, "poll ring buffer", err);
			goto cleanup;
		}
		ks_flush_stdout(TOOL);
		now = ks_mono_ns();
		if (now >= next_stats) {
			uint64_t drops = skel->bss->drops;

			ks_print_stats(TOOL, (double)(now - last_stats) / 1e9, nr_events - last_events,
				       drops - last_drops, -1);
			last_events = nr_events, last_drops = drops, last_stats = now;
			next_stats = now + (uint64_t)(env.stats_s * 1e9);
			/* NTP may step or slew the wall clock: keep the offset current. */
			epoch_offset_ns = ks_boot_to_epoch_ns();
		}
	}
	/* Deliver what is already in the ring buffer (one bounded batch), then a
	 * last stats line. */
	batch = 0;
	ring_buffer__consume(rb);
	ks_print_stats(TOOL, (double)(ks_mono_ns() - last_stats) / 1e9, nr_events - last_events,
		       skel->bss->drops - last_drops, -1);
	err = KS_EXIT_OK;
cleanup:
	ring_buffer__free(rb);
	syscall_tracer_bpf__destroy(skel);
	fflush(stdout);
	return err;
}
