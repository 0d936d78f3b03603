// What a classifier hands the signal store: an observation of one condition (one
// dedup key) at one instant, and, while the condition holds, the signal it implies.
import type { Severity } from './severity.js';

export type Category = 'symptom' | 'context' | 'baseline';
export type Scope = 'system' | 'process' | 'device' | 'interface';

/** Who the signal is about. Process ids are `<pid>:<start_time>` (see proc.ts). */
export interface Entity {
  readonly type: Scope;
  readonly id: string;
  readonly name: string;
}

export interface SignalDraft {
  readonly category: Category;
  readonly type: string;
  readonly scope: Scope;
  readonly label: string;
  readonly severity: Severity;
  readonly score: number; // pressure_score, 0..1
  readonly summary: string;
  readonly patterns: readonly string[];
  readonly hints: readonly string[];
  readonly entity: Entity;
  /** The numbers behind the decision; the store adds opened_at and first_source. */
  readonly context: Record<string, unknown>;
  /** The raw row this evidence came from. */
  readonly source: { readonly table: string; readonly id: number };
}

/**
 * Duration gates. A condition opens after `enterSamples` consecutive `enter`
 * observations spanning at least `enterSeconds`; an open one resolves after
 * `exitSamples` consecutive `exit` observations, or when no observation has
 * shown it (enter/hold) for `staleS` seconds.
 */
export interface Gate {
  readonly enterSamples: number;
  readonly enterSeconds?: number;
  readonly exitSamples: number;
  readonly staleS: number;
}

/**
 * enter: above the enter threshold. hold: between exit and enter thresholds
 * (keeps an open signal open, never opens one). exit: below the exit threshold.
 */
export type Level = 'enter' | 'hold' | 'exit';

export interface Observation {
  readonly key: string;
  readonly ts: number;
  readonly level: Level;
  readonly gate: Gate;
  /** Required for enter and hold. */
  readonly draft?: SignalDraft;
}

/** dedup_key: `<type>|<scope>|<entity id>` plus an optional qualifier. */
export function dedupKey(type: string, entity: Entity, qualifier?: string): string {
  return qualifier ? `${type}|${entity.type}|${entity.id}|${qualifier}` : `${type}|${entity.type}|${entity.id}`;
}

export const HOST: Entity = { type: 'system', id: 'host', name: 'host' };
export const device = (dev: string): Entity => ({ type: 'device', id: dev, name: dev });
export const iface = (name: string): Entity => ({ type: 'interface', id: name, name });

/** A classifier turns one stored event into zero or more observations. */
export interface Classifier {
  readonly name: string;
  classify(stored: import('../observer.js').StoredEvent): readonly Observation[];
}
