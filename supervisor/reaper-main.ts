// The reaper process (see reaper.ts). Plain node, no dependencies, so it starts
// fast and has nothing to fail on.
import fs from 'node:fs';
import { groupAlive, signalGroup, sleep } from './kill-tree.js';
import { procInfo } from './procfs.js';

interface Group {
  readonly pgid: number;
  readonly start: number;
  readonly tier: number;
}

const args = process.argv.slice(2);
const logFile = args[args.indexOf('--log') + 1];
const groups = new Map<number, Group>();
let quit = false;

// Ctrl-C, a terminal hang-up or a stray SIGTERM must not remove the safety net;
// the reaper ends on its own once the supervisor's pipe closes.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});

function note(text: string): void {
  try {
    fs.appendFileSync(logFile, `${new Date().toISOString()} WARN  [supervisor] reaper: ${text}\n`);
  } catch {
    // nowhere to report; keep reaping
  }
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  let nl: number;
  while ((nl = buffered.indexOf('\n')) !== -1) {
    const [cmd, a, b, c] = buffered.slice(0, nl).split(' ');
    buffered = buffered.slice(nl + 1);
    if (cmd === 'add') groups.set(Number(a), { pgid: Number(a), start: Number(b), tier: Number(c) });
    else if (cmd === 'del') groups.delete(Number(a));
    else if (cmd === 'quit') quit = true;
  }
});
process.stdin.on('end', () => void finish());
process.stdin.on('error', () => void finish());

/** A group is still ours if its leader is the process we registered, or gone (members left). */
function ours(g: Group): boolean {
  const leader = procInfo(g.pgid);
  return (!leader || leader.start === g.start || leader.pgid !== g.pgid) && groupAlive(g.pgid);
}

async function stopTier(list: Group[], graceMs: number): Promise<void> {
  const live = list.filter(ours);
  for (const g of live) signalGroup(g.pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && live.some((g) => groupAlive(g.pgid))) await sleep(100);
}

async function finish(): Promise<void> {
  const left = [...groups.values()];
  if (quit || left.length === 0) process.exit(0);
  note(`supervisor is gone; stopping ${left.length} process group(s) it left: ${left.map((g) => g.pgid).join(' ')}`);
  await stopTier(left.filter((g) => g.tier < 2), 5000);
  // Ingest got EOF on stdin when the supervisor died and is flushing; give it time.
  await stopTier(left.filter((g) => g.tier >= 2), 10_000);
  for (const g of left) if (ours(g)) signalGroup(g.pgid, 'SIGKILL');
  process.exit(0);
}
