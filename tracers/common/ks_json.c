// SPDX-License-Identifier: MIT
/* NDJSON output: string escaping, the event envelope, the stats line. Strings
 * from the kernel (comm) are untrusted bytes: quotes, control characters and
 * invalid UTF-8 must never break a line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ks_common.h"

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void ks_json_str(FILE *f, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, max);

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			i++;
		} else if (c == '\n') {
			fputs("\\n", f), i++;
		} else if (c == '\t') {
			fputs("\\t", f), i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c), i++;
		} else if ((len = utf8_len(s + i, n - i)) == 0) {
			fputs("\\ufffd", f), i++;
		} else {
			fwrite(s + i, 1, len, f);
			i += len;
		}
	}
	fputc('"', f);
}

void ks_begin_event(FILE *f, const char *type, double ts)
{
	fprintf(f, "{\"v\":%d,\"type\":\"%s\",\"ts\":%.3f", KS_SCHEMA_VERSION, type, ts);
}

void ks_print_stats(const char *tracer, double interval_s, uint64_t events,
		    uint64_t drops, int64_t map_full)
{
	ks_begin_event(stdout, "tracer_stats", ks_now_epoch());
	printf(",\"tracer\":\"%s\",\"interval_s\":%.3f,\"events\":%llu,\"drops\":%llu",
	       tracer, interval_s, (unsigned long long)events, (unsigned long long)drops);
	if (map_full >= 0)
		printf(",\"map_full\":%lld", (long long)map_full);
	printf("}\n");
}

void ks_flush_stdout(const char *tool)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing to stdout failed (reader gone?): %s\n", tool,
			strerror(errno));
		exit(KS_EXIT_FAIL);
	}
}

void ks_json_hist(FILE *f, const char *name, const uint64_t *hist, int slots)
{
	int last = slots - 1;

	while (last >= 0 && !hist[last])
		last--;
	fprintf(f, ",\"%s\":[", name);
	for (int i = 0; i <= last; i++) {
		if (i)
			fputc(',', f);
		fprintf(f, "%llu", (unsigned long long)hist[i]);
	}
	fputc(']', f);
}
