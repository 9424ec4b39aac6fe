/**
 * Builders for the agent and governance step tests: the refund-triage pack, a
 * stored run, scripted models and Converse answers.
 */
import { join } from 'node:path';
import { proposalIdFor } from '../../../core/ids.js';
import type {
  ContentBlock,
  ConverseRequest,
  ConverseResponse,
  ModelPort,
} from '../../../core/model/model.js';
import { redactDetail } from '../../../core/redaction.js';
import type { RunRecord } from '../../../core/runs/records.js';
import type { BusEvent, GatedProposal, Proposal, RunRef } from '../../../core/steps/contracts.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import { loadWorkflowPack, WORKFLOWS_DIR } from '../../../workflows/discover.js';

/** The refund-triage pack exactly as the app loads it. */
export function loadRefundTriagePack(): Promise<WorkflowPack> {
  return loadWorkflowPack(join(WORKFLOWS_DIR, 'refund-triage'));
}

/** When the test runs happen: a few days after the example orders. */
export const NOW = '2026-11-20T12:00:00.000Z';

/** A valid RefundRequested detail (45.50 USD, damaged mug); override any field. */
export function aRefundDetail(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    requestId: 'req_2k9d7f3a',
    orderId: 'ord_4k8m2p',
    customerId: 'cus_9x2b7d',
    amount: 45.5,
    currency: 'USD',
    orderTotal: 45.5,
    orderDate: '2026-11-02T14:21:00Z',
    reason: 'The ceramic mug arrived damaged: the handle was broken off in the box.',
    customerEmail: 'jordan.lee@example.com',
    customerPhone: '+14155550142',
    requestedBy: 'carol@acme.example',
    ...overrides,
  };
}

/** A stored run of `spec` for `detail`, as Admit would have created it. */
export function aRunRecord(
  spec: WorkflowSpec,
  detail: Record<string, unknown> = aRefundDetail(),
  overrides: Partial<RunRecord> = {},
): RunRecord {
  const entityId = typeof detail.orderId === 'string' ? detail.orderId : 'entity-1';
  return {
    runId: 'run-000000000000000000000abc',
    workflowId: spec.id,
    workflowVersion: spec.version,
    entityId,
    eventId: 'evt-1',
    startedAt: NOW,
    maxIterations: spec.agent.maxIterations,
    status: 'RUNNING',
    executionId: 'exec-1',
    event: {
      id: 'evt-1',
      source: spec.trigger.source,
      'detail-type': spec.trigger.detailType,
      time: NOW,
      detail,
    },
    redactedDetail: redactDetail(spec, detail),
    updatedAt: NOW,
    ...overrides,
  };
}

/** The RunRef carried in the state data for a stored run. */
export function runRefOf(run: RunRecord): RunRef {
  const { runId, workflowId, workflowVersion, entityId, eventId, startedAt, maxIterations } = run;
  return { runId, workflowId, workflowVersion, entityId, eventId, startedAt, maxIterations };
}

/** A tool call block. */
export function toolUse(name: string, input: unknown, toolUseId = `tu-${name}`): ContentBlock {
  return { toolUse: { toolUseId, name, input } };
}

/** A refund-triage `issueRefund` call refunding the whole of what the event asks, for a damaged item. */
export function refundCallFor(event: BusEvent): ContentBlock {
  const { orderId, amount, currency } = event.detail as Record<string, unknown>;
  return toolUse('issueRefund', {
    orderId,
    amount,
    currency,
    reasonCode: 'damaged',
    rationale: 'Damaged or lost; within the refund window.',
    confidence: 0.9,
  });
}

/** A `finish` call with its summary. */
export function finishCall(summary: string): ContentBlock {
  return toolUse('finish', { summary });
}

/** An assistant answer made of the given blocks. */
export function answer(content: readonly ContentBlock[], stopReason = 'tool_use'): ConverseResponse {
  return {
    output: { message: { role: 'assistant', content } },
    stopReason,
    usage: { inputTokens: 1000, outputTokens: 200 },
    metrics: { latencyMs: 420 },
  };
}

/** The issueRefund call a careful model makes for the default detail. */
export function refundCall(overrides: Record<string, unknown> = {}, toolUseId?: string): ContentBlock {
  return toolUse(
    'issueRefund',
    {
      orderId: 'ord_4k8m2p',
      amount: 45.5,
      currency: 'USD',
      reasonCode: 'damaged',
      rationale: 'The item arrived damaged, which the refund policy covers.',
      confidence: 0.9,
      ...overrides,
    },
    toolUseId,
  );
}

/** A model that answers from a script, one answer (or error) per call, and keeps every request. */
export class ScriptedModel implements ModelPort {
  readonly requests: ConverseRequest[] = [];
  private readonly script: (ConverseResponse | Error)[];

  constructor(...script: (ConverseResponse | Error)[]) {
    this.script = script;
  }

  async converse(request: ConverseRequest): Promise<ConverseResponse> {
    this.requests.push(structuredClone(request));
    const next = this.script.shift();
    if (next === undefined) throw new Error('the scripted model ran out of answers');
    if (next instanceof Error) throw next;
    return next;
  }
}

/** A proposal of the run with a deterministic id. */
export function aProposal(
  runId: string,
  action: string,
  input: Record<string, unknown>,
  overrides: Partial<Proposal> = {},
): Proposal {
  return {
    proposalId: proposalIdFor(runId, 0, 0, action, input),
    action,
    input,
    rationale: 'The policy covers this case.',
    confidence: 0.9,
    ...overrides,
  };
}

/** A gate verdict on a proposal. */
export function aGatedProposal(proposal: Proposal, overrides: Partial<GatedProposal> = {}): GatedProposal {
  return {
    proposal,
    decision: 'ALLOW',
    reasons: ['refund-small-autonomous'],
    ...overrides,
  };
}
