import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { LineMerger } from '../../supervisor/line-merger.js';

const opts = { maxLineBytes: 100, maxQueueBytes: 1000, batchBytes: 256 };

function collector(): { sink: PassThrough; text: () => string } {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (c: Buffer) => (text += c.toString()));
  return { sink, text: () => text };
}

test('lines of two sources never interleave and every line arrives', async () => {
  const m = new LineMerger({ ...opts, maxQueueBytes: 100_000 });
  const { sink, text } = collector();
  m.attach(sink);
  const a = m.open('a');
  const b = m.open('b');
  const want = { a: 0, b: 0 };
  for (let i = 0; i < 50; i++) {
    // Feed both sources byte-sliced and alternating, the worst case for interleaving.
    const la = Buffer.from(`A${i}${'a'.repeat(20)}\n`);
    const lb = Buffer.from(`B${i}${'b'.repeat(30)}\n`);
    for (let k = 0; k < Math.max(la.length, lb.length); k += 3) {
      if (k < la.length) a.push(la.subarray(k, k + 3));
      if (k < lb.length) b.push(lb.subarray(k, k + 3));
    }
    want.a++;
    want.b++;
  }
  assert.equal(await m.flush(5000), true);
  const lines = text().split('\n').filter(Boolean);
  for (const l of lines) assert.match(l, /^(A\d+a{20}|B\d+b{30})$/);
  assert.equal(lines.filter((l) => l.startsWith('A')).length, want.a);
  assert.equal(lines.filter((l) => l.startsWith('B')).length, want.b);
});

test('an unterminated last line at end of stream is dropped and counted', async () => {
  const m = new LineMerger(opts);
  const { sink, text } = collector();
  m.attach(sink);
  const a = m.open('a');
  a.push(Buffer.from('whole\nhalf a li'));
  a.end();
  await m.flush(5000);
  assert.equal(text(), 'whole\n');
  assert.equal(m.stats().a.droppedPartial, 1);
  // A new run of the same producer starts clean: its first line is not glued to the old half.
  const again = m.open('a');
  again.push(Buffer.from('fresh\n'));
  await m.flush(5000);
  assert.equal(text(), 'whole\nfresh\n');
});

test('without a sink the queue is bounded: newest lines dropped and counted, then delivered once attached', async () => {
  const m = new LineMerger(opts);
  const a = m.open('a');
  const line = 'x'.repeat(99) + '\n'; // 100 bytes
  for (let i = 0; i < 25; i++) a.push(Buffer.from(line));
  const s = m.stats().a;
  assert.equal(s.queuedBytes, 1000);
  assert.equal(s.droppedQueueFull, 15);
  const { sink, text } = collector();
  m.attach(sink);
  assert.equal(await m.flush(5000), true);
  assert.equal(text().length, 1000);
});

test('a slow sink gets backpressure, not unbounded writes', async () => {
  const m = new LineMerger({ ...opts, maxQueueBytes: 1_000_000, batchBytes: 64 });
  let received = '';
  let writes = 0;
  const slow = new Writable({
    highWaterMark: 128,
    write(chunk: Buffer, _enc, cb) {
      writes++;
      received += chunk.toString();
      setTimeout(cb, 1);
    },
  });
  m.attach(slow);
  const a = m.open('a');
  for (let i = 0; i < 200; i++) a.push(Buffer.from(`line ${i}\n`));
  assert.equal(await m.flush(20_000), true);
  const lines = received.split('\n').filter(Boolean);
  assert.equal(lines.length, 200);
  assert.deepEqual(lines.slice(0, 3), ['line 0', 'line 1', 'line 2']);
  assert.ok(writes > 1, 'batches were bounded');
  assert.equal(m.stats().a.droppedQueueFull, 0);
});
