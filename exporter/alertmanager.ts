// Alertmanager (v2 API): every open signal of medium severity or worse is an
// alert, and so is every action waiting for a person's approval (with the command
// that approves it). Alerts are re-derived from the database at every tick and
// re-sent, as Prometheus does: a firing alert carries endsAt a few intervals
// ahead, so if KernelSight stops, Alertmanager resolves it by itself; a signal
// that resolves is sent once more with endsAt = its resolution time. A receiver
// that is down costs nothing but retries with backoff: the next successful push
// carries the state of that moment (the firing alerts of a failed push count as
// dropped). Resolutions not yet delivered are kept (a bounded set) and counted as
// dropped only when evicted.
import type { Db } from '../lib/db.js';
import { RestartPolicy } from '../lib/backoff.js';
import { pendingApprovals } from '../lib/read-model/decisions.js';
import { openSignals, signalById } from '../lib/read-model/signals.js';
import { escapeUntrusted } from '../lib/sanitize.js';
import { atLeast } from '../lib/severity.js';
import type { ExportStats } from './export-stats.js';

export interface Alert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
}

export interface AlertmanagerOptions {
  /** Alertmanager's base URL, e.g. http://127.0.0.1:9093 */
  readonly url: string;
  /** The host label on every alert. */
  readonly host: string;
  readonly intervalMs: number;
  readonly timeoutMs?: number;
}

/** Resolutions kept for re-delivery while Alertmanager is down. */
const MAX_PENDING_RESOLVED = 1000;
const iso = (s: number) => new Date(s * 1000).toISOString();
const EXPORTER = 'alertmanager';

export class AlertmanagerNotifier {
  /** What is firing now, by key (signal:<id>, approval:<id>), as last sent. */
  private firing = new Map<string, Alert>();
  private readonly resolved = new Map<string, Alert>();
  private readonly backoff: RestartPolicy;
  private nextAttemptMs = 0;

  constructor(private readonly o: AlertmanagerOptions, private readonly stats: ExportStats, private readonly log: (msg: string) => void) {
    // Never give up; wait at most four intervals, so a receiver that is back hears the state soon.
    this.backoff = new RestartPolicy({ baseMs: o.intervalMs, maxMs: 4 * o.intervalMs, jitter: 0.2, maxFailures: Number.POSITIVE_INFINITY, windowMs: 60 * 60_000 });
    stats.enable(EXPORTER);
  }

  /** The alerts the database implies now. */
  current(db: Db, nowS: number): Map<string, Alert> {
    const endsAt = iso(nowS + (4 * this.o.intervalMs) / 1000);
    const out = new Map<string, Alert>();
    for (const s of openSignals(db, { limit: 500 })) {
      if (!atLeast(s.severity, 'medium')) continue;
      const entity = s.entity_type && s.entity_name ? `${s.entity_type}:${escapeUntrusted(s.entity_name, 64)}` : s.scope;
      out.set(`signal:${s.signal_id}`, {
        labels: { alertname: 'KernelSightSignal', host: this.o.host, signal_type: s.signal_type, severity: s.severity, entity, signal_id: String(s.signal_id) },
        annotations: { summary: escapeUntrusted(s.summary, 500), evidence: escapeUntrusted(s.context_json, 2000), pressure: String(s.pressure_score) },
        startsAt: iso(s.first_seen), endsAt,
      });
    }
    for (const a of pendingApprovals(db)) {
      const who = a.target_comm ? `${escapeUntrusted(a.target_comm, 40)} (pid ${a.target_pid})` : (a.target_ref ?? 'the host');
      out.set(`approval:${a.id}`, {
        labels: { alertname: 'KernelSightApprovalPending', host: this.o.host, action: a.action, action_id: String(a.id), severity: 'medium' },
        annotations: {
          summary: `the agent wants to run ${a.action} on ${who} and waits for a person's approval`,
          justification: escapeUntrusted(a.justification ?? '', 500),
          command: `npm run actions -- --approve ${a.id}   (or in npm run chat: /approve ${a.id})`,
        },
        startsAt: iso(a.ts), endsAt,
      });
    }
    return out;
  }

  /** One tick: work out what changed and push, unless backing off after a failure. */
  async tick(db: Db, nowMs = Date.now()): Promise<void> {
    const nowS = nowMs / 1000;
    const now = this.current(db, nowS);
    for (const [key, prev] of this.firing) {
      const cur = now.get(key);
      // Gone (resolved) or relabelled (severity changed): the old label set ends now.
      if (!cur || JSON.stringify(cur.labels) !== JSON.stringify(prev.labels)) {
        const at = key.startsWith('signal:') && !cur ? (signalById(db, Number(key.slice(7)))?.resolved_at ?? nowS) : nowS;
        this.resolved.set(`${key}@${prev.labels.severity}`, { ...prev, endsAt: iso(Math.min(at, nowS)) });
      }
    }
    this.firing = now;
    while (this.resolved.size > MAX_PENDING_RESOLVED) {
      this.resolved.delete(this.resolved.keys().next().value!);
      this.stats.drop(EXPORTER, 'resolved', 1);
    }
    if (nowMs < this.nextAttemptMs) return;
    // A signal that reopened with the same labels is firing again: its old end is moot.
    const live = new Set([...now.values()].map((a) => JSON.stringify(a.labels)));
    for (const [k, a] of this.resolved) if (live.has(JSON.stringify(a.labels))) this.resolved.delete(k);
    const batch = [...now.values(), ...this.resolved.values()];
    if (!batch.length) return;
    try {
      const res = await fetch(new URL('/api/v2/alerts', this.o.url), {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      this.stats.sentItems(EXPORTER, 'firing', now.size);
      this.stats.sentItems(EXPORTER, 'resolved', this.resolved.size);
      this.resolved.clear();
      this.backoff.reset();
      this.nextAttemptMs = 0;
    } catch (e) {
      this.stats.failure(EXPORTER);
      // The firing alerts of a failed push are not kept (the next push sends the
      // state of its own moment): dropped. Resolutions are kept for the next push.
      this.stats.drop(EXPORTER, 'firing', now.size);
      const d = this.backoff.failure(nowMs);
      this.nextAttemptMs = nowMs + (d.giveUp ? 4 * this.o.intervalMs : d.delayMs);
      this.log(`alertmanager ${this.o.url}: ${(e as Error).message}; retrying in ${Math.round((this.nextAttemptMs - nowMs) / 1000)} s`);
    }
  }
}
