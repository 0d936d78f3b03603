// The pause watchdog: a tiny detached process that owns a pause's deadline, so a
// paused process is resumed on time even when the agent is down (killed, crashed,
// restarted). At the deadline it re-reads /proc and sends SIGCONT only if the pid
// is still the same process (start time) and still stopped: a reused pid or a
// process someone already resumed is left alone.
//   node pause-watchdog-main.js <token> <pid> <start_time> <deadline_ms>
import { setTimeout as sleep } from 'node:timers/promises';
import { readPidStat } from '../../lib/procfs/pid.js';

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
