// Coupled sysctls come back as a pair: with vm.dirty_bytes in force (dirty_ratio
// reads 0), setting vm.dirty_ratio zeroes dirty_bytes in the kernel; undo must
// bring dirty_bytes back, not write "0" to dirty_ratio. The background pair likewise.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Executor } from '../../agent/executor/executor.js';
import { undoAction } from '../../agent/executor/approvals.js';
import type { Proposal } from '../../agent/executor/types.js';
import { readSysctl, sysctlFile } from '../../lib/procfs/sysctl.js';
import { tempDb, testConfig } from '../fixtures/agent/db.js';

const MiB = 1024 * 1024;
const read = (key: string): number => Number(readSysctl(key));
const write = (key: string, v: number): void => fs.writeFileSync(sysctlFile(key), String(v));

const propose = (key: string, value: number): Proposal => ({
  action: 'set_sysctl', params: { key, value }, justification: 'test', expectedEffect: 'test', confidence: 0.5, decidedBy: 'rules', signalIds: [],
});

/** Put both pairs back as the machine had them: of each pair, the one that was in force. */
function guardPairs(t: TestContext): void {
  const pairs = [['vm.dirty_ratio', 'vm.dirty_bytes'], ['vm.dirty_background_ratio', 'vm.dirty_background_bytes']] as const;
  const saved = pairs.map(([ratio, bytes]) => ({ ratio, bytes, r: read(ratio), b: read(bytes) }));
  t.after(() => {
    for (const s of saved) {
      if (s.b > 0) write(s.bytes, s.b); else write(s.ratio, s.r);
      assert.deepEqual([read(s.ratio), read(s.bytes)], [s.r, s.b], `${s.ratio}/${s.bytes} restored`);
    }
  });
}

async function pairRoundTrip(t: TestContext, ratioKey: string, bytesKey: string, bytes: number, ratio: number): Promise<void> {
  guardPairs(t);
  const tdb = tempDb();
  t.after(() => tdb.cleanup());
  write(bytesKey, bytes);
  assert.equal(read(ratioKey), 0, `${bytesKey} in force: ${ratioKey} reads 0`);
  const ex = new Executor(tdb.db, testConfig().executor, tdb.log);
  const o = await ex.execute(propose(ratioKey, ratio), { cycleId: null, targets: new Map() });
  assert.equal(o.status, 'executed', JSON.stringify(o));
  assert.equal(read(ratioKey), ratio);
  assert.equal(read(bytesKey), 0, `the kernel zeroed ${bytesKey}`);
  const u = await undoAction(tdb.db, o.status === 'executed' ? o.decisionId : 0, { log: tdb.log, config: testConfig().executor });
  assert.equal(u.status, 'undone', u.note);
  assert.equal(read(bytesKey), bytes, `${bytesKey} back in force`);
  assert.equal(read(ratioKey), 0, `${ratioKey} reads 0 again`);
}

test('sysctl pair: undoing vm.dirty_ratio brings back the vm.dirty_bytes that was in force', async (t) => {
  await pairRoundTrip(t, 'vm.dirty_ratio', 'vm.dirty_bytes', 200 * MiB, read('vm.dirty_ratio') === 25 ? 30 : 25);
});

test('sysctl pair: undoing vm.dirty_background_ratio brings back vm.dirty_background_bytes', async (t) => {
  await pairRoundTrip(t, 'vm.dirty_background_ratio', 'vm.dirty_background_bytes', 50 * MiB, read('vm.dirty_background_ratio') === 5 ? 6 : 5);
});
