import * as z from 'zod';
import { WorkflowSpecError } from '../../../core/errors.js';
import { toolSpecsFor } from '../../../core/steps/plan/tools.js';
import { defineWorkflow } from '../../../core/workflow/spec.js';
import { aWorkflowSpecInput } from '../../support/workflow-builders.js';
import { loadRefundTriagePack } from './fixtures.js';

describe('toolSpecsFor', () => {
  it('offers one tool per catalogue action, in catalogue order, then finish', async () => {
    const { spec } = await loadRefundTriagePack();
    expect(toolSpecsFor(spec).map((tool) => tool.name)).toEqual([
      'issueRefund',
      'denyRefund',
      'requestMoreInformation',
      'escalateToHuman',
      'finish',
    ]);
  });

  it("renders the action's zod input as JSON Schema and requires rationale and confidence", async () => {
    const { spec } = await loadRefundTriagePack();
    const issueRefund = toolSpecsFor(spec).find((tool) => tool.name === 'issueRefund');
    const schema = issueRefund?.inputSchema.json as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.required).toEqual([
      'orderId',
      'amount',
      'currency',
      'reasonCode',
      'rationale',
      'confidence',
    ]);
    expect(schema.properties.reasonCode?.enum).toContain('not-delivered');
    expect(schema.properties.confidence).toMatchObject({ type: 'number', minimum: 0, maximum: 1 });
    expect(schema.properties.rationale).toMatchObject({ type: 'string' });
    expect(schema.additionalProperties).toBe(false);
    expect(schema).not.toHaveProperty('$schema');
  });

  it('describes each action tool with its description and risk', async () => {
    const { spec } = await loadRefundTriagePack();
    const issueRefund = toolSpecsFor(spec).find((tool) => tool.name === 'issueRefund');
    expect(issueRefund?.description).toContain('Refund part or all of an order');
    expect(issueRefund?.description).toContain('risk: high');
  });

  it('offers finish with a required summary only', async () => {
    const { spec } = await loadRefundTriagePack();
    const finish = toolSpecsFor(spec).find((tool) => tool.name === 'finish');
    expect(finish?.inputSchema.json).toMatchObject({ required: ['summary'], additionalProperties: false });
  });

  it('fails when an action input declares a field reserved for proposals', () => {
    const spec = defineWorkflow(
      aWorkflowSpecInput({
        actions: {
          routeTicket: {
            description: 'Assign the ticket to a team queue.',
            input: z.object({ ticketId: z.string(), confidence: z.number() }),
            risk: 'low',
            connector: { type: 'eventbridge', detailType: 'TicketRouted' },
            bind: { ticketId: '$.detail.ticketId' },
          },
        },
      }),
    );
    expect(() => toolSpecsFor(spec)).toThrow(WorkflowSpecError);
    expect(() => toolSpecsFor(spec)).toThrow(
      /actions\.routeTicket\.input\.confidence: "confidence" is reserved/,
    );
  });
});
