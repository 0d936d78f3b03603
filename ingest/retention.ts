// Prunes old rows in small batches so ingestion never stalls behind one huge
// DELETE: each step deletes at most `batchRows` rows of one table in its own short
// transaction, and the caller yields to the event loop between steps.
import { writeTx, type Db } from '../lib/db.js';
import { EVENT_SPECS } from '../lib/events.js';

export interface RetentionPolicy {
  /** Raw event tables and quarantine. */
  readonly rawMaxAgeS: number;
  /** Resolved signals (open ones are never pruned). */
  readonly signalMaxAgeS: number;
  readonly batchRows: number;
}

interface Target { table: string; where: string; maxAgeS: number }

export class Retention {
  private readonly targets: Target[];

  constructor(private readonly db: Db, private readonly policy: RetentionPolicy) {
    this.targets = [
      ...Object.values(EVENT_SPECS).map((s) => ({ table: s.table, where: 'timestamp < ?', maxAgeS: policy.rawMaxAgeS })),
      { table: 'quarantine', where: 'timestamp < ?', maxAgeS: policy.rawMaxAgeS },
      { table: 'signal_metadata', where: "status = 'resolved' AND last_seen < ?", maxAgeS: policy.signalMaxAgeS },
      // Incident stories outlive their raw rows, as long as resolved signals do.
      { table: 'incidents', where: 'end_s < ?', maxAgeS: policy.signalMaxAgeS },
    ];
  }

  /**
   * One pass over every table; `yieldFn` runs between batches (await a macrotask
   * so incoming lines keep flowing). Returns rows deleted per table.
   */
  async run(nowS: number, yieldFn: () => Promise<void>): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const t of this.targets) {
      const stmt = this.db.prepare(
        `DELETE FROM ${t.table} WHERE rowid IN (SELECT rowid FROM ${t.table} WHERE ${t.where} LIMIT ${this.policy.batchRows})`);
      const cutoff = nowS - t.maxAgeS;
      for (;;) {
        const n = writeTx(this.db, () => stmt.run(cutoff).changes);
        if (n > 0) deleted[t.table] = (deleted[t.table] ?? 0) + n;
        if (n < this.policy.batchRows) break;
        await yieldFn();
      }
    }
    if (Object.keys(deleted).length) {
      // Give freed pages back to the file system (auto_vacuum=INCREMENTAL) and cap the WAL.
      this.db.pragma('incremental_vacuum(2000)');
      this.db.pragma('wal_checkpoint(PASSIVE)');
    }
    return deleted;
  }
}
