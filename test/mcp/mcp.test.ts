// The MCP server as an assistant meets it: the official SDK's client over stdio
// against `npm run -s mcp` on a
// database the real scraper and ingest filled. Read-only by default; with
// --allow-actions a proposal waits in the approval queue and runs only when
// approved, through the executor; the HTTP transport wants the token and this origin.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Database from 'better-sqlite3';
import { TOOLS } from '../../chat/tools/index.js';
import { DIST, ROOT } from '../../lib/paths.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { fillDb, type FilledDb } from '../fixtures/chat/pipeline.js';
import { insertSignals } from '../fixtures/chat/signals.js';
import { spawnHog } from '../fixtures/agent/processes.js';

const MAIN = path.join(DIST, 'mcp', 'main.js');
let data: FilledDb;
let memId = 0;

before(async () => {
  data = await fillDb({ seconds: 3, classify: false });
  [memId] = insertSignals(data.file, [{ type: 'memory_pressure', severity: 'high', summary: 'Memory pressure: 4% available' }]);
});
after(() => data?.cleanup());

async function connect(args: string[] = []): Promise<Client> {
  // What a client's configuration runs: `npm run -s mcp` (setup first, then the server on stdio).
  const transport = new StdioClientTransport({ command: 'npm', args: ['run', '-s', 'mcp', '--', '--db', data.file, '--log-dir', data.dir, ...args], cwd: ROOT, stderr: 'pipe' });
  const client = new Client({ name: 'kernelsight-test', version: '1.0' });
  await client.connect(transport);
  return client;
}

type CallResult = { content: Array<{ type: string; text?: string }>; isError?: boolean; structuredContent?: Record<string, unknown> };
const body = (r: CallResult) => JSON.parse(r.content[0]!.text!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const rows = <T>(sql: string, ...p: unknown[]): T[] => { const db = new Database(data.file, { readonly: true }); try { return db.prepare(sql).all(...p) as T[]; } finally { db.close(); } };

test('read-only by default: the tools are chat\'s, typed and annotated read-only; the schema and event contract are resources; a diagnose prompt', async (t) => {
  const c = await connect();
  t.after(() => c.close());
  const { tools } = await c.listTools();
  assert.deepEqual(tools.map((x) => x.name).sort(), TOOLS.map((x) => x.name).sort());
  for (const x of tools) {
    assert.equal(x.annotations?.readOnlyHint, true, x.name);
    assert.equal(x.inputSchema.type, 'object', x.name);
  }
  const mh = tools.find((x) => x.name === 'metric_history')!;
  assert.deepEqual(mh.inputSchema.required, ['metric']);
  assert.equal((mh.inputSchema.properties as Record<string, { maximum?: number }>).minutes!.maximum, 1440);
  const { resources } = await c.listResources();
  assert.deepEqual(resources.map((r) => r.uri).sort(), ['kernelsight://docs/event-contract', 'kernelsight://docs/schema']);
  const schema = await c.readResource({ uri: 'kernelsight://docs/schema' });
  assert.match(String((schema.contents[0] as { text: string }).text), /signal_metadata/);
  const contract = await c.readResource({ uri: 'kernelsight://docs/event-contract' });
  const contractText = String((contract.contents[0] as { text: string }).text);
  assert.match(contractText, /One JSON object per line/);
  assert.match(contractText, /`memory` → table `memory_metrics`: .*available_kb \(int/);
  const { prompts } = await c.listPrompts();
  assert.ok(prompts.some((p) => p.name === 'diagnose_host'));
  const p = await c.getPrompt({ name: 'diagnose_host' });
  assert.match(JSON.stringify(p.messages), /current_state/);
});

test('every tool answers with the database\'s real numbers; a bad argument is refused by the schema', async (t) => {
  const c = await connect();
  t.after(() => c.close());
  const args: Record<string, Record<string, unknown>> = {
    metric_history: { metric: 'memory.used_fraction', minutes: 30 }, baseline_compare: { metric: 'cpu.busy_pct' }, trend_projection: { metric: 'memory.used_fraction' },
    related_signals: { signal_id: memId }, history_window: { since: '1h' }, top_processes: { source: 'recorded' },
  };
  for (const tool of TOOLS) {
    const r = await c.callTool({ name: tool.name, arguments: args[tool.name] ?? {} }) as CallResult;
    // This database was filled without the classifiers: no baselines yet, and the tool says so.
    if (tool.name === 'baseline_compare') { assert.match(body(r).error, /no baseline for "cpu.busy_pct"/); continue; }
    assert.ok(!r.isError, `${tool.name}: ${r.content[0]?.text}`);
    assert.equal(typeof body(r), 'object', tool.name);
  }
  const hist = body(await c.callTool({ name: 'metric_history', arguments: { metric: 'memory.used_fraction', minutes: 30 } }) as CallResult);
  const mem = rows<{ v: number }>('SELECT used_fraction AS v FROM memory_metrics');
  assert.equal(hist.n, mem.length);
  assert.equal(hist.max, Math.round(Math.max(...mem.map((x) => x.v)) * 10000) / 10000);
  assert.match(hist.from, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  const open = body(await c.callTool({ name: 'open_signals', arguments: {} }) as CallResult);
  assert.ok(open.signals.some((s: { signal_id: number; severity: string }) => s.signal_id === memId && s.severity === 'high'));
  const win = body(await c.callTool({ name: 'history_window', arguments: { since: '1h' } }) as CallResult);
  assert.equal(win.coverage.status, 'partial', 'the database holds a few seconds of the hour');
  assert.ok(win.metrics.some((m: { metric: string; worst: number }) => m.metric === 'cpu.busy_pct' && typeof m.worst === 'number'));
  const bad = await c.callTool({ name: 'metric_history', arguments: { metric: 'memory.used_fraction', minutes: 99999 } }) as CallResult;
  assert.equal(bad.isError, true);
  assert.match(bad.content[0]!.text!, /minutes|1440|too_big|less than or equal/i);
});

test('a hostile kernel log line arrives sanitized: control, bidi and zero-width characters gone or escaped, the secret redacted', async (t) => {
  const marker = `ks-mcp-hostile-${process.pid}`;
  fs.writeFileSync('/dev/kmsg', `${marker} \u202eevil\u200b\u2066 \u001b[31m password=hunter2 Authorization: Bearer abcdefghijklmnop\u{E0041}\n`);
  const c = await connect();
  t.after(() => c.close());
  const r = await c.callTool({ name: 'system_logs', arguments: { source: 'kernel', contains: marker } }) as CallResult;
  const raw = r.content[0]!.text!;
  const lines = body(r).kernel.lines as string[];
  assert.equal(lines.length, 1, raw);
  for (const ch of ['\u202e', '\u200b', '\u2066', '\u001b', '\u{E0041}']) assert.ok(!raw.includes(ch) && !lines[0]!.includes(ch), `U+${ch.codePointAt(0)!.toString(16)} arrived`);
  assert.ok(!raw.includes('hunter2') && !raw.includes('abcdefghijklmnop'), raw);
  assert.match(lines[0]!, /password=\[redacted\]/);
});

test('--allow-actions: a proposal waits as pending_approval and runs only when approved, audited with the client\'s name; a protected target is refused', async (t) => {
  const hog = await spawnHog({ idle: true });
  const c = await connect(['--allow-actions']);
  t.after(async () => { await c.close(); await hog.stop(); });
  const { tools } = await c.listTools();
  const approve = tools.find((x) => x.name === 'approve_action')!;
  assert.equal(approve.annotations?.destructiveHint, true, 'a client asks its person before approving');
  assert.equal(tools.find((x) => x.name === 'propose_action')!.annotations?.readOnlyHint, false);

  const p = body(await c.callTool({ name: 'propose_action', arguments: { action: 'lower_process_priority', target_pid: hog.pid, params: { nice: 5 }, justification: 'test proposal' } }) as CallResult);
  assert.equal(p.status, 'pending_approval', JSON.stringify(p));
  assert.equal(readPidStat(hog.pid)!.nice, 0, 'a proposal changes nothing');
  const [row] = rows<{ status: string; model: string; decided_by: string; justification: string }>('SELECT status, model, decided_by, justification FROM agent_actions WHERE id = ?', p.id);
  assert.equal(row!.status, 'pending_approval');
  assert.equal(row!.model, 'mcp:kernelsight-test/1.0');
  assert.match(row!.justification, /proposed over MCP by kernelsight-test\/1\.0: test proposal/);

  const protectedTarget = await c.callTool({ name: 'propose_action', arguments: { action: 'lower_process_priority', target_pid: 1, params: { nice: 5 }, justification: 'pid 1' } }) as CallResult;
  assert.equal(protectedTarget.isError, true);
  assert.equal(body(protectedTarget).rule, 'protected_target');

  const a = body(await c.callTool({ name: 'approve_action', arguments: { id: p.id } }, undefined, { timeout: 120_000 }) as CallResult);
  assert.equal(a.status, 'executed', JSON.stringify(a));
  assert.ok(a.verification, 'VERIFY ran after the approval');
  const chain = rows<{ status: string; justification: string | null }>('SELECT status, justification FROM agent_actions WHERE ref_action_id = ? ORDER BY id', p.id);
  assert.ok(chain.some((r) => r.status === 'approved' && /approved by mcp:kernelsight-test\/1\.0/.test(r.justification ?? '')), JSON.stringify(chain));
  assert.ok(chain.some((r) => r.status === 'executed'));
});

test('HTTP transport: loopback only; refused without the token, from another origin or another Host; works with the token', async (t) => {
  const child = spawn(process.execPath, [MAIN, '--db', data.file, '--log-dir', data.dir, '--http', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => { child.kill('SIGTERM'); });
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  while (!/\/mcp; bearer token in /.test(err)) {
    if (child.exitCode !== null) assert.fail(`mcp exited: ${err}`);
    await once(child.stderr, 'data');
  }
  const url = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err)![1]!;
  const tokenFile = /bearer token in (\S+)/.exec(err)![1]!;
  assert.equal(fs.statSync(tokenFile).mode & 0o777, 0o600);
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  const post = (headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end(init);
  });
  assert.equal(await post({}), 401, 'no token');
  assert.equal(await post({ authorization: 'Bearer wrong' }), 401, 'wrong token');
  assert.equal(await post({ authorization: `Bearer ${token}`, origin: 'http://evil.example' }), 403, 'another origin');
  assert.equal(await post({ authorization: `Bearer ${token}`, host: 'evil.example:80' }), 403, 'another Host (DNS rebinding)');
  const c = new Client({ name: 'http-test', version: '1.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  t.after(() => c.close());
  const r = await c.callTool({ name: 'open_signals', arguments: {} }) as CallResult;
  assert.ok(body(r).signals.some((s: { signal_id: number }) => s.signal_id === memId));

  const refused = spawn(process.execPath, [MAIN, '--db', data.file, '--log-dir', data.dir, '--http', '0.0.0.0:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let e2 = '';
  refused.stderr.on('data', (b: Buffer) => { e2 += b.toString(); });
  const [code] = await once(refused, 'exit');
  assert.notEqual(code, 0);
  assert.match(e2, /--http must be a loopback address/);
});
