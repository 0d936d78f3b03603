// SPDX-License-Identifier: MIT
// The supervisor's dead-man switch (see ../reaper.ts), in C so the safety net
// costs ~1 MB and no CPU instead of a whole Node process.
//
// stdin carries lines from the supervisor:
//   add <pgid> <leader start time> <tier>   a process group it started
//   del <pgid>                              that group ended normally
//   quit                                    clean stop: nothing to do
// When stdin closes without "quit" the supervisor is gone (even SIGKILL closes
// the pipe): stop the groups it left, tier 1 first (producers, agent), tier 2
// last (ingest, which is flushing after EOF on its own stdin), SIGKILL what
// remains, and exit.
//
// Which groups it signals follows the one rule of ../leftovers.ts: pgid > 1; the
// leader is alive, is still the registered (pid, start time) and still leads the
// group; decided once when the supervisor is found gone, and a group stays a
// target only while it has never been seen empty (the kernel does not reuse a
// pgid that live members carry). The boot id and "runs our program" checks of the
// TS path guard a list read from a file; this list comes straight from the
// supervisor over a private pipe, in this boot, so they are not needed here.
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_GROUPS 256

struct group {
	long pgid;
	unsigned long long start;
	int tier;
	int ours; // verified by ours() and never seen empty since
};

static struct group groups[MAX_GROUPS];
static int ngroups;
static const char *log_file;

static void note(const char *fmt, ...)
{
	FILE *f = log_file ? fopen(log_file, "a") : NULL;
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (!f)
		return; // nowhere to report; keep reaping
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03ldZ WARN  [supervisor] reaper: ", ts, now.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

struct proc {
	char state;
	long pgid;
	unsigned long long start;
};

// /proc/<pid>/stat: comm may contain ") ", so fields are counted after the last ')'.
static int proc_info(long pid, struct proc *p)
{
	char path[64], buf[1024];
	FILE *f;
	size_t n;
	char *s;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	s = strrchr(buf, ')');
	if (!s)
		return -1;
	// state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
	// utime stime cutime cstime priority nice num_threads itrealvalue starttime
	if (sscanf(s + 2, "%c %*d %ld %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &p->state, &p->pgid, &p->start) != 3)
		return -1;
	return 0;
}

// Does any live (non-zombie) process remain in the group?
static int group_alive(long pgid)
{
	struct dirent *d;
	struct proc p;
	DIR *dir;
	int alive = 0;

	if (kill(-pgid, 0) != 0)
		return 0;
	dir = opendir("/proc");
	if (!dir)
		return 1; // cannot tell: assume alive, the caller's deadline bounds the wait
	while (!alive && (d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		if (proc_info(atol(d->d_name), &p) == 0 && p.pgid == pgid && p.state != 'Z')
			alive = 1;
	}
	closedir(dir);
	return alive;
}

// The rule at the top: the leader is alive, the process we registered (same
// start time) and still leads its group. Never pgid <= 1: kill(-1) is everyone.
static int ours(const struct group *g)
{
	struct proc leader;

	if (g->pgid <= 1 || proc_info(g->pgid, &leader) != 0)
		return 0;
	return leader.state != 'Z' && leader.start == g->start && leader.pgid == g->pgid && group_alive(g->pgid);
}

// Signal a verified group; one seen empty is dropped for good (its pgid may be reused).
static void signal_group(struct group *g, int sig)
{
	if (!g->ours || g->pgid <= 1)
		return;
	if (!group_alive(g->pgid)) {
		g->ours = 0;
		return;
	}
	kill(-g->pgid, sig);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void stop_tier(int tier2, long grace_ms)
{
	int live[MAX_GROUPS], i, any;
	long waited;

	for (i = 0; i < ngroups; i++) {
		live[i] = (groups[i].tier >= 2) == tier2 && groups[i].ours;
		if (live[i])
			signal_group(&groups[i], SIGTERM);
	}
	for (waited = 0; waited < grace_ms; waited += 100) {
		for (any = 0, i = 0; i < ngroups; i++) {
			if (live[i] && groups[i].ours && !group_alive(groups[i].pgid))
				groups[i].ours = 0;
			any |= live[i] && groups[i].ours;
		}
		if (!any)
			return;
		sleep_ms(100);
	}
}

static void add(long pgid, unsigned long long start, int tier)
{
	int i;

	for (i = 0; i < ngroups; i++)
		if (groups[i].pgid == pgid)
			break;
	if (i == ngroups) {
		if (ngroups == MAX_GROUPS) {
			note("more than %d process groups; not tracking %ld", MAX_GROUPS, pgid);
			return;
		}
		ngroups++;
	}
	groups[i] = (struct group){ pgid, start, tier, 0 };
}

static void del(long pgid)
{
	for (int i = 0; i < ngroups; i++)
		if (groups[i].pgid == pgid) {
			groups[i] = groups[--ngroups];
			return;
		}
}

int main(int argc, char **argv)
{
	char line[256], list[MAX_GROUPS * 12] = "";
	int quit = 0;

	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--log") == 0)
			log_file = argv[i + 1];
	// Ctrl-C, a terminal hang-up or a stray SIGTERM must not remove the safety
	// net; the reaper ends on its own once the supervisor's pipe closes.
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	umask(027); // a log file it creates is 0640, like the supervisor's

	while (fgets(line, sizeof(line), stdin)) {
		long pgid;
		unsigned long long start;
		int tier;

		if (sscanf(line, "add %ld %llu %d", &pgid, &start, &tier) == 3 && pgid > 1)
			add(pgid, start, tier);
		else if (sscanf(line, "del %ld", &pgid) == 1)
			del(pgid);
		else if (strncmp(line, "quit", 4) == 0)
			quit = 1;
	}
	if (quit || ngroups == 0)
		return 0;
	for (int i = 0; i < ngroups; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), " %ld", groups[i].pgid);
	note("supervisor is gone; stopping %d process group(s) it left:%s", ngroups, list);
	for (int i = 0; i < ngroups; i++)
		if (!(groups[i].ours = ours(&groups[i])))
			note("not signalling group %ld: its leader is gone or is no longer the process registered", groups[i].pgid);
	stop_tier(0, 5000);
	// Ingest got EOF on stdin when the supervisor died and is flushing; give it time.
	stop_tier(1, 10000);
	for (int i = 0; i < ngroups; i++)
		signal_group(&groups[i], SIGKILL);
	return 0;
}
