// SPDX-License-Identifier: MIT
/* page_fault_tracer: every interval, minor and major page faults per process
 * ("page_fault", top N by total), system totals ("page_fault_summary") and a
 * "tracer_stats" line. Never one line per fault. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ks_common.h"
#include "ks_maps.h"
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
static int nr_cpus;

static int by_total(const void *a, const void *b)
{
	const struct proc_faults *x = &vals[*(const int *)a], *y = &vals[*(const int *)b];
	__u64 tx = x->minor + x->major, ty = y->minor + y->major;

	return tx < ty ? 1 : tx > ty ? -1 : 0;
}

static int read_totals(int fd, struct pf_totals *sum)
{
	struct pf_totals per_cpu[nr_cpus];
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(fd, &zero, per_cpu))
		return -errno;
	for (int c = 0; c < nr_cpus; c++) {
		sum->events += per_cpu[c].events;
		sum->map_full += per_cpu[c].map_full;
	}
	return 0;
}

static int emit_interval(struct page_fault_tracer_bpf *skel, double interval_s)
{
	unsigned long long minor = 0, major = 0;
	struct pf_totals tot;
	double ts = ks_now_epoch();
	int n, err;

	n = ks_map_drain(bpf_map__fd(skel->maps.procs), keys, sizeof(keys[0]), vals,
			 sizeof(vals[0]), PF_MAX_PROCS);
	if (n < 0)
		return ks_bpf_error(TOOL, "drain the per-process map", n);
	if ((err = read_totals(bpf_map__fd(skel->maps.totals), &tot)))
		return ks_bpf_error(TOOL, "read totals", err);

	for (int i = 0; i < n; i++) {
		order[i] = i;
		minor += vals[i].minor;
		major += vals[i].major;
	}
	qsort(order, n, sizeof(order[0]), by_total);
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
	ks_check_stdout(TOOL);
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
		"  -h, --help         this help\n\n"
		"Exit codes: 0 stopped by SIGINT/SIGTERM, 2 bad usage, 77 not root,\n"
		"78 missing kernel feature (BTF, tracepoint), 1 other failure.\n");
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "top", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "i:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': env.interval_s = ks_parse_double(TOOL, "--interval", optarg, 0.1, 3600); break;
		case 'n': env.top = ks_parse_long(TOOL, "--top", optarg, 0, PF_MAX_PROCS); break;
		case 'v': env.verbose = true; break;
		case 'h': usage(stdout); exit(KS_EXIT_OK);
		default: usage(stderr); exit(KS_EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, TOOL ": unexpected argument '%s'\n", argv[optind]);
		exit(KS_EXIT_USAGE);
	}
}

int main(int argc, char **argv)
{
	static const char *const hooks[] = { "page_fault_user", "page_fault_kernel",
					     "sched_process_exit", "sched_process_exec", NULL };
	struct page_fault_tracer_bpf *skel = NULL;
	uint64_t last;
	int err;

	parse_args(argc, argv);
	if ((err = ks_setup_process(TOOL)) || (err = ks_preflight(TOOL, hooks)))
		return err;
	ks_libbpf_logging(env.verbose);
	nr_cpus = libbpf_num_possible_cpus();
	if (nr_cpus <= 0)
		return ks_bpf_error(TOOL, "count possible CPUs", nr_cpus);

	skel = page_fault_tracer_bpf__open();
	if (!skel) {
		err = ks_bpf_error(TOOL, "open BPF skeleton", errno);
		goto cleanup;
	}
	skel->rodata->attach_mono_ns = ks_mono_ns();
	if ((err = page_fault_tracer_bpf__load(skel))) {
		err = ks_bpf_error(TOOL, "load BPF programs", err);
		goto cleanup;
	}
	if ((err = page_fault_tracer_bpf__attach(skel))) {
		err = ks_bpf_error(TOOL, "attach to page_fault_user/kernel", err);
		goto cleanup;
	}
	fprintf(stderr, TOOL ": counting page faults, %.3f s intervals; Ctrl-C to stop\n",
		env.interval_s);

	last = ks_mono_ns();
	while (!ks_exiting) {
		uint64_t now;

		ks_sleep_until(last + (uint64_t)(env.interval_s * 1e9));
		now = ks_mono_ns();
		/* A stop signal still reports the partial interval. */
		if ((err = emit_interval(skel, (double)(now - last) / 1e9)))
			goto cleanup;
		last = now;
	}
	err = KS_EXIT_OK;
cleanup:
	page_fault_tracer_bpf__destroy(skel);
	fflush(stdout);
	return err;
}
