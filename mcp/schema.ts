// A chat tool's parameter schema (chat/tools/types.ts ParamSchema) as the zod
// shape the MCP SDK validates calls against and lists as the tool's JSON Schema:
// one description of each tool's input, for chat, the model providers and MCP.
import { z, type ZodTypeAny } from 'zod';
import type { ChatTool, ParamSchema } from '../chat/tools/types.js';

function field(p: ParamSchema): ZodTypeAny {
  if (p.type === 'string') {
    const base = p.enum && p.enum.length ? z.enum(p.enum as [string, ...string[]]) : p.maxLength ? z.string().max(p.maxLength) : z.string();
    return base.describe(p.description);
  }
  const n = p.type === 'integer' ? z.number().int() : z.number();
  return n.min(p.minimum).max(p.maximum).describe(p.description);
}

export function inputShape(tool: ChatTool): Record<string, ZodTypeAny> {
  const required = new Set(tool.required ?? []);
  return Object.fromEntries(Object.entries(tool.params).map(([k, p]) => [k, required.has(k) ? field(p) : field(p).optional()]));
}
