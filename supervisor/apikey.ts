// The model provider's API key (GEMINI_API_KEY by default; KS_LLM_PROVIDER picks
// another): from its variable, or — only on a terminal — from a hidden prompt (no
// echo; Enter skips and the agent runs on rules). The key is handed to the
// agent's environment and nowhere else: never an argument (those are visible in
// ps), never logged, never printed. Providers that need no key (Ollama, a local
// server at OPENAI_BASE_URL) and KS_LLM_PROVIDER=none are never prompted for.
import { providerFromEnv } from '../lib/llm/index.js';

export interface KeyPromptIO {
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WriteStream;
}

/** The configured provider's key and the variable the agent reads it from. */
export interface ResolvedKey { readonly variable: string; readonly value: string }

export async function resolveApiKey(env: NodeJS.ProcessEnv, io: KeyPromptIO, wanted: boolean): Promise<ResolvedKey | undefined> {
  const choice = providerFromEnv(env);
  if (!choice.keyVar) return undefined;
  if (choice.apiKey) return { variable: choice.keyVar, value: choice.apiKey };
  if (choice.off !== `no ${choice.keyVar}`) return undefined;
  if (!wanted || !io.input.isTTY || !io.output.isTTY) return undefined;
  const key = await promptHidden(io, `${choice.keyVar} is not set. Paste a key for the agent (hidden), or press Enter to run on rules only: `);
  return key.trim() ? { variable: choice.keyVar, value: key.trim() } : undefined;
}

/** Read one line from a terminal with echo off (raw mode); Ctrl-C aborts the start. */
export function promptHidden(io: KeyPromptIO, question: string): Promise<string> {
  const { input, output } = io;
  output.write(question);
  return new Promise((resolve) => {
    let value = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    const done = (result: string): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(value);
        if (ch === '\u0003') {
          output.write('\n');
          input.setRawMode(wasRaw);
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}
