// SPDX-License-Identifier: MIT
/* Strict flag parsing: a typo in a flag is a usage error (exit 2), never a
 * silently different threshold. */
#include <errno.h>
#include <stdlib.h>

#include "ks_common.h"

double ks_parse_double(const char *tool, const char *flag, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: invalid %s '%s' (expected a number in %g..%g)\n", tool,
			flag, s, min, max);
		exit(KS_EXIT_USAGE);
	}
	return v;
}

long ks_parse_long(const char *tool, const char *flag, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: invalid %s '%s' (expected an integer in %ld..%ld)\n", tool,
			flag, s, min, max);
		exit(KS_EXIT_USAGE);
	}
	return v;
}
