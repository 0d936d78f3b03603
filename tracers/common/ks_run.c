// SPDX-License-Identifier: MIT
/* The skeleton every tracer's main() follows: setup -> preflight -> open ->
 * set rodata -> load -> attach -> report until SIGINT/SIGTERM -> cleanup. The
 * steps that do not depend on the tool's skeleton type live here. */
#include <bpf/libbpf.h>

#include "ks_common.h"
#include "ks_run.h"

int ks_start(const char *tool, const char *const *hooks, bool verbose)
{
	int err;

	if ((err = ks_setup_process(tool)) || (err = ks_preflight(tool, hooks)))
		return err;
	ks_libbpf_logging(verbose);
	return 0;
}

int ks_check_cpus(const char *tool)
{
	int nr_cpus = libbpf_num_possible_cpus();

	return nr_cpus <= 0 ? ks_bpf_error(tool, "count possible CPUs", nr_cpus) : 0;
}

int ks_load_attach(const char *tool, struct bpf_object_skeleton *s, const char *attach_what)
{
	int err;

	if ((err = bpf_object__load_skeleton(s)))
		return ks_bpf_error(tool, "load BPF programs", err);
	if ((err = bpf_object__attach_skeleton(s)))
		return ks_bpf_error(tool, attach_what, err);
	ks_release_preflight();
	return 0;
}

int ks_run_intervals(const char *tool, const char *doing, double interval_s,
		     int (*emit)(void *ctx, double interval_s), void *ctx)
{
	uint64_t last;
	int err;

	fprintf(stderr, "%s: %s, %.3f s intervals; Ctrl-C to stop\n", tool, doing, interval_s);
	last = ks_mono_ns();
	while (!ks_exiting) {
		uint64_t now;

		ks_sleep_until(last + (uint64_t)(interval_s * 1e9));
		now = ks_mono_ns();
		/* On a stop signal the partial interval is still reported: nothing the
		 * kernel counted is thrown away. */
		if ((err = emit(ctx, (double)(now - last) / 1e9)))
			return err;
		ks_flush_stdout(tool);
		last = now;
	}
	return KS_EXIT_OK;
}
