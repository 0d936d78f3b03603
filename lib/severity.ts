// Severity levels and their one ranking, shared by the classifiers (which assign
// them), the agent (which weighs them) and every reader that sorts signals.
export const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** 0 (none) .. 4 (critical); a string that is no severity ranks below none. */
export const rank = (s: string): number => SEVERITIES.indexOf(s as Severity);
export const maxSeverity = (...s: Severity[]): Severity =>
  s.reduce((a, b) => (rank(b) > rank(a) ? b : a), 'none');
/** maxSeverity of two, without an argument list (the signal store calls it for every update). */
export const higher = (a: Severity, b: Severity): Severity => (rank(b) > rank(a) ? b : a);
export const atLeast = (s: string, floor: Severity): boolean => rank(s) >= rank(floor);
export const capSeverity = (s: Severity, cap: Severity): Severity => (rank(s) > rank(cap) ? cap : s);
/** For sort(): most severe first. */
export const bySeverityDesc = (a: { severity: string }, b: { severity: string }): number => rank(b.severity) - rank(a.severity);
