// The model chat answers with, from the configured provider (lib/llm): the same
// for `npm run chat` and the dashboard's Ask box. Undefined when no model is
// configured (then the rules answer). The provider's SDK loads at the first question.
import type { EnvChoice } from '../../lib/llm/index.js';
import { providerConfig, providerLoader } from '../../lib/llm/index.js';
import type { Logger } from '../../lib/logger.js';
import { TOOLS } from '../tools/index.js';
import { ModelChat } from './model-chat.js';

export interface ChatModelBounds { readonly timeoutMs: number; readonly retries: number; readonly maxRounds: number }

export const DEFAULT_CHAT_BOUNDS: ChatModelBounds = { timeoutMs: 30_000, retries: 2, maxRounds: 6 };

export function chatModel(llm: EnvChoice, log: Logger, b: ChatModelBounds = DEFAULT_CHAT_BOUNDS): ModelChat | undefined {
  if (llm.off !== undefined) return undefined;
  return new ModelChat(
    TOOLS,
    providerLoader(providerConfig(llm, { timeoutMs: b.timeoutMs, retries: b.retries })),
    { model: `${llm.provider}/${llm.model}`, maxRounds: Math.max(1, Math.round(b.maxRounds)), maxQuestions: 8, maxToolChars: 6000 },
    log,
  );
}
