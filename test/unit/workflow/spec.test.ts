import * as z from 'zod';
import { durationToSeconds } from '../../../core/duration.js';
import { WorkflowSpecError } from '../../../core/errors.js';
import { defineWorkflow } from '../../../core/workflow/spec.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';
import { aWorkflowSpecInput } from '../../support/workflow-builders.js';

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowSpecError);
    return (error as Error).message;
  }
  throw new Error('expected a WorkflowSpecError');
}

describe('defineWorkflow', () => {
  it('accepts the refund-triage pack and applies defaults', () => {
    expect(refundTriage.id).toBe('refund-triage');
    expect(refundTriage.data.defaultClass).toBe('internal');
    expect(Object.keys(refundTriage.actions)).toEqual([
      'issueRefund',
      'denyRefund',
      'requestMoreInformation',
      'escalateToHuman',
    ]);
  });

  it('defaults the repair budget, grounding and separation of duties', () => {
    const spec = defineWorkflow(aWorkflowSpecInput());
    expect(spec.agent.maxRepairs).toBe(2);
    expect(spec.grounding).toEqual({ facts: {} });
    expect(spec.caps).toEqual({});
    expect(spec.timezone).toBe('UTC');
    expect(spec.data.policyMaySee).toEqual([]);
    expect(spec.approvals.separationOfDuties.excludeEventFields).toEqual([]);
    expect(spec.autonomy.actions).toEqual({});
  });

  it('fails naming the workflow, the field and what was expected', () => {
    const message = problemsOf(() =>
      defineWorkflow(
        aWorkflowSpecInput({
          agent: { modelId: 'm-1', prompt: 'prompt.md', maxIterations: 50, maxTokens: 512, temperature: 0 },
        }),
      ),
    );
    expect(message).toContain('workflow "ticket-triage" is invalid');
    expect(message).toContain('agent.maxIterations');
    expect(message).toContain('<=10');
  });

  it('fails on an autonomy level for an action outside the catalogue', () => {
    const message = problemsOf(() =>
      defineWorkflow(
        aWorkflowSpecInput({ autonomy: { default: 'shadow', actions: { closeTicket: 'autonomous' } } }),
      ),
    );
    expect(message).toContain('autonomy.actions.closeTicket');
    expect(message).toContain('routeTicket');
  });

  it('fails on an action named like the reserved finish tool', () => {
    const base = aWorkflowSpecInput();
    const message = problemsOf(() =>
      defineWorkflow({ ...base, actions: { finish: base.actions.routeTicket as never } }),
    );
    expect(message).toContain('"finish" is reserved');
  });

  it('fails when the reminder interval is not shorter than the approval timeout', () => {
    const base = aWorkflowSpecInput();
    const message = problemsOf(() =>
      defineWorkflow({ ...base, approvals: { ...base.approvals, reminderInterval: '2h' } }),
    );
    expect(message).toContain(
      'approvals.reminderInterval: expected less than the approval timeout (1h), got 2h',
    );
  });

  it('fails when an approver holds none of the approver roles', () => {
    const base = aWorkflowSpecInput();
    const message = problemsOf(() =>
      defineWorkflow({
        ...base,
        approvals: { ...base.approvals, approvers: { 'intern@example.com': ['support'] } },
      }),
    );
    expect(message).toContain('approvals.approvers.intern@example.com');
  });

  it('fails when secret fields may reach the model', () => {
    const base = aWorkflowSpecInput();
    const message = problemsOf(() =>
      defineWorkflow({ ...base, data: { ...base.data, modelMaySee: ['public', 'secret'] } }),
    );
    expect(message).toContain('data.modelMaySee: secret fields may never reach the model');
  });

  it('fails when the trigger detail is not a zod schema', () => {
    const base = aWorkflowSpecInput();
    const message = problemsOf(() =>
      defineWorkflow({ ...base, trigger: { ...base.trigger, detail: { ticketId: 'string' } as never } }),
    );
    expect(message).toContain('trigger.detail: expected a zod schema');
  });

  it('fails when an action input is not an object schema', () => {
    const base = aWorkflowSpecInput();
    const routeTicket = { ...(base.actions.routeTicket as object), input: z.string() };
    const message = problemsOf(() =>
      defineWorkflow({ ...base, actions: { routeTicket: routeTicket as never } }),
    );
    expect(message).toContain('actions.routeTicket.input: expected a zod object schema');
  });

  it('fails on a detail pattern EventBridge would refuse, naming the operator', () => {
    const base = aWorkflowSpecInput();
    const message = problemsOf(() =>
      defineWorkflow({
        ...base,
        trigger: { ...base.trigger, detailPattern: { priority: [{ numeric: ['>', 'x'] }] } },
      }),
    );
    expect(message).toContain('trigger.detailPattern: detail.priority: numeric');
  });

  it('accepts a valid detail pattern', () => {
    const base = aWorkflowSpecInput();
    const spec = defineWorkflow({
      ...base,
      trigger: { ...base.trigger, detailPattern: { priority: [{ prefix: 'P1' }] } },
    });
    expect(spec.trigger.detailPattern).toEqual({ priority: [{ prefix: 'P1' }] });
  });

  it('fails on an entity key that is not a member path', () => {
    const message = problemsOf(() => defineWorkflow(aWorkflowSpecInput({ entityKey: 'detail.ticketId' })));
    expect(message).toContain('entityKey: expected a JSONPath');
  });

  it('fails on an action connector that would emit a platform event', () => {
    const base = aWorkflowSpecInput();
    const routeTicket = {
      ...(base.actions.routeTicket as object),
      connector: { type: 'eventbridge', detailType: 'WorkflowCompleted' },
    };
    const message = problemsOf(() =>
      defineWorkflow({ ...base, actions: { routeTicket: routeTicket as never } }),
    );
    expect(message).toContain(
      'actions.routeTicket.connector.detailType: "WorkflowCompleted" is the detail-type of a platform event',
    );
  });

  describe('a dynamodb connector', () => {
    const withConnector = (keyFields: string[], updateFields: string[]) => {
      const base = aWorkflowSpecInput();
      return {
        ...base,
        actions: {
          holdTicket: {
            description: 'Hold the ticket in the queue table.',
            input: z.object({ ticketId: z.string(), note: z.string(), label: z.string().optional() }),
            risk: 'low' as const,
            connector: { type: 'dynamodb' as const, tableName: 'ticket-queue', keyFields, updateFields },
            bind: { ticketId: '$.detail.ticketId' },
          },
        },
      };
    };

    it('accepts key and update fields the input always carries', () => {
      expect(defineWorkflow(withConnector(['ticketId'], ['note'])).actions.holdTicket?.connector).toEqual({
        type: 'dynamodb',
        tableName: 'ticket-queue',
        keyFields: ['ticketId'],
        updateFields: ['note'],
      });
    });

    it('fails on a key or update field that is not in the input, naming the fields it has', () => {
      const message = problemsOf(() => defineWorkflow(withConnector(['ticketNo'], ['notes'])));
      expect(message).toContain(
        `actions.holdTicket.connector.keyFields: expected a field of the action's input (ticketId, note, label), got "ticketNo"`,
      );
      expect(message).toContain('actions.holdTicket.connector.updateFields:');
      expect(message).toContain('got "notes"');
    });

    it('fails on an optional field, which the connector would miss when the model leaves it out', () => {
      const message = problemsOf(() => defineWorkflow(withConnector(['ticketId'], ['label'])));
      expect(message).toContain(
        `actions.holdTicket.connector.updateFields: expected a required field of the action's input, got optional "label"`,
      );
    });

    it('fails on a field that is both key and update, which DynamoDB refuses to SET', () => {
      const message = problemsOf(() => defineWorkflow(withConnector(['ticketId'], ['ticketId', 'note'])));
      expect(message).toContain('actions.holdTicket.connector.updateFields: "ticketId" is a key field');
    });
  });

  it('lists every problem at once, not only the first', () => {
    const message = problemsOf(() => defineWorkflow(aWorkflowSpecInput({ version: 'one', entityKey: 'x' })));
    expect(message).toContain('version:');
    expect(message).toContain('entityKey:');
  });
});

describe('durationToSeconds', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['24h', 86_400],
    ['7d', 604_800],
  ])('reads %s as %d seconds', (text, seconds) => {
    expect(durationToSeconds(text)).toBe(seconds);
  });

  it('fails on a string that is not a duration, showing it', () => {
    expect(() => durationToSeconds('1 day')).toThrow('got "1 day"');
  });
});
