/**
 * Builders for workflow specs in tests: a valid minimal spec, with overrides.
 */
import * as z from 'zod';
import type { WorkflowSpecInput } from '../../core/workflow/spec.js';

/** A valid spec input for a small ticket workflow; override any top-level field. */
export function aWorkflowSpecInput(overrides: Partial<WorkflowSpecInput> = {}): WorkflowSpecInput {
  return {
    id: 'ticket-triage',
    version: '0.1.0',
    owner: { team: 'support', contact: 'support@example.com' },
    objective: 'Route each support ticket to the team that can resolve it.',
    trigger: {
      source: 'example.support',
      detailType: 'TicketOpened',
      detail: z.object({ ticketId: z.string(), subject: z.string(), email: z.email() }),
    },
    entityKey: '$.detail.ticketId',
    agent: {
      modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      prompt: 'prompt.md',
      maxIterations: 2,
      maxTokens: 512,
      temperature: 0,
    },
    actions: {
      routeTicket: {
        description: 'Assign the ticket to a team queue.',
        input: z.object({ ticketId: z.string(), team: z.enum(['billing', 'tech']) }),
        risk: 'low',
        connector: { type: 'eventbridge', detailType: 'TicketRouted' },
        bind: { ticketId: '$.detail.ticketId' },
      },
    },
    policies: 'policies.cedar',
    autonomy: { default: 'supervised' },
    approvals: {
      approverRoles: ['support-lead'],
      approvers: { 'lead@example.com': ['support-lead'] },
      timeout: '1h',
      reminderInterval: '15m',
      escalation: ['support-manager'],
    },
    data: {
      classification: { '$.detail.email': 'pii' },
      modelMaySee: ['public', 'internal'],
      retentionDays: 90,
    },
    ...overrides,
  };
}
