// What the supervisor runs: a list of components, each one process. The default
// list (components.ts) is the real system; tests pass fixtures instead.

/**
 * sink      ingest: its stdin receives every producer's stdout lines.
 * producer  tracers and the scraper: stdout is NDJSON, merged into the sink.
 * worker    the agent: stdout and stderr are only diagnostics.
 */
export type Role = 'sink' | 'producer' | 'worker';

export interface ComponentSpec {
  /** Status name and log name: logs/production/<name>.log. */
  readonly name: string;
  readonly role: Role;
  readonly command: string;
  readonly args: readonly string[];
  /** Extra environment for this child only (the API key goes to the agent alone). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Where stderr goes. 'own-log': <logDir>/<name>.log, size-bounded (C tracers,
   * which have no logger of their own). 'supervisor-log': supervisor.log with a
   * "[name]" prefix (TS children log to their own file; their stderr only holds
   * crash traces).
   */
  readonly stderr: 'own-log' | 'supervisor-log';
  /** What to tell the user when it exits 77/78 (default: generic advice per code). */
  readonly fixes?: Readonly<Partial<Record<77 | 78, string>>>;
  /** Run as this user (set by a root supervisor dropping privileges; supervisor/privileges.ts). Unset: as the supervisor. */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** When set, the component is not started and shows this reason (e.g. not built). */
  readonly missing?: { readonly reason: string; readonly fix: string };
}

/** Exit codes of the project convention (see the preamble of DESIGN.md). */
export const EXIT_NO_PERMISSION = 77;
export const EXIT_NO_KERNEL_FEATURE = 78;
