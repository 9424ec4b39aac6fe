import fc from 'fast-check';
import { approvalIdFor, executionKeyFor, proposalIdFor, runIdFor } from '../../core/ids.js';

describe('deterministic ids', () => {
  it('gives an event the same run id every time, prefixed run- with 24 hex digits', () => {
    const id = runIdFor('refund-triage', 'evt-1');
    expect(id).toMatch(/^run-[0-9a-f]{24}$/);
    expect(runIdFor('refund-triage', 'evt-1')).toBe(id);
  });

  it('gives different run ids to different events and to different workflows', () => {
    expect(runIdFor('refund-triage', 'evt-1')).not.toBe(runIdFor('refund-triage', 'evt-2'));
    expect(runIdFor('refund-triage', 'evt-1')).not.toBe(runIdFor('ticket-triage', 'evt-1'));
  });

  it('does not let a separator in one part imitate another split', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        (a, b, c) => a + b === a || runIdFor(a + b, c) !== runIdFor(a, b + c),
      ),
    );
  });

  it('gives a proposal the same id regardless of the key order of its input', () => {
    const one = proposalIdFor('run-1', 0, 0, 'issueRefund', { orderId: 'ord_1', amount: 10 });
    const two = proposalIdFor('run-1', 0, 0, 'issueRefund', { amount: 10, orderId: 'ord_1' });
    expect(one).toBe(two);
    expect(one).toMatch(/^prop-[0-9a-f]{24}$/);
  });

  it('gives different proposal ids for a different iteration, position, action or input', () => {
    const base = proposalIdFor('run-1', 0, 0, 'issueRefund', { amount: 10 });
    expect(proposalIdFor('run-1', 1, 0, 'issueRefund', { amount: 10 })).not.toBe(base);
    expect(proposalIdFor('run-1', 0, 1, 'issueRefund', { amount: 10 })).not.toBe(base);
    expect(proposalIdFor('run-1', 0, 0, 'denyRefund', { amount: 10 })).not.toBe(base);
    expect(proposalIdFor('run-1', 0, 0, 'issueRefund', { amount: 11 })).not.toBe(base);
  });

  it('gives one execution key per intent: the same action and input, in any key order', () => {
    const key = executionKeyFor('run-1', 'issueRefund', { orderId: 'o', amount: 10 });
    expect(executionKeyFor('run-1', 'issueRefund', { amount: 10, orderId: 'o' })).toBe(key);
    expect(executionKeyFor('run-1', 'issueRefund', { orderId: 'o', amount: 11 })).not.toBe(key);
    expect(executionKeyFor('run-1', 'denyRefund', { orderId: 'o', amount: 10 })).not.toBe(key);
    expect(executionKeyFor('run-2', 'issueRefund', { orderId: 'o', amount: 10 })).not.toBe(key);
  });

  it('gives approvals and execution keys distinct ids', () => {
    const approval = approvalIdFor('run-1', 'prop-1');
    const execution = executionKeyFor('run-1', 'prop-1', {});
    expect(approval).toMatch(/^appr-[0-9a-f]{24}$/);
    expect(execution).toMatch(/^exec-[0-9a-f]{24}$/);
    expect(approval.slice(5)).not.toBe(execution.slice(5));
    expect(approvalIdFor('run-1', 'prop-1')).toBe(approval);
  });

  it('fails naming the empty part', () => {
    expect(() => runIdFor('refund-triage', '')).toThrow('eventId must not be empty');
    expect(() => approvalIdFor('', 'prop-1')).toThrow('runId must not be empty');
    expect(() => proposalIdFor('run-1', 0, 0, '', {})).toThrow('action must not be empty');
  });
});
