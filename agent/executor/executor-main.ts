// The privileged executor (`npm start` as root runs it; the agent then runs as the
// kernelsight user and acts only through this process's socket). The one
// component that keeps root: no network, no model SDK, nothing parsed but JSON
// lines (wire.ts). It applies the policy given on its own command line, whatever
// a request says; carries out rollback, undo, restore and reconciliation; reverses
// what has run its time (a pause) even while the agent is down.
// SIGTERM/SIGINT: stop taking requests, roll back what is applied but unverified, exit 0.
import fs from 'node:fs';
import { cli } from '../../lib/config.js';
import { openDatabase } from '../../lib/db.js';
import { closeLogger, createLogger } from '../../lib/logger.js';
import { serviceUser } from '../../lib/service-user.js';
import { databaseFor } from '../../lib/shared-data.js';
import { detectController, detectCpuCgroup, sweepOrphanChildren } from '../actions/cgroup.js';
import { policyOf, withPolicyFlags } from './flags.js';
import { writePolicy } from './policy.js';
import { LocalPort } from './port.js';
import { serveExecutor } from './server.js';
import { executorSocket } from './wire.js';

const argv = withPolicyFlags(cli('executor', 'Usage: $0 --db FILE [--socket PATH] [policy flags]'))
  .option('socket', { type: 'string', describe: 'Unix socket to serve (default: executor.sock beside the database)' })
  // Tests of an action's mechanics act on idle processes (ExecutorConfig.actWithoutVictim).
  .option('act-without-victim', { type: 'boolean', default: false, hidden: true })
  .parseSync();

const log = createLogger('executor', { logDir: argv.logDir, level: argv.logLevel });
const fail = async (code: number, msg: string): Promise<never> => { log.error(msg); process.stderr.write(`executor: ${msg}\n`); await closeLogger(log); process.exit(code); };

if (process.getuid?.() !== 0) await fail(77, 'the executor changes priorities, cgroups and sysctls: it runs as root (npm start as root starts it)');
let cfg;
try { cfg = policyOf(argv); } catch (e) { await fail(2, (e as Error).message); }
const config = argv.actWithoutVictim ? { ...cfg!, actWithoutVictim: true } : cfg!;
const socket = argv.socket ?? executorSocket(argv.db);
const user = serviceUser();
// Started before the unprivileged components (its own systemd unit): the database it
// may create here must still be theirs to write.
if (user) databaseFor(argv.db, user);
const db = openDatabase(argv.db);
writePolicy(argv.db, config, 'executor');
const port = new LocalPort(db, config, log);

if (!config.dryRun) {
  // A previous run killed between EXECUTE and VERIFY left changes nobody judged.
  const rec = await port.reconcile();
  if (rec.length > 0) log.info(`reconciled ${rec.length} unverified changes from a previous run`, { results: rec.map((r) => `#${r.auditId} ${r.status}: ${r.note}`) });
  const swept = sweepOrphanChildren([detectCpuCgroup(), detectController('io', 'blkio')]);
  if (swept.length > 0) log.info(`removed ${swept.length} empty cgroups of ours whose process is gone`, { dirs: swept });
}

let server;
try {
  server = await serveExecutor(port, { socket, gid: user?.gid, log });
} catch (e) {
  db.close();
  await fail(1, `cannot serve ${socket}: ${(e as Error).message}`);
}
log.info(`executor started: ${config.dryRun ? 'DRY-RUN' : 'live'}, socket ${socket} (${user ? `group ${user.name}` : 'root only'})`, { deny: config.denyList, scope_pid: config.scopePid });

// Deadlines (a pause's duration) are kept here, so they hold while the agent is down.
const expiry = setInterval(() => { port.expire().catch((e: Error) => log.warn(`expiring changes: ${e.message}`)); }, 10_000);

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log.info(`${sig}: stopping`);
    clearInterval(expiry);
    server!.close();
    void (async () => {
      await port.abandonAll('executor stopping before verification');
      try { fs.unlinkSync(socket); } catch { /* gone */ }
      db.close();
      log.info('executor stopped');
      await closeLogger(log);
      process.exit(0);
    })();
  });
}
