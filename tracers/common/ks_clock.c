// SPDX-License-Identifier: MIT
/* Clocks: every line carries Unix epoch seconds (one clock domain for the whole
 * system), so kernel boot-time stamps are converted here. */
#include <errno.h>
#include <time.h>

#include "ks_common.h"

static uint64_t ns_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t ks_mono_ns(void)
{
	return ns_of(CLOCK_MONOTONIC);
}

double ks_now_epoch(void)
{
	return (double)ns_of(CLOCK_REALTIME) / 1e9;
}

int64_t ks_boot_to_epoch_ns(void)
{
	int64_t best = 0;
	uint64_t best_gap = UINT64_MAX;

	/* Bracket one REALTIME read between two BOOTTIME reads and keep the
	 * tightest bracket: the offset is then exact to well under a microsecond. */
	for (int i = 0; i < 5; i++) {
		uint64_t b0 = ns_of(CLOCK_BOOTTIME);
		uint64_t r = ns_of(CLOCK_REALTIME);
		uint64_t b1 = ns_of(CLOCK_BOOTTIME);

		if (b1 - b0 < best_gap) {
			best_gap = b1 - b0;
			best = (int64_t)r - (int64_t)(b0 + (b1 - b0) / 2);
		}
	}
	return best;
}

void ks_sleep_until(uint64_t deadline_mono_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_mono_ns / 1000000000ull),
		.tv_nsec = (long)(deadline_mono_ns % 1000000000ull),
	};

	while (!ks_exiting) {
		int err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);

		if (err != EINTR)
			return;
	}
}
