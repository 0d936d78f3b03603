// /proc/sys/kernel/random/boot_id: a fresh UUID each boot. Pids and start times
// (clock ticks since boot) mean nothing across a reboot; the boot id tells.
import fs from 'node:fs';

export function readBootId(file = '/proc/sys/kernel/random/boot_id'): string {
  return fs.readFileSync(file, 'utf8').trim();
}
