/**
 * The virtual clock: time moves only when told, or when the awaited work has
 * nothing left to do but wait; timers fire in order, each at its own time.
 */
import { VirtualClock, VirtualClockDeadlockError } from '../../../local/clock/virtual-clock.js';

const start = new Date('2026-11-02T14:21:00.000Z');

describe('VirtualClock', () => {
  it('fires due timers in order, each at its own time, and never goes back', () => {
    const clock = new VirtualClock(start);
    const fired: string[] = [];
    clock.setTimer(2000, () => fired.push(`b@${clock.now().toISOString()}`));
    clock.setTimer(1000, () => fired.push(`a@${clock.now().toISOString()}`));
    const cancel = clock.setTimer(1500, () => fired.push('cancelled'));
    cancel();
    clock.advanceTo(new Date(start.getTime() + 5000));
    expect(fired).toEqual(['a@2026-11-02T14:21:01.000Z', 'b@2026-11-02T14:21:02.000Z']);
    clock.advanceTo(start);
    expect(clock.now().toISOString()).toBe('2026-11-02T14:21:05.000Z');
    expect(clock.pendingTimers).toBe(0);
  });

  it('jumps to the next timer only once the awaited work waits', async () => {
    const clock = new VirtualClock(start);
    let steps = 0;
    const work = (async () => {
      // Work that takes many turns but no time, and says it is progressing.
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        steps++;
      }
      const at = clock.now().toISOString();
      await new Promise<void>((resolve) => clock.setTimer(24 * 3600_000, resolve));
      return [at, clock.now().toISOString()];
    })();
    await expect(clock.runUntilSettled(work, { progress: () => steps })).resolves.toEqual([
      '2026-11-02T14:21:00.000Z',
      '2026-11-03T14:21:00.000Z',
    ]);
  });

  it('does not jump while the watch says something is still busy', async () => {
    const clock = new VirtualClock(start);
    let busy = true;
    const order: string[] = [];
    clock.setTimer(1000, () => order.push('timer'));
    setTimeout(() => {
      order.push('real work done');
      busy = false;
    }, 20);
    const work = new Promise<void>((resolve) => clock.setTimer(2000, resolve));
    await clock.runUntilSettled(work, { busy: () => busy });
    expect(order).toEqual(['real work done', 'timer']);
  });

  it('fails naming the time when the work waits and no timer could wake it', async () => {
    const clock = new VirtualClock(start);
    await expect(clock.runUntilSettled(new Promise(() => undefined))).rejects.toThrow(
      new VirtualClockDeadlockError(
        'the awaited work waits at 2026-11-02T14:21:00.000Z, and no timer is set that could wake it',
      ),
    );
  });
});
