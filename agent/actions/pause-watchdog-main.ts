// The pause watchdog: a tiny detached process that owns a pause's deadline, so a
// paused process is resumed on time even when the agent is down (killed, crashed,
// restarted). At the deadline it re-reads /proc and sends SIGCONT only if the pid
// is still the same process (start time) and still stopped: a reused pid or a
// process someone already resumed is left alone.
//   node pause-watchdog-main.js [--launch] <token> <pid> <start_time> <deadline_ms>
// With --launch it starts the real watchdog (detached, its own session) and exits
// 0 once that one runs: the watchdog is then nobody's child, so stopping the
// agent's process tree cannot end it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { readPidStat } from '../../lib/procfs/pid.js';

if (process.argv[2] === '--launch') {
  const watchdog = spawn(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(3)], { detached: true, stdio: 'ignore', env: {} });
  const ok = await Promise.race([once(watchdog, 'spawn').then(() => true), once(watchdog, 'error').then(() => false)]);
  watchdog.unref();
  process.exit(ok ? 0 : 1);
}

const [, , token, pidArg, startArg, deadlineArg] = process.argv;
const pid = Number(pidArg);
const startTime = Number(startArg);
const deadline = Number(deadlineArg);
if (!token || !Number.isInteger(pid) || pid <= 1 || !Number.isFinite(startTime) || !Number.isFinite(deadline)) {
  process.stderr.write(`usage: pause-watchdog-main.js <token> <pid> <start_time> <deadline_ms>, got ${JSON.stringify(process.argv.slice(2)).slice(0, 200)}\n`);
  process.exit(2);
}
// Whatever ends the agent (its group's SIGTERM, SIGHUP of its session) is not our deadline.
for (const s of ['SIGHUP', 'SIGINT'] as const) process.on(s, () => undefined);
await sleep(Math.max(0, deadline - Date.now()));
const st = readPidStat(pid);
if (st && st.startTime === startTime && /^[Tt]$/.test(st.state)) process.kill(pid, 'SIGCONT');
