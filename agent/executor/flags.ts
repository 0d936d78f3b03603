// The policy flags, one definition for the two processes that take them: the
// agent (acting in-process) and the root executor (acting for an unprivileged
// agent). npm start passes both the same values.
import type { Argv } from 'yargs';
import { DEFAULT_EXECUTOR_CONFIG } from './types.js';
import { policyFromFlags } from './policy.js';
import type { ExecutorConfig } from './types.js';

const base = DEFAULT_EXECUTOR_CONFIG;

export function withPolicyFlags<T>(y: Argv<T>) {
  return y
    .option('dry-run', { type: 'boolean', default: false, describe: 'decide and audit, change nothing' })
    .option('deny', { type: 'string', default: '', describe: 'comma-separated process names never to touch ("name" or "prefix*")' })
    .option('deny-uid', { type: 'string', default: '', describe: 'comma-separated uids whose processes are never touched' })
    .option('scope-pid', { type: 'number', describe: 'only act on descendants of this pid (confine the agent to one process tree)' })
    .option('settle', { type: 'number', default: base.settleMs / 1000, describe: 'seconds to wait before VERIFY measures' })
    .option('keep-neutral', { type: 'boolean', default: base.keepNeutral, describe: 'keep actions whose verification showed no measurable change (default: roll them back)' })
    .option('measure', { type: 'number', default: base.measureMs / 1000, describe: 'seconds per before/after measurement window' })
    .option('cooldown', { type: 'number', default: base.limits.cooldownS, describe: 'seconds between actions on one target' })
    .option('hourly-budget', { type: 'number', default: base.limits.hourlyBudget, describe: 'actions per hour at most' });
}

interface PolicyArgv {
  dryRun: boolean; deny: string; denyUid: string; scopePid?: number; settle: number; measure: number;
  keepNeutral?: boolean; cooldown: number; hourlyBudget: number;
}

/** Throws with the flag at fault. */
export function policyOf(a: PolicyArgv): ExecutorConfig {
  return policyFromFlags({
    dryRun: a.dryRun, deny: a.deny, denyUids: a.denyUid, scopePid: a.scopePid, settleS: a.settle, measureS: a.measure,
    keepNeutral: a.keepNeutral ?? false, cooldownS: a.cooldown, hourlyBudget: a.hourlyBudget,
  }, base);
}
