// Tool calls read from a model's text: the JSON-decision mode's answers, and the
// calls many local models print as text instead of using the API's tool calling.
// Only the shape is read here (a name and an arguments object); the arguments are
// checked by whoever answers the call (the executor's catalogue checks, chat's
// tool parameters), exactly as for a native call, so a wrong value is refused by
// rule and audited rather than silently dropped.
import type { ToolCall } from './provider.js';

/** Longer texts are not decisions: a model that rambles this much has not answered. */
const MAX_TEXT = 200_000;

type Json = unknown;

function parse(s: string): Json | undefined {
  try { return JSON.parse(s) as Json; } catch { return undefined; }
}

/** The JSON value a reply holds: the whole text, a fenced block, or the outermost braces. */
function jsonIn(text: string): Json | undefined {
  // Reasoning models served by Ollama or vLLM put their thoughts in the content.
  const t = text.replace(/<think>[\s\S]*?<\/think>/g, '').trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(t)?.[1];
  const whole = parse(fenced ?? t);
  if (whole !== undefined) return whole;
  const first = t.indexOf('{'), last = t.lastIndexOf('}');
  return first >= 0 && last > first ? parse(t.slice(first, last + 1)) : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One call in any of the shapes models print: {name, arguments}, {name, args}, {function: {name, arguments}}. */
function callOf(v: Json): ToolCall | null {
  if (!isObject(v)) return null;
  const fn = isObject(v.function) ? v.function : v;
  const name = fn.name ?? fn.tool;
  let args: unknown = fn.arguments ?? fn.args ?? fn.parameters ?? fn.input ?? {};
  // OpenAI's own shape carries the arguments as a JSON string.
  if (typeof args === 'string') args = parse(args);
  if (typeof name !== 'string' || !name || !isObject(args)) return null;
  return { name, args };
}

/**
 * The calls a text answer makes, or null when it is not a decision: not JSON,
 * not call-shaped, or (with `known`) naming a tool that was not declared.
 * `{"calls": []}` is a valid answer that calls nothing.
 */
export function callsFromText(text: string, known?: ReadonlySet<string>): ToolCall[] | null {
  if (!text || text.length > MAX_TEXT) return null;
  const v = jsonIn(text);
  const list = Array.isArray(v) ? v
    : isObject(v) && Array.isArray(v.calls) ? v.calls
    : isObject(v) && Array.isArray(v.tool_calls) ? v.tool_calls
    : v === undefined ? undefined : [v];
  if (!list) return null;
  const calls: ToolCall[] = [];
  for (const item of list) {
    const c = callOf(item);
    if (!c || (known && !known.has(c.name))) return null;
    calls.push(c);
  }
  return calls;
}
