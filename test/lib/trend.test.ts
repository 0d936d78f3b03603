// SIMULATE's projection: least squares, confidence from the fit and the history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLine, project, type Point } from '../../lib/trend.js';

const NOW = 1_700_000_000;
const line = (n: number, stepS: number, v0: number, perS: number, noise = (_i: number) => 0): Point[] =>
  Array.from({ length: n }, (_, i) => ({ t: NOW - (n - 1 - i) * stepS, v: v0 + perS * i * stepS + noise(i) }));

test('a clean rising line: exact slope, R² 1, projection and time to threshold', () => {
  const pts = line(60, 10, 50, 0.01); // +0.6 per minute over 10 minutes, 50 -> 55.9
  const f = fitLine(pts);
  assert.ok(Math.abs(f.slope - 0.01) < 1e-9);
  assert.ok(Math.abs(f.r2 - 1) < 1e-9);
  const p = project('cpu', pts, NOW, { threshold: 90, min: 0, max: 100 })!;
  assert.equal(p.slopePerMin, 0.6);
  assert.ok(Math.abs(p.projected - (55.9 + 18)) < 0.01, `projected ${p.projected}`);
  assert.ok(Math.abs(p.timeToThresholdS! - (90 - 55.9) / 0.01) < 2);
  assert.ok(p.confidence > 0.9, `confidence ${p.confidence}`);
});

test('confidence falls with noise, with few points and with a short history', () => {
  const noisy = project('cpu', line(60, 10, 50, 0.01, (i) => (i % 2 ? 15 : -15)), NOW)!;
  const clean = project('cpu', line(60, 10, 50, 0.01), NOW)!;
  const few = project('cpu', line(4, 10, 50, 0.01), NOW)!;
  const short = project('cpu', line(60, 1, 50, 0.01), NOW)!;
  assert.ok(noisy.r2 < 0.5 && noisy.confidence < clean.confidence / 2, `noisy ${noisy.confidence}`);
  assert.ok(few.confidence < 0.25, `few ${few.confidence}`);
  assert.ok(short.confidence < 0.2, `short ${short.confidence}`);
});

test('projections are clamped to the valid range; falling or flat series never reach the threshold', () => {
  const up = project('cpu', line(60, 10, 80, 0.05), NOW, { threshold: 200, max: 100 })!;
  assert.equal(up.projected, 100);
  const down = project('cpu', line(60, 10, 80, -0.01), NOW, { threshold: 90 })!;
  assert.equal(down.timeToThresholdS, null);
  const flat = project('cpu', line(60, 10, 95, 0), NOW, { threshold: 90 })!;
  assert.equal(flat.timeToThresholdS, 0, 'already past it');
  assert.equal(project('cpu', [], NOW), null);
});
