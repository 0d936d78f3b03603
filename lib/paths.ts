// Absolute paths, so nothing depends on the directory a command was started from
// (the original's relative paths broke whenever it was not started from its root).
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root: this file is dist/lib/paths.js once compiled. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DB = path.join(ROOT, 'data', 'kernelsight.db');
export const DEFAULT_LOG_DIR = path.join(ROOT, 'logs', 'production');
export const TRACER_BIN_DIR = path.join(ROOT, 'tracers', 'build');
export const DIST = path.join(ROOT, 'dist');
/** The supervisor's dead-man switch, a C binary (supervisor/reaper/reaper.c). */
export const REAPER_BIN = path.join(ROOT, 'supervisor', 'reaper', 'build', 'reaper');
