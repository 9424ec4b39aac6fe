/**
 * A step gets exactly the ports it declares: any other port, or a runs store
 * method outside its declared access, throws UndeclaredPortError. The same
 * declaration is what `lib/` grants IAM from (test/infra/iam.test.ts), so a
 * step that uses what it did not declare fails here instead of with an
 * AccessDenied after a deploy.
 */
import * as z from 'zod';
import { STEP_DEFINITIONS } from '../../../core/steps/definitions.js';
import { portsFor, runsMethodsAdmitted, UndeclaredPortError } from '../../../core/steps/ports.js';
import { defineStep } from '../../../core/steps/step-definition.js';
import { STEP_NAMES } from '../../../core/steps/step-names.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';
import {
  fixedClock,
  InMemoryLineageStore,
  InMemoryRunsStore,
  RecordingEventPublisher,
} from '../../support/in-memory-stores.js';
import { buildStep } from '../../support/step-builders.js';

const clock = fixedClock('2026-11-02T14:21:00.000Z');
const pack = { spec: refundTriage, prompt: '', policies: '' };

describe('portsFor', () => {
  it('gives the declared ports and the clock, each the port offered', () => {
    const runs = new InMemoryRunsStore();
    const lineage = new InMemoryLineageStore();
    const ports = portsFor('ground', { runs: 'read', lineage: 'append' }, { runs, lineage }, clock);
    expect(ports.lineage).toBe(lineage);
    expect(ports.clock).toBe(clock);
  });

  it('fails naming the step and the port when the step reaches for one it did not declare', () => {
    const ports = portsFor(
      'ground',
      { lineage: 'append' },
      { lineage: new InMemoryLineageStore(), events: new RecordingEventPublisher() },
      clock,
    ) as unknown as Record<string, unknown>;
    expect(() => ports.events).toThrow(
      new UndeclaredPortError('the ground step used the events port, which it did not declare'),
    );
    expect(() => ports.model).toThrow(UndeclaredPortError);
  });

  it('admits only the runs methods the declared access covers', async () => {
    const runs = new InMemoryRunsStore();
    const readOnly = portsFor('gate', { runs: 'read' }, { runs }, clock);
    await expect(readOnly.runs.getRun('run-1')).resolves.toBeUndefined();
    expect(() => readOnly.runs.recordHistory('w', 'k', 'a', 'now')).toThrow(
      new UndeclaredPortError(
        'the gate step called runs.recordHistory (writes history), but declared runs access "read"',
      ),
    );
    const act = portsFor('act', { runs: { writes: ['execution', 'history'] } }, { runs }, clock);
    await expect(act.runs.recordHistory('w', 'k', 'a', '2026-11-02T14:21:00.000Z')).resolves.toBeUndefined();
    expect(() => act.runs.putApproval).toThrow(
      /the act step called runs.putApproval \(writes approval, run\)/,
    );
  });

  it('fails when a declared port is not offered, naming it', () => {
    expect(() => portsFor('plan', { model: 'invoke' }, {}, clock)).toThrow(
      'the plan step declares the model port, but none was given',
    );
  });

  it('never admits a write of autonomy levels to any declared runs access of a step', () => {
    for (const step of STEP_NAMES) {
      const access = STEP_DEFINITIONS[step].ports as { runs?: Parameters<typeof runsMethodsAdmitted>[0] };
      if (access.runs) expect(runsMethodsAdmitted(access.runs)).not.toContain('putAutonomy');
    }
  });
});

describe('a step that uses a port it did not declare', () => {
  const leaky = defineStep({
    name: 'ground',
    input: z.object({}),
    ports: { lineage: 'append' },
    build(_pack, ports) {
      // Reaches past its declaration, as a careless change would.
      const undeclared = ports as unknown as { events: RecordingEventPublisher };
      return async () => undeclared.events.publish([]);
    },
    measure() {},
  });

  it('fails the first time it runs', async () => {
    const run = buildStep(leaky, pack, {
      lineage: new InMemoryLineageStore(),
      events: new RecordingEventPublisher(),
      clock,
    });
    await expect(run({})).rejects.toThrow(UndeclaredPortError);
  });
});

describe('the step definitions', () => {
  it('are keyed by the name each declares, one per step', () => {
    expect(Object.keys(STEP_DEFINITIONS).sort()).toEqual([...STEP_NAMES].sort());
    for (const [key, definition] of Object.entries(STEP_DEFINITIONS)) expect(definition.name).toBe(key);
  });
});
