/**
 * Every example event of every workflow pack, driven through admit -> ground ->
 * plan (with the pack's local stand-in model) -> gate, must end as its author
 * expects: the gate outcome and the actions that would run.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocalModel, ModelPort } from '../../../core/model/model.js';
import { admitStep } from '../../../core/steps/admit/admit.js';
import type { BusEvent, GateResult } from '../../../core/steps/contracts.js';
import { gateStep } from '../../../core/steps/gate/gate.js';
import { groundStep } from '../../../core/steps/ground/ground.js';
import { planStep } from '../../../core/steps/plan/plan.js';
import {
  discoverWorkflowPacks,
  type ExampleEvent,
  type LocatedWorkflowPack,
  loadExampleEvents,
} from '../../../workflows/discover.js';
import { fixedClock, InMemoryLineageStore, InMemoryRunsStore } from '../../support/in-memory-stores.js';
import { buildStep } from '../../support/step-builders.js';

/** When an example without its own `time` happens, as `awf packs test` runs it. */
const DEFAULT_TIME = '2026-11-20T12:00:00.000Z';

/** The example's event time, which is also the steps' clock (business hours are decided by it). */
function timeOf(example: ExampleEvent): string {
  return new Date(example.time ?? DEFAULT_TIME).toISOString();
}

/** True when what runs depends on people: an approval the example rejects or leaves undecided. */
function peopleDecide(example: ExampleEvent): boolean {
  return (example.approvals ?? []).some((a) => a === 'no-decision' || a.decision === 'REJECT');
}

interface Case {
  readonly located: LocatedWorkflowPack;
  readonly example: ExampleEvent;
}

const located = await discoverWorkflowPacks();
const cases: [string, Case][] = located.flatMap((pack) =>
  loadExampleEvents(pack.dir).map((example): [string, Case] => [
    `${pack.pack.spec.id}/${example.name}`,
    { located: pack, example },
  ]),
);

async function localModelOf(dir: string): Promise<ModelPort> {
  const module = (await import(pathToFileURL(join(dir, 'local-model.ts')).href)) as { default?: LocalModel };
  const model = module.default;
  if (typeof model !== 'function') throw new Error(`${dir}/local-model.ts must default-export a LocalModel`);
  return { converse: async ({ modelId, ...body }) => model(body, modelId) };
}

/** The outcome of a gate result the way an example states it. */
function outcomeOf(gate: GateResult): 'ALLOW' | 'REQUIRE_APPROVAL' | 'DENY' {
  if (gate.counts.denied > 0) return 'DENY';
  if (gate.counts.pendingApproval > 0) return 'REQUIRE_APPROVAL';
  return 'ALLOW';
}

function busEventOf(example: ExampleEvent): BusEvent {
  const { name, expect: _expect, approvals: _approvals, ...event } = example;
  return {
    ...event,
    id: `example-${name}`,
    time: timeOf(example),
    account: '123456789012',
    region: 'us-east-1',
  };
}

describe('example events, through admit, ground, plan and gate', () => {
  it('has at least one example event per pack', () => {
    for (const pack of located) expect(loadExampleEvents(pack.dir).length).toBeGreaterThan(0);
  });

  it.each(cases)('%s ends as its author expects', async (_name, { located: { dir, pack }, example }) => {
    const runs = new InMemoryRunsStore();
    const lineage = new InMemoryLineageStore();
    const clock = fixedClock(timeOf(example));
    const ports = { runs, lineage, clock, model: await localModelOf(dir) };

    const admitted = await buildStep(
      admitStep,
      pack,
      ports,
    )({
      event: busEventOf(example),
      executionId: `exec-${example.name}`,
    });
    if (example.expect.outcome === 'REJECT') {
      expect(admitted.outcome).toBe('REJECTED');
      return;
    }
    if (admitted.outcome !== 'ADMITTED')
      throw new Error(`expected ADMITTED, got ${JSON.stringify(admitted)}`);
    const { run } = admitted;

    const { facts } = await buildStep(groundStep, pack, ports)({ run });
    const planned = await buildStep(planStep, pack, ports)({ run, iteration: 0, facts });
    if (planned.outcome !== 'PROPOSED') throw new Error(`expected proposals, got ${JSON.stringify(planned)}`);

    const gated = await buildStep(
      gateStep,
      pack,
      ports,
    )({ run, iteration: 0, facts, proposals: planned.proposals });

    expect(outcomeOf(gated)).toBe(example.expect.outcome);
    if (peopleDecide(example)) {
      // The gate cannot know what approvers will do: nothing may run without them.
      expect(gated.executable).toEqual(gated.pendingApproval);
    } else {
      expect(gated.executable.map((verdict) => verdict.proposal.action)).toEqual(example.expect.actions);
    }
  });
});
