// Function declarations generated from the catalogue: the model can call exactly
// these, with the same bounds the executor enforces (the executor checks again).
import type { ToolDeclaration } from '../../lib/llm/provider.js';
import { CATALOGUE } from '../actions/catalogue.js';
import type { ParamSpec } from '../actions/types.js';

export const FINISH = 'finish';
/** Arguments every action call carries besides the action's own parameters. */
export const META_ARGS = ['justification', 'cause_id'] as const;

function schemaOf(p: ParamSpec, refs: readonly string[]): Record<string, unknown> {
  switch (p.kind) {
    case 'target': return { type: 'string', description: p.description, ...(refs.length ? { enum: [...refs] } : {}) };
    case 'int': return { type: 'integer', minimum: p.min, maximum: p.max, description: p.description };
    case 'enum': return { type: 'string', enum: [...p.values], description: p.description };
  }
}

export function declarations(refs: readonly string[], causeIds: readonly string[]): ToolDeclaration[] {
  const actions = Object.values(CATALOGUE).map((h): ToolDeclaration => ({
    name: h.spec.name,
    description: `${h.spec.description} For: ${h.spec.condition}. Mechanism: ${h.spec.mechanism}. Risk: ${h.spec.risk}.${h.spec.needsApproval ? ' Needs a person\'s approval: it will be queued, not run.' : ''}${h.spec.reversible ? '' : ' Irreversible.'}`,
    parameters: {
      type: 'object',
      properties: {
        ...Object.fromEntries(Object.entries(h.spec.params).map(([k, p]) => [k, schemaOf(p, refs)])),
        justification: { type: 'string', maxLength: 300, description: 'why, citing signal ids and cause ids and the numbers that support it' },
        cause_id: { type: 'string', description: 'the cause this addresses', ...(causeIds.length ? { enum: [...causeIds] } : {}) },
      },
      required: [...Object.keys(h.spec.params), 'justification'],
    },
  }));
  actions.push({
    name: FINISH,
    description: 'End this decision: no (further) action is worth taking now.',
    parameters: { type: 'object', properties: { reason: { type: 'string', maxLength: 300 } }, required: ['reason'] },
  });
  return actions;
}
