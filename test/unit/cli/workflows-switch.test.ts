/**
 * `awf workflows pause | resume` checks its request before invoking anything,
 * and says what was wrong.
 */
import { switchRequestOf } from '../../../cli/commands/workflows.js';

const target = { workflows: { 'payout-review': { stateMachineArn: 'arn', approvalsUrl: '' } } };

describe('awf workflows pause | resume', () => {
  it('builds a halt by default, and approve-all when asked', () => {
    expect(switchRequestOf(target, 'pause', 'payout-review', { reason: ' fraud ' }, 'ops')).toEqual({
      workflowId: 'payout-review',
      mode: 'halt',
      reason: 'fraud',
      operator: 'ops',
    });
    expect(
      switchRequestOf(
        target,
        'pause',
        'payout-review',
        { mode: 'approve-all', reason: 'rollout', as: 'ana' },
        'ops',
      ),
    ).toMatchObject({ mode: 'approve-all', operator: 'ana' });
  });

  it('builds a resume as mode run', () => {
    expect(switchRequestOf(target, 'resume', 'payout-review', { reason: 'done' }, 'ops').mode).toBe('run');
  });

  it('fails an unknown mode, naming the modes and the value', () => {
    expect(() =>
      switchRequestOf(target, 'pause', 'payout-review', { mode: 'stop', reason: 'x' }, 'ops'),
    ).toThrow('--mode must be one of halt, approve-all, got "stop"');
  });

  it('fails a mode given to resume', () => {
    expect(() =>
      switchRequestOf(target, 'resume', 'payout-review', { mode: 'halt', reason: 'x' }, 'ops'),
    ).toThrow('--mode is for pause only');
  });

  it('fails a missing or blank reason, naming the workflow', () => {
    expect(() => switchRequestOf(target, 'pause', 'payout-review', { reason: '  ' }, 'ops')).toThrow(
      '--reason is required: why you pause payout-review is recorded for auditors',
    );
  });

  it('fails an unknown workflow, naming those the target runs', () => {
    expect(() => switchRequestOf(target, 'pause', 'refunds', { reason: 'x' }, 'ops')).toThrow(
      'no workflow refunds on this target; it runs payout-review',
    );
  });

  it('fails when nobody can be named as the operator', () => {
    expect(() => switchRequestOf(target, 'resume', 'payout-review', { reason: 'x' }, '')).toThrow(
      '--as is required: who you are is recorded as the operator',
    );
  });
});
