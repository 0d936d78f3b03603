// The producer registry is the one list: the Makefile builds exactly its tracers,
// and each tracer's BPF programs attach exactly the hooks it declares (so doctor
// checks what the tracers really need).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EVENT_TYPES } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { SCRAPER, TRACER_ENTRIES } from '../../lib/producers.js';

test("the Makefile's TOOLS are the registry's tracers", () => {
  const make = fs.readFileSync(path.join(ROOT, 'tracers', 'Makefile'), 'utf8');
  const tools = /^TOOLS = (.*)$/m.exec(make)![1]!.trim().split(/\s+/);
  assert.deepEqual(tools, TRACER_ENTRIES.map((t) => t.binary));
});

test('each tracer attaches exactly the hooks the registry lists for it', () => {
  for (const t of TRACER_ENTRIES) {
    const src = fs.readFileSync(path.join(ROOT, 'tracers', t.binary, `${t.binary}.bpf.c`), 'utf8');
    const attached = [...src.matchAll(/SEC\("tp_btf\/(\w+)"\)/g)].map((m) => m[1]!).sort();
    assert.deepEqual(attached, t.hooks.map((h) => h.name).sort(), t.name);
    // Its user side checks the required ones before loading (ks_preflight), the optional ones itself.
    const user = fs.readFileSync(path.join(ROOT, 'tracers', t.binary, `${t.binary}.c`), 'utf8');
    for (const h of t.hooks) assert.ok(user.includes(`"${h.name}"`), `${t.binary}.c checks ${h.name}`);
  }
});

test('every producer emits only event types of the contract', () => {
  for (const p of [...TRACER_ENTRIES, SCRAPER]) for (const e of p.events) assert.ok(EVENT_TYPES.includes(e), `${p.name}: ${e}`);
});
