/* SPDX-License-Identifier: MIT */
/* Draining in-kernel aggregation maps, summing per-CPU totals, ranking what
 * was drained, and naming block devices. */
#ifndef KS_MAPS_H
#define KS_MAPS_H

#include <stddef.h>
#include <stdint.h>

/* Reads and deletes every entry of a BPF hash map (keys/values hold up to max
 * entries). Each entry is read and removed under its bucket lock, so an update
 * racing with the drain lands either in this interval or the next, and an entry
 * never outlives one interval: exited processes cannot leak. Returns the number
 * of entries, or -errno. */
int ks_map_drain(int map_fd, void *keys, size_t key_size, void *values,
		 size_t value_size, uint32_t max);

/* Sums entry 0 of a per-CPU array map over the possible CPUs into sum (size
 * bytes). The value must be a struct of __u64 counters only: it is summed word
 * by word. Returns 0 or -errno. */
int ks_sum_percpu(int map_fd, void *sum, size_t size);

/* Fills order[0..n) with 0..n-1 sorted by cmp (which compares two indexes). */
void ks_rank(int *order, int n, int (*cmp)(const void *a, const void *b));

/* Disk name ("vda") for a kernel dev_t (MKDEV: major << 20 | minor), from
 * /sys/dev/block/MAJ:MIN/uevent, then /proc/partitions, else "MAJ:MIN". */
const char *ks_blockdev_name(uint32_t kdev);

#endif /* KS_MAPS_H */
