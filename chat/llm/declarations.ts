// The chat tools as model tool declarations: the same names, parameters and
// bounds the tools check again when called.
import type { ToolDeclaration } from '../../lib/llm/provider.js';
import type { ChatTool } from '../tools/types.js';

export function toolDeclarations(tools: readonly ChatTool[]): ToolDeclaration[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    parameters: {
      type: 'object',
      properties: Object.fromEntries(Object.entries(t.params).map(([k, p]) => [k, { ...p, ...('enum' in p && p.enum ? { enum: [...p.enum] } : {}) }])),
      required: [...(t.required ?? [])],
    },
  }));
}
