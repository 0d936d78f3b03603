// End to end, CPU side: `npm start` as in production (agent on, rules deciding)
// against a runaway multi-threaded process and a page-fault storm, each next to
// legitimate work outside the agent's scope that the fix should help. Each
// scenario follows the chain from the kernel to the audit row and checks that
// nothing else on the machine was touched (test/fixtures/e2e/scenario.ts, over the harness in harness/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CPU_ACTION, cpuEffect, runScenario } from '../fixtures/e2e/scenario.js';
import { cannotRun } from '../../harness/system.js';
import { competitor, faultStorm, runaway } from '../../harness/workloads.js';

const skip = cannotRun();

/** Every thread got the new nice, or the workload moved into our weight cgroup (autogroup on). */
function assertCpuEffect(applied: string, paramsJson: string): void {
  if (CPU_ACTION === 'lower_cpu_weight') assert.match(applied, /cpu cgroup \/.*ks-weight-/, applied);
  else assert.match(applied, new RegExp(`^nice ${JSON.parse(paramsJson).nice}, `), applied);
}

test('CPU saturation by one runaway process: the signal names it, the agent lowers its CPU share (nice, or the cgroup weight with autogroup on), the competitor gains, restored on stop', { skip, timeout: 150_000 }, async (t) => {
  const r = await runScenario(t, {
    workload: () => runaway(4), // 4 spinning threads on this 2-CPU machine
    competitor: competitor(1),
    signalTypes: ['cpu_saturation', 'runaway_process'],
    action: CPU_ACTION,
    effect: cpuEffect,
    mustHelp: true,
  });
  assert.match(r.effectBefore, /^nice 0, /);
  assertCpuEffect(r.effectApplied, r.decision.params_json);
});

test('page-fault storm: page_fault_storm names the process, the agent lowers its CPU priority, the competitor gains, restored on stop', { skip, timeout: 150_000 }, async (t) => {
  const r = await runScenario(t, {
    workload: () => faultStorm(64),
    competitor: competitor(2),
    signalTypes: ['page_fault_storm'],
    action: CPU_ACTION,
    effect: cpuEffect,
    mustHelp: true,
  });
  assert.equal(r.signal.entity_type, 'process', 'the storm is pinned on the process, not only system-wide');
  assertCpuEffect(r.effectApplied, r.decision.params_json);
});
