/* SPDX-License-Identifier: MIT */
/* Draining in-kernel aggregation maps, and naming block devices. */
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

/* Disk name ("vda") for a kernel dev_t (MKDEV: major << 20 | minor), from
 * /sys/dev/block/MAJ:MIN/uevent, then /proc/partitions, else "MAJ:MIN". */
const char *ks_blockdev_name(uint32_t kdev);

#endif /* KS_MAPS_H */
