// The dashboard's HTTP surface: the page and its scripts (served from this
// process, never a CDN, so it works offline), a JSON API over the read model,
// Server-Sent Events, and the two requests that change the host (approve, undo),
// which go through the agent's executor under its policy, as chat's do.
import fs from 'node:fs';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { approve, chainStatus, undo, type OperatorConfig } from '../agent/executor/operator-commands.js';
import type { Db } from '../lib/db.js';
import type { Logger } from '../lib/logger.js';
import { ROOT } from '../lib/paths.js';
import { ChangeFeed, eventStream } from './events.js';
import { guard, type GuardOptions } from './guard.js';
import { charts } from '../lib/read-model/charts.js';
import { actionPage, incidentPage, incidentsPage, overview, processesPage, RANGES, signalPage, type RangeName } from './pages.js';

export interface WebDeps {
  readonly db: () => Db | undefined;
  readonly dbFile: string;
  readonly log: Logger;
  readonly guard: GuardOptions;
  readonly operator: OperatorConfig;
  /** chat's answer: the rules, or the model when one is configured. */
  readonly ask: (question: string, signal: AbortSignal) => Promise<string>;
  readonly nowS?: () => number;
}

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(ROOT, 'web', 'assets', 'index.html'), type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: path.join(ROOT, 'web', 'assets', 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/charts.js': { file: path.join(ROOT, 'web', 'assets', 'charts.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/style.css': { file: path.join(ROOT, 'web', 'assets', 'style.css'), type: 'text/css; charset=utf-8' },
  '/assets/uPlot.js': { file: path.join(ROOT, 'node_modules', 'uplot', 'dist', 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/uPlot.css': { file: path.join(ROOT, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

// uPlot positions its cursor and legend with inline styles; nothing else is inline.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const MAX_QUESTION = 2000;

export function webApp(d: WebDeps): { app: Hono; feed: ChangeFeed } {
  const now = d.nowS ?? (() => Date.now() / 1000);
  const app = new Hono();
  const feed = new ChangeFeed(d.db);
  const cache = new Map<string, Buffer>();

  app.onError((e, c) => { d.log.error(`${c.req.method} ${new URL(c.req.url).pathname}: ${e.message}`); return c.json({ error: 'internal error (see the exporter log)' }, 500); });
  app.use('*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('content-security-policy', CSP);
  });
  app.use('*', guard(d.guard));

  for (const [route, a] of Object.entries(ASSETS)) {
    app.get(route, (c) => {
      let body = cache.get(route);
      if (!body) { body = fs.readFileSync(a.file); cache.set(route, body); }
      return c.body(new Uint8Array(body), 200, { 'content-type': a.type, 'cache-control': 'no-cache' });
    });
  }

  app.get('/favicon.ico', (c) => c.body(null, 204));

  const unavailable = { error: `the database ${d.dbFile} cannot be opened yet (is ingest running?)` };
  /** A page's JSON from the read-only handle: 503 without a database, 404 when `f` finds nothing. */
  const page = (c: Context, f: (db: Db) => unknown, missing?: string) => {
    const db = d.db();
    if (!db) return c.json(unavailable, 503);
    const value = f(db);
    return value === undefined ? c.json({ error: missing ?? 'not found' }, 404) : c.json(value);
  };
  const id = (s: string) => (/^\d{1,12}$/.test(s) ? Number(s) : NaN);
  const windowOf = (q: Record<string, string | undefined>) => {
    const t = now();
    if (q.from !== undefined && q.to !== undefined) {
      const from = Number(q.from), to = Number(q.to);
      if (Number.isFinite(from) && Number.isFinite(to) && to > from && to - from <= 31 * 86_400) return { fromS: from, toS: to };
      return undefined;
    }
    const r = (q.range ?? '1h') as RangeName;
    return Object.hasOwn(RANGES, r) ? { fromS: t - RANGES[r], toS: t } : undefined;
  };

  app.get('/api/overview', (c) => page(c, (db) => overview(db, d.dbFile, now())));
  app.get('/api/charts', (c) => {
    const w = windowOf(c.req.query());
    if (!w) return c.json({ error: 'range must be 15m, 1h or 24h, or from/to epoch seconds (to > from, at most 31 days)' }, 400);
    const buckets = c.req.query('buckets') === undefined ? undefined : Number(c.req.query('buckets'));
    return page(c, (db) => charts(db, w, buckets));
  });
  app.get('/api/signals/:id', (c) => page(c, (db) => signalPage(db, id(c.req.param('id')), now()), `no signal ${c.req.param('id')}`));
  app.get('/api/actions/:id', async (c) => {
    const db = d.db();
    const chain = db ? await chainStatus(d.dbFile, db) : { ok: false, rows: 0 };
    return page(c, (db) => actionPage(db, id(c.req.param('id')), chain), `no decision ${c.req.param('id')}`);
  });
  app.get('/api/processes', (c) => page(c, (db) => processesPage(db, windowOf(c.req.query()) ?? { fromS: now() - 900, toS: now() })));
  app.get('/api/incidents', (c) => page(c, (db) => incidentsPage(db, now())));
  app.get('/api/incidents/:id', (c) => page(c, (db) => incidentPage(db, c.req.param('id'), now()), `no incident ${c.req.param('id')}`));
  app.get('/api/events', (c) => eventStream(c, feed, d.db));

  app.post('/api/ask', async (c) => {
    const body = await c.req.json().catch(() => null) as { question?: unknown } | null;
    const q = typeof body?.question === 'string' ? body.question.trim() : '';
    if (!q || q.length > MAX_QUESTION) return c.json({ error: `send {"question": "..."} (1 to ${MAX_QUESTION} characters)` }, 400);
    d.log.info('ask', { chars: q.length });
    return c.json({ question: q, answer: await d.ask(q, c.req.raw.signal) });
  });
  for (const verb of ['approve', 'undo'] as const) {
    app.post(`/api/actions/:id/${verb}`, async (c) => {
      const n = id(c.req.param('id'));
      if (!Number.isFinite(n)) return c.json({ error: 'the decision id is a number' }, 400);
      d.log.info(`${verb} #${n} from the dashboard`);
      const reply = verb === 'approve' ? await approve(d.operator, n, c.req.raw.signal) : await undo(d.operator, n);
      return c.json({ id: n, verb, reply });
    });
  }
  app.notFound((c) => c.json({ error: `not found: ${new URL(c.req.url).pathname}` }, 404));
  return { app, feed };
}
