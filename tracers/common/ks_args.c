// SPDX-License-Identifier: MIT
/* Strict flag parsing: a typo in a flag is a usage error (exit 2), never a
 * silently different threshold. Each tracer describes its flags in a table;
 * the getopt loop, -h/--help and the error paths are the same for all. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

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

static void set_flag(const char *tool, const struct ks_flag *f, const char *arg)
{
	char flag[40];
	size_t len;

	snprintf(flag, sizeof(flag), "--%s", f->name); /* as messages name it */
	switch (f->kind) {
	case KS_ARG_DOUBLE:
		*(double *)f->dest = ks_parse_double(tool, flag, arg, f->min, f->max);
		break;
	case KS_ARG_LONG:
		*(long *)f->dest = ks_parse_long(tool, flag, arg, (long)f->min, (long)f->max);
		break;
	case KS_ARG_STRING:
		len = strlen(arg);
		if (len < f->min || len > f->max) {
			fprintf(stderr, "%s: %s must be %g..%g characters\n", tool, flag, f->min,
				f->max);
			exit(KS_EXIT_USAGE);
		}
		*(const char **)f->dest = arg;
		break;
	case KS_ARG_SWITCH:
		*(bool *)f->dest = true;
		break;
	case KS_ARG_IGNORED:
		break;
	}
}

void ks_parse_flags(const char *tool, int argc, char **argv, const struct ks_flag *flags,
		    void (*usage)(FILE *f))
{
	/* getopt tables built from `flags` in their order (which getopt's
	 * "ambiguous option" message follows), -h/--help last. */
	struct option opts[KS_MAX_FLAGS + 2] = {};
	char optstring[2 * KS_MAX_FLAGS + 2] = "";
	size_t n = 0, o = 0;
	int c;

	for (; flags[n].name; n++) {
		if (n == KS_MAX_FLAGS) {
			fprintf(stderr, "%s: more than %d flags\n", tool, KS_MAX_FLAGS);
			exit(KS_EXIT_FAIL);
		}
		opts[n] = (struct option){ flags[n].name,
					   flags[n].kind == KS_ARG_SWITCH ? no_argument : required_argument,
					   NULL, flags[n].key };
		optstring[o++] = flags[n].key;
		if (flags[n].kind != KS_ARG_SWITCH)
			optstring[o++] = ':';
	}
	opts[n] = (struct option){ "help", no_argument, NULL, 'h' };
	optstring[o] = 'h';

	while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		const struct ks_flag *f = flags;

		if (c == 'h') {
			usage(stdout);
			exit(KS_EXIT_OK);
		}
		while (f->name && f->key != c)
			f++;
		if (!f->name) {
			usage(stderr);
			exit(KS_EXIT_USAGE);
		}
		set_flag(tool, f, optarg);
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", tool, argv[optind]);
		exit(KS_EXIT_USAGE);
	}
}
