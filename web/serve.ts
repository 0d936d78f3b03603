// Start the dashboard inside the process that runs it (with the exporter, in the
// agent's process under `npm start`): listen, load the app at the first request,
// and stop cleanly.
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Db } from '../lib/db.js';
import { isLoopback, type ListenAddress } from '../lib/listen.js';
import type { Logger } from '../lib/logger.js';
import { loadToken } from '../lib/token.js';

export interface WebOptions {
  readonly listen: ListenAddress;
  readonly dbFile: string;
  readonly tokenFile: string;
  readonly db: () => Db | undefined;
  readonly log: Logger;
}

export interface RunningWeb { readonly server: Server; close(): void }

type App = Awaited<ReturnType<typeof loadApp>>;

/**
 * The routes, the pages, and chat's answer for Ask: loaded at the first request,
 * so a dashboard nobody opens costs its listening socket and little else (the
 * footprint is measured with nobody looking).
 */
async function loadApp(o: WebOptions, token: string, port: () => number) {
  const [{ webApp }, { ChatSession }, { chatModel }, { providerFromEnv }] = await Promise.all([
    import('./app.js'), import('../chat/session.js'), import('../chat/llm/from-env.js'), import('../lib/llm/index.js')]);
  const operator = { dbFile: o.dbFile, log: o.log, overrides: {}, by: 'web' };
  // The Ask box answers as `npm run chat` does: the configured model, else the rules.
  const llm = providerFromEnv(process.env);
  const model = chatModel(llm, o.log);
  o.log.info(`dashboard Ask: ${model ? `model ${model.opts.model}` : `rules (${llm.off ?? 'no model'})`}`);
  return webApp({
    db: o.db, dbFile: o.dbFile, log: o.log, operator,
    guard: { token, host: o.listen.host, loopback: isLoopback(o.listen.host), port },
    ask: async (q, signal) => {
      const db = o.db();
      if (!db) return 'The database cannot be opened yet.';
      return new ChatSession({ db, log: o.log, operator, model, rulesReason: llm.off }).answer(q, signal);
    },
  });
}

export function startWeb(o: WebOptions): Promise<RunningWeb> {
  const token = loadToken(o.tokenFile, 'dashboard token');
  let port = o.listen.port;
  let app: Promise<App> | undefined;
  const load = (): Promise<App> => (app ??= loadApp(o, token, () => port).catch((e: Error) => {
    app = undefined; // the next request tries again
    o.log.error(`the dashboard could not load: ${e.message}`);
    throw e;
  }));
  const server = createAdaptorServer({ fetch: async (req: Request) => (await load()).app.fetch(req) }) as Server;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listen.port, o.listen.host, () => {
      server.off('error', reject);
      const a = server.address();
      if (a && typeof a === 'object') port = a.port;
      resolve({
        server,
        close: () => { void app?.then((x) => x.feed.close()); server.closeAllConnections(); server.close(); },
      });
    });
  });
}
