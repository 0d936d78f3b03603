// CallWindow against the plain definition it replaces (filter the window on every
// call, cap it, take the first worst, sort for the median), on seeded random call
// sequences: in order, out of order, on the window's edge, over the cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent, type EventOf } from '../../../lib/events.js';
import { CallWindow, callAt, snapshotCounts, snapshotMedian, type WindowSnapshot } from '../../../ingest/signals/classifiers/call-window.js';

interface Call { ev: EventOf<'syscall'>; rowId: number }

function expected(kept: Call[]): { count: number; worstRow: number; median: number; counts: string } {
  const worst = kept.reduce((a, b) => (b.ev.latency_ms > a.ev.latency_ms ? b : a));
  const sorted = kept.map((c) => c.ev.latency_ms).sort((a, b) => a - b);
  const counts: Record<string, number> = {};
  for (const c of kept) counts[c.ev.syscall] = (counts[c.ev.syscall] ?? 0) + 1;
  return { count: kept.length, worstRow: worst.rowId, median: sorted[Math.floor(sorted.length / 2)], counts: JSON.stringify(counts) };
}

const got = (s: WindowSnapshot) => ({ count: s.end - s.start, worstRow: callAt(s, s.worst).rowId, median: snapshotMedian(s),
  counts: JSON.stringify(snapshotCounts(s)) });

test('the incremental window matches filtering the whole window on every call', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let run = 0; run < 60; run++) {
    const windowS = run % 2 ? 10 : 1;
    const cap = [4, 16, 256][run % 3];
    const w = new CallWindow(windowS, cap);
    let kept: Call[] = [];
    const saved: { snap: WindowSnapshot; want: ReturnType<typeof expected> }[] = [];
    let t = 1000;
    const disorder = run % 4 === 0 ? 0.2 : 0;
    for (let i = 0; i < 600; i++) {
      // Steps of exactly a quarter window put calls on the window's edge.
      t += run % 3 === 0 ? Math.floor(rnd() * 3) * windowS / 4 : rnd() * windowS / 20;
      const ts = rnd() < disorder ? t - rnd() * windowS * 1.5 : t;
      const ev = makeEvent('syscall', { pid: 1, tid: i, comm: 'x', uid: 0, cpu: 0, syscall_nr: 0,
        syscall: ['fsync', 'read', 'write'][i % 3], latency_ms: 10 + Math.floor(rnd() * 8), ret: 0, fd: i % 4 ? 3 : undefined }, ts);
      kept = kept.filter((c) => c.ev.ts > ev.ts - windowS);
      kept.push({ ev, rowId: i + 1 });
      if (kept.length > cap) kept.splice(0, kept.length - cap);
      const snap = w.add(ev, i + 1);
      saved.push({ snap, want: expected(kept) });
      assert.deepEqual(got(snap), saved[saved.length - 1].want, `run ${run}, call ${i}`);
    }
    // Snapshots taken earlier still describe the window as it was then.
    for (const [i, s] of saved.entries()) assert.deepEqual(got(s.snap), s.want, `run ${run}, snapshot ${i}`);
  }
});

test('the worst call keeps its fields, absent fd and errno included', () => {
  const w = new CallWindow(10, 256);
  w.add(makeEvent('syscall', { pid: 1, tid: 7, comm: 'x', uid: 0, cpu: 0, syscall_nr: 0, syscall: 'fsync', latency_ms: 30, ret: 0 }, 100), 11);
  const s = w.add(makeEvent('syscall', { pid: 1, tid: 8, comm: 'x', uid: 0, cpu: 0, syscall_nr: 0, syscall: 'write', latency_ms: 20,
    ret: -5, errno: 5, fd: 4 }, 101), 12);
  assert.deepEqual(callAt(s, s.worst), { ts: 100, ms: 30, syscall: 'fsync', tid: 7, fd: undefined, ret: 0, errno: undefined, rowId: 11 });
  assert.deepEqual(callAt(s, s.end - 1), { ts: 101, ms: 20, syscall: 'write', tid: 8, fd: 4, ret: -5, errno: 5, rowId: 12 });
});
