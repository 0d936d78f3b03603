// `npm run bench`: every performance figure of the project measured in ONE run,
// printed as one report and written to bench/results/latest.json. Ratios compare
// things measured side by side here, never against numbers from another machine.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../lib/paths.js';
import { benchIngest } from './ingest.js';

type Section = Record<string, unknown>;
interface Part { name: string; run: () => Promise<Section> }

const parts: Part[] = [
  { name: 'ingest', run: async () => {
    const r = await benchIngest(1_000_000);
    const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
    return { ...r, target_ratio: `>= 0.8x plain better-sqlite3: ${met(r.ratio >= 0.8)}`, target_rss: `peak RSS < 150 MB: ${met(r.ingest_peak_rss_mb < 150)}` };
  } },
];

// Parts owned by other modules are loaded when present so one missing piece
// (e.g. tracers not built on a machine without clang) does not sink the report.
async function optional(name: string, modulePath: string, fn: string): Promise<void> {
  try {
    const mod = await import(modulePath) as Record<string, () => Promise<Section>>;
    if (typeof mod[fn] === 'function') parts.push({ name, run: mod[fn] });
  } catch (e) {
    parts.push({ name, run: async () => ({ skipped: (e as Error).message }) });
  }
}
await optional('tracers', './tracers.js', 'benchTracers');
await optional('system', './system.js', 'benchSystem');
await optional('exporter', './exporter.js', 'benchExporter');
await optional('web', './web.js', 'benchWeb');

const report: Record<string, Section> = {};
const started = new Date().toISOString();
for (const p of parts) {
  process.stderr.write(`[bench] ${p.name} ...\n`);
  try {
    report[p.name] = await p.run();
  } catch (e) {
    report[p.name] = { error: (e as Error).message };
  }
  process.stdout.write(`\n== ${p.name} ==\n${format(report[p.name])}\n`);
}
const out = path.join(ROOT, 'bench', 'results', 'latest.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ started, finished: new Date().toISOString(), host: hostFacts(), report }, null, 2));
process.stdout.write(`\nreport written to ${out}\n`);

function format(s: Section, indent = '  '): string {
  return Object.entries(s).map(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v)
    ? `${indent}${k}:\n${format(v as Section, indent + '  ')}`
    : `${indent}${k.padEnd(34)} ${Array.isArray(v) ? JSON.stringify(v) : String(v)}`)).join('\n');
}

function hostFacts(): Section {
  const read = (f: string) => { try { return fs.readFileSync(f, 'utf8').trim(); } catch { return undefined; } };
  return { kernel: read('/proc/sys/kernel/osrelease'), cpus: cpuCount(), node: process.version };
}
function cpuCount(): number {
  return fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;
}
