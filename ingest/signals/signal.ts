// What a classifier hands the signal store: an observation of one condition (one
// dedup key) at one instant, and, while the condition holds, the signal it implies.
import type { EventType } from '../../lib/events.js';
import { type Severity } from '../../lib/severity.js';

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

/**
 * An observation whose draft is built only when the store writes it. Most samples
 * change nothing (an exit with no open row, or one of many updates to the same
 * row within a batch, of which only the last is written), and building a draft
 * (summary text, context, top processes) costs far more than judging the level.
 * `build` must read only the event, values captured now, or HostState (which
 * does not change while a batch is classified). A draft that reads HostState is
 * built at the end of its batch even when the row's write is deferred; one built
 * only from captured values (`readsHost` false) waits until it is written.
 */
export class LazyObservation implements Observation {
  private built?: SignalDraft;

  constructor(readonly key: string, readonly ts: number, readonly level: Level, readonly gate: Gate,
    /** The draft's severity, known before it is built (the store tracks the peak). */
    readonly severity: Severity, private readonly build: () => SignalDraft, readonly readsHost = true) {}

  get draft(): SignalDraft {
    return (this.built ??= { ...this.build(), severity: this.severity });
  }
}

/** Whether the observation carries a draft, without building a lazy one. */
export const hasDraft = (o: Observation): boolean => o instanceof LazyObservation || o.draft !== undefined;

/** A draft that can be built later without changing it: it reads no HostState. */
export const draftKeeps = (o: Pick<Observation, 'draft'>): boolean => o instanceof LazyObservation && !o.readsHost;

/** The severity of an observation's draft (which must exist), without building a lazy one. */
export const draftSeverity = (o: Observation): Severity => (o instanceof LazyObservation ? o.severity : o.draft!.severity);

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
  /** The event types it can observe anything in: the engine hands it no others. */
  readonly types: readonly EventType[];
  classify(stored: import('../observer.js').StoredEvent): readonly Observation[];
}

/** "Nothing observed": shared, so the many events a classifier ignores allocate nothing. */
export const NONE: readonly Observation[] = Object.freeze([]);
