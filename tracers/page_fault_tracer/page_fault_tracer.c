// SPDX-License-Identifier: MIT
/* page_fault_tracer: every interval, minor and major page faults per process
 * ("page_fault", top N by total), system totals ("page_fault_summary") and a
 * "tracer_stats" line. Never one line per fault. */
#include <errno.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include "ks_common.h"
#include "ks_maps.h"
#include "ks_run.h"
#include "page_fault_tracer.h"
#include "page_fault_tracer.skel.h"

#define TOOL "page_fault_tracer"

static struct env {
	double interval_s;
	long top;
	bool verbose;
} env = { .interval_s = 1, .top = 10 };

static __u32 keys[PF_MAX_PROCS];
static struct proc_faults vals[PF_MAX_PROCS];
static int order[PF_MAX_PROCS];
static struct pf_totals prev_tot;

static int by_total(const void *a, const void *b)
{
	const struct proc_faults *x = &vals[*(const int *)a], *y = &vals[*(const int *)b];
	__u64 tx = x->minor + x->major, ty = y->minor + y->major;

	return tx < ty ? 1 : tx > ty ? -1 : 0;
}

static int emit_interval(void *ctx, double interval_s)
{
	struct page_fault_tracer_bpf *skel = ctx;
	unsigned long long minor = 0, major = 0;
	struct pf_totals tot;
	double ts = ks_now_epoch();
	int n, err;

	n = ks_map_drain(bpf_map__fd(skel->maps.procs), keys, sizeof(keys[0]), vals,
			 sizeof(vals[0]), PF_MAX_PROCS);
	if (n < 0)
		return ks_bpf_error(TOOL, "drain the per-process map", n);
	if ((err = ks_sum_percpu(bpf_map__fd(skel->maps.totals), &tot, sizeof(tot))))
		return ks_bpf_error(TOOL, "read totals", err);

	for (int i = 0; i < n; i++) {
		minor += vals[i].minor;
		major += vals[i].major;
	}
	ks_rank(order, n, by_total);
	for (int i = 0; i < n && i < env.top; i++) {
		const struct proc_faults *v = &vals[order[i]];

		ks_begin_event(stdout, "page_fault", ts);
		printf(",\"interval_s\":%.3f,\"pid\":%u,\"comm\":", interval_s, keys[order[i]]);
		ks_json_str(stdout, v->comm, sizeof(v->comm));
		printf(",\"minor\":%llu,\"major\":%llu}\n", (unsigned long long)v->minor,
		       (unsigned long long)v->major);
	}
	ks_begin_event(stdout, "page_fault_summary", ts);
	printf(",\"interval_s\":%.3f,\"minor\":%llu,\"major\":%llu,\"nr_procs\":%d}\n", interval_s,
	       minor, major, n);
	ks_print_stats(TOOL, interval_s, tot.events - prev_tot.events,
		       tot.map_full - prev_tot.map_full, (int64_t)(tot.map_full - prev_tot.map_full));
	prev_tot = tot;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " TOOL " [options]\n"
		"Counts page faults per process in the kernel (major/minor split from the\n"
		"kernel's own counters) and prints, every interval, NDJSON \"page_fault\" lines\n"
		"(top N processes by faults), one \"page_fault_summary\" and one \"tracer_stats\".\n\n"
		"  -i, --interval S   seconds per interval (default 1)\n"
		"  -n, --top N        processes per interval (default 10)\n"
		"  -v, --verbose      libbpf debug output on stderr\n"
		"  -h, --help         this help\n\n" KS_USAGE_EXIT_CODES);
}

int main(int argc, char **argv)
{
	static const char *const hooks[] = { "page_fault_user", "page_fault_kernel",
					     "sched_process_exit", "sched_process_exec", NULL };
	static const struct ks_flag flags[] = {
		KS_FLAG_INTERVAL(&env.interval_s),
		KS_FLAG_TOP(&env.top, PF_MAX_PROCS),
		KS_FLAG_VERBOSE(&env.verbose),
		{},
	};
	struct page_fault_tracer_bpf *skel = NULL;
	int err;

	ks_parse_flags(TOOL, argc, argv, flags, usage);
	if ((err = ks_start(TOOL, hooks, env.verbose)) || (err = ks_check_cpus(TOOL)))
		return err;

	skel = page_fault_tracer_bpf__open();
	if (!skel) {
		err = ks_bpf_error(TOOL, "open BPF skeleton", errno);
		goto cleanup;
	}
	skel->rodata->attach_mono_ns = ks_mono_ns();
	if ((err = ks_load_attach(TOOL, skel->skeleton, "attach to page_fault_user/kernel")))
		goto cleanup;
	err = ks_run_intervals(TOOL, "counting page faults", env.interval_s, emit_interval, skel);
cleanup:
	page_fault_tracer_bpf__destroy(skel);
	fflush(stdout);
	return err;
}
