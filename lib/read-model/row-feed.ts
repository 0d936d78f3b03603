// Rows added since the last look, for readers that count: each raw row holds one
// interval's amount (a rate times interval_s, a histogram's slots, one audit
// row), so a counter is the sum of the rows added since the reader started. A
// feed remembers the last row id it has read and returns only the rows after it:
// the database stays the one copy of the data, and the work per read is the new
// rows only. Counting starts at the first read that finds the table (for the
// exporter, a restart is a counter reset, as for any Prometheus exporter).
import { tableExists, type Db } from '../db.js';

type Row = Record<string, unknown>;

/** At most this many rows per scrape and table; the rest wait for the next scrape. */
const MAX_ROWS_PER_SCRAPE = 50_000;

export class RowFeed {
  private lastId: number | null = null;

  constructor(private readonly table: string, private readonly columns: string, private readonly idColumn = 'id') {}

  /** The rows added since the previous call (none on the first: that is where counting starts). */
  next(db: Db): Row[] {
    if (!tableExists(db, this.table)) return [];
    if (this.lastId === null) {
      const r = db.prepare(`SELECT COALESCE(MAX(${this.idColumn}), 0) AS id FROM ${this.table}`).get() as { id: number };
      this.lastId = r.id;
      return [];
    }
    const rows = db.prepare(`SELECT ${this.idColumn} AS _id, ${this.columns} FROM ${this.table} WHERE ${this.idColumn} > ? ORDER BY ${this.idColumn} LIMIT ${MAX_ROWS_PER_SCRAPE}`).all(this.lastId) as Row[];
    if (rows.length) this.lastId = Number(rows[rows.length - 1]!._id);
    return rows;
  }
}
