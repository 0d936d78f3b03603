// The executor, approvals, VERIFY and the cycle's phases are generic: what differs
// per action is declared on the action (agent/actions/*.ts). A catalogue name in
// their sources is a per-action switch creeping back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CATALOGUE } from '../../agent/actions/catalogue.js';
import { ROOT } from '../../lib/paths.js';

const GENERIC = ['agent/executor', 'agent/phases'];
/** The rules choose actions by name: that is their job, not a per-action switch. */
const CHOOSERS = new Set(['agent/phases/candidates.ts']);

test('no catalogue action name in the executor, approvals, VERIFY or the phases', () => {
  const names = Object.keys(CATALOGUE);
  assert.ok(names.length >= 8, 'the catalogue is loaded');
  const files = GENERIC.flatMap((d) => fs.readdirSync(path.join(ROOT, d)).filter((f) => f.endsWith('.ts')).map((f) => path.join(d, f)));
  assert.ok(files.some((f) => f.endsWith('verify-change.ts')) && files.some((f) => f.endsWith('approvals.ts')), files.join(', '));
  const found = files.filter((f) => !CHOOSERS.has(f)).flatMap((f) => {
    const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
    return names.filter((n) => new RegExp(`\\b${n}\\b`).test(text)).map((n) => `${f}: ${n}`);
  });
  assert.deepEqual(found, []);
});

test('per-action semantics are declared on the spec', () => {
  const declared = Object.values(CATALOGUE).flatMap((h) => [
    ...(h.spec.expiresAfter ? [`${h.spec.name} expires after ${h.spec.expiresAfter}`] : []),
    ...(h.spec.removesTarget ? [`${h.spec.name} removes its target`] : []),
  ]);
  assert.deepEqual(declared, ['pause_process expires after duration_s', 'terminate_process removes its target']);
  for (const h of Object.values(CATALOGUE)) {
    const p = h.spec.expiresAfter && h.spec.params[h.spec.expiresAfter];
    if (h.spec.expiresAfter) assert.equal(p && p.kind, 'int', `${h.spec.name}.${h.spec.expiresAfter} is an int parameter (seconds)`);
  }
});
