/**
 * Packs written before the step layout keep working: the refund-triage pack
 * files exactly as they were then (test/fixtures/packs-before-steps, whose
 * local model imports `core/agent/model.js` and `core/agent/prompt.js`)
 * synthesize, and `awf packs test` takes every example where it expects.
 *
 * The pack is placed as a pack of its own repository would be (a workflows
 * folder beside awf's `core/`), in the system's temporary directory.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AWF_PACKAGE_ROOT } from '../../lib/project-paths.js';
import { STEP_NAMES } from '../../lib/steps.js';
import { discoverWorkflowPacks, type LocatedWorkflowPack } from '../../workflows/discover.js';
import { type SynthesizedAwf, synthAwf } from './support/synth.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'packs-before-steps');

let root: string;
let packs: LocatedWorkflowPack[];
let synth: SynthesizedAwf;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'awf-pack-compat-'));
  writeFileSync(join(root, 'package.json'), '{ "type": "module", "private": true }\n');
  symlinkSync(join(AWF_PACKAGE_ROOT, 'core'), join(root, 'core'), 'dir');
  symlinkSync(join(AWF_PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  cpSync(FIXTURE, join(root, 'workflows'), { recursive: true });
  packs = await discoverWorkflowPacks(join(root, 'workflows'));
  const appDir = join(root, 'app');
  mkdirSync(appDir);
  writeFileSync(join(appDir, 'package-lock.json'), '{}\n');
  synth = synthAwf({ packs, depsLockFilePath: join(appDir, 'package-lock.json') });
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

it('keeps the local model importing the paths it was written against', () => {
  const localModel = readFileSync(join(FIXTURE, 'refund-triage', 'local-model.ts'), 'utf8');
  expect(localModel).toContain("from '../../core/agent/model.js'");
  expect(localModel).toContain("from '../../core/agent/prompt.js'");
});

it('synthesizes the pack as it was written: a rule, a state machine and the ten steps', () => {
  expect(packs.map(({ pack }) => pack.spec.id)).toEqual(['refund-triage']);
  synth.workflowsTemplate.resourceCountIs('AWS::Lambda::Function', STEP_NAMES.length);
  synth.workflowsTemplate.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
});

it('passes `awf packs test`: every example ends as it expects', async () => {
  const { testPacks } = await import('../../cli/commands/packs.js');
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    const lines = await testPacks({ dir: join(root, 'workflows'), json: true });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => !line.passed).map((line) => [line.example, line.mismatches])).toEqual([]);
  } finally {
    process.stdout.write = write;
    process.exitCode = undefined;
  }
});
