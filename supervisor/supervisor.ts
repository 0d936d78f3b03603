// runSupervisor: start the components in order, keep them running, show status,
// stop them in reverse order on SIGINT/SIGTERM/SIGHUP. start.ts builds the real
// component list; tests pass fixtures.
import fs from 'node:fs';
import path from 'node:path';
import { closeLogger, createLogger } from '../lib/logger.js';
import { REAPER_BIN } from '../lib/paths.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../lib/backoff.js';
import { SupervisedChild } from './child.js';
import type { ComponentSpec } from './component.js';
import { sleep } from './kill-tree.js';
import { DEFAULT_MERGER, LineMerger, type MergerOptions } from './line-merger.js';
import { Reaper } from './reaper.js';
import { stateFilePath } from '../lib/supervisor-state.js';
import { liveOwner, readTrustedState, removeState, unsafeStateDir, writeState } from './state-file.js';
import { killLeftovers } from './leftovers.js';
import { makeDir } from '../lib/private-files.js';
import { readBootId } from '../lib/procfs/boot-id.js';
import { StatusDb, type DbFigures } from './status-db.js';
import { StatusView } from './status.js';
import { stopAll } from './stop.js';
import { readPidStat } from '../lib/procfs/pid.js';

export interface SupervisorConfig {
  readonly components: readonly ComponentSpec[];
  readonly db: string;
  readonly logDir: string;
  readonly logLevel?: string;
  /** Environment for every child (no secrets; the agent's key is in its own spec). */
  readonly env: Readonly<Record<string, string>>;
  readonly out: NodeJS.WriteStream;
  readonly tty: boolean;
  readonly statusEveryMs?: number;
  readonly stopGraceMs?: number;
  readonly drainMs?: number;
  readonly backoff?: BackoffOptions;
  readonly merger?: MergerOptions;
  /** How long workers (agent) wait for the database file before they start anyway. */
  readonly waitForDbMs?: number;
}

export async function runSupervisor(cfg: SupervisorConfig): Promise<number> {
  makeDir(cfg.logDir);
  makeDir(path.dirname(cfg.db));
  const unsafe = unsafeStateDir(path.dirname(cfg.db));
  if (unsafe) {
    cfg.out.write(`cannot start: ${unsafe}\n`);
    return 1;
  }
  const log = createLogger('supervisor', { logDir: cfg.logDir, console: false, level: cfg.logLevel });
  const startedAt = Date.now();
  const stateFile = stateFilePath(cfg.db);
  const bootId = readBootId();

  const { state: previous, ignored } = readTrustedState(stateFile, bootId);
  if (ignored) log.warn(`ignoring ${stateFile}: ${ignored}; nothing it lists is signalled, and it is replaced`);
  const owner = liveOwner(previous);
  if (owner !== undefined) {
    cfg.out.write(`another supervisor (pid ${owner}) is running with ${cfg.db}; stop it first (kill ${owner})\n`);
    await closeLogger(log);
    return 1;
  }
  const cleaned = await killLeftovers(previous);
  if (cleaned.length) log.warn(`killed processes left by a previous supervisor that died: ${cleaned.join(', ')}`);

  const sink = cfg.components.find((c) => c.role === 'sink');
  if (sink?.missing) {
    cfg.out.write(`cannot start: ${sink.name} ${sink.missing.reason} — ${sink.missing.fix}\n`);
    await closeLogger(log);
    return 1;
  }

  const reaper = Reaper.start(path.join(cfg.logDir, 'supervisor.log'), cfg.db);
  if (!reaper) {
    log.warn(`reaper not built (${REAPER_BIN}): if this supervisor is SIGKILLed its children outlive it until the next start ` +
      `kills them; fix: make -C supervisor/reaper (npm start does it)`);
  }
  const merger = new LineMerger(cfg.merger ?? DEFAULT_MERGER);
  const statusDb = new StatusDb(cfg.db);
  let figures: DbFigures = {};
  let figuresAt = 0;
  // Read when the view needs them, at most every 2 s: the live view asks each
  // second, plain mode only once per status line, so an unwatched system does
  // not query its own database in the background.
  const dbFigures = (fresh = false): DbFigures => {
    if (fresh || Date.now() - figuresAt >= 2000) { figures = statusDb.read(); figuresAt = Date.now(); }
    return figures;
  };
  let exitCode = 0;
  let stopping: Promise<void> | undefined;

  const facts = () => ({
    children: children.map((c) => c.snapshot()),
    db: dbFigures(),
    dropped: Object.values(merger.stats()).reduce((n, s) => n + s.droppedQueueFull + s.droppedTooLong + s.droppedPartial, 0),
    startedAt,
    dbPath: cfg.db,
    now: Date.now(),
  });
  const view = new StatusView(cfg.out, facts, { tty: cfg.tty, plainEveryMs: cfg.statusEveryMs ?? 30_000 });
  const saveState = (): void =>
    writeState(stateFile, {
      bootId, pid: process.pid, pidStart: readPidStat(process.pid)?.startTime ?? 0, startedAt, updatedAt: Date.now(),
      db: cfg.db, logDir: cfg.logDir, reaperPid: reaper?.pid, components: children.map((c) => c.snapshot()),
    });

  const children: SupervisedChild[] = cfg.components.map(
    (spec) =>
      new SupervisedChild(spec, {
        log, merger, logDir: cfg.logDir, backoff: cfg.backoff ?? DEFAULT_BACKOFF, env: cfg.env, reaper,
        onChange: (child, note) => {
          const bad = child.state === 'failed' || child.state === 'unavailable' || child.state === 'backoff';
          log.log(bad ? 'warn' : 'info', note, child.fix && bad ? { fix: child.fix } : undefined);
          view.note(child.state === 'unavailable' || child.state === 'failed' ? `${note} — fix: ${child.fix}` : note);
          saveState();
          if (child.spec.role === 'sink' && child.state === 'failed' && !stopping) {
            exitCode = 1;
            void stop(`${child.name} failed for good; nothing can be stored, stopping (exit 1)`);
          }
        },
      }),
  );

  const dropReport = reportDrops(merger, log);
  const timers = [setInterval(() => dropReport(), 10_000)];
  for (const t of timers) t.unref();

  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const stop = (why: string): Promise<void> => {
    if (stopping) return stopping;
    log.info(why);
    view.note(why);
    stopping = (async () => {
      await stopAll(children, merger, { graceMs: cfg.stopGraceMs ?? 5000, drainMs: cfg.drainMs ?? 15_000 });
      done();
    })();
    return stopping;
  };
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) void stop(`${sig} received: stopping (ingest drains last)`);
    else view.note(`${sig} again: still stopping; children that do not exit are killed after the timeout`);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);

  log.info(`supervisor started (pid ${process.pid}), db ${cfg.db}, logs ${cfg.logDir}, components: ${cfg.components.map((c) => c.name).join(' ')}`);
  view.start();
  saveState();

  // Start order: sink, producers, workers.
  for (const c of children.filter((c) => c.spec.role === 'sink')) c.start();
  for (const c of children.filter((c) => c.spec.role === 'producer')) if (!stopping) c.start();
  const dbDeadline = Date.now() + (cfg.waitForDbMs ?? 10_000);
  while (!stopping && !fs.existsSync(cfg.db) && Date.now() < dbDeadline) await sleep(100);
  for (const c of children.filter((c) => c.spec.role === 'worker')) if (!stopping) c.start();
  // A first reading now, so the first status line already has an events/s rate.
  dbFigures();

  await finished;
  for (const t of timers) clearInterval(t);
  dropReport(true);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, onSignal);
  dbFigures(true); // the final status line shows the last figures
  statusDb.close();
  view.stop();
  await reaper?.quit();
  removeState(stateFile);
  log.info(`supervisor stopped, exit ${exitCode}`);
  await closeLogger(log);
  return exitCode;
}

/**
 * Log drops when they grow, once per period, so a flood of drops is one line;
 * the final call (at stop) logs the totals of every source that dropped any.
 */
function reportDrops(merger: LineMerger, log: ReturnType<typeof createLogger>): (final?: boolean) => void {
  const seen = new Map<string, number>();
  return (final = false) => {
    for (const [name, s] of Object.entries(merger.stats())) {
      const total = s.droppedQueueFull + s.droppedTooLong + s.droppedPartial;
      if (total === (seen.get(name) ?? 0) && !(final && total > 0)) continue;
      seen.set(name, total);
      log.warn(`dropped lines from ${name}: ${s.droppedQueueFull} queue full (ingest behind), ${s.droppedTooLong} too long, ${s.droppedPartial} unterminated at exit; ${s.lines} forwarded`);
    }
  };
}
