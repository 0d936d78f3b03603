// related_signals: one signal in full (its numbers, patterns and hints) and the
// signals that overlapped it in time or concern the same process / device, which
// is how a symptom is tied to its likely cause.
import { evidenceOf, overlapS, relatedSignals as relatedRows, signalById } from '../../lib/read-model/signals.js';
import { escapeUntrusted } from '../../lib/sanitize.js';
import { isoLocal } from '../../lib/time.js';
import { viewSignal } from './signal-view.js';
import { intArg, ToolArgError, type ChatTool } from './types.js';

const SLACK_S = 300;

/** Context numbers only, strings escaped, nested values capped: it came from the host. */
function contextOf(ctx: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx).slice(0, 30)) {
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
    else out[k] = escapeUntrusted(JSON.stringify(v) ?? '', 600);
  }
  return out;
}

export const relatedSignals: ChatTool = {
  name: 'related_signals',
  description: 'Details of one signal (context numbers, patterns, hints) and the signals that overlapped it in time (±5 min) or concern the same entity.',
  params: { signal_id: { type: 'integer', description: 'the signal id', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
  required: ['signal_id'],
  async run(ctx, args) {
    const id = intArg(args, 'signal_id', 0, 0, Number.MAX_SAFE_INTEGER);
    const base = signalById(ctx.db, id);
    if (!base) throw new ToolArgError(`no signal with id ${id}`);
    const related = relatedRows(ctx.db, base, SLACK_S).map((r) => ({
      ...viewSignal(r),
      relation: base.entity_type !== 'system' && r.entity_id === base.entity_id && r.entity_type === base.entity_type ? 'same_entity' : 'overlapping_time',
      overlap_s: Math.round(overlapS(base.first_seen, base.last_seen, r.first_seen, r.last_seen)),
    }));
    const evidence = evidenceOf(base);
    return {
      signal: {
        ...viewSignal(base),
        patterns: evidence.patterns.slice(0, 10).map((p) => escapeUntrusted(String(p), 100)),
        hints: evidence.hints.slice(0, 10).map((p) => escapeUntrusted(String(p), 200)),
        context: contextOf(evidence.context),
      },
      window: `${isoLocal(base.first_seen - SLACK_S)} .. ${isoLocal(base.last_seen + SLACK_S)}`,
      related,
    };
  },
};
