/**
 * Follow-ups in the spec: an action may schedule a reducing action after a
 * number of hours, and the two must name each other; anything else fails
 * synth naming the field and what was expected.
 */
import { WorkflowSpecError } from '../../../core/errors.js';
import { defineWorkflow, type WorkflowSpecInput } from '../../../core/workflow/spec.js';
import { accessActions, anAccessSpecInput } from '../../support/follow-up-builders.js';

function problemsOf(spec: WorkflowSpecInput): string {
  try {
    defineWorkflow(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowSpecError);
    return (error as Error).message;
  }
  throw new Error('expected a WorkflowSpecError');
}

const withActions = (grant: Record<string, unknown> = {}, revoke: Record<string, unknown> = {}) =>
  anAccessSpecInput({ actions: accessActions(grant, revoke) });

const followUp = (overrides: Record<string, unknown>) => ({
  followUp: {
    action: 'revokeAccess',
    afterHoursField: 'durationHours',
    input: { requestId: 'requestId', system: 'system', level: 'level' },
    ...overrides,
  },
});

describe('follow-ups in the spec', () => {
  it('accepts a grant whose follow-up is the action that reduces it, by field or by fixed duration', () => {
    const spec = defineWorkflow(withActions());
    expect(spec.actions.grantAccess?.followUp).toEqual({
      action: 'revokeAccess',
      afterHoursField: 'durationHours',
      input: { requestId: 'requestId', system: 'system', level: 'level' },
    });
    expect(spec.actions.revokeAccess?.reduces).toBe('grantAccess');
    const fixed = defineWorkflow(withActions(followUp({ afterHoursField: undefined, after: '24h' })));
    expect(fixed.actions.grantAccess?.followUp?.after).toBe('24h');
  });

  it('fails for a follow-up that is not a catalogue action', () => {
    expect(problemsOf(withActions(followUp({ action: 'deleteAccount' })))).toContain(
      'actions.grantAccess.followUp.action: expected another of the catalogue\'s actions (grantAccess, revokeAccess), got "deleteAccount"',
    );
  });

  it('fails for a follow-up that does not reduce the action, saying only reducing follow-ups are supported', () => {
    const message = problemsOf(withActions({}, { reduces: undefined }));
    expect(message).toContain(
      'actions.grantAccess.followUp.action: expected an action whose reduces names grantAccess, but revokeAccess declares no reduces: only follow-ups that take back what grantAccess granted are supported',
    );
  });

  it('fails when neither or both of afterHoursField and after are given', () => {
    const expected =
      'actions.grantAccess.followUp: expected exactly one of afterHoursField (a number field of the input holding hours) or after (a duration such as "24h")';
    expect(problemsOf(withActions(followUp({ afterHoursField: undefined })))).toContain(expected);
    expect(problemsOf(withActions(followUp({ after: '24h' })))).toContain(expected);
  });

  it('fails for an afterHoursField that is not a required number field of the input', () => {
    expect(problemsOf(withActions(followUp({ afterHoursField: 'system' })))).toContain(
      'actions.grantAccess.followUp.afterHoursField: expected a required number field of grantAccess\'s input (requestId, system, level, durationHours, note), got "system"',
    );
    expect(problemsOf(withActions(followUp({ afterHoursField: 'hours' })))).toContain('got "hours"');
  });

  it('fails for an after that is not a duration', () => {
    expect(problemsOf(withActions(followUp({ afterHoursField: undefined, after: 'tomorrow' })))).toContain(
      'actions.grantAccess.followUp.after: expected a duration such as "90s", "15m", "24h" or "7d"',
    );
  });

  it('fails for a follow-up input missing a required field of the follow-up, or taking an absent field', () => {
    expect(
      problemsOf(withActions(followUp({ input: { requestId: 'requestId', system: 'system' } }))),
    ).toContain(
      'actions.grantAccess.followUp.input: expected every required field of revokeAccess\'s input to be taken from grantAccess\'s input; "level" is missing',
    );
    const message = problemsOf(
      withActions(
        followUp({ input: { requestId: 'ticketId', system: 'system', level: 'level', reason: 'note' } }),
      ),
    );
    expect(message).toContain(
      'actions.grantAccess.followUp.input.requestId: expected a field of grantAccess\'s input (requestId, system, level, durationHours, note) to take requestId from, got "ticketId"',
    );
    expect(message).toContain(
      'actions.grantAccess.followUp.input.reason: expected a field of revokeAccess\'s input (requestId, system, level), got "reason"',
    );
  });

  it('fails for a required follow-up field taken from an optional field of the action', () => {
    expect(
      problemsOf(
        withActions(followUp({ input: { requestId: 'requestId', system: 'note', level: 'level' } })),
      ),
    ).toContain(
      'actions.grantAccess.followUp.input.system: expected a required field of grantAccess\'s input to take the required system from, got optional "note"',
    );
  });

  it('fails for a reduces that names no catalogue action, or an action whose follow-up is another', () => {
    expect(problemsOf(withActions({ followUp: undefined }, {}))).toContain(
      "actions.revokeAccess.reduces: expected an action whose followUp.action is revokeAccess, but grantAccess declares no followUp: a reducing action runs only as its action's follow-up",
    );
    expect(problemsOf(withActions({ followUp: undefined }, { reduces: 'grantAcess' }))).toContain(
      'actions.revokeAccess.reduces: expected another of the catalogue\'s actions (grantAccess, revokeAccess), got "grantAcess"',
    );
  });

  it('fails for a reducing action that schedules a follow-up of its own', () => {
    const message = problemsOf(
      withActions(
        {},
        {
          followUp: {
            action: 'grantAccess',
            after: '1h',
            input: { requestId: 'requestId', system: 'system', level: 'level' },
          },
        },
      ),
    );
    expect(message).toContain(
      'actions.revokeAccess.followUp: revokeAccess reduces grantAccess; a reducing action cannot schedule a follow-up of its own',
    );
  });

  it('refuses unknown follow-up fields, such as a misspelt afterHoursField', () => {
    expect(problemsOf(withActions(followUp({ afterHourField: 'durationHours' })))).toMatch(
      /actions\.grantAccess\.followUp: Unrecognized key: "afterHourField"/,
    );
  });
});

describe('how long a follow-up may wait', () => {
  it('fails for a fixed duration beyond a year', () => {
    expect(problemsOf(withActions(followUp({ afterHoursField: undefined, after: '400d' })))).toContain(
      'actions.grantAccess.followUp.after: expected at most 8760h, got 400d',
    );
  });
});
