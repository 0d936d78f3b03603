// Numbered migrations, applied in order inside one transaction each; the applied
// number is kept in PRAGMA user_version. Never edit a released migration: add one.
import { sql as m001 } from './001_raw_tables.js';
import { sql as m002 } from './002_ingest_bookkeeping.js';
import { sql as m003 } from './003_signals.js';
import { sql as m004 } from './004_agent.js';
import { sql as m005 } from './005_histograms.js';
import { sql as m006 } from './006_incidents.js';

export interface Migration { readonly version: number; readonly name: string; readonly sql: string }

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'raw_tables', sql: m001 },
  { version: 2, name: 'ingest_bookkeeping', sql: m002 },
  { version: 3, name: 'signals', sql: m003 },
  { version: 4, name: 'agent', sql: m004 },
  { version: 5, name: 'histograms', sql: m005 },
  { version: 6, name: 'incidents', sql: m006 },
];
