// `npm run eval`: the report logic on synthetic records (table, summary targets,
// JSON, the victim's windows, the no-op mechanisms), and the real runner end to
// end on its idle scenario with a short window: no medium+ signal, no action.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { cannotRun } from '../../harness/system.js';
import { tempDir } from '../../harness/wait.js';
import { DIST } from '../../lib/paths.js';
import { mechanismNoop } from '../../eval/mechanism.js';
import type { DecisionRecord, ScenarioRecord, SignalRecord } from '../../eval/record.js';
import { anyFailed, results, summarize, table } from '../../eval/report.js';
import { judgeVictim, windowStats, type ProbeLine } from '../../eval/victim.js';

const sig = (o: Partial<SignalRecord> = {}): SignalRecord => ({
  id: 1, type: 'cpu_saturation', severity: 'high', max_severity: 'high', at_s: 5, entity: 'system', process: null, system_process: false, status: 'open', summary: 's', ...o,
});

const dec = (o: Partial<DecisionRecord> = {}): DecisionRecord => ({
  id: 1, at_s: 20, action: 'lower_process_priority', params: { target: 't1', nice: 10 }, decided_by: 'rules',
  target: { pid: 12, comm: 'ks-cpuhog', key: '12:99', kind: 'culprit' }, chain: ['executing', 'executed', 'verified', 'restored'],
  refused_rule: null, verdict: 'helped', verification: { verdict: 'helped' }, rolled_back: false, mechanism_noop: null, signal_ids: [1],
  verdict_at_s: 40, victim_after: null, ...o,
});

const win = (value: number) => ({ from_s: 0, to_s: 10, seconds: 10, samples: 100, mean: value, p99: value, max: value, majflt_per_s: null, errors: null, value });

const rec = (o: Partial<ScenarioRecord> = {}): ScenarioRecord => ({
  name: 'cpu-hog', title: 't', expect: 'act', started_at: '2026-12-01T00:00:00Z', condition_s: 120, error: null,
  signals: [sig()], detected: true, detect_types: ['cpu_saturation'], decisions: [dec()], acted: true,
  victim: { probe: 'latency-probe', metric: 'p99', unit: 'ms', baseline: win(0.5), before: win(4), during: win(3), after: win(1), harm_before: 3.5, harm_after: 0.5, reduced: true, note: '' },
  outside: { audit: [], processes: [], sysctls: [], left_after_stop: [] }, culprit: { comm: 'ks-cpuhog', pids: [12] }, other_test_processes: 0, others_cpu_pct: null, notes: [], ...o,
});

const idleRec = (o: Partial<ScenarioRecord> = {}): ScenarioRecord =>
  rec({ name: 'idle', expect: 'nothing', signals: [], detected: false, detect_types: [], decisions: [], acted: false, victim: null, culprit: null, ...o });

const status = (records: ScenarioRecord[], prefix: string): string => summarize(records).find((t) => t.name.startsWith(prefix))!.status;

test('summary targets: all pass on good records, N/A for what did not run', () => {
  const all = summarize([rec(), idleRec()]);
  assert.deepEqual(all.map((t) => t.status), ['PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
  assert.equal(anyFailed(all), false);
  assert.equal(status([rec()], 'idle'), 'N/A');
  assert.equal(status([idleRec()], 'every scenario detected'), 'N/A');
  assert.equal(status([idleRec()], 'the right workload'), 'N/A');
});

test('summary targets: each fails on the record that breaks it', () => {
  assert.equal(status([rec(), rec({ name: 'lock-storm', detected: false })], 'every scenario detected'), 'FAIL');
  assert.equal(status([idleRec({ signals: [sig({ max_severity: 'medium' })] })], 'idle'), 'FAIL');
  assert.equal(status([idleRec({ signals: [sig({ max_severity: 'low', severity: 'low' })] })], 'idle'), 'PASS');
  const busy = summarize([idleRec({ other_test_processes: 9, signals: [sig({ max_severity: 'medium', process: 'outside' })] })]).find((t) => t.name.startsWith('idle'))!;
  assert.equal(busy.status, 'FAIL', 'a busy host is reported, not excused');
  assert.match(busy.detail, /9 processes of other test runs were active \(1 about processes outside the scenario\)/);
  assert.equal(status([idleRec({ decisions: [dec({ chain: ['refused'], refused_rule: 'out_of_scope' })] })], 'idle'), 'FAIL', 'even a refused decision is an action idle must not take');
  const wrong = rec({ decisions: [dec(), dec({ id: 2, target: { pid: 13, comm: 'ks-latency', key: '13:1', kind: 'bystander' } })] });
  assert.equal(status([wrong], 'the right workload'), 'FAIL');
  assert.match(summarize([wrong]).find((t) => t.name.startsWith('the right'))!.detail, /on bystander ks-latency/);
  const sysctl = rec({ name: 'time-wait', decisions: [dec({ action: 'set_sysctl', target: { pid: null, comm: null, key: 'sysctl:net.ipv4.tcp_fin_timeout', kind: 'host' } })] });
  assert.equal(status([sysctl], 'the right workload'), 'FAIL', 'a host knob is not the workload');
  const refusedOnly = rec({ acted: false, decisions: [dec({ chain: ['refused'], target: { pid: 13, comm: 'x', key: '13:1', kind: 'bystander' } })] });
  assert.equal(status([refusedOnly], 'the right workload'), 'N/A', 'a refused decision did nothing to anyone');
  assert.equal(status([rec({ decisions: [dec({ verdict: 'helped', mechanism_noop: 'best-effort levels need BFQ' })] })], 'zero'), 'FAIL');
  assert.equal(status([rec({ decisions: [dec({ verdict: 'neutral', mechanism_noop: 'best-effort levels need BFQ' })] })], 'zero'), 'PASS');
});

test('harm target: 80% of acting scenarios, counted on the victim, not on VERIFY', () => {
  const helped = (name: string, reduced: boolean | null) => rec({ name, victim: { ...rec().victim!, reduced } });
  assert.equal(status([1, 2, 3, 4].map((i) => helped(`s${i}`, true)).concat(helped('s5', false)), 'bystander'), 'PASS');
  assert.equal(status([1, 2, 3].map((i) => helped(`s${i}`, true)).concat(helped('s4', false), helped('s5', null)), 'bystander'), 'FAIL');
  assert.equal(status([helped('s1', true), rec({ name: 'quiet', acted: false, decisions: [], victim: { ...rec().victim!, reduced: null } })], 'bystander'), 'PASS', 'a scenario without action does not count');
});

test('table: one row per scenario, the culprit and chain shown, other test runs marked', () => {
  const text = table([rec(), idleRec({ other_test_processes: 3 }), rec({ name: 'broken', error: 'launcher died' })]);
  const lines = text.split('\n');
  assert.equal(lines.filter((l) => l.startsWith('|')).length, 5, 'header, rule, three rows');
  assert.match(text, /culprit ks-cpuhog\/12/);
  assert.match(text, /executing>executed>verified>restored/);
  assert.match(text, /p99 0\.5 \/ 4 -> 1 ms/);
  assert.match(text, /\| idle \*/);
  assert.match(text, /none medium\+/);
  assert.match(text, /\| broken .*ERROR .*launcher died/);
  assert.match(text, /^\* other test runs were active.*idle: 3 processes/m);
});

test('results JSON: table, targets and every record, and it survives a round trip', () => {
  const r = results([rec(), idleRec()], { started: 'a', finished: 'b', command: 'npm run eval', host: { cpus: 2 }, options: {} });
  const back = JSON.parse(JSON.stringify(r)) as typeof r;
  assert.equal(back.scenarios.length, 2);
  assert.equal(back.targets.length, 5);
  assert.equal(back.table, table([rec(), idleRec()]));
  assert.equal(back.scenarios[0]!.decisions[0]!.chain.join('>'), 'executing>executed>verified>restored');
});

test("victim windows: baseline, before, after from the probe's own lines; reduced needs harm above the floor", () => {
  // One line a second from t=100: value 1 until 130 (condition at 115), 6 until the action at 150, 2 after the verdict at 170.
  const lines: ProbeLine[] = Array.from({ length: 100 }, (_, i) => {
    const ts = 101 + i;
    const v = ts <= 115 ? 1 : ts <= 150 ? 6 : ts <= 170 ? 4 : 2;
    return { ts, span_s: 1, n: 10, mean: v, p99: v * 2, max: v * 3 };
  });
  const times = { baselineFrom: 100, conditionAt: 115, actedAt: 150, verdictAt: 170, endAt: 200, warmupS: 5, afterS: 20 };
  const v = judgeVictim('p', lines, { field: 'mean', unit: 'ms', floor: 0.5 }, times);
  assert.equal(v.baseline!.value, 1);
  assert.equal(v.before!.value, 6);
  assert.equal(v.during!.value, 4);
  assert.equal(v.after!.value, 2);
  assert.equal(v.before!.from_s, 5, 'times relative to the condition');
  assert.equal(v.harm_before, 5);
  assert.equal(v.harm_after, 1);
  assert.equal(v.reduced, true);
  assert.match(v.note, /80% less/);
  assert.equal(windowStats(lines, 100, 115, 115, 'p99')!.value, 2, 'p99: the median of per-second p99s');
  const tooSmall = judgeVictim('p', lines, { field: 'mean', unit: 'ms', floor: 10 }, times);
  assert.equal(tooSmall.reduced, false);
  assert.match(tooSmall.note, /no harm measured/);
  const none = judgeVictim('p', lines, { field: 'mean', unit: 'ms', floor: 0.5 }, { ...times, actedAt: null, verdictAt: null });
  assert.equal(none.reduced, null);
  assert.equal(none.after, null);
  assert.equal(none.before!.value, (30 * 6 + 20 * 4 + 30 * 2) / 80, 'no action: before runs to the end');
  const worse = judgeVictim('p', lines.map((l) => (l.ts > 170 ? { ...l, mean: 9 } : l)), { field: 'mean', unit: 'ms', floor: 0.5 }, times);
  assert.equal(worse.reduced, false);
  assert.match(worse.note, /60% more/);
});

test('no-op mechanisms: best-effort ionice without BFQ, tcp_fin_timeout against TIME_WAIT; the agent\'s own answer wins', () => {
  const be = { io_class: 'best-effort', level: 7 };
  assert.match(mechanismNoop('lower_io_priority', be, null, { ioScheduler: 'mq-deadline' }, []) ?? '', /need BFQ.*mq-deadline/);
  assert.equal(mechanismNoop('lower_io_priority', be, null, { ioScheduler: 'bfq' }, []), null);
  assert.equal(mechanismNoop('lower_io_priority', { io_class: 'idle', level: 0 }, null, { ioScheduler: 'mq-deadline' }, []), null);
  const fin = { key: 'net.ipv4.tcp_fin_timeout', value: 30 };
  assert.match(mechanismNoop('set_sysctl', fin, null, { ioScheduler: null }, [{ time_wait: 6000, fin_wait2: 2 }]) ?? '', /not TIME_WAIT/);
  assert.equal(mechanismNoop('set_sysctl', fin, null, { ioScheduler: null }, [{ time_wait: 10, fin_wait2: 800 }]), null);
  assert.equal(mechanismNoop('lower_process_priority', { nice: 10 }, null, { ioScheduler: 'mq-deadline' }, []), null);
  assert.equal(mechanismNoop('lower_process_priority', { nice: 10 }, { mechanism_applies: false }, { ioScheduler: null }, []), 'the agent recorded that its mechanism does not apply here');
  assert.equal(mechanismNoop('lower_process_priority', { nice: 10 }, { mechanism: { applies: false, reason: 'autogroup' } }, { ioScheduler: null }, []), 'autogroup');
  assert.equal(mechanismNoop('lower_io_priority', be, { mechanism: { applies: true } }, { ioScheduler: 'mq-deadline' }, []), null);
});

const skip = cannotRun();
const IDLE_S = 60;

test(`npm run eval -- --only idle --idle-s ${IDLE_S}: the real system idle through the eval runner, no medium+ signal, no action`, { skip, timeout: (IDLE_S + 150) * 1000 }, async (t) => {
  const dir = tempDir('ks-eval-test-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const json = path.join(dir, 'results.json');
  const child = spawn(process.execPath, [path.join(DIST, 'eval', 'main.js'), '--only', 'idle', '--idle-s', String(IDLE_S), '--json', json], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, `eval exit code\n${out}`);
  const r = JSON.parse(fs.readFileSync(json, 'utf8')) as ReturnType<typeof results>;
  assert.equal(r.scenarios.length, 1);
  const idle = r.scenarios[0]!;
  t.diagnostic(`idle: ${idle.condition_s} s, ${idle.signals.length} signals, notes: ${idle.notes.join('; ')}`);
  assert.equal(idle.name, 'idle');
  assert.equal(idle.error, null);
  assert.ok(idle.condition_s >= IDLE_S, `the idle window ran ${idle.condition_s} s`);
  assert.match(out, /\| idle/, 'the table is printed');
  assert.deepEqual(idle.decisions.map((d) => `#${d.id} ${d.action} ${d.chain.join('>')}`), [], 'the agent decided something on an idle host');
  const loud = idle.signals.filter((s) => ['medium', 'high', 'critical'].includes(s.max_severity));
  // As in the soak: on a shared machine someone else's work (another test run,
  // more than a quarter of a core used by others, or a process of someone else's
  // that really blocked) may raise a real medium signal.
  const othersOnly = loud.length > 0 && loud.every((s) => s.process === 'outside' && !s.system_process);
  if (loud.length && (idle.other_test_processes > 0 || (idle.others_cpu_pct ?? 0) > 25 || othersOnly)) {
    t.skip(`machine not idle (${idle.other_test_processes} processes of other test runs, others used ${idle.others_cpu_pct}% of a core): ${loud.length} medium+ signals not judged: ${loud.map((s) => s.summary).join('; ')}`);
    return;
  }
  assert.deepEqual(loud.map((s) => `${s.type} ${s.max_severity}: ${s.summary}`), [], 'medium+ signals on an idle host');
  assert.equal(r.targets.find((x) => x.name.startsWith('idle'))!.status, 'PASS');
});
