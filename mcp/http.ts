// The optional Streamable HTTP transport, on loopback only. Every request needs
// the bearer token (generated at first start into a 0600 file next to the
// database) and a Host that is this loopback address; a browser's request from
// another origin is refused (DNS rebinding, cross-site requests). Stateless: each
// request gets its own server and transport; the call budget is shared.
import http from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { loopbackHosts } from '../lib/listen.js';
import { sameToken } from '../lib/token.js';
import type { Logger } from '../lib/logger.js';

const MAX_BODY = 1 << 20;

export function serveHttp(o: { host: string; port: number; token: string; log: Logger; build: () => McpServer }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const refuse = (code: number, why: string) => {
      o.log.warn(`http ${code}: ${why}`, { host: req.headers.host ?? '', origin: req.headers.origin ?? '' });
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: why }, id: null }));
    };
    const port = (server.address() as { port: number }).port;
    const hosts = loopbackHosts(o.host, port);
    if (!hosts.includes(req.headers.host ?? '')) return refuse(403, `Host ${JSON.stringify(req.headers.host ?? '')} is not this server's loopback address`);
    const origin = req.headers.origin;
    if (origin !== undefined && !hosts.map((h) => `http://${h}`).includes(origin)) return refuse(403, `requests from origin ${JSON.stringify(origin)} are refused`);
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7).trim(), o.token)) return refuse(401, 'missing or wrong bearer token (see the token file named at start)');
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') return refuse(404, 'the MCP endpoint is /mcp');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size > MAX_BODY) req.destroy(); else chunks.push(c); });
    req.on('end', () => {
      let body: unknown;
      try { body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined; } catch { return refuse(400, 'the body is not JSON'); }
      const mcp = o.build();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, enableDnsRebindingProtection: true, allowedHosts: hosts, allowedOrigins: hosts.map((h) => `http://${h}`) });
      res.on('close', () => { void transport.close(); void mcp.close(); });
      mcp.connect(transport).then(() => transport.handleRequest(req, res, body)).catch((e: Error) => {
        o.log.warn(`http request failed: ${e.message}`);
        if (!res.headersSent) refuse(500, 'internal error');
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => { server.off('error', reject); resolve(server); });
  });
}
