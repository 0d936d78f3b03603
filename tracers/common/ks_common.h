/* SPDX-License-Identifier: MIT */
/* User-space helpers shared by every tracer: process setup, preflight checks,
 * clocks, and the NDJSON envelope. Kept free of BPF skeleton types so each tool
 * can include it before its own skeleton. */
#ifndef KS_COMMON_H
#define KS_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes the supervisor relies on (see tracers/README.md). */
#define KS_EXIT_OK 0
#define KS_EXIT_FAIL 1
#define KS_EXIT_USAGE 2
#define KS_EXIT_NOPERM 77    /* not root / no CAP_BPF+CAP_PERFMON */
#define KS_EXIT_NOFEATURE 78 /* no BTF, tracepoint missing */

#define KS_SCHEMA_VERSION 1
#define KS_DEFAULT_BTF "/sys/kernel/btf/vmlinux"

extern volatile sig_atomic_t ks_exiting;

/* Line-buffered stdout, SIGINT/SIGTERM end the main loop, SIGPIPE ignored,
 * PR_SET_PDEATHSIG so the tracer dies with its parent. Returns 0 or an exit code. */
int ks_setup_process(const char *tool);

/* Root (or CAP_BPF+CAP_PERFMON), BTF present, and every `btf_trace_<hook>`
 * listed (NULL-terminated) exists in the kernel. Prints what to do and returns
 * the exit code on failure, 0 when the tracer can run. */
int ks_preflight(const char *tool, const char *const *hooks);

/* True when the kernel BTF has tracepoint `hook` (tp_btf attachable). */
bool ks_has_hook(const char *hook);
/* Frees what the preflight and loading left behind (the parsed kernel BTF,
 * malloc's free pages); ks_load_attach calls it once the programs run. */
void ks_release_preflight(void);

/* Maps a libbpf load/attach error to an exit code, with a message naming the fix. */
int ks_bpf_error(const char *tool, const char *what, int err);

/* Route libbpf's own messages to stderr; debug ones only when verbose. */
void ks_libbpf_logging(bool verbose);

uint64_t ks_mono_ns(void);
double ks_now_epoch(void);
/* CLOCK_REALTIME - CLOCK_BOOTTIME in ns: add to bpf_ktime_get_boot_ns(). */
int64_t ks_boot_to_epoch_ns(void);

/* Sleeps until the monotonic deadline or until a stop signal arrives. */
void ks_sleep_until(uint64_t deadline_mono_ns);

/* Writes s (at most max bytes) as a JSON string literal: quotes, escapes, and
 * invalid UTF-8 replaced by U+FFFD so ingest never sees a broken line. */
void ks_json_str(FILE *f, const char *s, size_t max);

/* Writes ,"<name>":[c0,c1,...]: a log2 histogram (ks_hist.h slots), trailing
 * empty slots left out, so exports can rebuild the distribution exactly. */
void ks_json_hist(FILE *f, const char *name, const uint64_t *hist, int slots);

/* Starts an event line: {"v":1,"type":"<type>","ts":<epoch> */
void ks_begin_event(FILE *f, const char *type, double ts);

/* The periodic health line; map_full < 0 leaves the optional field out. */
void ks_print_stats(const char *tracer, double interval_s, uint64_t events,
		    uint64_t drops, int64_t map_full);

/* Ends a round: its lines go out in one write(), so an idle tracer wakes its
 * reader once a round, not once a line. Exits non-zero when stdout broke
 * (reader gone): a restart is the right cure. */
void ks_flush_stdout(const char *tool);

/* Strict number parsing for flags; exit KS_EXIT_USAGE with a message on bad input. */
double ks_parse_double(const char *tool, const char *flag, const char *s, double min, double max);
long ks_parse_long(const char *tool, const char *flag, const char *s, long min, long max);

/* A command-line flag: what it stores in `dest` and the bounds it checks. */
enum ks_arg_kind {
	KS_ARG_DOUBLE,  /* double in [min, max] */
	KS_ARG_LONG,    /* long in [min, max] */
	KS_ARG_STRING,  /* const char *, length in [min, max] */
	KS_ARG_SWITCH,  /* bool set true; takes no argument */
	KS_ARG_IGNORED, /* takes an argument and drops it (a uniform command line) */
};

struct ks_flag {
	const char *name; /* long name, without "--" */
	char key;         /* short name */
	enum ks_arg_kind kind;
	void *dest;
	double min, max;
};

#define KS_MAX_FLAGS 12

/* The flags every tracer spells the same way. */
#define KS_FLAG_INTERVAL(dest) { "interval", 'i', KS_ARG_DOUBLE, (dest), 0.1, 3600 }
#define KS_FLAG_TOP(dest, max) { "top", 'n', KS_ARG_LONG, (dest), 0, (max) }
#define KS_FLAG_PID(dest) { "pid", 'p', KS_ARG_LONG, (dest), 1, 1 << 22 }
#define KS_FLAG_VERBOSE(dest) { "verbose", 'v', KS_ARG_SWITCH, (dest), 0, 0 }

/* The last lines of every tracer's --help. */
#define KS_USAGE_EXIT_CODES \
	"Exit codes: 0 stopped by SIGINT/SIGTERM, 2 bad usage, 77 not root,\n" \
	"78 missing kernel feature (BTF, tracepoint), 1 other failure.\n"

/* Parses argv against `flags` (ended by an entry without a name) plus
 * -h/--help, which prints usage on stdout and exits 0. An unknown flag prints
 * usage on stderr, a bad value or a stray argument a message; both exit
 * KS_EXIT_USAGE. */
void ks_parse_flags(const char *tool, int argc, char **argv, const struct ks_flag *flags,
		    void (*usage)(FILE *f));

#endif /* KS_COMMON_H */
