/**
 * A deterministic stand-in for the LLM of the access-request workflow.
 *
 * This is NOT a model: it is a small rule set that answers Converse requests
 * the way a careful agent following `prompt.md` would, so that the local cloud
 * and the tests can drive the whole workflow without AWS. It is never deployed;
 * with `--model bedrock` the real model answers instead.
 *
 * It reads the case from the planning context (`readPlanningContext`) and
 * answers with one action and `finish` together, in one call, since each of
 * its actions settles the request alone (the finish stands only if the action
 * runs as proposed; otherwise it is asked again and):
 * - finishes once an observation shows an action ran;
 * - declines what is not work (`not-a-business-need`);
 * - asks for a better justification when it names no task;
 * - declines operator or admin access whose justification only reads or looks
 *   (`more-than-needed`, pointing to viewer access);
 * - otherwise grants exactly what was requested.
 *
 * Like the prompt says, it leaves business hours, approvals and the admin grant
 * limit to the platform: it never reads the clock or the history to decide.
 */
import * as z from 'zod';
import { sha256Hex } from '../../core/hash.js';
import type { ContentBlock, ConverseResponse, LocalModel } from '../../core/model/model.js';
// About four characters per token: the estimate the stand-in Bedrock's prompt cache counts with too.
import { estimateTokens as tokensOf } from '../../core/model/token-estimate.js';
import { type PlanningContext, readPlanningContext } from '../../core/steps/plan/prompt.js';

/** Wording of a task that changes something: operator or admin access may be what it needs. */
const CHANGE_TASK =
  /\b(incident|outage|deploy\w*|release|migrat\w*|rotat\w*|restart\w*|patch\w*|fix\w*|configur\w*|upgrad\w*|rollback|roll back|on-call|hotfix|failover|restore\w*)\b/;
/** Wording of a task that only reads: viewer access is enough for it. */
const READ_TASK =
  /\b(read\w*|view\w*|look\w* at|check\w*|dashboards?|reports?|logs?|metrics|audit\w*|review\w*|investigat\w*|debug\w*|analy[sz]\w*)\b/;
/** A ticket or change reference (`INC-4821`, `CHG-1093`, `OPS-77`). */
const TICKET = /\b[A-Z]{2,6}-\d{1,6}\b/;
/** Wording of a reason that is not work. */
const NOT_WORK = /\b(personal|curious|curiosity|for fun|side project|my own project|just to see)\b/;

/** The fields of the (redacted) detail the rules read; the requester's email is redacted and not needed. */
const accessCaseSchema = z.object({
  requestId: z.string().min(1),
  system: z.string().min(1),
  environment: z.string().min(1),
  level: z.enum(['viewer', 'operator', 'admin']),
  durationHours: z.number(),
  justification: z.string(),
});
type AccessCase = z.infer<typeof accessCaseSchema>;

interface Call {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

function call(name: string, input: Record<string, unknown>, rationale: string, confidence: number): Call {
  return { name, input: { ...input, rationale, confidence } };
}

function finishFor(context: PlanningContext): Call | undefined {
  if (context.observations.length === 0) return undefined;
  const done = context.observations.map((o) => o.action).join(', ');
  return {
    name: 'finish',
    input: {
      summary: `Access request ${context.entityId} resolved: ${done} ran; nothing further is needed.`,
    },
  };
}

function askForJustification(request: AccessCase): Call {
  return call(
    'requestJustification',
    {
      requestId: request.requestId,
      questions: [
        `What task do you need ${request.level} access to ${request.system} (${request.environment}) for?`,
        'Which ticket or incident is it for?',
      ],
    },
    'The justification does not say what the access is for, so it cannot be judged yet.',
    0.85,
  );
}

function decideCase(request: AccessCase): Call {
  const justification = request.justification.toLowerCase();
  if (NOT_WORK.test(justification)) {
    return call(
      'denyAccess',
      {
        requestId: request.requestId,
        reasonCode: 'not-a-business-need',
        requesterMessage: `Access to ${request.system} is granted for work tasks only, and this request does not describe one.`,
      },
      'The justification describes no work task.',
      0.9,
    );
  }
  const changes = CHANGE_TASK.test(justification);
  const reads = READ_TASK.test(justification);
  if (!changes && !reads && !TICKET.test(request.justification)) return askForJustification(request);
  if (request.level !== 'viewer' && reads && !changes) {
    return call(
      'denyAccess',
      {
        requestId: request.requestId,
        reasonCode: 'more-than-needed',
        requesterMessage:
          `The task you describe only reads from ${request.system}; please ask for viewer access to ` +
          `${request.environment} instead of ${request.level}.`,
      },
      `Reading needs viewer access, not ${request.level}.`,
      0.9,
    );
  }
  return call(
    'grantAccess',
    {
      requestId: request.requestId,
      system: request.system,
      environment: request.environment,
      level: request.level,
      durationHours: request.durationHours,
    },
    `The justification ("${request.justification.slice(0, 120)}") names a task that ${request.level} access on ${request.system} (${request.environment}) fits.`,
    0.9,
  );
}

/** The action that settles the request, with the `finish` that ends the run once it has run. */
function settlingWith(context: PlanningContext, action: Call): readonly Call[] {
  const summary = `Request ${context.entityId} settled by ${action.name}: ${String(action.input.rationale)}`;
  return [action, { name: 'finish', input: { summary } }];
}

function decide(context: PlanningContext): readonly Call[] | undefined {
  const finish = finishFor(context);
  if (finish) return [finish];
  const request = accessCaseSchema.safeParse(context.event);
  return request.success ? settlingWith(context, decideCase(request.data)) : undefined;
}

/** The access-request stand-in model; see the module comment. */
const accessRequestLocalModel: LocalModel = (body) => {
  const context = readPlanningContext(body.messages);
  const decision = decide(context);
  // A case it cannot read (Admit has validated the event, so only a redaction change can cause
  // it): it says so in words and calls no tool, which the platform treats as an answer to repair.
  const content: ContentBlock[] = decision
    ? decision.map(({ name, input }) => ({
        toolUse: {
          toolUseId: `tooluse_${sha256Hex(JSON.stringify({ context, name })).slice(0, 22)}`,
          name,
          input,
        },
      }))
    : [{ text: `The fields of request ${context.entityId} cannot be read; a person must look at it.` }];
  const inputTokens = tokensOf({ system: body.system, messages: body.messages, tools: body.toolConfig });
  const outputTokens = tokensOf(content);
  const response: ConverseResponse = {
    output: { message: { role: 'assistant', content } },
    stopReason: decision ? 'tool_use' : 'end_turn',
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 1 },
  };
  return response;
};

export default accessRequestLocalModel;
