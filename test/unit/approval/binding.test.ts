import fc from 'fast-check';
import { bindingHashFor } from '../../../core/approval/binding.js';

const proposal = {
  proposalId: 'prop-1',
  action: 'issueRefund',
  input: { orderId: 'ord_7h3n9q', amount: 1249, currency: 'USD', reasonCode: 'not-delivered' },
};

describe('bindingHashFor', () => {
  it('is a SHA-256 hex digest that ignores the key order of the input', () => {
    const reordered = {
      ...proposal,
      input: { reasonCode: 'not-delivered', currency: 'USD', amount: 1249, orderId: 'ord_7h3n9q' },
    };
    expect(bindingHashFor('run-1', proposal)).toMatch(/^[0-9a-f]{64}$/);
    expect(bindingHashFor('run-1', reordered)).toBe(bindingHashFor('run-1', proposal));
  });

  it('changes when the amount changes by one cent', () => {
    const tampered = { ...proposal, input: { ...proposal.input, amount: 1249.01 } };
    expect(bindingHashFor('run-1', tampered)).not.toBe(bindingHashFor('run-1', proposal));
  });

  it('binds the run, the proposal and the action as well as the input', () => {
    const original = bindingHashFor('run-1', proposal);
    expect(bindingHashFor('run-2', proposal)).not.toBe(original);
    expect(bindingHashFor('run-1', { ...proposal, proposalId: 'prop-2' })).not.toBe(original);
    expect(bindingHashFor('run-1', { ...proposal, action: 'denyRefund' })).not.toBe(original);
  });

  it('differs for any two different amounts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), (a, b) => {
        fc.pre(a !== b);
        const withAmount = (cents: number) => ({
          ...proposal,
          input: { ...proposal.input, amount: cents / 100 },
        });
        return bindingHashFor('run-1', withAmount(a)) !== bindingHashFor('run-1', withAmount(b));
      }),
    );
  });
});
