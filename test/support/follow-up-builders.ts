/**
 * Builders for follow-up tests: a small access workflow whose `grantAccess`
 * schedules `revokeAccess` after `input.durationHours`.
 */
import * as z from 'zod';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { defineWorkflow, type WorkflowSpecInput } from '../../core/workflow/spec.js';

type ActionsInput = WorkflowSpecInput['actions'];

/** The grant/revoke pair, with overrides of either action (an `undefined` value drops a field). */
export function accessActions(
  grant: Record<string, unknown> = {},
  revoke: Record<string, unknown> = {},
): ActionsInput {
  return {
    grantAccess: {
      description: 'Grant the requester access to a system for a number of hours.',
      input: z.object({
        requestId: z.string(),
        system: z.string(),
        level: z.enum(['read', 'admin']),
        durationHours: z.number().int().min(1).max(72),
        note: z.string().optional(),
      }),
      risk: 'high',
      connector: { type: 'eventbridge', detailType: 'AccessGranted' },
      bind: { requestId: '$.detail.requestId' },
      followUp: {
        action: 'revokeAccess',
        afterHoursField: 'durationHours',
        input: { requestId: 'requestId', system: 'system', level: 'level' },
      },
      ...grant,
    },
    revokeAccess: {
      description: 'Take back the access grantAccess gave, when its time is up.',
      input: z.object({ requestId: z.string(), system: z.string(), level: z.enum(['read', 'admin']) }),
      risk: 'low',
      connector: { type: 'eventbridge', detailType: 'AccessRevoked' },
      bind: { requestId: '$.detail.requestId' },
      reduces: 'grantAccess',
      ...revoke,
    },
  } as ActionsInput;
}

/** A valid access workflow spec input with a grant and its revoke follow-up; override any top-level field. */
export function anAccessSpecInput(overrides: Partial<WorkflowSpecInput> = {}): WorkflowSpecInput {
  return {
    id: 'access-grants',
    version: '0.1.0',
    owner: { team: 'identity', contact: 'identity@example.com' },
    objective: 'Grant temporary access to systems as requested, and take it back when it ends.',
    trigger: {
      source: 'example.access',
      detailType: 'AccessRequested',
      detail: z.object({
        requestId: z.string(),
        system: z.string(),
        level: z.enum(['read', 'admin']),
        durationHours: z.number(),
        requester: z.string(),
      }),
    },
    entityKey: '$.detail.requestId',
    agent: {
      modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      prompt: 'prompt.md',
      maxIterations: 2,
      maxTokens: 512,
      temperature: 0,
    },
    actions: accessActions(),
    policies: 'policies.cedar',
    autonomy: { default: 'autonomous' },
    approvals: {
      approverRoles: ['access-admin'],
      approvers: { 'ada@example.com': ['access-admin'], 'bob@example.com': ['access-admin'] },
      timeout: '4h',
      reminderInterval: '1h',
      escalation: ['security'],
    },
    data: {
      classification: { '$.detail.requester': 'pii' },
      modelMaySee: ['public', 'internal'],
      retentionDays: 90,
    },
    ...overrides,
  };
}

/** Policies that permit every action: the tests are about follow-ups, not decisions. */
export const PERMIT_ALL_POLICIES = '@id("permit-all")\npermit (principal, action, resource);\n';

/** The access workflow as a pack, with policies that permit everything. */
export function anAccessPack(overrides: Partial<WorkflowSpecInput> = {}): WorkflowPack {
  return {
    spec: defineWorkflow(anAccessSpecInput(overrides)),
    prompt: 'Grant access.',
    policies: PERMIT_ALL_POLICIES,
  };
}
