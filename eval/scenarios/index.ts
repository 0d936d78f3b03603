// The suite, in the order it runs: idle first (a quiet host), time-wait last (its
// sockets outlive it by a minute).
import type { Scenario } from '../scenario.js';
import { cpuHog } from './cpu-hog.js';
import { directFlood } from './direct-flood.js';
import { idle } from './idle.js';
import { lockStorm } from './lock-storm.js';
import { majorFaults } from './major-faults.js';
import { memoryCgroup } from './memory-cgroup.js';
import { runawayThread } from './runaway-thread.js';
import { syncWriter } from './sync-writer.js';
import { timeWait } from './time-wait.js';

export const SCENARIOS: readonly Scenario[] = [idle, cpuHog, runawayThread, syncWriter, directFlood, majorFaults, memoryCgroup, lockStorm, timeWait];
