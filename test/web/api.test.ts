// The dashboard's server without a browser: recorded data (a memory grower, then a
// direct-I/O dd storm: test/fixtures/classifiers/history.ndjson) replayed through
// the real ingest into a temp database, and the Hono app asked directly. Who may
// read and who may change (token, Host, Origin), the charts bucketed on the server
// with bands and markers, every page's JSON, and a page that loads nothing from
// another host.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../agent/audit/audit-log.js';
import { openDatabase, type Db } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { ROOT } from '../../lib/paths.js';
import { ingestEvents, readRecording } from '../../harness/replay.js';
import { webApp } from '../../web/app.js';
import { startWeb } from '../../web/serve.js';
import { startOpenAIServer, textResponse } from '../fixtures/openai-server.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'classifiers', 'history.ndjson');
const TOKEN = 'a'.repeat(64);
const HOST = '127.0.0.1:8321';
let dir = '';
let dbFile = '';
let db: Db;
let span = { fromS: 0, toS: 0 };
let decisionId = 0;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-web-api-'));
  dbFile = path.join(dir, 'kernelsight.db');
  const events = readRecording(FIXTURE);
  const shift = Date.now() / 1000 - 5 * 60 - events.at(-1)!.ts; // the recording ends 5 minutes ago
  span = { fromS: events[0]!.ts + shift, toS: events.at(-1)!.ts + shift };
  assert.equal(await ingestEvents(dbFile, dir, [events.map((e) => ({ ...e, ts: e.ts + shift }))]), 0);
  // One decision of the agent's in the middle of the recording, for a marker.
  const w = openDatabase(dbFile);
  decisionId = new AuditLog(w).append({ action: 'lower_io_priority', params: { target: 't1', io_class: 'idle' }, status: 'executed', decidedBy: 'rules', justification: 'test', signalIds: [] },
    (span.fromS + span.toS) / 2).id;
  w.close();
  db = openDatabase(dbFile, { readonly: true });
});
after(() => { db?.close(); if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

function app(loopback = true) {
  const log = createLogger('web-test', { console: false, logDir: dir });
  return webApp({
    db: () => db, dbFile, log,
    guard: { token: TOKEN, host: loopback ? '127.0.0.1' : '0.0.0.0', loopback, port: () => 8321 },
    operator: { dbFile, log, overrides: {}, by: 'web' },
    ask: async (q) => `asked: ${q} [signal #1]`,
  }).app;
}

const get = (a: ReturnType<typeof app>, p: string, headers: Record<string, string> = {}) => a.request(`http://${HOST}${p}`, { headers: { host: HOST, ...headers } });
/** A POST as the dashboard's page makes it; a header given as null is left out. */
const post = (a: ReturnType<typeof app>, p: string, headers: Record<string, string | null> = {}, body = '{}') => {
  const h = Object.entries({ host: HOST, 'content-type': 'application/json', origin: `http://${HOST}`, ...headers }).filter((e): e is [string, string] => e[1] !== null);
  return a.request(`http://${HOST}${p}`, { method: 'POST', body, headers: h });
};
const auth = { authorization: `Bearer ${TOKEN}` };

test('loopback: reads need no token; approve/undo need the token; another origin or a rebound Host is refused', async () => {
  const a = app();
  assert.equal((await get(a, '/api/overview')).status, 200);
  assert.equal((await get(a, '/api/overview', { host: 'evil.example:8321' })).status, 403, 'DNS rebinding: a Host that is not this address');
  for (const verb of ['approve', 'undo']) {
    const r = await post(a, `/api/actions/${decisionId}/${verb}`);
    assert.equal(r.status, 401, `${verb} without the token`);
    assert.match(((await r.json()) as { error: string }).error, /token/);
    assert.equal((await post(a, `/api/actions/${decisionId}/${verb}`, { ...auth, origin: 'http://evil.example' })).status, 403, `${verb} from another origin, with the token`);
    assert.equal((await post(a, `/api/actions/${decisionId}/${verb}`, { ...auth, origin: null })).status, 403, `${verb} with no Origin`);
    assert.equal((await post(a, `/api/actions/${decisionId}/${verb}`, { ...auth, 'sec-fetch-site': 'cross-site' })).status, 403, `${verb} a browser marks cross-site`);
  }
  assert.equal(new AuditLog(db).verifyChain().ok, true);
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM agent_actions').get() as { n: number }).n, 1, 'refused requests wrote nothing');
  assert.equal((await post(a, '/api/ask', { origin: 'http://evil.example' }, JSON.stringify({ question: 'what is wrong?' }))).status, 403, 'ask from another origin');
  const ask = await post(a, '/api/ask', {}, JSON.stringify({ question: 'what is wrong?' }));
  assert.equal(ask.status, 200);
  assert.match(((await ask.json()) as { answer: string }).answer, /asked: what is wrong\?/);
});

test('any other address: every API request needs the token; the page itself carries no data and loads', async () => {
  const a = app(false);
  const r = await get(a, '/api/overview');
  assert.equal(r.status, 401);
  assert.equal((await get(a, '/api/overview', { authorization: 'Bearer wrong' })).status, 401);
  assert.equal((await get(a, '/api/overview', auth)).status, 200);
  assert.equal((await get(a, '/api/events')).status, 401, 'live updates too');
  assert.equal((await get(a, '/')).status, 200);
});

test('the page and its libraries come from this server: no CDN, a CSP that allows only this origin', async () => {
  const a = app();
  const page = await get(a, '/');
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
  const html = await page.text();
  for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)) assert.match(src, /^(\/|#)/, `a local reference: ${src}`);
  for (const asset of ['/assets/app.js', '/assets/charts.js', '/assets/style.css', '/assets/uPlot.js', '/assets/uPlot.css']) {
    const r = await get(a, asset);
    assert.equal(r.status, 200, asset);
    assert.doesNotMatch(await r.text(), /\bimport\b[^;\n]*['"]https?:\/\/|(?:src|href)\s*=\s*['"]https?:\/\//, `${asset} loads nothing from another host`);
  }
  assert.match(await (await get(a, '/assets/uPlot.js')).text(), /uPlot/);
});

test('charts: the recording\'s window bucketed on the server, one shared axis, the signals as bands, the decision as a marker', async () => {
  const r = await get(app(), `/api/charts?from=${span.fromS}&to=${span.toS}&buckets=120`);
  assert.equal(r.status, 200);
  const c = await r.json() as { t: number[]; stepS: number; panels: Array<{ id: string; series: Array<{ label: string; values: Array<number | null> }> }>; bands: Array<{ id: number; type: string; severity: string }>; markers: Array<{ id: number; status: string }> };
  assert.ok(c.t.length <= 120 && c.t.length >= 2, `buckets ${c.t.length}`);
  const rows = (db.prepare('SELECT COUNT(*) AS n FROM cpu_metrics WHERE timestamp BETWEEN ? AND ?').get(span.fromS, span.toS) as { n: number }).n;
  for (const p of c.panels) for (const s of p.series) assert.equal(s.values.length, c.t.length, `${p.id}/${s.label} on the shared axis`);
  assert.deepEqual(c.panels.map((p) => p.id), ['cpu', 'memory', 'io', 'network']);
  const mem = c.panels.find((p) => p.id === 'memory')!.series.find((s) => s.label === 'available GiB')!;
  assert.ok(mem.values.filter((v) => v !== null).length > 10, 'memory available has points');
  assert.ok(c.panels.find((p) => p.id === 'io')!.series.some((s) => /^vda p99$/.test(s.label)), 'per-device p99 from the I/O tracer');
  const signals = db.prepare('SELECT signal_id, signal_type FROM signal_metadata').all() as Array<{ signal_id: number; signal_type: string }>;
  assert.ok(signals.length > 0);
  assert.deepEqual(new Set(c.bands.map((b) => b.id)), new Set(signals.map((s) => s.signal_id)), 'every signal of the window is a band');
  assert.deepEqual(c.markers.map((m) => [m.id, m.status]), [[decisionId, 'executed']]);
  assert.ok(rows > c.t.length, `downsampled: ${rows} rows of cpu_metrics -> ${c.t.length} buckets`);
  assert.equal((await get(app(), '/api/charts?range=2d')).status, 400);
});

test('pages: overview, a signal with its rows and related signals, a decision with its chain, processes from the history, incidents with a timeline', async () => {
  const a = app();
  const j = async <T>(p: string): Promise<T> => { const r = await get(a, p); assert.equal(r.status, 200, p); return r.json() as Promise<T>; };
  const o = await j<{ health: string; recentActions: Array<{ id: number }> }>('/api/overview');
  assert.deepEqual(o.recentActions.map((x) => x.id), [decisionId]);
  const sig = (db.prepare("SELECT signal_id FROM signal_metadata WHERE signal_type = 'memory_pressure' LIMIT 1").get() as { signal_id: number } | undefined)
    ?? (db.prepare('SELECT signal_id FROM signal_metadata LIMIT 1').get() as { signal_id: number });
  const s = await j<{ signal: { id: number }; rows: Array<{ table: string; rows: unknown[] }>; related: unknown[] }>(`/api/signals/${sig.signal_id}`);
  assert.equal(s.signal.id, sig.signal_id);
  assert.ok(s.rows.some((t) => t.rows.length > 0), 'the raw rows behind it');
  const d = await j<{ decision: { id: number; status: string }; chain: { ok: boolean }; mechanism: { claims: string } }>(`/api/actions/${decisionId}`);
  assert.equal(d.decision.status, 'executed');
  assert.equal(d.chain.ok, true);
  assert.match(d.mechanism.claims, /BFQ/);
  const p = await j<{ memory: Array<{ comm: string }> }>(`/api/processes?from=${span.fromS}&to=${span.toS}`);
  assert.equal(p.memory[0]?.comm, 'mem-grower', 'the top memory user of the window, from process_metrics');
  const list = await j<{ incidents: Array<{ id: string }> }>('/api/incidents');
  assert.ok(list.incidents.length >= 1);
  const inc = await j<{ detail: { incident: { id: string } }; timeline: { minutes: unknown[] } }>(`/api/incidents/${encodeURIComponent(list.incidents[0]!.id)}`);
  assert.equal(inc.detail.incident.id, list.incidents[0]!.id);
  assert.ok(inc.timeline.minutes.length > 0);
  assert.equal((await get(a, '/api/signals/999999')).status, 404);
  assert.equal((await get(a, '/api/actions/abc')).status, 404);
});

test('Ask answers with the configured model (an OpenAI-protocol stand-in) through the real server, and by the rules without one', async () => {
  const server = await startOpenAIServer([textResponse('Memory is tight: the grower holds most of it [signal #1].')]);
  const saved = { ...process.env };
  const log = createLogger('web-test', { console: false, logDir: dir });
  const ask = async (env: Record<string, string>) => {
    for (const k of ['KS_LLM_PROVIDER', 'KS_LLM_MODEL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'GEMINI_API_KEY']) delete process.env[k];
    Object.assign(process.env, env);
    const web = await startWeb({ listen: { host: '127.0.0.1', port: 0 }, dbFile, tokenFile: path.join(dir, 'web.token'), db: () => db, log });
    try {
      const base = `http://127.0.0.1:${(web.server.address() as { port: number }).port}`;
      const r = await fetch(`${base}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ question: 'why is memory tight?' }) });
      assert.equal(r.status, 200);
      return ((await r.json()) as { answer: string }).answer;
    } finally { web.close(); process.env = { ...saved }; }
  };
  try {
    const byModel = await ask({ KS_LLM_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-web-0123456789', OPENAI_BASE_URL: server.url, KS_LLM_MODEL: 'gpt-test' });
    assert.match(byModel, /Memory is tight: the grower holds most of it \[signal #1\]/);
    assert.match(byModel, /answered by openai\/gpt-test/);
    assert.equal(server.requests.length, 1, 'one request to the model');
    const byRules = await ask({ KS_LLM_PROVIDER: 'none' });
    assert.doesNotMatch(byRules, /answered by/);
    assert.match(byRules, /memory/i);
    assert.equal(server.requests.length, 1, 'no model, no request');
  } finally { await server.close(); }
});
