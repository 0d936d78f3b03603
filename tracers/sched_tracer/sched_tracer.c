// SPDX-License-Identifier: MIT
/* sched_tracer: every interval, per-process on-CPU time, voluntary/involuntary
 * switches, wakeups and run-queue latency percentiles ("sched", top N by on-CPU
 * time), system totals ("sched_summary") and a "tracer_stats" line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "ks_common.h"
#include "ks_maps.h"
#include "ks_run.h"
#include "sched_tracer.h"
#include "sched_tracer.skel.h"

#define TOOL "sched_tracer"

static struct env {
	double interval_s;
	long top;
	double min_active_ms;
	bool verbose;
} env = { .interval_s = 1, .top = 10, .min_active_ms = 0 };

static __u32 keys[SCHED_MAX_PROCS];
static struct proc_sched vals[SCHED_MAX_PROCS];
static int order[SCHED_MAX_PROCS];
static struct sched_totals prev_tot;

struct runq_pct {
	double p50, p95, p99, max;
};

/* Percentiles over any set of process entries (one for a process, all for the
 * summary): exact when every sample was kept, else interpolated from the log2
 * histogram and clamped to the observed maximum (see ks_hist.h). */
static struct runq_pct runq_percentiles(const int *idx, int n, uint64_t *count_out, uint64_t *hist_out)
{
	uint64_t hist[KS_HIST_SLOTS] = {}, count = 0, max = 0, nraw = 0;
	static uint64_t raw[SCHED_MAX_PROCS * SCHED_RAW];
	bool all_raw = true;
	struct runq_pct r;

	for (int i = 0; i < n; i++) {
		const struct proc_sched *v = &vals[idx[i]];

		count += v->runq_count;
		if (v->runq_max_ns > max)
			max = v->runq_max_ns;
		for (int s = 0; s < KS_HIST_SLOTS; s++)
			hist[s] += v->runq_hist[s];
		if (v->runq_count > SCHED_RAW)
			all_raw = false;
		else
			for (__u32 k = 0; k < v->runq_count; k++)
				raw[nraw++] = v->runq_raw[k];
	}
	*count_out = count;
	if (hist_out)
		memcpy(hist_out, hist, sizeof(hist));
	r.p50 = ks_percentile(hist, count, all_raw ? raw : NULL, nraw, 0, max, 0.50) / 1e3;
	r.p95 = ks_percentile(hist, count, all_raw ? raw : NULL, nraw, 0, max, 0.95) / 1e3;
	r.p99 = ks_percentile(hist, count, all_raw ? raw : NULL, nraw, 0, max, 0.99) / 1e3;
	r.max = (double)max / 1e3;
	return r;
}

static int by_oncpu(const void *a, const void *b)
{
	const struct proc_sched *x = &vals[*(const int *)a], *y = &vals[*(const int *)b];

	return x->oncpu_ns < y->oncpu_ns ? 1 : x->oncpu_ns > y->oncpu_ns ? -1 : 0;
}

static int emit_interval(void *ctx, double interval_s)
{
	struct sched_tracer_bpf *skel = ctx;
	struct sched_totals tot;
	struct runq_pct r;
	uint64_t count, hist[KS_HIST_SLOTS];
	double ts = ks_now_epoch();
	int n, err;

	n = ks_map_drain(bpf_map__fd(skel->maps.procs), keys, sizeof(keys[0]), vals,
			 sizeof(vals[0]), SCHED_MAX_PROCS);
	if (n < 0)
		return ks_bpf_error(TOOL, "drain the per-process map", n);
	if ((err = ks_sum_percpu(bpf_map__fd(skel->maps.totals), &tot, sizeof(tot))))
		return ks_bpf_error(TOOL, "read system totals", err);

	ks_rank(order, n, by_oncpu);
	for (int i = 0, listed = 0; i < n && listed < env.top; i++) {
		const struct proc_sched *v = &vals[order[i]];

		r = runq_percentiles(&order[i], 1, &count, NULL);
		/* --min-active-ms: a process that neither ran nor waited for a CPU that
		 * long is no one's trouble; it still counts in the summary below. */
		if ((double)v->oncpu_ns / 1e6 < env.min_active_ms && r.max / 1e3 < env.min_active_ms)
			continue;
		listed++;
		ks_begin_event(stdout, "sched", ts);
		printf(",\"interval_s\":%.3f,\"pid\":%u,\"comm\":", interval_s, keys[order[i]]);
		ks_json_str(stdout, v->comm, sizeof(v->comm));
		printf(",\"oncpu_ms\":%.3f,\"voluntary\":%u,\"involuntary\":%u,\"wakeups\":%u,"
		       "\"runq_count\":%u,\"runq_p50_us\":%.3f,\"runq_p95_us\":%.3f,"
		       "\"runq_p99_us\":%.3f,\"runq_max_us\":%.3f}\n",
		       (double)v->oncpu_ns / 1e6, v->voluntary, v->involuntary, v->wakeups,
		       v->runq_count, r.p50, r.p95, r.p99, r.max);
	}

	r = runq_percentiles(order, n, &count, hist);
	ks_begin_event(stdout, "sched_summary", ts);
	printf(",\"interval_s\":%.3f,\"switches\":%llu,\"voluntary\":%llu,\"involuntary\":%llu,"
	       "\"wakeups\":%llu,\"runq_count\":%llu,\"runq_p50_us\":%.3f,\"runq_p95_us\":%.3f,"
	       "\"runq_p99_us\":%.3f,\"runq_max_us\":%.3f,\"nr_procs\":%d",
	       interval_s, (unsigned long long)(tot.switches - prev_tot.switches),
	       (unsigned long long)(tot.voluntary - prev_tot.voluntary),
	       (unsigned long long)(tot.involuntary - prev_tot.involuntary),
	       (unsigned long long)(tot.wakeups - prev_tot.wakeups), (unsigned long long)count,
	       r.p50, r.p95, r.p99, r.max, n);
	ks_json_hist(stdout, "runq_hist", hist, KS_HIST_SLOTS);
	printf("}\n");
	ks_print_stats(TOOL, interval_s,
		       (tot.switches - prev_tot.switches) + (tot.wakeups - prev_tot.wakeups),
		       tot.map_full - prev_tot.map_full, (int64_t)(tot.map_full - prev_tot.map_full));
	prev_tot = tot;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " TOOL " [options]\n"
		"Aggregates context switches in the kernel and prints, every interval, NDJSON\n"
		"\"sched\" lines (top N processes by on-CPU time), one \"sched_summary\" and\n"
		"one \"tracer_stats\" line.\n\n"
		"  -i, --interval S   seconds per interval (default 1)\n"
		"  -n, --top N        processes per interval (default 10)\n"
		"  -m, --min-active-ms MS  list only processes that ran or waited for a CPU at\n"
		"                     least MS ms in the interval (default 0: all; npm start: 1)\n"
		"  -v, --verbose      libbpf debug output on stderr\n"
		"  -h, --help         this help\n\n" KS_USAGE_EXIT_CODES);
}

int main(int argc, char **argv)
{
	static const char *const hooks[] = { "sched_switch", "sched_wakeup", "sched_wakeup_new",
					     "sched_process_exec", NULL };
	static const struct ks_flag flags[] = {
		KS_FLAG_INTERVAL(&env.interval_s),
		KS_FLAG_TOP(&env.top, SCHED_MAX_PROCS),
		{ "min-active-ms", 'm', KS_ARG_DOUBLE, &env.min_active_ms, 0, 60000 },
		KS_FLAG_VERBOSE(&env.verbose),
		{},
	};
	struct sched_tracer_bpf *skel = NULL;
	int err;

	ks_parse_flags(TOOL, argc, argv, flags, usage);
	if ((err = ks_start(TOOL, hooks, env.verbose)) || (err = ks_check_cpus(TOOL)))
		return err;

	skel = sched_tracer_bpf__open();
	if (!skel) {
		err = ks_bpf_error(TOOL, "open BPF skeleton", errno);
		goto cleanup;
	}
	if ((err = ks_load_attach(TOOL, skel->skeleton, "attach to sched_switch/sched_wakeup")))
		goto cleanup;
	err = ks_run_intervals(TOOL, "tracing context switches", env.interval_s, emit_interval, skel);
cleanup:
	sched_tracer_bpf__destroy(skel);
	fflush(stdout);
	return err;
}
