// The answer without a model: the question's intents pick sections, each built
// from the same tools the model would call, with the real numbers.
import type { TimeWindow } from '../../lib/time-window.js';
import type { ToolContext } from '../tools/types.js';
import { rulesContext, type RulesContext } from './context.js';
import { detectIntents, type Intent } from './intents.js';
import { agent } from './sections/agent.js';
import { config } from './sections/config.js';
import { cpu } from './sections/cpu.js';
import { disk } from './sections/disk.js';
import { logs } from './sections/logs.js';
import { memory } from './sections/memory.js';
import { network } from './sections/network.js';
import { overview } from './sections/overview.js';
import { processes } from './sections/processes.js';
import { slow } from './sections/slow.js';
import { trend } from './sections/trend.js';
import { answerAboutWindow } from './window.js';

type Section = (ctx: RulesContext, question: string) => Promise<string[]>;

const SECTIONS: Readonly<Record<Intent, readonly [string, Section]>> = {
  overview: ['What is wrong', overview],
  slow: ['Why it may be slow', slow],
  cpu: ['CPU', cpu],
  memory: ['Memory', memory],
  disk: ['Disks and I/O', disk],
  network: ['Network', network],
  processes: ['Processes', processes],
  trend: ['Trends', trend],
  agent: ['The agent', agent],
  logs: ['Logs', logs],
  config: ['Kernel settings', config],
};

export const RULES_HELP = 'Without a model I answer questions about: what is wrong / status, why it is slow, CPU, memory, disk / I/O, network / TCP, processes, trends, what the agent did, logs, kernel settings; and about the past, when the question names a time ("at 03:10", "in the last hour", "yesterday 14:00-14:30").';

/** `window`: the question is about that time (from its text or --since/--until): answered from the history. */
export async function answerByRules(base: ToolContext, question: string, window?: TimeWindow | null): Promise<string> {
  if (window) return answerAboutWindow(base, window, detectIntents(question));
  const ctx = rulesContext(base);
  let intents = detectIntents(question);
  const unknown = intents.length === 0;
  if (unknown) intents = ['overview'];
  const parts: string[] = [];
  for (const i of intents) {
    const [title, section] = SECTIONS[i];
    let lines: string[];
    try {
      lines = await section(ctx, question);
    } catch (e) {
      lines = [`(could not build this part: ${(e as Error).message.slice(0, 200)})`];
    }
    parts.push(intents.length > 1 ? [`== ${title} ==`, ...lines].join('\n') : lines.join('\n'));
  }
  if (unknown) parts.push(`(I did not recognise the question, so this is the overview. ${RULES_HELP})`);
  return parts.join('\n\n');
}
