// From scenario records to what a person reads: one table row per scenario, the
// summary targets (PASS / FAIL / N/A) and the JSON written to eval/results/.
// Pure functions: test/eval/eval.test.ts runs them on synthetic records.
import { atLeast } from '../lib/severity.js';
import type { DecisionRecord, ScenarioRecord, SignalRecord, WindowStats } from './record.js';

export type TargetStatus = 'PASS' | 'FAIL' | 'N/A';
export interface TargetResult { readonly name: string; readonly status: TargetStatus; readonly detail: string }

const executed = (d: DecisionRecord): boolean => d.chain.includes('executed');

/** The decision a row shows: the first that took effect, else the first at all. */
export function headline(r: ScenarioRecord): DecisionRecord | undefined {
  return r.decisions.find(executed) ?? r.decisions[0];
}

/** The first signal of a type the scenario counts, opened after the condition began. */
function firstDetection(r: ScenarioRecord) {
  return r.signals.filter((s) => r.detect_types.includes(s.type) && s.at_s >= 0 && s.process !== 'outside').sort((a, b) => a.at_s - b.at_s)[0];
}

/** " (3 about processes outside the scenario)", or "" when none is. */
function outsideOnes(sigs: readonly SignalRecord[]): string {
  const n = sigs.filter((s) => s.process === 'outside').length;
  return n ? ` (${n} about processes outside the scenario)` : '';
}

const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : String(Math.round(x * 100) / 100));
const val = (w: WindowStats | null): string => fmt(w?.value);

function cells(r: ScenarioRecord): string[] {
  const name = `${r.name}${r.other_test_processes > 0 ? ' *' : ''}`;
  if (r.error) return [name, 'ERROR', '-', '-', '-', '-', r.error.slice(0, 60), '-', '-'];
  const sig = firstDetection(r);
  const loud = r.signals.filter((s) => atLeast(s.max_severity, 'medium'));
  const signal = r.expect === 'nothing'
    ? (loud.length ? `${loud.length} medium+${outsideOnes(loud)}: ${[...new Set(loud.map((s) => s.type))].join(',')}` : `none medium+ (${r.signals.length} low)`)
    : sig ? `${sig.type} ${sig.max_severity} @${Math.round(sig.at_s)}s${sig.process ? ` (${sig.process})` : ''}` : `no (${r.signals.length} other)`;
  const d = headline(r);
  const more = r.decisions.length > 1 ? ` (+${r.decisions.length - 1})` : '';
  const target = d ? (d.target.kind === 'host' ? `host ${d.target.key ?? ''}` : `${d.target.kind} ${d.target.comm ?? '?'}/${d.target.pid}`) : '-';
  const action = d ? `${d.action}${d.params.nice !== undefined ? ` nice ${String(d.params.nice)}` : ''}${d.params.io_class ? ` ${String(d.params.io_class)}` : ''}${d.params.quota_pct !== undefined ? ` ${String(d.params.quota_pct)}%` : ''}${d.params.key ? ` ${String(d.params.key)}=${String(d.params.value)}` : ''}${more}` : 'none';
  const chain = d ? `${d.chain.join('>')}${d.refused_rule ? ` (${d.refused_rule})` : ''}` : '-';
  const verdict = d?.verdict ? `${d.verdict}${d.mechanism_noop ? ' (no-op)' : ''}` : '-';
  const v = r.victim;
  const victim = v ? `${v.metric} ${val(v.baseline)} / ${val(v.before)} -> ${val(v.after)} ${v.unit}` : '-';
  const reduced = v?.reduced === true ? 'yes' : v?.reduced === false ? 'no' : '-';
  const o = r.outside;
  const outside = o.audit.length + o.processes.length + o.left_after_stop.length === 0
    ? (o.sysctls.length ? `sysctl: ${o.sysctls.join('; ')}` : 'none')
    : [...o.audit, ...o.processes.map((p) => `${p.comm} ${p.what}`), ...o.left_after_stop.map((x) => `left: ${x}`)].join('; ');
  return [name, signal, target, action, chain, verdict, victim, reduced, outside];
}

const HEAD = ['scenario', 'detected (first signal)', 'target', 'action', 'status chain', 'verdict', 'victim: baseline / before -> after', 'harm down', 'outside the scenario'];

/** A Markdown table (readable in a terminal, pasteable into the README). */
export function table(records: readonly ScenarioRecord[]): string {
  const rows = [HEAD, ...records.map(cells)].map((c) => c.map((x) => x.replace(/\|/g, '/')));
  const width = HEAD.map((_, i) => Math.max(...rows.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(width[i]!)).join(' | ')} |`;
  const noisy = records.filter((r) => r.other_test_processes > 0);
  return [line(rows[0]!), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line),
    ...(noisy.length ? ['', `* other test runs were active on this host meanwhile (${noisy.map((r) => `${r.name}: ${r.other_test_processes} processes`).join(', ')}): their load moves the same numbers`] : []),
  ].join('\n');
}

export function summarize(records: readonly ScenarioRecord[]): TargetResult[] {
  const ran = records.filter((r) => !r.error);
  const conditions = ran.filter((r) => r.expect !== 'nothing');
  const idle = ran.filter((r) => r.expect === 'nothing');
  const acting = ran.filter((r) => r.acted);
  const out: TargetResult[] = [];

  const missed = conditions.filter((r) => !r.detected).map((r) => r.name);
  out.push({ name: 'every scenario detected', status: conditions.length ? (missed.length ? 'FAIL' : 'PASS') : 'N/A',
    detail: conditions.length ? (missed.length ? `not detected: ${missed.join(', ')}` : `${conditions.length}/${conditions.length}`) : 'no scenario with a condition ran' });

  const idleBad = idle.flatMap((r) => [
    ...r.signals.filter((s) => atLeast(s.max_severity, 'medium')).map((s) => `${r.name}: ${s.type} ${s.max_severity}`),
    ...r.decisions.map((d) => `${r.name}: #${d.id} ${d.action} ${d.chain.join('>')}`),
  ]);
  // The host being busy with someone else's work is said, not excused: the target still fails.
  const busy = idle.filter((r) => r.other_test_processes > 0).map((r) => `${r.name}: ${r.other_test_processes} processes of other test runs were active${outsideOnes(r.signals.filter((s) => atLeast(s.max_severity, 'medium')))}`);
  out.push({ name: 'idle: no medium+ signal and no action', status: idle.length ? (idleBad.length ? 'FAIL' : 'PASS') : 'N/A',
    detail: idle.length ? (idleBad.length ? [...idleBad, ...busy].join('; ') : `${idle.map((r) => `${Math.round(r.condition_s)} s`).join(', ')} idle, nothing`) : 'idle did not run' });

  const wrong = acting.flatMap((r) => r.decisions.filter(executed).filter((d) => d.target.kind !== 'culprit')
    .map((d) => `${r.name}: ${d.action} on ${d.target.kind}${d.target.comm ? ` ${d.target.comm}` : d.target.key ? ` ${d.target.key}` : ''}`));
  out.push({ name: 'the right workload targeted in every acting scenario', status: acting.length ? (wrong.length ? 'FAIL' : 'PASS') : 'N/A',
    detail: acting.length ? (wrong.length ? wrong.join('; ') : `${acting.length} acting scenarios, every action on the culprit`) : 'no scenario acted' });

  const helped = acting.filter((r) => r.victim?.reduced === true);
  const share = acting.length ? helped.length / acting.length : 0;
  out.push({ name: "bystander's measured harm reduced in >= 80% of acting scenarios", status: acting.length ? (share >= 0.8 ? 'PASS' : 'FAIL') : 'N/A',
    detail: acting.length ? `${helped.length}/${acting.length} (${Math.round(share * 100)}%)${acting.length > helped.length ? `; not: ${acting.filter((r) => r.victim?.reduced !== true).map((r) => `${r.name} (${r.victim?.note ?? 'no probe'})`).join('; ')}` : ''}` : 'no scenario acted' });

  const noopHelped = ran.flatMap((r) => r.decisions.filter((d) => d.verdict === 'helped' && d.mechanism_noop).map((d) => `${r.name}: #${d.id} ${d.action} (${d.mechanism_noop})`));
  const noopActs = ran.reduce((a, r) => a + r.decisions.filter((d) => executed(d) && d.mechanism_noop).length, 0);
  out.push({ name: "zero 'helped' verdicts for no-op mechanisms", status: noopHelped.length ? 'FAIL' : 'PASS',
    detail: noopHelped.length ? noopHelped.join('; ') : `${noopActs} no-op actions executed, none judged helped` });
  return out;
}

export function summaryText(targets: readonly TargetResult[], records: readonly ScenarioRecord[]): string {
  const errors = records.filter((r) => r.error);
  return [
    ...targets.map((t) => `${t.status.padEnd(4)}  ${t.name}: ${t.detail}`),
    ...(errors.length ? [`harness errors: ${errors.map((r) => `${r.name}: ${r.error}`).join('; ')}`] : []),
  ].join('\n');
}

export interface Results {
  readonly started: string;
  readonly finished: string;
  readonly command: string;
  readonly host: Record<string, unknown>;
  readonly options: Record<string, unknown>;
  readonly table: string;
  readonly targets: readonly TargetResult[];
  readonly scenarios: readonly ScenarioRecord[];
}

export function results(records: readonly ScenarioRecord[], meta: Omit<Results, 'table' | 'targets' | 'scenarios'>): Results {
  return { ...meta, table: table(records), targets: summarize(records), scenarios: records };
}

/** --strict: exit 1 when a target failed. */
export const anyFailed = (targets: readonly TargetResult[]): boolean => targets.some((t) => t.status === 'FAIL');
