import * as z from 'zod';
import { WorkflowSpecError } from '../../../core/errors.js';
import { validatePolicies } from '../../../core/policy/validate-pack.js';
import { aPack, loadRefundTriagePack } from './builders.js';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof WorkflowSpecError) return error.problems;
    throw error;
  }
  throw new Error('expected a WorkflowSpecError');
}

const route = 'permit (principal, action == Awf::Action::"routeTicket", resource)';

describe('validatePolicies', () => {
  it('accepts the refund-triage policies without warnings', async () => {
    const validated = validatePolicies(await loadRefundTriagePack());
    expect(validated.policySet.policies).toHaveLength(11);
    expect(validated.warnings).toEqual([]);
    expect(Object.keys(validated.contextTypes)).toEqual([
      'issueRefund',
      'denyRefund',
      'requestMoreInformation',
      'escalateToHuman',
    ]);
  });

  it('fails listing every invalid policy by id and line', () => {
    const problems = problemsOf(() =>
      validatePolicies(
        aPack(
          [
            `@id("misspelt")\n${route}\nwhen { context.input.taem == "billing" };`,
            `@id("fine")\n${route};`,
            `@id("string-vs-decimal")\n${route}\nwhen { context.confidence == "high" };`,
          ].join('\n'),
        ),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^policies: policy "misspelt" \(line 3\): .*input\.taem.*not found.*did you mean `team`/,
      ),
      expect.stringMatching(
        /^policies: policy "string-vs-decimal" \(line 8\): .*String and decimal are not compatible/,
      ),
    ]);
  });

  it('fails on a policy for an action outside the catalogue', () => {
    const problems = problemsOf(() =>
      validatePolicies(
        aPack('@id("close")\npermit (principal, action == Awf::Action::"closeTicket", resource);'),
      ),
    );
    expect(problems).toEqual([expect.stringMatching(/^policies: policy "close" \(line 2\): .*closeTicket/)]);
  });

  it('fails on a Long compared with a decimal', () => {
    const problems = problemsOf(() =>
      validatePolicies(aPack(`@id("confident")\n${route}\nwhen { context.confidence > 1 };`)),
    );
    expect(problems).toEqual([expect.stringContaining('policy "confident" (line 3)')]);
  });

  it('fails on an optional input field read without a has guard', () => {
    const problems = problemsOf(() =>
      validatePolicies(
        aPack(`@id("noted")\n${route}\nwhen { context.input.note == "vip" };`, {
          actions: {
            routeTicket: {
              description: 'Assign the ticket to a team queue.',
              input: z.object({ ticketId: z.string(), note: z.string().optional() }),
              risk: 'low',
              connector: { type: 'eventbridge', detailType: 'TicketRouted' },
              bind: { ticketId: '$.detail.ticketId' },
            },
          },
        }),
      ),
    );
    expect(problems).toEqual([expect.stringMatching(/policy "noted" .*optional attribute `input\.note`/)]);
  });

  it('reports input fields without a Cedar type together with policy syntax errors', () => {
    const problems = problemsOf(() =>
      validatePolicies(
        aPack(`${route} when { oops };`, {
          actions: {
            routeTicket: {
              description: 'Assign the ticket to a team queue.',
              input: z.object({ ticketId: z.string(), openedAt: z.date() }),
              risk: 'low',
              connector: { type: 'eventbridge', detailType: 'TicketRouted' },
              bind: { ticketId: '$.detail.ticketId' },
            },
          },
        }),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^actions\.routeTicket\.input\.openedAt: /),
      expect.stringMatching(/^policies: line 1: .*oops/),
    ]);
  });

  it('returns Cedar warnings, such as an impossible policy, without failing', () => {
    const validated = validatePolicies(aPack(`@id("never")\n${route}\nwhen { 1 == 2 };`));
    expect(validated.warnings).toEqual([
      expect.stringMatching(/^policies: policy "never" \(line 1\): .*impossible/),
    ]);
  });
});
