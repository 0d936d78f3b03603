// SPDX-License-Identifier: MIT
/* Process setup and the "can this tracer run here?" checks. Each failure names
 * the fix and maps to the exit code the supervisor understands. */
#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <malloc.h>
#include <bpf/libbpf.h>

#include "ks_common.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

volatile sig_atomic_t ks_exiting;

static void on_stop(int sig)
{
	(void)sig;
	ks_exiting = 1;
}

int ks_setup_process(const char *tool)
{
	struct sigaction sa = { .sa_handler = on_stop };
	pid_t parent = getppid();

	/* Fully buffered: each round's lines leave in one write (ks_flush_stdout),
	 * not a write per line. The reader joins lines split at the buffer's edge. */
	setvbuf(stdout, NULL, _IOFBF, 64 * 1024);
	/* No SA_RESTART: a signal must interrupt poll()/nanosleep() so we stop fast. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) {
		fprintf(stderr, "%s: prctl(PR_SET_PDEATHSIG): %s\n", tool, strerror(errno));
		return KS_EXIT_FAIL;
	}
	/* The parent may have died before prctl took effect. */
	if (getppid() != parent) {
		fprintf(stderr, "%s: parent exited during startup\n", tool);
		return KS_EXIT_FAIL;
	}
	return 0;
}

static bool has_bpf_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data) != 0)
		return false;
	/* CAP_BPF and CAP_PERFMON live in the second 32-bit word. */
	return (data[1].effective & (1u << (CAP_BPF - 32))) &&
	       (data[1].effective & (1u << (CAP_PERFMON - 32)));
}

static const char *btf_path(void)
{
	/* Only the preflight reads this override; it lets tests exercise the no-BTF path. */
	const char *p = getenv("KS_BTF_PATH");

	return p && *p ? p : KS_DEFAULT_BTF;
}

/* The kernel's BTF as parsed for the hook checks: about 5 MB, held only until
 * the programs are loaded (ks_release_preflight). */
static struct btf *preflight_btf;

static struct btf *vmlinux_btf(void)
{
	if (!preflight_btf)
		preflight_btf = btf__parse(btf_path(), NULL);
	return libbpf_get_error(preflight_btf) ? NULL : preflight_btf;
}

void ks_release_preflight(void)
{
	if (preflight_btf && !libbpf_get_error(preflight_btf))
		btf__free(preflight_btf);
	preflight_btf = NULL;
	/* libbpf's own copies (the object's BTF, the kernel BTF it parsed for
	 * relocations) are freed by now too; give the pages back to the kernel,
	 * or they stay in this process's RSS for its whole life. */
	malloc_trim(0);
}

bool ks_has_hook(const char *hook)
{
	struct btf *btf = vmlinux_btf();
	char name[128];

	if (!btf)
		return false;
	snprintf(name, sizeof(name), "btf_trace_%s", hook);
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
}

int ks_preflight(const char *tool, const char *const *hooks)
{
	if (geteuid() != 0 && !has_bpf_caps()) {
		fprintf(stderr,
			"%s: permission denied: loading eBPF programs needs privileges; "
			"run as root (sudo) or grant CAP_BPF,CAP_PERFMON "
			"(setcap cap_bpf,cap_perfmon+ep %s)\n", tool, tool);
		return KS_EXIT_NOPERM;
	}
	if (access(btf_path(), R_OK) != 0) {
		fprintf(stderr,
			"%s: BTF not found at %s: this kernel was built without "
			"CONFIG_DEBUG_INFO_BTF; boot a kernel with CONFIG_DEBUG_INFO_BTF=y\n",
			tool, btf_path());
		return KS_EXIT_NOFEATURE;
	}
	if (!vmlinux_btf()) {
		fprintf(stderr, "%s: cannot parse kernel BTF at %s: %s\n", tool, btf_path(),
			strerror(errno));
		return KS_EXIT_NOFEATURE;
	}
	for (; hooks && *hooks; hooks++) {
		if (!ks_has_hook(*hooks)) {
			fprintf(stderr,
				"%s: tracepoint '%s' not found in kernel BTF (btf_trace_%s): "
				"this kernel lacks it; use a kernel >= 5.11 with CONFIG_FTRACE and "
				"the tracepoint's subsystem enabled\n", tool, *hooks, *hooks);
			return KS_EXIT_NOFEATURE;
		}
	}
	return 0;
}

int ks_bpf_error(const char *tool, const char *what, int err)
{
	if (err < 0)
		err = -err;
	fprintf(stderr, "%s: failed to %s: %s\n", tool, what, strerror(err));
	if (err == EPERM || err == EACCES) {
		fprintf(stderr, "%s: run as root (sudo) or grant CAP_BPF,CAP_PERFMON\n", tool);
		return KS_EXIT_NOPERM;
	}
	if (err == ENOENT || err == ENOTSUP || err == EOPNOTSUPP || err == EINVAL) {
		fprintf(stderr,
			"%s: this kernel lacks a feature the tracer needs (tp_btf raw "
			"tracepoints, task storage or ring buffers: kernel >= 5.11 with "
			"CONFIG_DEBUG_INFO_BTF and CONFIG_BPF_SYSCALL)\n", tool);
		return KS_EXIT_NOFEATURE;
	}
	return KS_EXIT_FAIL;
}

static bool libbpf_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void ks_libbpf_logging(bool verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_print);
}
