// Producers' stdout → ingest's stdin: whole lines only, counted drops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, fixture, startSupervisor, type Run } from './helpers.js';
import { tempDir, waitFor } from '../../harness/wait.js';

function sinkLines(file: string): Buffer[] {
  const buf = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, start)) {
    out.push(buf.subarray(start, i));
    start = i + 1;
  }
  assert.equal(start, buf.length, 'the sink received an unterminated line');
  return out;
}

/** A chatty line is intact iff it parses and its padding is one repeated letter of its own tag. */
function assertChattyLine(text: string): string {
  const obj = JSON.parse(text) as { src: string; pad: string };
  assert.match(obj.pad, new RegExp(`^${obj.src[0]}+$`), `line of ${obj.src} mixes in other bytes`);
  return obj.src;
}

test('two producers writing long lines in tiny pieces never interleave, and nothing is lost', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  const out = path.join(dir, 'sink.out');
  run = startSupervisor(dir, [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', out], 'supervisor-log'),
    fixture(dir, 'alpha', 'producer', 'chatty.js', ['--tag', 'alpha', '--count', path.join(dir, 'alpha.count')]),
    fixture(dir, 'beta', 'producer', 'chatty.js', ['--tag', 'beta', '--size', '5000', '--piece', '3', '--count', path.join(dir, 'beta.count')]),
  ]);
  await waitFor(() => {
    const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    return text.split('"src":"alpha"').length > 300 && text.split('"src":"beta"').length > 300;
  }, 'both producers to deliver 300 lines');
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });

  const counts = { alpha: 0, beta: 0 } as Record<string, number>;
  for (const l of sinkLines(out)) counts[assertChattyLine(l.toString('utf8'))]++;
  // The sink kept up, so every line a producer wrote (it counted them on SIGTERM) arrived.
  assert.equal(counts.alpha, Number(fs.readFileSync(path.join(dir, 'alpha.count'), 'utf8')));
  assert.equal(counts.beta, Number(fs.readFileSync(path.join(dir, 'beta.count'), 'utf8')));
});

test('malformed output: whole lines pass through untouched, an oversized line and an unterminated tail are dropped and counted', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  const out = path.join(dir, 'sink.out');
  run = startSupervisor(dir, [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', out], 'supervisor-log'),
    fixture(dir, 'broken', 'producer', 'malformed.js', ['--tag', 'broken', '--stay']),
  ]);
  await waitFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('"src":"broken"'), 'the good line to arrive');
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });

  const lines = sinkLines(out);
  assert.deepEqual(lines.map((l) => l.toString('latin1')), [
    'this is not json',
    '',
    '\xff\xfe{',
    '{"v":1,"crlf":true}\r',
    '{"v":1,"type":"fixture","src":"broken","n":1}',
  ]);
  const log = fs.readFileSync(path.join(run.logDir, 'supervisor.log'), 'utf8');
  assert.match(log, /dropped lines from broken: 0 queue full \(ingest behind\), 1 too long, 1 unterminated at exit; 5 forwarded/);
});

test('when ingest falls behind, lines are dropped and counted per source, never blocked or cut', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  const out = path.join(dir, 'sink.out');
  const components = [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', out, '--slow', '100'], 'supervisor-log'),
    fixture(dir, 'alpha', 'producer', 'chatty.js', ['--tag', 'alpha', '--count', path.join(dir, 'alpha.count')]),
  ];
  run = startSupervisor(dir, components, { merger: { maxQueueBytes: 64 * 1024 } });
  const logFile = path.join(run.logDir, 'supervisor.log');
  await waitFor(() => fs.existsSync(logFile) && /dropped lines from alpha: [1-9]\d* queue full/.test(fs.readFileSync(logFile, 'utf8')), 'drops to be reported', 60_000);
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });

  let received = 0;
  for (const l of sinkLines(out)) {
    assertChattyLine(l.toString('utf8'));
    received++;
  }
  const written = Number(fs.readFileSync(path.join(dir, 'alpha.count'), 'utf8'));
  const final = [...fs.readFileSync(logFile, 'utf8').matchAll(/dropped lines from alpha: (\d+) queue full .*; (\d+) forwarded/g)].at(-1)!;
  const dropped = Number(final[1]);
  assert.ok(dropped > 0);
  assert.equal(Number(final[2]), received, 'every line the supervisor accepted reached ingest');
  assert.equal(received + dropped, written, 'every line written was either delivered or counted as dropped');
});
