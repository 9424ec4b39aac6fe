/**
 * A deterministic stand-in for the LLM of the refund-triage workflow.
 *
 * This is NOT a model: it is a small rule set that answers Converse requests
 * the way a careful agent following `prompt.md` would, so that the local cloud
 * and the tests can drive the whole workflow without AWS. It is never deployed;
 * with `--model bedrock` the real model answers instead.
 *
 * It reads the case from the planning context (`readPlanningContext`) and
 * answers with one action and `finish` together, in one call, since each of
 * its actions resolves the case alone (the finish stands only if the action
 * runs as proposed; otherwise it is asked again and):
 * - finishes once an observation shows an action ran;
 * - hands fraud or chargeback cases, and customers with several recent refunds, to a person;
 * - asks for more information when the reason does not say what went wrong;
 * - declines a refund requested more than 60 days after the order date (duplicate charges excepted);
 * - otherwise refunds the requested amount, capped at the order total, with the matching reason code.
 */
import * as z from 'zod';
import { sha256Hex } from '../../core/hash.js';
import type { ContentBlock, ConverseResponse, LocalModel } from '../../core/model/model.js';
// About four characters per token: the estimate the stand-in Bedrock's prompt cache counts with too.
import { estimateTokens as tokensOf } from '../../core/model/token-estimate.js';
import { type PlanningContext, readPlanningContext } from '../../core/steps/plan/prompt.js';

/** The refund policy window, in days after the order date. */
const POLICY_WINDOW_DAYS = 60;
/** Refunds within the history window from which a case goes to a person. */
const MANY_RECENT_REFUNDS = 3;

type ReasonCode = 'damaged' | 'not-delivered' | 'not-as-described' | 'duplicate-charge';

/** Reason wording, checked in order; the first match decides the reason code. */
const REASON_PATTERNS: readonly (readonly [ReasonCode, RegExp])[] = [
  ['duplicate-charge', /\bduplicate\b|charged twice|double[- ]charged?|billed twice/],
  ['damaged', /damaged|broken|cracked|shattered|defective|arrived in pieces/],
  [
    'not-delivered',
    /not (been )?delivered|never (been )?delivered|never arrived|did not arrive|didn't arrive|not arrived|never received|not received|lost in transit|returned to sender/,
  ],
  [
    'not-as-described',
    /not as described|different from (the )?(description|listing|photos?)|wrong item|not what (i|we) ordered/,
  ],
];

const FRAUD_PATTERN = /fraud|chargeback|stolen card|unauthori[sz]ed (charge|transaction|purchase)/;

/** The fields of the (redacted) detail the rules read; PII is redacted and not needed. */
const refundCaseSchema = z.object({
  orderId: z.string().min(1),
  amount: z.number(),
  currency: z.string(),
  orderTotal: z.number(),
  orderDate: z.string(),
  reason: z.string(),
});
type RefundCase = z.infer<typeof refundCaseSchema>;

const historySchema = z.object({ history: z.object({ issueRefund: z.number() }) });

interface Call {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

function call(name: string, input: Record<string, unknown>, rationale: string, confidence: number): Call {
  return { name, input: { ...input, rationale, confidence } };
}

function escalate(orderId: string, summary: string, rationale: string): Call {
  return call('escalateToHuman', { orderId, summary }, rationale, 0.8);
}

function finishFor(context: PlanningContext): Call | undefined {
  if (context.observations.length === 0) return undefined;
  const done = context.observations.map((o) => o.action).join(', ');
  return {
    name: 'finish',
    input: { summary: `Case ${context.entityId} resolved: ${done} ran; nothing further is needed.` },
  };
}

function daysBetween(fromIso: string, toIso: string): number {
  return (Date.parse(toIso) - Date.parse(fromIso)) / 86_400_000;
}

function decideCase(context: PlanningContext, refund: RefundCase): Call {
  const reason = refund.reason.toLowerCase();
  if (FRAUD_PATTERN.test(reason)) {
    return escalate(
      refund.orderId,
      `The request for order ${refund.orderId} mentions fraud or a chargeback; a person must review it.`,
      'Possible fraud is outside what the agent may decide.',
    );
  }
  const history = historySchema.safeParse(context.facts);
  if (history.success && history.data.history.issueRefund >= MANY_RECENT_REFUNDS) {
    return escalate(
      refund.orderId,
      `The customer of order ${refund.orderId} had ${history.data.history.issueRefund} refunds recently; a person should review this request.`,
      'Several recent refunds for one customer need a human look.',
    );
  }
  const matched = REASON_PATTERNS.find(([, pattern]) => pattern.test(reason));
  if (!matched) {
    return call(
      'requestMoreInformation',
      {
        orderId: refund.orderId,
        questions: [
          'What went wrong with the order: did it arrive damaged, not arrive at all, or differ from its description?',
          'Can you share photos or a tracking number that show the problem?',
        ],
      },
      'The request does not say what went wrong, so it cannot be judged against the refund policy yet.',
      0.85,
    );
  }
  const [reasonCode] = matched;
  const age = daysBetween(refund.orderDate, context.requestedAt);
  if (reasonCode !== 'duplicate-charge' && age > POLICY_WINDOW_DAYS) {
    return call(
      'denyRefund',
      {
        orderId: refund.orderId,
        reasonCode: 'outside-policy-window',
        customerMessage:
          `We are sorry, but refunds for damaged, undelivered or misdescribed items are only possible within ` +
          `${POLICY_WINDOW_DAYS} days of the order date, and order ${refund.orderId} was placed ${Math.floor(age)} days before this request.`,
      },
      `The request came ${Math.floor(age)} days after the order, outside the ${POLICY_WINDOW_DAYS}-day refund window.`,
      0.9,
    );
  }
  const amount = Math.round(Math.min(refund.amount, refund.orderTotal) * 100) / 100;
  return call(
    'issueRefund',
    { orderId: refund.orderId, amount, currency: refund.currency, reasonCode },
    `The reason ("${refund.reason.slice(0, 120)}") is ${reasonCode}, which the refund policy covers; refunding the requested amount, at most the order total.`,
    0.9,
  );
}

/** The action that resolves the case, with the `finish` that ends the run once it has run. */
function resolvingWith(context: PlanningContext, action: Call): readonly Call[] {
  const summary = `Case ${context.entityId} resolved by ${action.name}: ${String(action.input.rationale)}`;
  return [action, { name: 'finish', input: { summary } }];
}

function decide(context: PlanningContext): readonly Call[] {
  const finish = finishFor(context);
  if (finish) return [finish];
  return resolvingWith(context, decideAction(context));
}

function decideAction(context: PlanningContext): Call {
  const refund = refundCaseSchema.safeParse(context.event);
  if (!refund.success) {
    const missing = refund.error.issues.map((issue) => issue.path.join('.')).join(', ');
    return escalate(
      context.entityId,
      `The request for ${context.entityId} lacks readable fields (${missing}); a person must look at it.`,
      'The case cannot be judged from the fields available.',
    );
  }
  return decideCase(context, refund.data);
}

/** The refund-triage stand-in model; see the module comment. */
const refundTriageLocalModel: LocalModel = (body) => {
  const context = readPlanningContext(body.messages);
  const content: ContentBlock[] = decide(context).map(({ name, input }) => ({
    toolUse: {
      toolUseId: `tooluse_${sha256Hex(JSON.stringify({ context, name })).slice(0, 22)}`,
      name,
      input,
    },
  }));
  const inputTokens = tokensOf({ system: body.system, messages: body.messages, tools: body.toolConfig });
  const outputTokens = tokensOf(content);
  const response: ConverseResponse = {
    output: { message: { role: 'assistant', content } },
    stopReason: 'tool_use',
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 1 },
  };
  return response;
};

export default refundTriageLocalModel;
