/**
 * Wait states run on the emulation's time source: on a virtual clock a Wait
 * of a day, until a timestamp, or for a number of seconds read from the input
 * takes no real time, passes its input on, and shows in the history as a Wait.
 */
import { VirtualClock } from '../../../local/clock/virtual-clock.js';
import { LocalStepFunctions } from '../../../local/stepfunctions/engine.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:waits';
const start = new Date('2026-11-02T14:00:00.000Z');

function machine(wait: Record<string, unknown>): { sfn: LocalStepFunctions; clock: VirtualClock } {
  const clock = new VirtualClock(start);
  const definition = {
    StartAt: 'Hold',
    States: {
      Hold: { Type: 'Wait', ...wait, Next: 'Done' },
      Done: { Type: 'Pass', End: true },
    },
  };
  const sfn = new LocalStepFunctions({
    stateMachines: [{ arn: ARN, definition: JSON.stringify(definition) }],
    lambda: { invoke: async () => ({}) },
    time: clock,
  });
  return { sfn, clock };
}

async function runOn(wait: Record<string, unknown>, input: unknown) {
  const { sfn, clock } = machine(wait);
  const { executionArn } = await sfn.startExecution(ARN, JSON.stringify(input));
  const execution = sfn.execution(executionArn);
  let events = 0;
  execution.on('history', () => {
    events++;
  });
  const ended = await clock.runUntilSettled(execution.settled, { progress: () => events });
  await sfn.stop();
  return { ended, clock, history: execution.history };
}

describe('Wait states on the virtual clock', () => {
  it('waits a day of Seconds and passes its input on, recorded as a Wait', async () => {
    const { ended, clock, history } = await runOn({ Seconds: 86_400 }, { order: 'ord_1' });
    expect(ended).toMatchObject({ status: 'SUCCEEDED', output: '{"order":"ord_1"}' });
    expect(clock.now().toISOString()).toBe('2026-11-03T14:00:00.000Z');
    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('waits until a timestamp read from the input, or the seconds a path names', async () => {
    const until = await runOn({ TimestampPath: '$.revokeAt' }, { revokeAt: '2026-11-02T22:00:00Z' });
    expect(until.clock.now().toISOString()).toBe('2026-11-02T22:00:00.000Z');
    const seconds = await runOn({ SecondsPath: '$.hold.seconds' }, { hold: { seconds: 90 } });
    expect(seconds.clock.now().toISOString()).toBe('2026-11-02T14:01:30.000Z');
  });

  it('fails the execution naming the state when the path holds no timestamp', async () => {
    const { ended } = await runOn({ TimestampPath: '$.revokeAt' }, { revokeAt: 'soon' });
    expect(ended).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(ended.cause).toContain(
      'Wait state "Hold": expected an ISO 8601 timestamp at $.revokeAt, got "soon"',
    );
  });
});
