/**
 * Packs written before the step layout keep working: the refund-triage pack
 * files as they were then (test/fixtures/packs-before-steps, whose local
 * model imports `core/agent/model.js` and `core/agent/prompt.js`), with the
 * one change every pack since needs (each action's `bind`, without which
 * synth fails by design), synthesize, and `awf packs test` takes every
 * example where it expects.
 *
 * The pack is placed as a pack of its own repository would be (a workflows
 * folder beside awf's `core/`), in the system's temporary directory.
 */
import { cpSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STEP_NAMES } from '../../lib/steps.js';
import { discoverWorkflowPacks, type LocatedWorkflowPack } from '../../workflows/discover.js';
import {
  type WorkflowsOutsideRepo,
  withoutStdout,
  workflowsOutsideRepo,
} from '../support/outside-workflows.js';
import { type SynthesizedAwf, synthAwf } from './support/synth.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'packs-before-steps');

let outside: WorkflowsOutsideRepo;
let packs: LocatedWorkflowPack[];
let synth: SynthesizedAwf;

beforeAll(async () => {
  outside = workflowsOutsideRepo('pack-compat');
  cpSync(FIXTURE, outside.workflowsDir, { recursive: true });
  packs = await discoverWorkflowPacks(outside.workflowsDir);
  synth = synthAwf({ packs, depsLockFilePath: outside.lockFile });
});

afterAll(() => outside?.remove());

it('keeps the local model importing the paths it was written against', () => {
  const localModel = readFileSync(join(FIXTURE, 'refund-triage', 'local-model.ts'), 'utf8');
  expect(localModel).toContain("from '../../core/agent/model.js'");
  expect(localModel).toContain("from '../../core/agent/prompt.js'");
});

it('synthesizes the pack as it was written: a rule, a state machine and the fourteen steps', () => {
  expect(packs.map(({ pack }) => pack.spec.id)).toEqual(['refund-triage']);
  synth.workflowsTemplate.resourceCountIs('AWS::Lambda::Function', STEP_NAMES.length);
  synth.workflowsTemplate.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
});

it('passes `awf packs test`: every example ends as it expects', async () => {
  const { testPacks } = await import('../../cli/commands/packs.js');
  try {
    const lines = await withoutStdout(() => testPacks({ dir: outside.workflowsDir, json: true }));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => !line.passed).map((line) => [line.example, line.mismatches])).toEqual([]);
  } finally {
    process.exitCode = undefined;
  }
});
