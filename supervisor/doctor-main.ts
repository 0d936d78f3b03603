// `npm run doctor`: prints one line per check; exits 1 if any check FAILs.
import { cli } from '../lib/config.js';
import { formatCheck, runChecks } from './doctor.js';

const args = cli('doctor', 'Usage: npm run doctor -- [--db PATH] [--log-dir DIR]\n\nChecks that KernelSight can run fully on this machine.').parseSync();
const checks = runChecks({ db: args.db, logDir: args.logDir });
for (const c of checks) process.stdout.write(`${formatCheck(c)}\n`);
const failed = checks.filter((c) => c.status === 'fail').length;
const warned = checks.filter((c) => c.status === 'warn').length;
process.stdout.write(failed ? `\n${failed} problem(s) to fix, ${warned} warning(s).\n` : `\nready${warned ? ` (${warned} warning(s): runs degraded there)` : ''}.\n`);
process.exit(failed ? 1 : 0);
