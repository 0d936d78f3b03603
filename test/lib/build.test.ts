// What `npm start` runs is what was compiled: tsconfig.json takes every .ts
// outside node_modules and dist (the rule setup.sh's freshness check uses), so
// every source file has its JavaScript in dist, wherever its folder is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DIST, ROOT } from '../../lib/paths.js';

function sources(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(path.relative(ROOT, p));
  }
  return out;
}

test('tsconfig includes every TypeScript file, and setup.sh checks freshness by the same rule', () => {
  const cfg = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[]; exclude: string[] };
  assert.deepEqual(cfg.include, ['**/*.ts']);
  assert.deepEqual(cfg.exclude, ['node_modules', 'dist']);
  const setup = fs.readFileSync(path.join(ROOT, 'scripts', 'setup.sh'), 'utf8');
  assert.match(setup, /find \. \\\( -path \.\/node_modules -o -path \.\/dist -o -path \.\/\.git \\\) -prune -o/);
  const missing = sources(ROOT).filter((f) => !fs.existsSync(path.join(DIST, f.replace(/\.ts$/, '.js'))));
  assert.deepEqual(missing, [], 'sources without compiled JavaScript');
});

test('production code never imports test code', () => {
  const prod = sources(ROOT).filter((f) => !f.startsWith(`test${path.sep}`));
  const offenders = prod.filter((f) => /from '(\.\.\/)+test\//.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
  assert.deepEqual(offenders, []);
});
