// The root executor's socket. Who may connect is decided by the file system: the
// socket is root:kernelsight 0660 in the data directory, so only root and the
// service group reach it (connect() from anyone else fails with EACCES). Each
// request is parsed by wire.ts, then handled by the LocalPort, one at a time
// across all connections (the executor acts on one thing at a time, in order).
// A request that cannot be parsed is answered with an error and audited.
import fs from 'node:fs';
import net from 'node:net';
import type { Logger } from 'winston';
import { LineSplitter } from '../../lib/line-splitter.js';
import type { LocalPort } from './port.js';
import { argInt, argInts, argIntOrNull, argStr, BadRequest, contextFrom, lookFrom, MAX_REQUEST_BYTES, parseRequest, proposalFrom, refusalFrom, type Reply, type Request } from './wire.js';

export interface ServeOptions {
  readonly socket: string;
  /** Group allowed to connect (the service user's); undefined: root only (0600). */
  readonly gid?: number;
  readonly log: Logger;
}

/** Outcomes travel without the action's code (handler): a plain copy of what the executor returned. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'handler' ? undefined : x)) ?? 'null');
}

async function handle(port: LocalPort, r: Request): Promise<unknown> {
  const a = r.args;
  switch (r.op) {
    case 'look': return port.look(lookFrom(a));
    case 'breaker': return port.breakerState();
    case 'precheck': return port.precheck(proposalFrom(a.proposal), contextFrom(a.ctx));
    case 'refuse': return port.refuse(refusalFrom(a.refusal));
    case 'execute': {
      if (!Array.isArray(a.proposals)) throw new BadRequest('proposals must be an array');
      const max = Math.min(argInt(a.maxActions, 'maxActions'), 10);
      return port.execute(a.proposals.slice(0, 20).map(proposalFrom), contextFrom(a.ctx), max);
    }
    case 'verify': return plain(await port.verify(argInts(a.ids, 'ids'), argIntOrNull(a.cycleId, 'cycleId')));
    case 'abandon': return port.abandon(argInts(a.ids, 'ids'), argStr(a.reason, 'reason', 200), argIntOrNull(a.cycleId, 'cycleId'));
    case 'expire': return port.expire();
    case 'restore': return port.restore(argStr(a.reason, 'reason', 200));
    case 'reconcile': return port.reconcile();
    case 'approve': return plain(await port.approve(argInt(a.id, 'id'), argStr(a.by, 'by', 40)));
    case 'undo': return port.undo(argInt(a.id, 'id'), argStr(a.by, 'by', 40));
    case 'chain': return port.chain();
  }
}

/** Remove what is at `file` (a socket left by a previous run, or anything planted there); root owns the directory's sticky bit. */
function clearPath(file: string): void {
  try { fs.unlinkSync(file); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
}

export async function serveExecutor(port: LocalPort, o: ServeOptions): Promise<net.Server> {
  if (Buffer.byteLength(o.socket) > 100) throw new Error(`socket path ${o.socket} is too long for a Unix socket (over 100 bytes): use a shorter --db path`);
  let queue: Promise<unknown> = Promise.resolve();
  const server = net.createServer((conn) => {
    const send = (reply: Reply) => { if (!conn.destroyed) conn.write(`${JSON.stringify(reply)}\n`); };
    const splitter = new LineSplitter({
      line: (bytes) => {
        const text = bytes.toString('utf8');
        queue = queue.then(async () => {
          let req: Request | undefined;
          try {
            req = parseRequest(text);
            send({ id: req.id, ok: true, result: (await handle(port, req)) ?? null });
          } catch (e) {
            const msg = (e as Error).message;
            if (e instanceof BadRequest) {
              // Audited: a request nobody could have sent by mistake through the client says something about the sender.
              await port.refuseRequest(req?.op ?? 'unparsed', msg).catch(() => undefined);
              o.log.warn(`executor: refused a bad request: ${msg}`);
            } else {
              o.log.error(`executor: ${req?.op ?? '?'} failed: ${msg}`);
            }
            send({ id: req?.id ?? -1, ok: false, error: msg });
          }
        });
      },
      tooLong: (_head, size) => {
        o.log.warn(`executor: a request of ${size} bytes was refused unread`);
        send({ id: -1, ok: false, error: `request over ${MAX_REQUEST_BYTES} bytes` });
        conn.destroy();
      },
    }, MAX_REQUEST_BYTES);
    conn.on('data', (chunk: Buffer) => splitter.push(chunk));
    conn.on('error', () => undefined);
  });
  clearPath(o.socket);
  const oldMask = process.umask(0o177); // the socket is born 0600: no window in which others may connect
  try {
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(o.socket, () => { server.off('error', reject); resolve(); }); });
  } finally {
    process.umask(oldMask);
  }
  if (o.gid !== undefined) {
    fs.chownSync(o.socket, 0, o.gid);
    fs.chmodSync(o.socket, 0o660);
  }
  return server;
}
