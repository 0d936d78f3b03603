// Providers by name. Adding one is a file implementing ModelProvider and one
// entry here; its SDK is imported only when that provider is first asked for.
import { ModelError } from './errors.js';
import type { ModelProvider, ProviderOptions } from './provider.js';

type Factory = (o: ProviderOptions) => ModelProvider;

interface Entry {
  readonly load: () => Promise<Factory>;
  readonly defaultModel: string;
  /** The conventional variables for this provider's key, base URL and model. */
  readonly env: { readonly key: string; readonly baseUrl: string; readonly model?: string };
}

const PROVIDERS = {
  gemini: {
    load: async () => (await import('./gemini.js')).createGemini,
    defaultModel: 'gemini-3-flash-preview',
    env: { key: 'GEMINI_API_KEY', baseUrl: 'GEMINI_BASE_URL', model: 'GEMINI_MODEL' },
  },
} as const satisfies Record<string, Entry>;

export type ProviderName = keyof typeof PROVIDERS;
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[];
export const DEFAULT_PROVIDER: ProviderName = 'gemini';

export interface ProviderConfig extends ProviderOptions { readonly provider: ProviderName }

export function providerName(s: string): ProviderName {
  if (!Object.hasOwn(PROVIDERS, s)) throw new Error(`unknown model provider KS_LLM_PROVIDER=${JSON.stringify(s)}: expected one of ${PROVIDER_NAMES.join(', ')}`);
  return s as ProviderName;
}

export interface EnvChoice {
  readonly provider: ProviderName;
  /** '' when none is set: then the rules answer. */
  readonly apiKey: string;
  readonly baseUrl?: string;
  readonly model: string;
  /** The variable the key is read from, for messages. */
  readonly keyVar: string;
  /** Set when KS_LLM_PROVIDER names no provider: then no model is used, and callers say why. */
  readonly problem?: string;
}

/** KS_LLM_PROVIDER and KS_LLM_MODEL, then the provider's own variables, then its defaults. */
export function providerFromEnv(env: NodeJS.ProcessEnv): EnvChoice {
  let provider: ProviderName;
  try {
    provider = providerName(env.KS_LLM_PROVIDER?.trim() || DEFAULT_PROVIDER);
  } catch (e) {
    // A typo in a variable must not stop the agent or chat: the rules answer.
    const d = PROVIDERS[DEFAULT_PROVIDER];
    return { provider: DEFAULT_PROVIDER, apiKey: '', model: d.defaultModel, keyVar: d.env.key, problem: `${(e as Error).message}; the rules decide` };
  }
  const e: Entry = PROVIDERS[provider];
  return {
    provider,
    apiKey: (env[e.env.key] ?? '').trim(),
    baseUrl: env[e.env.baseUrl] || undefined,
    model: env.KS_LLM_MODEL || (e.env.model ? env[e.env.model] : undefined) || e.defaultModel,
    keyVar: e.env.key,
  };
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
  return (await PROVIDERS[cfg.provider].load())(cfg);
}

/** The provider, created on first call; a failed load is tried again on the next. */
export function providerLoader(cfg: ProviderConfig): () => Promise<ModelProvider> {
  let p: ModelProvider | undefined;
  return async () => (p ??= await createProvider(cfg));
}
