// `npm run doctor`: prints one line per check; exits 1 if any check FAILs.
import { cli } from '../lib/config.js';
import { formatCheck, pingModel, runChecks } from './doctor.js';

const args = cli('doctor', 'Usage: npm run doctor -- [--db PATH] [--log-dir DIR] [--ping-model]\n\nChecks that KernelSight can run fully on this machine.')
  .option('ping-model', { type: 'boolean', default: false, describe: 'send one tiny request to the configured model provider and report whether it answers' })
  .parseSync();
const checks = runChecks({ db: args.db, logDir: args.logDir });
if (args.pingModel) checks.push(await pingModel(process.env));
for (const c of checks) process.stdout.write(`${formatCheck(c)}\n`);
const failed = checks.filter((c) => c.status === 'fail').length;
const warned = checks.filter((c) => c.status === 'warn').length;
process.stdout.write(failed ? `\n${failed} problem(s) to fix, ${warned} warning(s).\n` : `\nready${warned ? ` (${warned} warning(s): runs degraded there)` : ''}.\n`);
process.exit(failed ? 1 : 0);
