/**
 * The planning prompt: what the model is told and how.
 *
 * The system text is the pack's prompt followed by the objective; the case
 * itself travels as one user message holding a fenced JSON block (the
 * *planning context*). Local stand-in models read that block back with
 * {@link readPlanningContext}, so the format is this module's business alone.
 */
import * as z from 'zod';
import { AwfError } from '../../errors.js';
import { hashOf } from '../../hash.js';
import { modelsOf } from '../../model/agent-models.js';
import type { ConverseRequest, Message, ToolSpec } from '../../model/model.js';
import { CACHE_POINT, cachesStablePrefix } from '../../model/prompt-cache.js';
import type { WorkflowPack } from '../../workflow/pack.js';
import { observationSchema } from '../contracts.js';
import { toolSpecsFor } from './tools.js';

/** What the model is told about the case it is working on. */
export const planningContextSchema = z.object({
  objective: z.string(),
  workflowId: z.string(),
  entityId: z.string(),
  /** 0-based planning round of the run. */
  iteration: z.number().int().min(0),
  /** When the triggering event happened (ISO-8601); time windows of the policy are measured from it. */
  requestedAt: z.string(),
  /** The event's detail as the model may see it (redacted). */
  event: z.record(z.string(), z.unknown()),
  /** What grounding found (history counters and the like). */
  facts: z.record(z.string(), z.unknown()),
  /** What the run's executed actions produced, oldest first. */
  observations: z.array(observationSchema),
});

/** The planning context of one model call. */
export type PlanningContext = z.infer<typeof planningContextSchema>;

/** The planning context cannot be read back from a conversation. */
export class PlanningContextError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlanningContextError';
  }
}

const CONTEXT_FENCE = /```json\n([\s\S]*?)\n```/;

/**
 * Renders the planning context as JSON inside a fence. Backticks are escaped
 * (`\u0060` is the same string to a JSON parser) so that event text containing
 * a fence cannot end the block early or smuggle text outside it.
 */
function renderContext(context: PlanningContext): string {
  const json = JSON.stringify(context, null, 2).replace(/`/g, '\\u0060');
  return (
    'Decide the next step for this case. Act only by calling the tools; the planning context is:\n\n' +
    `\`\`\`json\n${json}\n\`\`\``
  );
}

/**
 * Reads the planning context from a conversation built by {@link PlanningPrompt}:
 * the fenced JSON block of the first user message.
 *
 * @throws PlanningContextError naming what is missing or malformed.
 * @example
 * const context = readPlanningContext(body.messages); // in a pack's local-model.ts
 */
export function readPlanningContext(messages: readonly Message[]): PlanningContext {
  const first = messages.find((message) => message.role === 'user');
  if (!first)
    throw new PlanningContextError('expected a user message holding the planning context, found none');
  const text = first.content.flatMap((block) => ('text' in block ? [block.text] : [])).join('\n');
  const fenced = CONTEXT_FENCE.exec(text);
  if (!fenced?.[1]) {
    throw new PlanningContextError(
      `expected a \`\`\`json block in the first user message, got "${text.slice(0, 80)}"`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(fenced[1]);
  } catch (error) {
    throw new PlanningContextError('the planning context block is not valid JSON', { cause: error });
  }
  const parsed = planningContextSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new PlanningContextError(`the planning context is malformed: ${problems.join('; ')}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/**
 * The parts of a workflow's prompt that do not change between calls, built once
 * per cold start.
 */
export interface PlanningPrompt {
  /** The system text: the pack's prompt, then the objective. */
  readonly system: string;
  readonly tools: readonly ToolSpec[];
  /**
   * SHA-256 of the system text and the tool specs: the version of what the model
   * was asked, recorded with every model call.
   */
  readonly promptHash: string;
  /** The first request of a planning round; repairs append messages to it. */
  requestFor(context: PlanningContext, runId: string): ConverseRequest;
}

/**
 * Builds a workflow's planning prompt.
 *
 * Requests use the spec's model and inference settings, offer the catalogue
 * (plus `finish`) with tool choice `any` so the model must call a tool, and tag
 * the call with `workflowId` and `runId` for Bedrock's invocation logs.
 *
 * @throws WorkflowSpecError when the catalogue cannot be rendered as tools.
 * @example
 * const prompt = createPlanningPrompt(pack);
 * const response = await model.converse(prompt.requestFor(context, run.runId));
 */
export function createPlanningPrompt(pack: WorkflowPack): PlanningPrompt {
  const { spec } = pack;
  const system = `${pack.prompt.trim()}\n\nObjective: ${spec.objective}`;
  const tools = toolSpecsFor(spec);
  // The tools and system text are the same on every call: a checkpoint after them lets Bedrock
  // cache both, when they are long enough for the model to (see core/model/prompt-cache.ts).
  const systemBlocks = cachesStablePrefix(modelsOf(spec.agent), { system, tools })
    ? [{ text: system }, CACHE_POINT]
    : [{ text: system }];
  const promptHash = hashOf({ system, tools });
  return {
    system,
    tools,
    promptHash,
    requestFor(context, runId) {
      return {
        modelId: spec.agent.modelId,
        system: systemBlocks,
        messages: [{ role: 'user', content: [{ text: renderContext(context) }] }],
        inferenceConfig: { maxTokens: spec.agent.maxTokens, temperature: spec.agent.temperature },
        toolConfig: { tools: tools.map((toolSpec) => ({ toolSpec })), toolChoice: { any: {} } },
        requestMetadata: { workflowId: spec.id, runId },
      };
    },
  };
}
