// Who may use the dashboard. On loopback anyone on this host may read (like the
// terminal tools); on any other address every API request needs the token. Every
// request that changes the host (approve, undo) needs the token and must come from
// the dashboard's own origin, and every POST must come from that origin: a page on
// another site can make a browser send requests here, but not read the token.
// A loopback server also checks the Host header, so a DNS name rebound to
// 127.0.0.1 cannot reach it.
import type { MiddlewareHandler } from 'hono';
import { loopbackHosts } from '../lib/listen.js';
import { sameToken } from '../lib/token.js';

export interface GuardOptions {
  readonly token: string;
  readonly host: string;
  readonly loopback: boolean;
  /** The port actually bound (known once listening). */
  readonly port: () => number;
}

export const TOKEN_HEADER = 'authorization';

const refuse = (status: 401 | 403, error: string) => new Response(JSON.stringify({ error }), { status, headers: { 'content-type': 'application/json' } });

export function hasToken(header: string | undefined, token: string): boolean {
  const h = header ?? '';
  return h.startsWith('Bearer ') && sameToken(h.slice(7).trim(), token);
}

export function guard(o: GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    const req = c.req;
    const host = req.header('host') ?? '';
    if (o.loopback && !loopbackHosts(o.host, o.port()).includes(host)) return refuse(403, `Host ${JSON.stringify(host)} is not this dashboard's loopback address`);
    const path = new URL(req.url).pathname;
    const api = path.startsWith('/api/');
    const changes = req.method !== 'GET' && req.method !== 'HEAD';
    if (changes) {
      const origin = req.header('origin');
      const site = req.header('sec-fetch-site');
      if (origin !== `http://${host}` || (site !== undefined && site !== 'same-origin')) {
        return refuse(403, `cross-origin request refused (Origin ${JSON.stringify(origin ?? null)}, expected http://${host})`);
      }
    }
    const authorised = hasToken(req.header(TOKEN_HEADER), o.token);
    // The page and its scripts carry no data: served to anyone who may reach the port.
    if (api && !authorised && (!o.loopback || path.startsWith('/api/actions/') && changes)) {
      return refuse(401, 'missing or wrong token: open the dashboard with the address npm start printed (it carries the token), or send Authorization: Bearer <token from the token file>');
    }
    await next();
  };
}
