// open_signals, recent_signals: what the classifiers currently see as wrong, and
// what they saw recently (including conditions that have since resolved).
import { openCounts, openSignals as openSignalRows, recentSignals as recentSignalRows } from '../../lib/read-model/signals.js';
import { viewSignal } from './signal-view.js';
import { intArg, type ChatTool } from './types.js';

export const openSignals: ChatTool = {
  name: 'open_signals',
  description: 'Conditions that are open now (not resolved), most severe first: id, type, severity, entity, summary with the numbers, first/last seen.',
  params: { limit: { type: 'integer', description: 'at most this many', minimum: 1, maximum: 30 } },
  async run(ctx, args) {
    const rows = openSignalRows(ctx.db, { limit: intArg(args, 'limit', 15, 1, 30) });
    return { open_by_severity: openCounts(ctx.db), signals: rows.map(viewSignal) };
  },
};

export const recentSignals: ChatTool = {
  name: 'recent_signals',
  description: 'Signals seen in the last N minutes, open or resolved, newest first.',
  params: {
    minutes: { type: 'integer', description: 'how far back', minimum: 1, maximum: 10080 },
    limit: { type: 'integer', description: 'at most this many', minimum: 1, maximum: 40 },
  },
  async run(ctx, args) {
    const minutes = intArg(args, 'minutes', 60, 1, 10080);
    const rows = recentSignalRows(ctx.db, ctx.nowS() - minutes * 60, intArg(args, 'limit', 20, 1, 40));
    return { minutes, signals: rows.map(viewSignal) };
  },
};
