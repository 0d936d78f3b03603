// Providers by name. Adding one is a file implementing ModelProvider and one
// entry here; its SDK is imported only when that provider is first asked for.
// Every provider is wrapped in the same guard (guarded.ts): deadline, JSON mode,
// calls printed as text, redacted errors.
import { ModelError } from './errors.js';
import { GuardedProvider } from './guarded.js';
import type { ModelProvider, ProviderOptions, ToolCallStyle } from './provider.js';

type Factory = (o: ProviderOptions) => ModelProvider;

interface Entry {
  readonly load: () => Promise<Factory>;
  readonly defaultModel: string;
  /** The conventional variables for this provider's key, base URL and model. */
  readonly env: { readonly key?: string; readonly baseUrl: string; readonly model?: string };
  /** Whether a key is needed with this base URL (local servers take none). */
  readonly needsKey: (baseUrl: string | undefined) => boolean;
  /** The SDK's base URL from the variable's value, when it needs rewriting. */
  readonly baseUrl?: (value: string | undefined) => string;
  /** What the user sees about where the data goes. */
  readonly where: string;
}

const OLLAMA_DEFAULT = 'http://127.0.0.1:11434';

/** OLLAMA_HOST as Ollama's own CLI reads it ("host", "host:port" or a URL), as its OpenAI-compatible /v1 base. */
export function ollamaBaseUrl(host: string | undefined): string {
  let h = host?.trim() || OLLAMA_DEFAULT;
  if (!/^https?:\/\//.test(h)) h = `http://${h}`;
  const u = new URL(h);
  if (!u.port && !/:\d+(\/|$)/.test(h)) u.port = '11434';
  if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
  return `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1`;
}

const PROVIDERS = {
  gemini: {
    load: async () => (await import('./gemini.js')).createGemini,
    defaultModel: 'gemini-3-flash-preview',
    env: { key: 'GEMINI_API_KEY', baseUrl: 'GEMINI_BASE_URL', model: 'GEMINI_MODEL' },
    needsKey: () => true,
    where: 'Google\'s Gemini API',
  },
  openai: {
    load: async () => (await import('./openai.js')).createOpenAI('openai'),
    defaultModel: 'gpt-4.1-mini',
    env: { key: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL' },
    // A base URL is usually a local server (vLLM, llama.cpp, LM Studio), which takes any key.
    needsKey: (baseUrl) => !baseUrl,
    where: 'the OpenAI-compatible endpoint (OPENAI_BASE_URL, or api.openai.com)',
  },
  ollama: {
    load: async () => (await import('./openai.js')).createOpenAI('ollama'),
    defaultModel: 'qwen3:8b',
    env: { baseUrl: 'OLLAMA_HOST', model: 'OLLAMA_MODEL' },
    needsKey: () => false,
    baseUrl: ollamaBaseUrl,
    where: 'the Ollama server (OLLAMA_HOST, or 127.0.0.1:11434)',
  },
  anthropic: {
    load: async () => (await import('./anthropic.js')).createAnthropic,
    defaultModel: 'claude-sonnet-4-5',
    env: { key: 'ANTHROPIC_API_KEY', baseUrl: 'ANTHROPIC_BASE_URL' },
    needsKey: () => true,
    where: 'Anthropic\'s API (or ANTHROPIC_BASE_URL)',
  },
} as const satisfies Record<string, Entry>;

export type ProviderName = keyof typeof PROVIDERS;
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[];
export const DEFAULT_PROVIDER: ProviderName = 'gemini';
/** KS_LLM_PROVIDER=none: no model, the rules answer. */
export const NO_PROVIDER = 'none';

/** Every variable a provider's key is read from: a child process that needs none gets none of them. */
export const KEY_VARIABLES: readonly string[] = Object.values(PROVIDERS as Record<string, Entry>).flatMap((e) => (e.env.key ? [e.env.key] : []));

export interface ProviderConfig extends ProviderOptions { readonly provider: ProviderName }

const isProvider = (s: string): s is ProviderName => Object.hasOwn(PROVIDERS, s);

export function providerName(s: string): ProviderName {
  if (!isProvider(s)) throw new Error(`unknown model provider KS_LLM_PROVIDER=${JSON.stringify(s)}: expected one of ${[...PROVIDER_NAMES, NO_PROVIDER].join(', ')}`);
  return s;
}

export interface EnvChoice {
  readonly provider: ProviderName;
  /** '' when none is set (or none is needed). */
  readonly apiKey: string;
  readonly baseUrl?: string;
  readonly model: string;
  /** The variable the key is read from, for messages ('' for a provider that takes none). */
  readonly keyVar: string;
  readonly toolCalls: ToolCallStyle;
  /** Why no model is used (no key, KS_LLM_PROVIDER=none, a typo); absent when one is configured. */
  readonly off?: string;
  /** Set when KS_LLM_PROVIDER names no provider: then no model is used, and callers say why. */
  readonly problem?: string;
}

/** Flags that override the variables (--provider, --model, --tool-calls). */
export interface ChoiceFlags { readonly provider?: string; readonly model?: string; readonly toolCalls?: string }

/**
 * KS_LLM_PROVIDER and KS_LLM_MODEL (or the flags), then the provider's own
 * variables, then its defaults. A model given as "provider/model"
 * (`ollama/qwen3:8b`) names the provider when none is named otherwise; with a
 * provider named, the model is taken whole (OpenRouter's "vendor/model" names).
 */
export function providerFromEnv(env: NodeJS.ProcessEnv, flags: ChoiceFlags = {}): EnvChoice {
  const named = flags.provider?.trim() || env.KS_LLM_PROVIDER?.trim() || '';
  let model = flags.model?.trim() || env.KS_LLM_MODEL?.trim() || '';
  let name = named;
  const slash = model.indexOf('/');
  if (slash > 0 && isProvider(model.slice(0, slash)) && (!named || named === model.slice(0, slash))) {
    name = model.slice(0, slash);
    model = model.slice(slash + 1);
  }
  const toolCalls: ToolCallStyle = (flags.toolCalls ?? env.KS_LLM_TOOL_CALLS)?.trim() === 'json' ? 'json' : 'native';
  const d: Entry = PROVIDERS[DEFAULT_PROVIDER];
  if (name === NO_PROVIDER) {
    return { provider: DEFAULT_PROVIDER, apiKey: '', model: model || d.defaultModel, keyVar: d.env.key ?? '', toolCalls, off: 'model provider "none"' };
  }
  let provider: ProviderName;
  try {
    provider = providerName(name || DEFAULT_PROVIDER);
  } catch (e) {
    // A typo in a variable must not stop the agent or chat: the rules answer.
    const problem = `${(e as Error).message}; the rules decide`;
    return { provider: DEFAULT_PROVIDER, apiKey: '', model: d.defaultModel, keyVar: d.env.key ?? '', toolCalls, problem, off: problem };
  }
  const e: Entry = PROVIDERS[provider];
  const rawBase = env[e.env.baseUrl]?.trim() || undefined;
  const baseUrl = e.baseUrl ? e.baseUrl(rawBase) : rawBase;
  const apiKey = e.env.key ? (env[e.env.key] ?? '').trim() : '';
  const keyVar = e.env.key ?? '';
  return {
    provider, apiKey, baseUrl,
    model: model || (e.env.model ? env[e.env.model]?.trim() : undefined) || e.defaultModel,
    keyVar, toolCalls,
    ...(!apiKey && e.needsKey(rawBase) ? { off: `no ${keyVar}` } : {}),
  };
}

/** Where a remote provider sends the observation and tool results, for doctor and the README. */
export function destination(provider: ProviderName): string {
  return PROVIDERS[provider].where;
}

/** The configuration a provider is created from: the choice plus the caller's bounds. */
export function providerConfig(c: EnvChoice, bounds: { timeoutMs: number; retries: number }): ProviderConfig {
  return { provider: c.provider, apiKey: c.apiKey, model: c.model, baseUrl: c.baseUrl, toolCalls: c.toolCalls, ...bounds };
}

/**
 * Node's fetch (undici) compiles its HTTP parser to WebAssembly on first use; in
 * a runtime without it (V8 --lite-mode) that first request kills the process
 * from inside undici, where no try/catch reaches. Refuse up front instead.
 */
export function runtimeProblem(): string | undefined {
  return typeof WebAssembly === 'undefined'
    ? 'this Node runtime has no WebAssembly (started with --lite-mode?), which fetch needs for HTTP: run without --lite-mode'
    : undefined;
}

export async function createProvider(cfg: ProviderConfig): Promise<ModelProvider> {
  const problem = runtimeProblem();
  if (problem) throw new ModelError(problem, 'runtime');
  return new GuardedProvider((await PROVIDERS[cfg.provider].load())(cfg), cfg);
}

/** The provider, created on first call; a failed load is tried again on the next. */
export function providerLoader(cfg: ProviderConfig): () => Promise<ModelProvider> {
  let p: ModelProvider | undefined;
  return async () => (p ??= await createProvider(cfg));
}
