// SPDX-License-Identifier: MIT
/* bench_floor GROUP: attaches the empty programs of one hook group (the same
 * hooks as the tracer it stands for) and waits for SIGINT/SIGTERM. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "ks_common.h"
#include "ks_run.h"
#include "bench_floor.skel.h"

#define TOOL "bench_floor"

static const char *const groups[][4] = {
	{ "syscall", "sys_enter", "sys_exit", NULL },
	{ "sched", "sched_switch", "sched_wakeup", "sched_wakeup_new" },
	{ "pagefault", "page_fault_user", "page_fault_kernel", "sched_process_exit" },
};

static bool in_group(const char *const *g, const char *prog)
{
	for (int i = 1; i < 4 && g[i]; i++)
		if (strcmp(g[i], prog) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *const *group = NULL;
	struct bench_floor_bpf *skel = NULL;
	struct bpf_program *prog;
	int err;

	for (size_t i = 0; argc == 2 && i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(argv[1], groups[i][0]) == 0)
			group = groups[i];
	if (!group) {
		fprintf(stderr, "Usage: " TOOL " syscall|sched|pagefault\n"
			"Attaches empty tp_btf programs on one tracer's hooks (overhead floor).\n");
		return argc == 2 && strcmp(argv[1], "--help") == 0 ? KS_EXIT_OK : KS_EXIT_USAGE;
	}
	if ((err = ks_start(TOOL, NULL, false)))
		return err;
	skel = bench_floor_bpf__open();
	if (!skel)
		return ks_bpf_error(TOOL, "open BPF skeleton", errno);
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, in_group(group, bpf_program__name(prog)));
	if ((err = ks_load_attach(TOOL, skel->skeleton, "attach")))
		goto cleanup;
	fprintf(stderr, TOOL ": empty programs attached (%s); Ctrl-C to stop\n", group[0]);
	while (!ks_exiting)
		ks_sleep_until(ks_mono_ns() + 1000000000ull);
	err = KS_EXIT_OK;
cleanup:
	bench_floor_bpf__destroy(skel);
	return err;
}
