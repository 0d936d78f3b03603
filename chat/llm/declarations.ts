// The chat tools as Gemini function declarations: the same names, parameters and
// bounds the tools check again when called.
import type { FunctionDeclaration } from '@google/genai';
import type { ChatTool } from '../tools/types.js';

export function toolDeclarations(tools: readonly ChatTool[]): FunctionDeclaration[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    parametersJsonSchema: {
      type: 'object',
      properties: Object.fromEntries(Object.entries(t.params).map(([k, p]) => [k, { ...p, ...('enum' in p && p.enum ? { enum: [...p.enum] } : {}) }])),
      required: [...(t.required ?? [])],
    },
  }));
}
