// The JSON-decision mode, for models without reliable tool calling: the request
// declares no tools to the API; the system instruction lists them with the same
// JSON schemas and asks for one JSON object naming the calls, and the history is
// rendered as text (earlier calls as that JSON, tool results as a user message).
// The reply's calls are read by json-calls.ts; what answers them checks them as
// it checks native calls.
import { callable, type Message, type ToolCall, type Turn, type TurnRequest } from './provider.js';
import { callsFromText } from './json-calls.js';

const FORMAT = '{"calls": [{"name": "<tool name>", "arguments": {<arguments matching its parameters schema>}}]}';

function instruction(req: TurnRequest): string {
  if (req.mode === 'none') return 'Answer in plain text now; do not call any tool.';
  const tools = callable(req).map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
  const how = req.mode === 'any'
    ? `Answer with exactly one JSON object and nothing else, of the form ${FORMAT}, calling one or more of the tools below.`
    : `To call tools, answer with only one JSON object of the form ${FORMAT}; to answer the question, answer in plain text.`;
  return `${how} Tool results come back as a user message holding {"tool_results": [...]}. Tools:\n${JSON.stringify(tools)}`;
}

const asText = (calls: readonly ToolCall[]) => JSON.stringify({ calls: calls.map((c) => ({ name: c.name, arguments: c.args })) });

function textHistory(history: readonly Message[]): Message[] {
  return history.map((m): Message => {
    switch (m.role) {
      case 'user': return m;
      case 'model': return { role: 'model', calls: [], text: m.calls.length ? asText(m.calls) : m.text };
      case 'tool': return { role: 'user', text: JSON.stringify({ tool_results: m.results.map((r) => ({ name: r.name, result: r.response })) }) };
    }
  });
}

/** The request a provider is sent in JSON mode. */
export function jsonRequest(req: TurnRequest): TurnRequest {
  return {
    ...req,
    system: `${req.system}\n\n${instruction(req)}`,
    history: textHistory(req.history),
    tools: [], mode: 'none', allowed: undefined,
    ...(req.mode === 'any' ? { responseFormat: 'json' as const } : {}),
  };
}

/**
 * The provider's text reply read as calls (none when it is not a decision). When
 * the model must call (`any`), any name is read and whoever answers refuses an
 * unknown one, on the record; when it may answer in text (`auto`), only a call to
 * a declared tool is a call, so an answer quoting JSON stays an answer.
 */
export function jsonTurn(req: TurnRequest, turn: Turn): Turn {
  const known = req.mode === 'auto' ? new Set(callable(req).map((t) => t.name)) : undefined;
  const calls = req.mode === 'none' ? null : callsFromText(turn.text, known);
  if (!calls?.length) return { ...turn, calls: [], message: turn.message && { role: 'model', calls: [], text: turn.text } };
  return { ...turn, calls, message: { role: 'model', calls, text: '' } };
}

/**
 * A native-mode reply without calls whose text is a call to a declared tool
 * (many local models print the call instead of making it): read it as that call.
 * The message drops the provider's raw turn so the call goes back as a real one.
 */
export function rescuePrintedCalls(req: TurnRequest, turn: Turn): Turn {
  if (req.mode === 'none' || turn.calls.length > 0) return turn;
  const calls = callsFromText(turn.text, new Set(callable(req).map((t) => t.name)));
  if (!calls?.length) return turn;
  return { ...turn, calls, text: '', message: { role: 'model', calls, text: '' } };
}
