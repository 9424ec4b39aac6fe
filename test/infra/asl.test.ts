/**
 * The synthesized state machine definitions are valid ASL that never ends a
 * path silently, waits for humans only with a timeout (no heartbeat), uses
 * JSONPath only, and fails synthesis on any placeholder it cannot fill.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { bindAslDefinition, loadAslDefinition } from '../../lib/asl-definition.js';
import { AwfDataStack } from '../../lib/data-stack.js';
import { StateMachineDefinitionError } from '../../lib/errors.js';
import { GovernedWorkflow, workflowTimeouts } from '../../lib/governed-workflow.js';
import { GOVERNED_WORKFLOW_ASL } from '../../lib/project-paths.js';
import type { PackAtDir } from '../../lib/workflows-stack.js';
import { workflowIdsOf } from '../support/packs.js';
import { type AslState, allStates, applySubstitutions, validateAsl } from './support/asl.js';
import { cdkJsonContext, fakeCloudOf, loadTestPacks, synthAwf, TEST_ENV } from './support/synth.js';

interface SynthesizedDefinition {
  readonly workflowId: string;
  readonly definition: Record<string, unknown>;
}

let packs: PackAtDir[];
let definitions: SynthesizedDefinition[];

beforeAll(async () => {
  packs = await loadTestPacks();
  const synth = synthAwf({ packs });
  const cloud = fakeCloudOf(synth);
  definitions = Object.entries(synth.workflows.workflows).map(([workflowId, workflow]) => {
    const id = synth.workflows.getLogicalId(workflow.stateMachine.node.defaultChild as never);
    const properties = cloud.resolve(
      synth.workflows.stackName,
      cloud.resource(synth.workflows.stackName, id).Properties ?? {},
    ) as { DefinitionString: string; DefinitionSubstitutions: Record<string, string> };
    const text = applySubstitutions(properties.DefinitionString, properties.DefinitionSubstitutions);
    return { workflowId, definition: JSON.parse(text) as Record<string, unknown> };
  });
});

const tasks = (definition: unknown) => allStates(definition).filter(({ state }) => state.Type === 'Task');

it('synthesizes one definition per workflow, with every placeholder filled', () => {
  const ids = definitions.map((d) => d.workflowId).sort();
  expect(ids).toEqual(workflowIdsOf(packs).sort());
  expect(ids).toEqual(expect.arrayContaining(['order-holds', 'refund-triage']));
  for (const { definition } of definitions) expect(JSON.stringify(definition)).not.toContain('$' + '{');
});

it('passes asl-validator', () => {
  for (const { workflowId, definition } of definitions) {
    const result = validateAsl(definition);
    expect({ workflowId, errors: result.isValid ? '' : result.errorsText('\n') }).toEqual({
      workflowId,
      errors: '',
    });
  }
});

it('gives every Task a Retry and a Catch; a Task inside a Map is caught by its Map', () => {
  for (const { definition } of definitions) {
    for (const { name, state, enclosing } of tasks(definition)) {
      expect({ name, retries: Array.isArray(state.Retry) && state.Retry.length > 0 }).toEqual({
        name,
        retries: true,
      });
      const catcher: AslState = enclosing?.state.Type === 'Map' ? enclosing.state : state;
      const catchesAll =
        Array.isArray(catcher.Catch) &&
        catcher.Catch.some(
          (c: unknown) =>
            typeof c === 'object' &&
            c !== null &&
            Array.isArray((c as { ErrorEquals?: unknown }).ErrorEquals) &&
            (c as { ErrorEquals: unknown[] }).ErrorEquals.includes('States.ALL'),
        );
      expect({ name, catchesAll }).toEqual({ name, catchesAll: true });
    }
  }
});

it('retries every Task with jitter', () => {
  for (const { definition } of definitions) {
    for (const { name, state } of tasks(definition)) {
      const retriers = state.Retry as { JitterStrategy?: string }[];
      expect({ name, jitter: retriers.map((r) => r.JitterStrategy) }).toEqual({
        name,
        jitter: retriers.map(() => 'FULL'),
      });
    }
  }
});

it('retries throttling and a lost lineage race on every Task: each step is retry-safe, and these pass', () => {
  for (const { definition } of definitions) {
    for (const { name, state } of tasks(definition)) {
      const retried = (state.Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
      expect({
        name,
        missing: ['ThrottlingException', 'LineageWriteError'].filter((e) => !retried.includes(e)),
      }).toEqual({ name, missing: [] });
    }
  }
});

it('uses JSONPath only: no QueryLanguage, Arguments, Output, Assign or Condition anywhere', () => {
  const forbidden = ['QueryLanguage', 'Arguments', 'Output', 'Assign', 'Condition'];
  for (const { definition } of definitions) {
    for (const key of forbidden) expect(Object.keys(definition)).not.toContain(key);
    for (const { name, state } of allStates(definition)) {
      expect({ name, keys: Object.keys(state).filter((key) => forbidden.includes(key)) }).toEqual({
        name,
        keys: [],
      });
      for (const choice of Array.isArray(state.Choices) ? state.Choices : []) {
        expect(Object.keys(choice as object)).not.toContain('Condition');
      }
    }
  }
});

it('waits for a task token only for an approval, with the approval timeout from the spec, or while parked, bounded by the execution timeout; never with a heartbeat', () => {
  for (const { workflowId, definition } of definitions) {
    const pack = packs.find((p) => p.pack.spec.id === workflowId);
    if (!pack) throw new Error(workflowId);
    const expected = workflowTimeouts(pack.pack.spec);
    const waiting = tasks(definition).filter(({ state }) =>
      String(state.Resource).endsWith('.waitForTaskToken'),
    );
    expect(waiting.map(({ name }) => name).sort()).toEqual(['Park until resumed', 'Request approval']);
    for (const { name, state, enclosing } of waiting) {
      // Nothing sends heartbeats: only decide-approval and switch may answer a task token.
      expect(state).not.toHaveProperty('HeartbeatSeconds');
      expect(state).not.toHaveProperty('HeartbeatSecondsPath');
      if (name === 'Park until resumed') {
        // A parked run waits for resume as long as the execution may live; then it is reconciled.
        expect(state).not.toHaveProperty('TimeoutSeconds');
        continue;
      }
      expect(state.TimeoutSeconds).toBe(expected.approvalTimeoutSeconds);
      const catches = (enclosing?.state.Catch ?? []) as { ErrorEquals: string[]; Next: string }[];
      expect(catches.find((c) => c.ErrorEquals.includes('States.Timeout'))).toMatchObject({
        ErrorEquals: ['States.Timeout'],
        Next: 'Approval expired',
      });
      // Nothing sends heartbeats: no step but decide-approval may touch a task token.
      expect(state).not.toHaveProperty('HeartbeatSeconds');
      expect(state).not.toHaveProperty('HeartbeatSecondsPath');
    }
    expect(definition.TimeoutSeconds).toBe(expected.executionTimeoutSeconds);
  }
});

it('derives the approval timings of refund-triage: 24h timeout, reminders every 4h', () => {
  const pack = packs.find((p) => p.pack.spec.id === 'refund-triage');
  if (!pack) throw new Error('refund-triage');
  expect(workflowTimeouts(pack.pack.spec)).toEqual({
    approvalTimeoutSeconds: 86_400,
    reminderIntervalSeconds: 14_400,
    executionTimeoutSeconds: 3 * (86_400 + 3600) + 3600,
  });
});

/** `${name}` as ASL writes a placeholder. */
const ph = (name: string): string => `\${${name}}`;

describe('placeholders', () => {
  const aslWith = (mutate: (text: string) => string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'awf-asl-'));
    const file = join(dir, 'definition.asl.json');
    writeFileSync(file, mutate(readFileSync(GOVERNED_WORKFLOW_ASL, 'utf8')));
    return file;
  };

  const buildWith = (definitionFile: string): void => {
    const pack = packs.find((p) => p.pack.spec.id === 'refund-triage');
    if (!pack) throw new Error('refund-triage');
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const data = new AwfDataStack(app, 'Data', { env: TEST_ENV });
    new GovernedWorkflow(new Stack(app, 'Flows', { env: TEST_ENV }), 'RefundTriage', {
      pack: pack.pack,
      packDir: pack.dir,
      eventBus: data.eventBus,
      runsTable: data.runsTable,
      lineageTable: data.lineageTable,
      key: data.key,
      historyKey: data.historyKey,
      recordKeys: data.recordKeys,
      tokenKey: data.tokenKey,
      definitionFile,
    });
  };

  it('fails synthesis naming a placeholder that has no substitution', () => {
    const file = aslWith((text) =>
      text.replace(`"${ph('GroundFunctionArn')}"`, `"${ph('GroundingFunctionArn')}"`),
    );
    expect(() => buildWith(file)).toThrow(StateMachineDefinitionError);
    expect(() => buildWith(file)).toThrow(
      /placeholder \$\{GroundingFunctionArn\} at States\."Ground context"\.Resource has no substitution/,
    );
  });

  it('fails synthesis naming a substitution the definition no longer uses', () => {
    const file = aslWith((text) => text.replace(`"TimeoutSeconds": "${ph('ExecutionTimeoutSeconds')}",`, ''));
    expect(() => buildWith(file)).toThrow(
      /substitutions not used by any placeholder: ExecutionTimeoutSeconds/,
    );
  });

  it('fails when a number placeholder is embedded in text instead of being the whole value', () => {
    expect(() =>
      bindAslDefinition(
        { TimeoutSeconds: `after ${ph('Timeout')}s` },
        { numbers: { Timeout: 60 }, strings: {} },
        'test.asl.json',
      ),
    ).toThrow(
      /placeholder \$\{Timeout\} at TimeoutSeconds stands for a number and must be the whole value, got "after \$\{Timeout\}s"/,
    );
  });

  it('fails when a number substitution is not a positive whole number', () => {
    expect(() => bindAslDefinition({ T: ph('T') }, { numbers: { T: 1.5 }, strings: {} })).toThrow(
      /substitution \$\{T\} must be a positive whole number, got 1.5/,
    );
  });

  it('substitutes numbers by value and leaves string placeholders for CloudFormation', () => {
    const bound = bindAslDefinition(
      { TimeoutSeconds: ph('T'), Resource: `arn:${ph('Partition')}:states:::lambda:invoke` },
      { numbers: { T: 60 }, strings: { Partition: 'aws' } },
    );
    expect(JSON.parse(bound.definition)).toEqual({
      TimeoutSeconds: 60,
      Resource: `arn:${ph('Partition')}:states:::lambda:invoke`,
    });
    expect(bound.definitionSubstitutions).toEqual({ Partition: 'aws' });
  });

  it('fails naming the file when the definition is not JSON', () => {
    const file = aslWith(() => '{ "StartAt": ');
    expect(() => loadAslDefinition(file, { numbers: {}, strings: {} })).toThrow(
      new RegExp(`state machine definition ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON`),
    );
  });
});
