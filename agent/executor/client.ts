// The deciding loop's side of the executor's socket (server.ts): the same
// ActionPort as LocalPort, each call one request line and one reply line. The
// agent that holds this has no privilege of its own; whatever it asks for, the
// root executor checks again.
import fs from 'node:fs';
import net from 'node:net';
import type { Refusal } from '../actions/types.js';
import { LineSplitter } from '../../lib/line-splitter.js';
import type { ApprovalResult } from './approvals.js';
import type { BreakerState } from './circuit-breaker.js';
import type { ActionPort, ChainStatus, DeciderRefusal, ExecuteSummary } from './port.js';
import type { LookRequest, ProcessLook } from '../proc/look.js';
import type { ReversalResult } from './reversal.js';
import type { ExecContext, Proposal } from './types.js';
import type { VerifyResult } from './verify-change.js';
import { contextTo, MAX_REQUEST_BYTES, type Op, type Reply } from './wire.js';

/** Connect, refusing a socket that is not root's: a client running as root must not talk to an impostor. */
export async function connectExecutor(socket: string, timeoutMs = 5000): Promise<net.Socket> {
  const st = fs.lstatSync(socket, { throwIfNoEntry: false });
  if (!st) throw new Error(`no executor at ${socket} (is npm start running as root?)`);
  if (!st.isSocket() || st.uid !== 0) throw new Error(`${socket} is not the executor's (not a socket owned by root): not connecting`);
  return await new Promise<net.Socket>((resolve, reject) => {
    const c = net.connect(socket);
    const timer = setTimeout(() => { c.destroy(); reject(new Error(`executor at ${socket} did not answer within ${timeoutMs} ms`)); }, timeoutMs);
    c.once('connect', () => { clearTimeout(timer); c.off('error', reject); resolve(c); });
    c.once('error', (e) => { clearTimeout(timer); reject(new Error(`cannot reach the executor at ${socket}: ${e.message}`)); });
  });
}

export class RemotePort implements ActionPort {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed?: Error;

  private constructor(private readonly conn: net.Socket) {
    const splitter = new LineSplitter({
      line: (bytes) => {
        let r: Reply;
        try { r = JSON.parse(bytes.toString('utf8')) as Reply; } catch { return; }
        const w = this.waiting.get(r.id);
        if (!w) return;
        this.waiting.delete(r.id);
        if (r.ok) w.resolve(r.result); else w.reject(new Error(`executor: ${r.error}`));
      },
    }, MAX_REQUEST_BYTES * 8);
    conn.on('data', (chunk: Buffer) => splitter.push(chunk));
    const fail = (e: Error) => {
      this.closed = e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    conn.on('error', (e) => fail(new Error(`executor connection: ${e.message}`)));
    conn.on('close', () => fail(this.closed ?? new Error('the executor closed the connection')));
  }

  static async connect(socket: string): Promise<RemotePort> {
    return new RemotePort(await connectExecutor(socket));
  }

  private call<T>(op: Op, args: Record<string, unknown> = {}): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.conn.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  look(req: LookRequest): Promise<ProcessLook> { return this.call('look', { ...req }); }
  breakerState(): Promise<BreakerState> { return this.call('breaker'); }
  precheck(p: Proposal, ctx: ExecContext): Promise<Refusal | null> { return this.call('precheck', { proposal: p, ctx: contextTo(ctx) }); }
  refuse(r: DeciderRefusal): Promise<number> { return this.call('refuse', { refusal: r }); }
  execute(proposals: readonly Proposal[], ctx: ExecContext, maxActions: number): Promise<ExecuteSummary> {
    return this.call('execute', { proposals, ctx: contextTo(ctx), maxActions });
  }
  verify(ids: readonly number[], cycleId: number | null): Promise<VerifyResult[]> { return this.call('verify', { ids, cycleId }); }
  abandon(ids: readonly number[], reason: string, cycleId: number | null): Promise<void> { return this.call('abandon', { ids, reason, cycleId }); }
  expire(): Promise<ReversalResult[]> { return this.call('expire'); }
  restore(reason: string): Promise<ReversalResult[]> { return this.call('restore', { reason }); }
  reconcile(): Promise<ReversalResult[]> { return this.call('reconcile'); }
  approve(id: number, by: string): Promise<ApprovalResult> { return this.call('approve', { id, by }); }
  undo(id: number, by: string): Promise<ReversalResult> { return this.call('undo', { id, by }); }
  chain(): Promise<ChainStatus> { return this.call('chain'); }
  async close(): Promise<void> { this.conn.end(); }
}

