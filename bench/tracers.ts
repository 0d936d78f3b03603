// Tracer overhead on the hot paths, measured side by side in one run: each loop
// runs bare, under empty programs on the same hooks (the floor: what attaching
// alone costs), under our tracer, and under the equivalent bpftrace script.
// Configurations are interleaved round by round and the median is kept, and
// the loops report CPU time per operation (the programs run in the looping
// processes), so a noisy neighbour on this shared machine hurts little. Targets (syscall path): added cost
// <= 2x the floor's added cost and <= 0.5x bpftrace's. In the same rounds, with
// kernel.bpf_stats_enabled=1, each program's own run time per run (run_time_ns /
// run_cnt, as `bpftool prog show` prints them): tracer <= 0.3x bpftrace's.
//
// Standalone: node dist/bench/tracers.js [--rounds N]
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, TRACER_BIN_DIR } from '../lib/paths.js';
import { tracerEntry } from '../lib/producers.js';
import { bpfProgStats, bpfStatsEnabled, enableBpfStats, type BpfProgStat } from '../harness/procs.js';

const bin = (name: string): string => path.join(TRACER_BIN_DIR, name);
/** A tracer as the registry runs it under npm start. */
const tracer = (name: string): Attacher => {
  const t = tracerEntry(name)!;
  return { name: t.binary, cmd: bin(t.binary), args: [...t.args], ready: /Ctrl-C to stop/ };
};
const script = (name: string): string => path.join(ROOT, 'tracers', 'bench', name);

interface Attacher { name: string; cmd: string; args: string[]; ready: RegExp }
interface Scenario { key: string; loop: string[]; unit: string; tracer: Attacher; floor: Attacher; bpftrace: Attacher }

const SCENARIOS: Scenario[] = [
  {
    key: 'syscall', loop: [bin('bench_getppid'), '2000000'], unit: 'ns/syscall',
    tracer: tracer('syscall'),
    floor: { name: 'floor', cmd: bin('bench_floor'), args: ['syscall'], ready: /Ctrl-C to stop/ },
    bpftrace: { name: 'bpftrace', cmd: 'bpftrace', args: [script('syscall_latency.bt')], ready: /Attaching \d+ probe/ },
  },
  {
    key: 'sched', loop: [bin('bench_pingpong'), '100000'], unit: 'ns/switch',
    tracer: tracer('sched'),
    floor: { name: 'floor', cmd: bin('bench_floor'), args: ['sched'], ready: /Ctrl-C to stop/ },
    bpftrace: { name: 'bpftrace', cmd: 'bpftrace', args: [script('sched.bt')], ready: /Attaching \d+ probe/ },
  },
  {
    key: 'pagefault', loop: [bin('bench_pagetouch'), '100000'], unit: 'ns/fault',
    tracer: tracer('page_fault'),
    floor: { name: 'floor', cmd: bin('bench_floor'), args: ['pagefault'], ready: /Ctrl-C to stop/ },
    bpftrace: { name: 'bpftrace', cmd: 'bpftrace', args: [script('page_fault.bt')], ready: /Attaching \d+ probe/ },
  },
];

const CONFIGS = ['bare', 'floor', 'tracer', 'bpftrace'] as const;
type Config = (typeof CONFIGS)[number];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** bpftrace reads tracepoint formats from tracefs, which is not always mounted. */
function bpftraceUsable(): string | undefined {
  if (spawnSync('bpftrace', ['--version']).status !== 0) return 'bpftrace not installed';
  if (!fs.existsSync('/sys/kernel/tracing/events')) {
    spawnSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
    if (!fs.existsSync('/sys/kernel/tracing/events')) return 'tracefs not mounted at /sys/kernel/tracing';
  }
  return undefined;
}

/** Starts an attacher and resolves once its programs are live. */
async function attach(a: Attacher): Promise<ChildProcess> {
  const p = spawn(a.cmd, a.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${a.name} did not attach in 30 s: ${out}`)), 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (a.ready.test(out)) { clearTimeout(timer); resolve(); }
    };
    p.stdout!.on('data', onData);
    p.stderr!.on('data', onData);
    p.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${a.name} exited ${code}: ${out}`)); });
  });
  p.removeAllListeners('exit');
  p.stdout!.resume();
  p.stderr!.resume();
  // bpftrace prints "Attaching" just before it attaches; give it a moment.
  await new Promise((r) => setTimeout(r, a.name === 'bpftrace' ? 500 : 100));
  return p;
}

async function detach(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGINT');
  const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
  await done;
  clearTimeout(timer);
}

function runLoop(loop: string[]): number {
  const out = execFileSync(loop[0], loop.slice(1), { encoding: 'utf8', timeout: 120_000 });
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { ns_per_op: number }).ns_per_op;
}

/** What one program did while a loop ran: kernel-side run time and runs (bpf_stats). */
type KernelRuns = Map<string, { ns: number; runs: number }>;

function kernelDelta(before: readonly BpfProgStat[], after: readonly BpfProgStat[]): KernelRuns {
  const out: KernelRuns = new Map();
  for (const a of after) {
    const b = before.find((x) => x.id === a.id);
    const prev = out.get(a.name) ?? { ns: 0, runs: 0 };
    out.set(a.name, { ns: prev.ns + a.runTimeNs - (b?.runTimeNs ?? 0), runs: prev.runs + a.runCnt - (b?.runCnt ?? 0) });
  }
  return out;
}

async function measure(s: Scenario, config: Config): Promise<{ nsPerOp: number; kernel: KernelRuns }> {
  const a = config === 'bare' ? undefined : s[config];
  const p = a ? await attach(a) : undefined;
  try {
    const before = p ? bpfProgStats([p.pid!]) : [];
    const nsPerOp = runLoop(s.loop);
    return { nsPerOp, kernel: p ? kernelDelta(before, bpfProgStats([p.pid!])) : new Map() };
  } finally {
    await detach(p);
  }
}

/** ns per program run, over every round: each program's, and all of them together. */
function perRun(rounds: readonly KernelRuns[]): { perProgram: Record<string, number>; all: number } {
  const sum: KernelRuns = new Map();
  for (const r of rounds) {
    for (const [name, v] of r) {
      const prev = sum.get(name) ?? { ns: 0, runs: 0 };
      sum.set(name, { ns: prev.ns + v.ns, runs: prev.runs + v.runs });
    }
  }
  const total = [...sum.values()].reduce((a, v) => ({ ns: a.ns + v.ns, runs: a.runs + v.runs }), { ns: 0, runs: 0 });
  return {
    perProgram: Object.fromEntries([...sum].map(([name, v]) => [name, round(v.ns / Math.max(1, v.runs))])),
    all: total.runs > 0 ? round(total.ns / total.runs) : NaN,
  };
}

/** Runs every scenario; returns flat metrics such as `syscall.tracer_added_ns`. */
export async function benchTracers(rounds = 9): Promise<Record<string, unknown>> {
  if (process.getuid?.() !== 0) throw new Error('tracer benchmark needs root to load eBPF programs (run with sudo)');
  execFileSync('make', ['-s', '-C', path.join(ROOT, 'tracers')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const noBpftrace = bpftraceUsable();
  if (noBpftrace) console.error(`bench: bpftrace column skipped: ${noBpftrace}`);
  const restoreStats = enableBpfStats();
  const inKernel = bpfStatsEnabled();
  const result: Record<string, unknown> = {};
  const rows: string[][] = [];
  const kernelRows: string[][] = [];
  try {
    for (const s of SCENARIOS) {
      const samples: Record<Config, number[]> = { bare: [], floor: [], tracer: [], bpftrace: [] };
      const kernel: Record<Config, KernelRuns[]> = { bare: [], floor: [], tracer: [], bpftrace: [] };
      const configs = CONFIGS.filter((c) => c !== 'bpftrace' || !noBpftrace);
      for (let r = 0; r < rounds; r++) {
        // Rotate the order so no configuration always runs first (cold) or last.
        for (let i = 0; i < configs.length; i++) {
          const c = configs[(i + r) % configs.length];
          const m = await measure(s, c);
          samples[c].push(m.nsPerOp);
          kernel[c].push(m.kernel);
        }
      }
      const m = Object.fromEntries(CONFIGS.map((c) => [c, median(samples[c])])) as Record<Config, number>;
      const added = (c: Config): number => m[c] - m.bare;
      for (const c of CONFIGS) result[`${s.key}.${c}_ns`] = round(m[c]);
      for (const c of ['floor', 'tracer', 'bpftrace'] as const) result[`${s.key}.${c}_added_ns`] = round(added(c));
      result[`${s.key}.ratio_vs_floor`] = round(added('tracer') / added('floor'), 2);
      result[`${s.key}.ratio_vs_bpftrace`] = round(added('tracer') / added('bpftrace'), 2);
      rows.push([s.key, s.unit, ...CONFIGS.map((c) => fmt(m[c])), fmt(added('tracer')), fmt(added('floor')), fmt(added('bpftrace')),
        fmt(result[`${s.key}.ratio_vs_floor`] as number, 2), fmt(result[`${s.key}.ratio_vs_bpftrace`] as number, 2)]);
      if (inKernel) {
        const k = { floor: perRun(kernel.floor), tracer: perRun(kernel.tracer), bpftrace: perRun(kernel.bpftrace) };
        const ratio = round(k.tracer.all / k.bpftrace.all, 2);
        result[`${s.key}.in_kernel`] = {
          ns_per_run: { floor: k.floor.all, tracer: k.tracer.all, bpftrace: k.bpftrace.all },
          per_program: { floor: k.floor.perProgram, tracer: k.tracer.perProgram, bpftrace: k.bpftrace.perProgram },
          tracer_vs_bpftrace: ratio,
          target: `tracer <= 0.3x bpftrace's ns per run: ${Number.isFinite(ratio) ? (ratio <= 0.3 ? 'MET' : 'NOT MET') : 'n/a'}`,
        };
        kernelRows.push([s.key, fmt(k.floor.all), fmt(k.tracer.all), fmt(k.bpftrace.all), fmt(ratio, 2),
          Object.entries(k.tracer.perProgram).map(([n, v]) => `${n} ${fmt(v)}`).join(', ')]);
      }
    }
  } finally {
    restoreStats();
  }
  printTable(rows, rounds);
  if (inKernel) printKernelTable(kernelRows);
  else console.log('in-kernel cost not measured: kernel.bpf_stats_enabled could not be set');
  const ok = result['syscall.ratio_vs_floor'] as number <= 2 && (noBpftrace !== undefined || result['syscall.ratio_vs_bpftrace'] as number <= 0.5);
  console.log(`syscall loop targets (added <= 2x floor's, <= 0.5x bpftrace's): ${ok ? 'MET' : 'NOT MET'}`);
  return result;
}

function printKernelTable(rows: string[][]): void {
  const head = ['path', 'empty', 'tracer', 'bpftrace', 'x bpftrace', 'tracer per program'];
  const all = [head, ...rows];
  const width = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  console.log('\nIn-kernel cost, ns per program run (bpf_stats run_time_ns / run_cnt, summed over every round)');
  for (const r of all) console.log(r.map((c, i) => (i === 0 || i === head.length - 1 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  '));
}

const round = (x: number, digits = 1): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : NaN);
const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

function printTable(rows: string[][], rounds: number): void {
  const head = ['path', 'unit', 'bare', 'floor', 'tracer', 'bpftrace', 'tracer+', 'floor+', 'bpftrace+', 'x floor', 'x bpftrace'];
  const all = [head, ...rows];
  const width = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  console.log(`\nTracer overhead, CPU ns per operation (median of ${rounds} interleaved rounds; "+" = added over bare)`);
  for (const r of all) console.log(r.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  '));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  if (process.getuid?.() !== 0) {
    console.error('bench/tracers: needs root to load eBPF programs (run with sudo)');
    process.exit(77);
  }
  const i = process.argv.indexOf('--rounds');
  const rounds = i > 0 ? Number(process.argv[i + 1]) : 9;
  const result = await benchTracers(rounds);
  fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'tracers.json'), `${JSON.stringify(result, null, 2)}\n`);
}
