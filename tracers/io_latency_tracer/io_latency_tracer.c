// SPDX-License-Identifier: MIT
/* io_latency_tracer: every interval (default 5 s), per disk and per operation
 * (read / write / other), block I/O count, bytes, IOPS and issue->completion
 * latency p50/p95/p99/max/mean ("io_latency"), plus a "tracer_stats" line.
 *
 * Percentiles: when the interval saw at most IO_RAW (32) I/Os for a disk/op,
 * they are exact (nearest rank over the kept latencies), so a single 8 ms I/O
 * reports p50 = p95 = p99 = max = 8 ms. Past that they are estimated from a
 * log2 histogram: linear interpolation inside the bucket holding the rank,
 * clamped to the observed [min, max]. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "ks_common.h"
#include "ks_maps.h"
#include "ks_run.h"
#include "io_latency_tracer.h"
#include "io_latency_tracer.skel.h"

#define TOOL "io_latency_tracer"

static struct env {
	double interval_s;
	long top;
	long pid;
	bool verbose;
} env = { .interval_s = 5, .top = 0 };

static struct io_key keys[IO_MAX_KEYS];
static struct io_stats vals[IO_MAX_KEYS];
static int order[IO_MAX_KEYS];
static struct io_pid_key pkeys[IO_MAX_PIDS];
static struct io_pid_stats pvals[IO_MAX_PIDS];
static struct io_totals prev_tot;

static const char *const op_names[] = { "read", "write", "other" };

static int by_count(const void *a, const void *b)
{
	const struct io_stats *x = &vals[*(const int *)a], *y = &vals[*(const int *)b];

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* The process that issued the most I/O to this disk/op, or -1. */
static int top_pid_of(const struct io_key *k, int np)
{
	int best = -1;

	for (int i = 0; i < np; i++)
		if (pkeys[i].dev == k->dev && pkeys[i].op == k->op && pkeys[i].pid &&
		    (best < 0 || pvals[i].count > pvals[best].count))
			best = i;
	return best;
}

static void print_one(const struct io_key *k, struct io_stats *v, int np, double interval_s, double ts)
{
	uint64_t hist[KS_HIST_SLOTS], raw[IO_RAW];
	uint32_t nraw = v->count < IO_RAW ? (uint32_t)v->count : IO_RAW;
	int top = top_pid_of(k, np);
	double p[3];
	const double ps[3] = { 0.50, 0.95, 0.99 };

	for (int s = 0; s < KS_HIST_SLOTS; s++)
		hist[s] = v->hist[s];
	for (int i = 0; i < 3; i++) {
		memcpy(raw, v->raw, sizeof(raw));
		p[i] = ks_percentile(hist, v->count, raw, nraw, v->min_ns, v->max_ns, ps[i]) / 1e3;
	}
	ks_begin_event(stdout, "io_latency", ts);
	printf(",\"interval_s\":%.3f,\"dev\":", interval_s);
	ks_json_str(stdout, ks_blockdev_name(k->dev), 32);
	printf(",\"op\":\"%s\",\"count\":%llu,\"bytes\":%llu,\"iops\":%.3f,\"p50_us\":%.3f,"
	       "\"p95_us\":%.3f,\"p99_us\":%.3f,\"max_us\":%.3f,\"mean_us\":%.3f",
	       op_names[k->op < 3 ? k->op : IO_OTHER], (unsigned long long)v->count,
	       (unsigned long long)v->bytes, (double)v->count / interval_s, p[0], p[1], p[2],
	       (double)v->max_ns / 1e3, v->count ? (double)v->sum_ns / (double)v->count / 1e3 : 0);
	if (top >= 0) {
		printf(",\"top_pid\":%u,\"top_comm\":", pkeys[top].pid);
		ks_json_str(stdout, pvals[top].comm, sizeof(pvals[top].comm));
	}
	ks_json_hist(stdout, "hist", hist, KS_HIST_SLOTS);
	printf("}\n");
}

static int emit_interval(void *ctx, double interval_s)
{
	struct io_latency_tracer_bpf *skel = ctx;
	struct io_totals tot;
	double ts = ks_now_epoch();
	int n, np, err;

	n = ks_map_drain(bpf_map__fd(skel->maps.stats), keys, sizeof(keys[0]), vals,
			 sizeof(vals[0]), IO_MAX_KEYS);
	if (n < 0)
		return ks_bpf_error(TOOL, "drain the latency map", n);
	np = ks_map_drain(bpf_map__fd(skel->maps.pids), pkeys, sizeof(pkeys[0]), pvals,
			  sizeof(pvals[0]), IO_MAX_PIDS);
	if (np < 0)
		return ks_bpf_error(TOOL, "drain the per-process map", np);
	if ((err = ks_sum_percpu(bpf_map__fd(skel->maps.totals), &tot, sizeof(tot))))
		return ks_bpf_error(TOOL, "read totals", err);

	ks_rank(order, n, by_count);
	for (int i = 0; i < n && (env.top == 0 || i < env.top); i++)
		if (vals[order[i]].count)
			print_one(&keys[order[i]], &vals[order[i]], np, interval_s, ts);
	ks_print_stats(TOOL, interval_s, tot.completions - prev_tot.completions,
		       tot.map_full - prev_tot.map_full, (int64_t)(tot.map_full - prev_tot.map_full));
	prev_tot = tot;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " TOOL " [options]\n"
		"Measures block I/O latency (issue -> completion) in the kernel and prints,\n"
		"every interval, one NDJSON \"io_latency\" line per disk and operation\n"
		"(read/write/other) with count, bytes, IOPS, p50/p95/p99/max/mean, and a\n"
		"\"tracer_stats\" line. Percentiles are exact for up to 32 I/Os per disk/op and\n"
		"interval, interpolated within log2 buckets (clamped to min/max) beyond.\n\n"
		"  -i, --interval S   seconds per interval (default 5)\n"
		"  -n, --top N        at most N disk/op lines per interval, busiest first (default all)\n"
		"  -p, --pid PID      only I/O submitted by this process (tgid)\n"
		"  -v, --verbose      libbpf debug output on stderr\n"
		"  -h, --help         this help\n\n" KS_USAGE_EXIT_CODES);
}

int main(int argc, char **argv)
{
	static const char *const hooks[] = { "block_rq_issue", "block_rq_complete", NULL };
	static const struct ks_flag flags[] = {
		KS_FLAG_INTERVAL(&env.interval_s),
		KS_FLAG_TOP(&env.top, IO_MAX_KEYS),
		KS_FLAG_PID(&env.pid),
		KS_FLAG_VERBOSE(&env.verbose),
		{},
	};
	struct io_latency_tracer_bpf *skel = NULL;
	int err;

	ks_parse_flags(TOOL, argc, argv, flags, usage);
	if ((err = ks_start(TOOL, hooks, env.verbose)) || (err = ks_check_cpus(TOOL)))
		return err;

	skel = io_latency_tracer_bpf__open();
	if (!skel) {
		err = ks_bpf_error(TOOL, "open BPF skeleton", errno);
		goto cleanup;
	}
	skel->rodata->targ_tgid = env.pid;
	/* Before 6.5 there is no block_io_start: the issuing context names the process. */
	if (!ks_has_hook("block_io_start"))
		bpf_program__set_autoload(skel->progs.block_io_start, false);
	if ((err = ks_load_attach(TOOL, skel->skeleton,
				  "attach to block_rq_issue/block_rq_complete")))
		goto cleanup;
	err = ks_run_intervals(TOOL, "tracing block I/O", env.interval_s, emit_interval, skel);
cleanup:
	io_latency_tracer_bpf__destroy(skel);
	fflush(stdout);
	return err;
}
