/**
 * Turns a model's answer into proposals, or into the list of what is wrong with it.
 *
 * Model output is untrusted input: every tool call must name a catalogue action
 * or `finish`, and its input is parsed with the action's zod schema. Nothing is
 * cast, nothing unknown is silently dropped, and each problem names the tool
 * and the field so the model can repair it and an auditor can read it.
 */
import type { z } from 'zod';
import { canonicalJson } from '../../canonical-json.js';
import type { ConverseResponse } from '../../model/model.js';
import { storabilityProblems } from '../../storable.js';
import { catalogueAction } from '../../workflow/catalogue.js';
import { FINISH_TOOL_NAME, type WorkflowSpec } from '../../workflow/spec.js';
import { finishInputSchema, PROPOSAL_META_FIELDS, proposalMetaSchema } from './tools.js';

/** One valid action call, before the plan step gives it an id. */
export interface ProposedAction {
  readonly toolUseId: string;
  readonly action: string;
  /** The input as the action's schema parsed it, without `rationale` and `confidence`. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly rationale: string;
  readonly confidence: number;
}

/** One thing wrong with a model answer. */
export interface ModelOutputProblem {
  /** The tool call it concerns; absent for problems of the answer as a whole. */
  readonly toolUseId?: string;
  /** The tool the call named. */
  readonly tool?: string;
  /** What was wrong, naming the field and showing the bad value. */
  readonly message: string;
}

/** What a model answer amounts to. */
export type ParsedModelOutput =
  | {
      readonly outcome: 'PROPOSED';
      readonly actions: readonly ProposedAction[];
      /** The model called `finish` in the same answer: the summary it gave. */
      readonly finish?: { readonly summary: string };
    }
  | { readonly outcome: 'FINISHED'; readonly summary: string }
  | { readonly outcome: 'INVALID'; readonly problems: readonly ModelOutputProblem[] };

/** Stop reasons that mean the answer is incomplete or was withheld, whatever it contains. */
const UNUSABLE_STOP_REASONS: Readonly<Record<string, string>> = {
  max_tokens: 'the answer was cut off at the token limit; answer with fewer, shorter tool calls',
  guardrail_intervened: 'a guardrail blocked the answer',
  content_filtered: 'the answer was withheld by the content filter',
};

/** Renders a problem as one line: `tool "issueRefund": field "amount": expected ..., got -5`. */
export function describeProblem(problem: ModelOutputProblem): string {
  return problem.tool === undefined ? problem.message : `tool "${problem.tool}": ${problem.message}`;
}

function showValue(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** One problem per zod issue, each naming the field and showing what the model sent there. */
function issueProblems(
  toolUseId: string,
  tool: string,
  input: unknown,
  error: z.ZodError,
): ModelOutputProblem[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    const got = valueAt(input, issue.path);
    const shown = got === undefined ? '' : `, got ${showValue(got)}`;
    return {
      toolUseId,
      tool,
      message: `${field ? `field "${field}"` : 'input'}: ${issue.message}${shown}`,
    };
  });
}

/** Values no record can hold (see `core/storable.ts`), as problems the model is told to repair. */
function unstorableProblems(toolUseId: string, tool: string, input: unknown): ModelOutputProblem[] {
  return storabilityProblems(input, 'input').map((message) => ({ toolUseId, tool, message }));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type CallResult =
  | { readonly ok: true; readonly action: ProposedAction }
  | { readonly ok: false; readonly problems: ModelOutputProblem[] };

function parseActionCall(spec: WorkflowSpec, toolUseId: string, tool: string, input: unknown): CallResult {
  const action = catalogueAction(spec, tool);
  if (!action) {
    const offered = [...Object.keys(spec.actions), FINISH_TOOL_NAME].join(', ');
    return {
      ok: false,
      problems: [{ toolUseId, tool, message: `is not a tool of this workflow; the tools are ${offered}` }],
    };
  }
  if (!isPlainObject(input)) {
    return {
      ok: false,
      problems: [{ toolUseId, tool, message: `input: expected a JSON object, got ${showValue(input)}` }],
    };
  }
  const unstorable = unstorableProblems(toolUseId, tool, input);
  if (unstorable.length > 0) return { ok: false, problems: unstorable };
  const problems: ModelOutputProblem[] = [];
  const { rationale, confidence, ...actionInput } = input;
  const meta = proposalMetaSchema.safeParse({ rationale, confidence });
  if (!meta.success) problems.push(...issueProblems(toolUseId, tool, input, meta.error));

  // An undeclared field is an error rather than silently stripped: the input the
  // policies judge must be the input the model meant.
  const declared = new Set([...Object.keys(action.input.shape), ...PROPOSAL_META_FIELDS]);
  for (const field of Object.keys(input)) {
    if (!declared.has(field)) {
      problems.push({
        toolUseId,
        tool,
        message: `field "${field}": is not an input of this action, got ${showValue(input[field])}`,
      });
    }
  }
  const parsed = action.input.safeParse(actionInput);
  if (!parsed.success) problems.push(...issueProblems(toolUseId, tool, actionInput, parsed.error));

  if (problems.length > 0 || !parsed.success || !meta.success) return { ok: false, problems };
  return {
    ok: true,
    action: {
      toolUseId,
      action: tool,
      input: parsed.data,
      rationale: meta.data.rationale,
      confidence: meta.data.confidence,
    },
  };
}

/**
 * Parses a Converse response against a workflow's catalogue.
 *
 * Valid answers are one or more action calls, a single `finish` call, or both:
 * actions with one `finish` (PROPOSED carrying the finish, which stands only if
 * every action then runs as proposed). Everything else is INVALID with one
 * problem per defect: a tool outside the catalogue, an input that fails the
 * action's schema (or carries fields it does not declare), a missing or
 * out-of-range `rationale` / `confidence`, a text-only answer, `finish` called
 * more than once, the same call proposed twice,
 * a value no record can hold (a `constructor` key, an integer beyond 2^53), or
 * an answer cut off by the token limit.
 */
export function parseModelOutput(spec: WorkflowSpec, response: ConverseResponse): ParsedModelOutput {
  const problems: ModelOutputProblem[] = [];
  const unusable = UNUSABLE_STOP_REASONS[response.stopReason];
  if (unusable) problems.push({ message: `stopReason "${response.stopReason}": ${unusable}` });

  const calls = response.output.message.content.flatMap((block) =>
    'toolUse' in block ? [block.toolUse] : [],
  );
  if (calls.length === 0) {
    const tools = [...Object.keys(spec.actions), FINISH_TOOL_NAME].join(', ');
    problems.push({ message: `the answer calls no tool; act only by calling one of ${tools}` });
    return { outcome: 'INVALID', problems };
  }

  const finishes = calls.filter((call) => call.name === FINISH_TOOL_NAME);
  let finish: { readonly summary: string } | undefined;
  if (finishes.length > 1) {
    for (const call of finishes.slice(1)) {
      problems.push({
        toolUseId: call.toolUseId,
        tool: call.name,
        message: 'is called more than once; call finish at most once, with one summary',
      });
    }
  }
  const [finishCall] = finishes;
  if (finishCall) {
    const unstorable = unstorableProblems(finishCall.toolUseId, finishCall.name, finishCall.input);
    problems.push(...unstorable);
    const parsed = finishInputSchema.safeParse(finishCall.input);
    if (!parsed.success) {
      problems.push(...issueProblems(finishCall.toolUseId, finishCall.name, finishCall.input, parsed.error));
    } else if (unstorable.length === 0) {
      finish = { summary: parsed.data.summary };
    }
  }
  const actionCalls = calls.filter((call) => call.name !== FINISH_TOOL_NAME);
  if (actionCalls.length === 0) {
    if (problems.length > 0 || !finish) return { outcome: 'INVALID', problems };
    return { outcome: 'FINISHED', summary: finish.summary };
  }

  const actions: ProposedAction[] = [];
  const seen = new Set<string>();
  for (const call of actionCalls) {
    const result = parseActionCall(spec, call.toolUseId, call.name, call.input);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    // The same action twice with the same input would run twice (a double refund).
    const identity = canonicalJson({ action: result.action.action, input: result.action.input });
    if (seen.has(identity)) {
      problems.push({
        toolUseId: call.toolUseId,
        tool: call.name,
        message: 'is proposed twice with the same input; propose each action once',
      });
      continue;
    }
    seen.add(identity);
    actions.push(result.action);
  }
  if (problems.length > 0) return { outcome: 'INVALID', problems };
  return { outcome: 'PROPOSED', actions, ...(finish && { finish }) };
}
