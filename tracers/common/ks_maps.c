// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ks_maps.h"

int ks_map_drain(int map_fd, void *keys, size_t key_size, void *values,
		 size_t value_size, uint32_t max)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint64_t token = 0; /* hash maps use a u32 bucket cursor; 8 bytes is plenty */
	uint32_t total = 0;
	void *in = NULL;

	while (total < max) {
		uint32_t n = max - total;
		int err = bpf_map_lookup_and_delete_batch(map_fd, in, &token,
							  (char *)keys + total * key_size,
							  (char *)values + total * value_size,
							  &n, &opts);
		if (err && errno != ENOENT)
			return -errno;
		total += n;
		if (err) /* ENOENT: walked past the last bucket */
			break;
		in = &token;
	}
	return (int)total;
}

int ks_sum_percpu(int map_fd, void *sum, size_t size)
{
	int nr_cpus = libbpf_num_possible_cpus();
	size_t words = size / sizeof(uint64_t);
	uint64_t *out = sum;
	uint32_t zero = 0;

	if (nr_cpus <= 0)
		return nr_cpus;
	uint64_t per_cpu[(size_t)nr_cpus * words];

	memset(sum, 0, size);
	if (bpf_map_lookup_elem(map_fd, &zero, per_cpu))
		return -errno;
	for (int c = 0; c < nr_cpus; c++)
		for (size_t w = 0; w < words; w++)
			out[w] += per_cpu[(size_t)c * words + w];
	return 0;
}

void ks_rank(int *order, int n, int (*cmp)(const void *a, const void *b))
{
	for (int i = 0; i < n; i++)
		order[i] = i;
	qsort(order, n, sizeof(order[0]), cmp);
}

struct devname {
	uint32_t kdev;
	char name[32];
};

static struct devname cache[64];
static int cached;

static int from_uevent(unsigned maj, unsigned min, char *out, size_t len)
{
	char path[64], line[128];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", maj, min);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "DEVNAME=", 8) == 0) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, len, "%.*s", (int)len - 1, line + 8);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

static int from_partitions(unsigned maj, unsigned min, char *out, size_t len)
{
	char line[256], name[64];
	unsigned a, b;
	unsigned long long blocks;
	FILE *f = fopen("/proc/partitions", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %u %llu %63s", &a, &b, &blocks, name) == 4 && a == maj &&
		    b == min) {
			snprintf(out, len, "%.*s", (int)len - 1, name);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

const char *ks_blockdev_name(uint32_t kdev)
{
	unsigned maj = kdev >> 20, min = kdev & ((1u << 20) - 1);
	static char fallback[32];
	char name[32];

	for (int i = 0; i < cached; i++)
		if (cache[i].kdev == kdev)
			return cache[i].name;
	if (!from_uevent(maj, min, name, sizeof(name)) &&
	    !from_partitions(maj, min, name, sizeof(name))) {
		/* Not cached: the device may appear later (hot-plug). */
		snprintf(fallback, sizeof(fallback), "%u:%u", maj, min);
		return fallback;
	}
	if (cached < (int)(sizeof(cache) / sizeof(cache[0]))) {
		cache[cached].kdev = kdev;
		snprintf(cache[cached].name, sizeof(cache[cached].name), "%s", name);
		return cache[cached++].name;
	}
	snprintf(fallback, sizeof(fallback), "%.31s", name);
	return fallback;
}
