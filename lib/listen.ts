// "host:port" for a listening socket: 127.0.0.1:9464, [::1]:9464, or :9464 (every address).
export interface ListenAddress { readonly host: string; readonly port: number }

export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/i.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new Error(`expected host:port (e.g. 127.0.0.1:9464 or [::1]:9464), got ${JSON.stringify(text)}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Whether an address is loopback only (what may listen without a token). */
export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

/**
 * The Host headers a loopback server answers to: its own address and the loopback
 * names. Anything else is a DNS name rebound to 127.0.0.1 by someone else's page.
 */
export function loopbackHosts(host: string, port: number): string[] {
  const named = host.includes(':') ? `[${host}]` : host;
  return [...new Set([`${named}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])];
}
