// `npm start`: one command runs the whole system under the supervisor
// (supervisor/README.md explains how it starts, restarts and stops things).
import { startMain } from './supervisor/start-cli.js';

startMain().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`kernelsight: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
