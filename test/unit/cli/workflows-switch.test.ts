/**
 * `awf workflows pause | resume` checks its request before sending anything,
 * and says what was wrong; who the operator is comes from the signature, not
 * from the request.
 */
import { switchRequestOf } from '../../../cli/commands/workflows.js';

const target = { workflows: { 'payout-review': { stateMachineArn: 'arn', approvalsUrl: '' } } };

describe('awf workflows pause | resume', () => {
  it('builds a halt by default, and approve-all when asked', () => {
    expect(switchRequestOf(target, 'pause', 'payout-review', { reason: ' fraud ' })).toEqual({
      workflowId: 'payout-review',
      mode: 'halt',
      reason: 'fraud',
    });
    expect(
      switchRequestOf(target, 'pause', 'payout-review', {
        mode: 'approve-all',
        reason: 'rollout',
        as: 'ana',
      }),
    ).toEqual({ workflowId: 'payout-review', mode: 'approve-all', reason: 'rollout', as: 'ana' });
  });

  it('builds a resume as mode run', () => {
    expect(switchRequestOf(target, 'resume', 'payout-review', { reason: 'done' }).mode).toBe('run');
  });

  it('fails an unknown mode, naming the modes and the value', () => {
    expect(() => switchRequestOf(target, 'pause', 'payout-review', { mode: 'stop', reason: 'x' })).toThrow(
      '--mode must be one of halt, approve-all, got "stop"',
    );
  });

  it('fails a mode given to resume', () => {
    expect(() => switchRequestOf(target, 'resume', 'payout-review', { mode: 'halt', reason: 'x' })).toThrow(
      '--mode is for pause only',
    );
  });

  it('fails a missing or blank reason, naming the workflow', () => {
    expect(() => switchRequestOf(target, 'pause', 'payout-review', { reason: '  ' })).toThrow(
      '--reason is required: why you pause payout-review is recorded for auditors',
    );
  });

  it('fails an unknown workflow, naming those the target runs', () => {
    expect(() => switchRequestOf(target, 'pause', 'refunds', { reason: 'x' })).toThrow(
      'no workflow refunds on this target; it runs payout-review',
    );
  });
});
