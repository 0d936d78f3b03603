// `npm run mcp`: a Model Context Protocol server for the assistants people
// already use (IDE agents, desktop assistants). stdio by default, the safest
// transport: the client starts this process and talks over its stdin/stdout.
// Read-only unless --allow-actions (mcp/server.ts). Logs go to the log file only:
// stdout carries the protocol.
//   npm run -s mcp                                     stdio
//   npm run -s mcp -- --allow-actions                  + propose_action / approve_action
//   npm run -s mcp -- --http 127.0.0.1:8765            Streamable HTTP on loopback, bearer token
import path from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { isLoopback, parseListen } from '../lib/listen.js';
import { cli } from '../lib/config.js';
import { openDatabase } from '../lib/db.js';
import { closeLogger, createLogger } from '../lib/logger.js';
import { serveHttp } from './http.js';
import { loadToken } from '../lib/token.js';
import { CallBudget } from './limits.js';
import { buildServer } from './server.js';

const VERSION = '0.1.0';

const argv = cli('mcp', 'Usage: $0 [--db FILE] [--allow-actions] [--http 127.0.0.1:PORT]\n\nAn MCP server over this host\'s KernelSight database: stdio by default.')
  .option('allow-actions', { type: 'boolean', default: false, describe: 'add propose_action (to the approval queue) and approve_action (destructive)' })
  .option('http', { type: 'string', describe: 'serve Streamable HTTP on this loopback HOST:PORT instead of stdio (bearer token required)' })
  .option('token-file', { type: 'string', describe: 'bearer token for --http (default: mcp.token next to the database, made 0600 at first start)' })
  .option('calls-per-minute', { type: 'number', default: 60, describe: 'tool calls allowed per minute (per session; shared over HTTP)' })
  .check((a) => {
    if (!(a['calls-per-minute'] >= 1)) throw new Error('--calls-per-minute must be >= 1');
    if (a.http !== undefined) {
      const l = parseListen(a.http);
      if (!isLoopback(l.host)) throw new Error(`--http must be a loopback address (127.0.0.1, ::1, localhost), got ${l.host}: the MCP server is not for the network`);
    }
    return true;
  })
  .parseSync();

const log = createLogger('mcp', { logDir: argv.logDir, level: argv.logLevel, console: false });
let db;
try {
  db = openDatabase(argv.db, { readonly: true, busyTimeoutMs: 2000 });
} catch (e) {
  process.stderr.write(`mcp: cannot open ${argv.db}: ${(e as Error).message}\n`);
  process.exit(1);
}
const budget = new CallBudget(argv.callsPerMinute);
const build = () => buildServer({ db: db!, dbFile: argv.db, log, allowActions: argv.allowActions, budget, callsPerMinute: argv.callsPerMinute, version: VERSION,
  anonymousClient: argv.http !== undefined ? 'an HTTP client (token holder)' : 'unknown client' });
const stop = async () => { db?.close(); await closeLogger(log); process.exit(0); };
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

if (argv.http !== undefined) {
  const l = parseListen(argv.http);
  const tokenFile = argv.tokenFile ?? path.join(path.dirname(argv.db), 'mcp.token');
  const token = loadToken(tokenFile, 'MCP token');
  const server = await serveHttp({ host: l.host, port: l.port, token, log, build });
  const port = (server.address() as { port: number }).port;
  log.info(`mcp listening on http://${l.host}:${port}/mcp`, { actions: argv.allowActions });
  process.stderr.write(`mcp: Streamable HTTP on http://${l.host.includes(':') ? `[${l.host}]` : l.host}:${port}/mcp; bearer token in ${tokenFile}${argv.allowActions ? '; acting tools on' : ''}\n`);
} else {
  const transport = new StdioServerTransport();
  transport.onclose = () => void stop();
  await build().connect(transport);
  log.info('mcp serving on stdio', { actions: argv.allowActions });
}
