// The one line splitter (lib/line-splitter.ts): ingest's stdin, the supervisor's
// producer streams (with keepNewline) and its stderr logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../lib/line-splitter.js';

function split(chunks: (string | Buffer)[], max = 16) {
  const lines: string[] = [];
  const long: number[] = [];
  const s = new LineSplitter({ line: (b) => lines.push(b.toString()), tooLong: (_h, n) => long.push(n) }, max);
  for (const c of chunks) s.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  s.flush();
  return { lines, long };
}

test('lines split across chunks are joined whole', () => {
  assert.deepEqual(split(['ab', 'c\nde', 'f\r\n', '\n', 'gh']).lines, ['abc', 'def', 'gh']);
});

test('an over-long line is reported once with its full size and skipped to its newline', () => {
  const r = split(['0123456789', '0123456789', '01234\nok\n']);
  assert.deepEqual(r.lines, ['ok']);
  assert.deepEqual(r.long, [25]);
  const r2 = split(['x'.repeat(40) + '\nfine']);
  assert.deepEqual(r2.lines, ['fine']);
  assert.deepEqual(r2.long, [40]);
});

test('an over-long unterminated last line is reported at end of input', () => {
  const r = split(['ok\n', 'y'.repeat(30)]);
  assert.deepEqual(r.lines, ['ok']);
  assert.deepEqual(r.long, [30]);
});

test('chunk buffers reused by the caller do not corrupt held partial lines', () => {
  const lines: string[] = [];
  const s = new LineSplitter({ line: (b) => lines.push(b.toString()), tooLong: () => assert.fail() }, 100);
  const buf = Buffer.from('hello');
  s.push(buf);
  buf.write('XXXXX');
  s.push(Buffer.from(' world\n'));
  assert.deepEqual(lines, ['hello world']);
});

test('keepNewline (the supervisor): whole lines with their newline, empty lines included; the tail is returned, not delivered', () => {
  const lines: string[] = [];
  const s = new LineSplitter({ line: (l) => lines.push(l.toString()) }, 100, { keepNewline: true });
  for (const piece of ['a', 'bc\nde', 'f\n', '\n', 'g']) s.push(Buffer.from(piece));
  assert.deepEqual(lines, ['abc\n', 'def\n', '\n']);
  assert.equal(s.end()?.toString(), 'g');
});

test('keepNewline: a line over the cap is dropped whole, even when it arrives in pieces', () => {
  const lines: string[] = [];
  let tooLong = 0;
  const s = new LineSplitter({ line: (l) => lines.push(l.toString()), tooLong: () => tooLong++ }, 10, { keepNewline: true });
  s.push(Buffer.from('ok\n0123456'));
  s.push(Buffer.from('789abcdef'));
  s.push(Buffer.from('ghij\nnext\n'));
  s.push(Buffer.from('x'.repeat(30) + '\nlast\n'));
  assert.deepEqual(lines, ['ok\n', 'next\n', 'last\n']);
  assert.equal(tooLong, 2);
});


test("the cap is on a line's content: a CRLF line of exactly the cap is a line, not too long", () => {
  const r = split(['0123456789abcdef\r\n', 'x\n'], 16);
  assert.deepEqual(r.lines, ['0123456789abcdef', 'x']);
  assert.deepEqual(r.long, []);
});
