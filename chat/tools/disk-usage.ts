// disk_usage: space and inodes per mounted filesystem (statfs, no subprocess),
// pseudo filesystems left out, one row per device.
import fs from 'node:fs';
import { parseMounts } from '../../lib/procfs/mounts.js';
import { escapeUntrusted, quoteUntrusted } from '../../lib/sanitize.js';
import { r2 } from './round.js';
import type { ChatTool } from './types.js';

const PSEUDO = /^(proc|sysfs|devpts|devtmpfs|cgroup2?|securityfs|pstore|bpf|tracefs|debugfs|configfs|fusectl|mqueue|hugetlbfs|autofs|binfmt_misc|rpc_pipefs|nsfs|ramfs|efivarfs|squashfs|overlay|selinuxfs)$/;

export interface MountUsage {
  readonly mount: string;
  readonly device: string;
  readonly fstype: string;
  readonly size_gb: number | null;
  readonly used_gb: number | null;
  readonly avail_gb: number | null;
  readonly used_pct: number | null;
  readonly inodes_used_pct: number | null;
}

export function mountUsage(mountsFile = '/proc/self/mounts'): MountUsage[] {
  const seen = new Set<string>();
  const out: MountUsage[] = [];
  for (const { device: dev, mountPoint: path, fstype: type } of parseMounts(fs.readFileSync(mountsFile, 'utf8'))) {
    if (PSEUDO.test(type)) continue;
    if (type === 'tmpfs' && path !== '/tmp' && path !== '/dev/shm') continue;
    // Bind mounts repeat a device; tmpfs devices are all called "tmpfs".
    const key = type === 'tmpfs' ? `mnt|${path}` : `${dev}|${type}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let st: fs.StatsFs;
    try { st = fs.statfsSync(path); } catch { continue; }
    const size = st.blocks * st.bsize;
    if (size === 0) continue;
    const avail = st.bavail * st.bsize;
    const used = (st.blocks - st.bfree) * st.bsize;
    const GB = 1024 ** 3;
    out.push({
      mount: quoteUntrusted(path, 80), device: escapeUntrusted(dev, 60), fstype: escapeUntrusted(type, 20),
      size_gb: r2(size / GB), used_gb: r2(used / GB), avail_gb: r2(avail / GB),
      // As df computes it: used / (used + available to unprivileged users).
      used_pct: used + avail > 0 ? r2((100 * used) / (used + avail)) : null,
      inodes_used_pct: st.files > 0 ? r2((100 * (st.files - st.ffree)) / st.files) : null,
    });
    if (out.length >= 30) break;
  }
  return out.sort((a, b) => (b.used_pct ?? 0) - (a.used_pct ?? 0));
}

export const diskUsage: ChatTool = {
  name: 'disk_usage',
  description: 'Space and inode usage of each mounted filesystem (like df), fullest first.',
  params: {},
  async run() {
    return { filesystems: mountUsage() };
  },
};
