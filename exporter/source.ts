// What every group of families shares: a refresh once per scrape (read the new
// rows into the running sums) and the families that read from it.
import type { Db } from '../lib/db.js';
import type { FamilyDef } from './family.js';

export interface MetricSource {
  /** Called once per scrape, before any family collects, with the open database. */
  refresh(db: Db): void;
  readonly families: readonly FamilyDef[];
}
