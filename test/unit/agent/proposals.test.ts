import { describeProblem, parseModelOutput } from '../../../core/steps/plan/proposals.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import { answer, loadRefundTriagePack, refundCall, toolUse } from './fixtures.js';

let spec: WorkflowSpec;
beforeAll(async () => {
  spec = (await loadRefundTriagePack()).spec;
});

function problemsOf(result: ReturnType<typeof parseModelOutput>): string[] {
  if (result.outcome !== 'INVALID') throw new Error(`expected INVALID, got ${result.outcome}`);
  return result.problems.map(describeProblem);
}

describe('parseModelOutput', () => {
  it('accepts catalogue calls and separates rationale and confidence from the action input', () => {
    const result = parseModelOutput(spec, answer([{ text: 'Refunding.' }, refundCall()]));
    expect(result).toEqual({
      outcome: 'PROPOSED',
      actions: [
        {
          toolUseId: 'tu-issueRefund',
          action: 'issueRefund',
          input: { orderId: 'ord_4k8m2p', amount: 45.5, currency: 'USD', reasonCode: 'damaged' },
          rationale: 'The item arrived damaged, which the refund policy covers.',
          confidence: 0.9,
        },
      ],
    });
  });

  it('accepts several different actions in one answer', () => {
    const result = parseModelOutput(
      spec,
      answer([
        refundCall(),
        toolUse('escalateToHuman', {
          orderId: 'ord_4k8m2p',
          summary: 'Customer also reports a second damaged item.',
          rationale: 'Needs a person.',
          confidence: 0.7,
        }),
      ]),
    );
    expect(result.outcome === 'PROPOSED' && result.actions.map((a) => a.action)).toEqual([
      'issueRefund',
      'escalateToHuman',
    ]);
  });

  it('rejects a tool outside the catalogue, naming it and the tools there are', () => {
    const result = parseModelOutput(spec, answer([toolUse('wireMoney', { amount: 5000 })]));
    expect(problemsOf(result)).toEqual([
      'tool "wireMoney": is not a tool of this workflow; the tools are issueRefund, denyRefund, requestMoreInformation, escalateToHuman, finish',
    ]);
  });

  it('rejects an input that fails the action schema, naming the field and the bad value', () => {
    const result = parseModelOutput(spec, answer([refundCall({ amount: -5, currency: 'JPY' })]));
    const problems = problemsOf(result);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^tool "issueRefund": field "amount": .*, got -5$/);
    expect(problems[1]).toMatch(/^tool "issueRefund": field "currency": .*, got "JPY"$/);
  });

  it('rejects a missing rationale and a confidence above 1', () => {
    const result = parseModelOutput(spec, answer([refundCall({ rationale: undefined, confidence: 1.5 })]));
    const problems = problemsOf(result);
    expect(problems.some((p) => p.startsWith('tool "issueRefund": field "rationale":'))).toBe(true);
    expect(problems.some((p) => /^tool "issueRefund": field "confidence": .*got 1\.5$/.test(p))).toBe(true);
  });

  it('rejects fields the action does not declare instead of dropping them', () => {
    const result = parseModelOutput(spec, answer([refundCall({ skipApproval: true })]));
    expect(problemsOf(result)).toEqual([
      'tool "issueRefund": field "skipApproval": is not an input of this action, got true',
    ]);
  });

  it('rejects an input that is not an object', () => {
    const result = parseModelOutput(spec, answer([toolUse('issueRefund', 'refund it all')]));
    expect(problemsOf(result)).toEqual([
      'tool "issueRefund": input: expected a JSON object, got "refund it all"',
    ]);
  });

  it('rejects a text-only answer', () => {
    const result = parseModelOutput(spec, answer([{ text: 'I would refund this.' }], 'end_turn'));
    expect(problemsOf(result)[0]).toMatch(
      /^the answer calls no tool; act only by calling one of issueRefund, /,
    );
  });

  it('accepts actions with finish in the same answer: the proposals carry the finish', () => {
    const result = parseModelOutput(spec, answer([refundCall(), toolUse('finish', { summary: 'Done.' })]));
    expect(result).toMatchObject({
      outcome: 'PROPOSED',
      actions: [{ action: 'issueRefund' }],
      finish: { summary: 'Done.' },
    });
  });

  it('rejects finish called twice, naming the second call', () => {
    const result = parseModelOutput(
      spec,
      answer([
        refundCall(),
        toolUse('finish', { summary: 'Done.' }),
        toolUse('finish', { summary: 'Again.' }),
      ]),
    );
    expect(problemsOf(result)).toEqual([
      'tool "finish": is called more than once; call finish at most once, with one summary',
    ]);
  });

  it('rejects a bad finish that comes with actions, so no proposal is taken from that answer', () => {
    const result = parseModelOutput(spec, answer([refundCall(), toolUse('finish', { summary: '' })]));
    expect(result.outcome).toBe('INVALID');
    expect(problemsOf(result)[0]).toMatch(/^tool "finish": field "summary": /);
  });

  it('rejects a bad action that comes with finish', () => {
    const result = parseModelOutput(
      spec,
      answer([toolUse('wireMoney', { amount: 1 }), toolUse('finish', { summary: 'Done.' })]),
    );
    expect(result.outcome).toBe('INVALID');
    expect(problemsOf(result)[0]).toMatch(/^tool "wireMoney": is not a tool of this workflow/);
  });

  it('accepts finish alone with its summary', () => {
    const result = parseModelOutput(spec, answer([toolUse('finish', { summary: 'Refund issued.' })]));
    expect(result).toEqual({ outcome: 'FINISHED', summary: 'Refund issued.' });
  });

  it('rejects finish without a summary', () => {
    const result = parseModelOutput(spec, answer([toolUse('finish', {})]));
    expect(problemsOf(result)[0]).toMatch(/^tool "finish": field "summary": /);
  });

  it('rejects the same action proposed twice with the same input', () => {
    const result = parseModelOutput(
      spec,
      answer([refundCall({}, 'a'), refundCall({ confidence: 0.8 }, 'b')]),
    );
    expect(problemsOf(result)).toEqual([
      'tool "issueRefund": is proposed twice with the same input; propose each action once',
    ]);
  });

  it('rejects an answer cut off at the token limit even when its calls parse', () => {
    const result = parseModelOutput(spec, answer([refundCall()], 'max_tokens'));
    expect(problemsOf(result)[0]).toMatch(/^stopReason "max_tokens": the answer was cut off/);
  });
});
