// Start the dashboard inside the process that runs it (the exporter, so the
// readers share one Node runtime): listen, and stop cleanly.
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { chatModel } from '../chat/llm/from-env.js';
import { ChatSession } from '../chat/session.js';
import { providerFromEnv } from '../lib/llm/index.js';
import type { Db } from '../lib/db.js';
import { isLoopback, type ListenAddress } from '../lib/listen.js';
import type { Logger } from '../lib/logger.js';
import { loadToken } from '../lib/token.js';
import { webApp } from './app.js';

export interface WebOptions {
  readonly listen: ListenAddress;
  readonly dbFile: string;
  readonly tokenFile: string;
  readonly db: () => Db | undefined;
  readonly log: Logger;
}

export interface RunningWeb { readonly server: Server; close(): void }

export function startWeb(o: WebOptions): Promise<RunningWeb> {
  const token = loadToken(o.tokenFile, 'dashboard token');
  const operator = { dbFile: o.dbFile, log: o.log, overrides: {}, by: 'web' };
  let port = o.listen.port;
  // The Ask box answers as `npm run chat` does: the configured model, else the rules.
  const llm = providerFromEnv(process.env);
  const model = chatModel(llm, o.log);
  o.log.info(`dashboard Ask: ${model ? `model ${model.opts.model}` : `rules (${llm.off ?? 'no model'})`}`);
  const { app, feed } = webApp({
    db: o.db, dbFile: o.dbFile, log: o.log, operator,
    guard: { token, host: o.listen.host, loopback: isLoopback(o.listen.host), port: () => port },
    ask: async (q, signal) => {
      const db = o.db();
      if (!db) return 'The database cannot be opened yet.';
      return new ChatSession({ db, log: o.log, operator, model, rulesReason: llm.off }).answer(q, signal);
    },
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listen.port, o.listen.host, () => {
      server.off('error', reject);
      const a = server.address();
      if (a && typeof a === 'object') port = a.port;
      resolve({ server, close: () => { feed.close(); server.closeAllConnections(); server.close(); } });
    });
  });
}
