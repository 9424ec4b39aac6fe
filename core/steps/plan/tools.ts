/**
 * The tools the model is offered: one per catalogue action, plus `finish`.
 *
 * A tool's input schema is the action's zod schema rendered as JSON Schema,
 * extended with the two fields every proposal carries (`rationale` and
 * `confidence`). The model can only call these tools; `proposals.ts` rejects
 * anything else, so the catalogue is the whole of what the agent may do.
 */
import * as z from 'zod';
import { WorkflowSpecError } from '../../errors.js';
import type { ToolSpec } from '../../model/model.js';
import { FINISH_TOOL_NAME, type WorkflowSpec } from '../../workflow/spec.js';

/** Fields every action call carries besides the action's own input; no action input may declare them. */
export const PROPOSAL_META_FIELDS = ['rationale', 'confidence'] as const;

/** Schema of the fields every action call carries; proposals are parsed with it, never cast. */
export const proposalMetaSchema = z.object({
  rationale: z.string().trim().min(1, 'expected one or two sentences explaining the action').max(2000),
  confidence: z.number().min(0).max(1),
});

/** Schema of the `finish` tool's input. */
export const finishInputSchema = z.object({
  summary: z.string().trim().min(1, 'expected a short summary of how the objective was reached').max(2000),
});

const META_PROPERTIES = {
  rationale: {
    type: 'string',
    minLength: 1,
    maxLength: 2000,
    description: 'Why this action, in one or two sentences an auditor can read.',
  },
  confidence: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    description: 'How sure you are that this is the right action, from 0 to 1.',
  },
} as const;

const FINISH_TOOL: ToolSpec = {
  name: FINISH_TOOL_NAME,
  description:
    'Call this when the objective is reached: alone, when the observations show it is; or together ' +
    'with the action calls that reach it, when you need to see nothing they return. It ends the run ' +
    'and runs no action itself. Called with actions, it stands only if every one of them runs as ' +
    'proposed; otherwise you are asked again, with what happened.',
  inputSchema: {
    json: {
      type: 'object',
      properties: {
        summary: {
          type: 'string',
          minLength: 1,
          maxLength: 2000,
          description: 'A short summary of what was done and why the case is resolved.',
        },
      },
      required: ['summary'],
      additionalProperties: false,
    },
  },
};

/** Renders one action's input as the JSON Schema of its tool, with the proposal fields added. */
function actionInputSchema(
  workflowId: string,
  name: string,
  input: z.ZodObject,
): Readonly<Record<string, unknown>> {
  for (const field of PROPOSAL_META_FIELDS) {
    if (field in input.shape) {
      throw new WorkflowSpecError(workflowId, [
        `actions.${name}.input.${field}: "${field}" is reserved for the platform's proposal fields`,
      ]);
    }
  }
  let rendered: Record<string, unknown>;
  try {
    // `input` mode: the schema describes what the model sends, before defaults and transforms.
    rendered = z.toJSONSchema(input, { io: 'input' }) as Record<string, unknown>;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new WorkflowSpecError(workflowId, [
      `actions.${name}.input: cannot be expressed as JSON Schema for the model (${why})`,
    ]);
  }
  const { $schema: _dialect, properties, required, ...rest } = rendered;
  return {
    ...rest,
    type: 'object',
    properties: { ...(isRecord(properties) ? properties : {}), ...META_PROPERTIES },
    required: [...(Array.isArray(required) ? required : []), ...PROPOSAL_META_FIELDS],
    // Fields the action does not declare are rejected by the parser, so say so up front.
    additionalProperties: false,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds the Converse tool specs for a workflow: one tool per action, in
 * catalogue order, then `finish`. Reducing actions (`reduces`) are left out:
 * they run only as their action's follow-up, never on the model's word.
 *
 * @throws WorkflowSpecError when an action's input declares `rationale` or
 *   `confidence`, or cannot be rendered as JSON Schema.
 * @example
 * const tools = toolSpecsFor(pack.spec); // [{ name: 'issueRefund', ... }, ..., { name: 'finish', ... }]
 */
export function toolSpecsFor(spec: WorkflowSpec): ToolSpec[] {
  const offered = Object.entries(spec.actions).filter(([, action]) => action.reduces === undefined);
  const actionTools = offered.map(
    ([name, action]): ToolSpec => ({
      name,
      description: `${action.description} (risk: ${action.risk})`,
      inputSchema: { json: actionInputSchema(spec.id, name, action.input) },
    }),
  );
  return [...actionTools, FINISH_TOOL];
}
