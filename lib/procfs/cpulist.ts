// Kernel cpulists ("0-1", "0,2-3,8-11"): /sys/devices/system/cpu/online and the
// Cpus_allowed_list line of /proc/<pid>/status print the same format.
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`cpulist: unexpected part ${JSON.stringify(part)} in ${JSON.stringify(text.slice(0, 80))}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`cpulist: bad range ${JSON.stringify(part)}`);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}
