/**
 * Builds a step from its definition as the Lambda handler factory does, with
 * in-memory ports: the step gets exactly the ports it declared (any other
 * throws UndeclaredPortError), so every test that runs a step also checks its
 * declaration.
 */
import type { z } from 'zod';
import { RecordingMetrics } from '../../adapters/recording-metrics.js';
import { InMemoryFollowUpScheduler } from '../../adapters/scheduler-memory.js';
import type { Clock } from '../../core/ports.js';
import { type PortNeeds, portsFor, type StepPorts } from '../../core/steps/ports.js';
import type { StepDefinition, UseCase } from '../../core/steps/step-definition.js';
import type { StepName } from '../../core/steps/step-names.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { referenceFacts, testCallers, testKeys, testRecordKeys, testTokenSeal } from './trusted-ports.js';

/** The ports a test offers; a step takes the ones it declared. */
export type TestPorts = Partial<StepPorts> & { readonly clock: Clock };

/**
 * The step's use case, built with the declared subset of `ports`. The
 * trusted-fact ports default to the reference pack's orders and the test
 * history key, the record keys and the task token seal to the tests'
 * (`test/support/trusted-ports.ts`).
 * @example
 * const gate = buildStep(gateStep, pack, { runs, lineage, clock });
 */
export function buildStep<S extends z.ZodType, N extends PortNeeds, O, K extends StepName>(
  definition: StepDefinition<S, N, O, K>,
  pack: WorkflowPack,
  { clock, ...given }: TestPorts,
): UseCase<z.infer<S>, O> {
  const available = {
    facts: referenceFacts(),
    keys: testKeys(),
    recordKeys: testRecordKeys(),
    tokens: testTokenSeal(),
    callers: testCallers(),
    metrics: new RecordingMetrics(),
    scheduler: new InMemoryFollowUpScheduler(),
    ...given,
  };
  return definition.build(pack, portsFor(definition.name, definition.ports, available, clock));
}

/** Like {@link buildStep}, but the input is parsed with the step's schema first, as the handler does. */
export function buildStepHandler<S extends z.ZodType, N extends PortNeeds, O, K extends StepName>(
  definition: StepDefinition<S, N, O, K>,
  pack: WorkflowPack,
  ports: TestPorts,
): (input: unknown) => Promise<O> {
  const useCase = buildStep(definition, pack, ports);
  return (input) => useCase(definition.input.parse(input));
}
