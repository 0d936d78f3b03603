// The dashboard in a real browser (Debian's chromium through playwright-core)
// against the real `npm start` while stress-ng saturates the CPUs: the overview
// shows the open cpu_saturation signal, the CPU chart has points and a severity
// band, the agent's action appears as a marker whose page shows the verdict;
// approve and undo work with the token and are refused without it, and a request
// from another origin is refused. Screenshots go to test-artifacts/web/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { Executor } from '../../agent/executor/executor.js';
import { operatorPolicy } from '../../agent/executor/policy.js';
import { launchBrowser, noBrowser } from '../../harness/browser.js';
import { Scope } from '../../harness/scope.js';
import { actions, allUp, cannotRun, signals, startSystem, webUrl, type RealSystem } from '../../harness/system.js';
import { tempDir, waitFor } from '../../harness/wait.js';
import { competitor, stressCpu } from '../../harness/workloads.js';
import { openDatabase } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { ROOT } from '../../lib/paths.js';
import { readPidStat } from '../../lib/procfs/pid.js';

const skip = cannotRun() || noBrowser();
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'web');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Open a page of the dashboard and wait until it has rendered. */
async function open(page: Page, base: string, hash: string): Promise<void> {
  await page.goto('about:blank'); // a fresh load even when the address is the current one
  await page.goto(`${base}/${hash}`);
  await page.waitForFunction((h) => document.body.dataset.ready === h, hash, { timeout: 20_000 });
}

/**
 * A pending decision to approve: pause the whole stress-ng workload (approval-only,
 * reversible; the competitor then gets the CPUs, so VERIFY keeps it and undo has
 * something to undo), named by a worker the agent has not acted on: the agent
 * keeps acting meanwhile, and a worker it just acted on is in its cooldown.
 */
async function proposePause(sys: RealSystem, workers: readonly number[]): Promise<number> {
  const members = workers.map((p) => ({ pid: p, startTime: readPidStat(p)!.startTime }));
  const db = openDatabase(sys.db);
  try {
    const ex = new Executor(db, operatorPolicy(sys.db).config, createLogger('web-test', { console: false, logDir: sys.logDir }));
    const tried: string[] = [];
    for (const pid of workers) {
      if (actions(sys.db).some((r) => r.target_pid === pid)) continue;
      const st = readPidStat(pid)!;
      const o = await ex.execute({
        action: 'pause_process', params: { target: 't1', duration_s: 60 }, decidedBy: 'operator', model: null,
        justification: 'web test: a decision for a person to approve', expectedEffect: '', confidence: 0.5, signalIds: [],
      }, { cycleId: null, targets: new Map([['t1', { pid, startTime: st.startTime, comm: st.comm, members }]]), queueOnly: true });
      if (o.status === 'pending_approval') return o.auditId;
      tried.push(JSON.stringify(o));
    }
    return assert.fail(`no worker could be proposed for approval: ${tried.join('; ')}`);
  } finally { db.close(); }
}

test('dashboard in chromium: open cpu_saturation signal, CPU chart with a band, action marker and verdict, approve/undo with the token only, other origins refused', { skip, timeout: 300_000 }, async (t) => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const dir = tempDir('ks-web-');
  const scope = await Scope.start();
  let sys: RealSystem | undefined;
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await sys?.stop(20_000); await scope.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  // Legitimate work outside the agent's scope, which the action should help.
  const c = competitor(1);
  const rival = spawn(c.cmd, [...c.args], { stdio: 'ignore' });
  t.after(() => { rival.kill('SIGKILL'); });
  sys = startSystem(dir, { scrapeInterval: 2, agentInterval: 10, scopePid: scope.pid, agentArgs: ['--settle', '5', '--measure', '2', '--hourly-budget', '50'] });
  const s = sys;
  await waitFor(() => allUp(s), () => `every component up\n${s.output().slice(-1500)}`, 60_000);
  const web = await waitFor(() => webUrl(s), 'the exporter to serve the dashboard', 30_000);
  const stress = await scope.run(stressCpu(4, 150), dir);
  t.diagnostic(`dashboard ${web.url}; stress-ng pid ${stress.pid}`);

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The address npm start prints carries the token in the fragment; the page keeps it.
  await page.goto(`${web.url}/#token=${web.token}`);
  await page.waitForFunction(() => document.body.dataset.ready === '#/', null, { timeout: 20_000 });

  // 1. The overview shows the open cpu_saturation signal (refreshed live as it opens).
  const sat = await waitFor(() => signals(s.db).find((x) => x.signal_type === 'cpu_saturation' && x.status === 'open'), 'an open cpu_saturation signal', 60_000);
  await page.waitForSelector(`tr[data-signal="cpu_saturation"] a[href="#/signal/${sat.signal_id}"]`, { timeout: 30_000 });
  // 2. The CPU chart has data points and a severity band.
  await page.waitForFunction(() => {
    const c = document.querySelector('section.chart[data-panel="cpu"]') as HTMLElement | null;
    return c && Number(c.dataset.points) > 0 && Number(c.dataset.bands) > 0 && c.querySelector('canvas');
  }, null, { timeout: 30_000 });
  await shot(page, 'overview');

  // 3. The agent acts; its marker appears and its page shows the verdict.
  const decision = await waitFor(() => actions(s.db).find((r) => r.ref_action_id === null && r.status === 'executing'), 'the agent to act', 90_000);
  await waitFor(() => actions(s.db).find((r) => r.ref_action_id === decision.id && ['verified', 'rolled_back', 'verify_failed'].includes(r.status)), `a verdict on #${decision.id}`, 60_000);
  await open(page, web.url, '#/');
  await page.waitForSelector(`.legend-note a[href="#/action/${decision.id}"]`, { timeout: 20_000 });
  const markers = Number(await page.getAttribute('section.chart[data-panel="cpu"]', 'data-markers'));
  assert.ok(markers >= 1, `action markers on the CPU chart: ${markers}`);
  // Click the marker itself on the CPU chart: it opens the decision.
  const at = await page.evaluate((t) => {
    const u = (window as unknown as { ksCharts: Array<{ over: HTMLElement; valToPos(v: number, s: string): number }> }).ksCharts[0]!;
    u.over.scrollIntoView({ block: 'center' });
    const r = u.over.getBoundingClientRect();
    return { x: r.left + u.valToPos(t, 'x'), y: r.top + r.height / 2 };
  }, decision.ts);
  await page.mouse.click(at.x, at.y);
  await page.waitForFunction((h) => document.body.dataset.ready === h, `#/action/${decision.id}`, { timeout: 20_000 });
  const verdict = await page.textContent('#verdict');
  assert.match(verdict ?? '', /Verdict: (helped|neutral|worse|target_gone|not_applied)/, `the action page shows the verdict: ${verdict}`);
  assert.match(await page.textContent('#chain') ?? '', /Audit chain OK/);
  await shot(page, 'action');

  // The signal, processes and incidents pages render.
  await open(page, web.url, `#/signal/${sat.signal_id}`);
  assert.match(await page.textContent('h1') ?? '', /cpu_saturation/);
  await shot(page, 'signal');
  await open(page, web.url, '#/processes');
  assert.ok(await page.locator('table tr').count() > 3, 'the processes page lists processes');
  await shot(page, 'processes');
  await open(page, web.url, '#/incidents');
  await shot(page, 'incidents');

  // 4. Approve through the page (token held by the page) and undo; both audited as the dashboard's.
  const workers = fs.readFileSync(`/proc/${stress.pid}/task/${stress.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  const pending = await proposePause(s, workers);
  // Without the token: refused, nothing changes.
  const noToken = await page.evaluate(async (id) => (await fetch(`/api/actions/${id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, pending);
  assert.equal(noToken, 401, 'approve without the token');
  assert.equal(actions(s.db).filter((r) => r.ref_action_id === pending).length, 0, 'a refused request writes nothing');
  // From another origin, even with the token: refused.
  const foreign = await fetch(`${web.url}/api/actions/${pending}/approve`, { method: 'POST', headers: { origin: 'http://evil.example', authorization: `Bearer ${web.token}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(foreign.status, 403, 'a request from another origin');
  await open(page, web.url, `#/action/${pending}`);
  await page.click('button[data-verb="approve"]');
  await page.waitForFunction(() => /Approved and executed|Not done|failed/.test(document.querySelector('[data-result="approve"]')?.textContent ?? ''), null, { timeout: 60_000 });
  const approved = await page.textContent('[data-result="approve"]');
  t.diagnostic(`approve: ${approved}`);
  assert.match(approved ?? '', /Approved and executed #\d+/);
  assert.ok(actions(s.db).some((r) => r.ref_action_id === pending && /approved by web/.test(r.justification ?? '')), 'the approval is audited as the dashboard\'s');
  await shot(page, 'approved');
  // Undo whichever of the two is still in effect (VERIFY may have rolled one back).
  const live = [pending, decision.id].find((id) => { const last = actions(s.db).filter((r) => r.ref_action_id === id && r.status !== 'refused').at(-1); return last && ['executed', 'verified'].includes(last.status); });
  assert.ok(live, 'one decision is still in effect to undo');
  const undoNoToken = await page.evaluate(async (id) => (await fetch(`/api/actions/${id}/undo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, live);
  assert.equal(undoNoToken, 401, 'undo without the token');
  await open(page, web.url, `#/action/${live}`);
  await page.click('button[data-verb="undo"]');
  await page.waitForFunction(() => /Undone|Not undone/.test(document.querySelector('[data-result="undo"]')?.textContent ?? ''), null, { timeout: 30_000 });
  assert.match(await page.textContent('[data-result="undo"]') ?? '', /Undone #\d+/);
  await shot(page, 'undone');

  // 5. The ask box answers by the rules, citations linked to signal pages.
  await open(page, web.url, '#/');
  await page.fill('#ask-q', 'what is wrong?');
  await page.click('#ask-go');
  await page.waitForFunction(() => !/thinking/.test(document.getElementById('ask-a')?.textContent ?? 'thinking'), null, { timeout: 30_000 });
  assert.ok(await page.locator('#ask-a a[href^="#/signal/"]').count() >= 1, `the answer links its citations: ${await page.textContent('#ask-a')}`);
  await shot(page, 'ask');
  assert.deepEqual(errors, [], 'no script errors in the page');
});
