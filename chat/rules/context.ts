// What a rules section gets: the database, the clock, and cached tool calls (a
// question touching several sections measures /proc once, not per section).
import type { ToolContext } from '../tools/types.js';
import { liveTop } from '../tools/top-processes.js';

export interface RulesContext extends ToolContext {
  topNow(by: 'cpu' | 'memory'): ReturnType<typeof liveTop>;
}

export function rulesContext(ctx: ToolContext): RulesContext {
  const cache = new Map<string, ReturnType<typeof liveTop>>();
  return {
    ...ctx,
    topNow(by) {
      let p = cache.get(by);
      if (!p) {
        p = liveTop(by, 5, by === 'cpu' ? 1000 : 200, ctx.signal);
        cache.set(by, p);
      }
      return p;
    },
  };
}
