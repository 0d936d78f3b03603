// Live updates by Server-Sent Events: one poll of the database every few seconds
// while anyone is connected (not one per browser tab), and an event to every
// client when something a page shows has changed: a new sample, a signal opened
// or resolved, an agent cycle or decision. The page then refetches what it shows.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { tableExists, type Db } from '../lib/db.js';

export interface Version { readonly sample: number; readonly signals: number; readonly open: number; readonly actions: number; readonly cycles: number }

function max(db: Db, table: string, col: string): number {
  if (!tableExists(db, table)) return 0;
  return (db.prepare(`SELECT MAX(${col}) AS v FROM ${table}`).get() as { v: number | null }).v ?? 0;
}

export function versionOf(db: Db): Version {
  return {
    sample: max(db, 'cpu_metrics', 'id'),
    signals: max(db, 'signal_metadata', 'signal_id'),
    open: tableExists(db, 'signal_metadata') ? (db.prepare("SELECT COUNT(*) AS n FROM signal_metadata WHERE status = 'open'").get() as { n: number }).n : 0,
    actions: max(db, 'agent_actions', 'id'),
    cycles: max(db, 'agent_cycles', 'id'),
  };
}

type Listener = (v: Version) => void;

export class ChangeFeed {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private last = '';

  constructor(private readonly db: () => Db | undefined, private readonly everyMs = 2000) {}

  get clients(): number { return this.listeners.size; }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    this.timer ??= setInterval(() => this.poll(), this.everyMs);
    return () => {
      this.listeners.delete(l);
      if (this.listeners.size === 0 && this.timer) { clearInterval(this.timer); this.timer = undefined; this.last = ''; }
    };
  }

  private poll(): void {
    const db = this.db();
    if (!db) return;
    let v: Version;
    try { v = versionOf(db); } catch { return; } // a busy database: the next poll
    const key = JSON.stringify(v);
    if (key === this.last) return;
    this.last = key;
    for (const l of this.listeners) l(v);
  }

  close(): void { if (this.timer) clearInterval(this.timer); this.listeners.clear(); }
}

/** GET /api/events: a `change` event with the new version, and a comment every 15 s to keep proxies from closing it. */
export function eventStream(c: Context, feed: ChangeFeed, db: () => Db | undefined) {
  return streamSSE(c, async (stream) => {
    const d = db();
    if (d) await stream.writeSSE({ event: 'change', data: JSON.stringify(versionOf(d)) });
    await new Promise<void>((resolve) => {
      const unsubscribe = feed.subscribe((v) => { void stream.writeSSE({ event: 'change', data: JSON.stringify(v) }); });
      const ping = setInterval(() => { void stream.write(': ping\n\n'); }, 15_000);
      stream.onAbort(() => { clearInterval(ping); unsubscribe(); resolve(); });
    });
  });
}
