// VERIFY: after the settle time, measure again and keep or roll back each executed
// action (../executor/verify-change.ts holds the rules for "helped").
import type { Executor } from '../executor/executor.js';
import type { Executed } from '../executor/types.js';
import { verifyExecuted, type VerifyResult } from '../executor/verify-change.js';

export function verifyPhase(ex: Executor, executed: readonly Executed[], cycleId: number, signal?: AbortSignal): Promise<VerifyResult[]> {
  return verifyExecuted(ex, executed, cycleId, signal);
}
