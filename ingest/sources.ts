// Which producer an event came from, for the `collectors` table. Lines arrive
// merged from every child, so the source is derived from the event itself.
import { EVENT_TYPES, type EventType, type KsEvent } from '../lib/events.js';
import { TRACER_ENTRIES } from '../lib/producers.js';

/** Event type -> the tracer binary that emits it (the producer registry); the rest come from the scraper. */
const TRACER_OF: Partial<Record<EventType, string>> = Object.fromEntries(
  TRACER_ENTRIES.flatMap((t) => t.events.filter((e) => e !== 'tracer_stats').map((e) => [e, t.binary])),
);

// Built once: sourceOf runs for every stored event.
const SOURCE_OF = new Map<string, string>(EVENT_TYPES.map((t) => [t, TRACER_OF[t] ?? `scraper.${t}`]));

export function sourceOf(ev: KsEvent): string {
  if (ev.type === 'tracer_stats') return ev.tracer;
  return SOURCE_OF.get(ev.type)!;
}

/** Best guess for a rejected line: its type field if it had one. */
export function sourceOfReject(type: string | undefined): string {
  if (type === undefined) return 'unknown';
  return TRACER_OF[type as EventType] ?? (/^[a-z_]{1,32}$/.test(type) ? `scraper.${type}` : 'unknown');
}
