// What ingest hands every stored event to (the semantic classifiers implement it).
// Called inside ingest's write transaction, on ingest's one writable connection,
// right after the batch's rows are inserted: an observer may write its own tables
// (signal_metadata, baseline_snapshots) through `db` and must not open another.
import type { Db } from '../lib/db.js';
import type { KsEvent } from '../lib/events.js';

export interface StoredEvent {
  readonly event: KsEvent;
  /** Raw table the event was stored in, and its row id (signals link back to it). */
  readonly table: string;
  readonly rowId: number;
}

export interface EventObserver {
  /** One committed-together batch of events, in arrival order. */
  observe(db: Db, batch: readonly StoredEvent[]): void;
  /** Periodic call (about once a second) even without events: closes stale signals. */
  tick(db: Db, nowS: number): void;
}
