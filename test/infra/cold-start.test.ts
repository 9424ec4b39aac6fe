/**
 * The step bundles as their cold start depends on them: cedar-wasm only where
 * policies are evaluated, and there the policy set synth parsed; no V8 flags;
 * no zod translations; and the cold-start bench measures every step function
 * of a workflow in the synthesized template.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchColdStarts, type ColdStartFigures, describeColdStarts } from '../../bench/cold-start.js';
import { ESM_REQUIRE_BANNER } from '../../lib/step-function.js';
import { STEP_PROFILES } from '../../lib/steps.js';
import { loadReferencePack, REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { type SynthesizedAwf, synthAwf } from './support/synth.js';

let outdir: string;
let synth: SynthesizedAwf;
let figures: ColdStartFigures;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'awf-cold-start-'));
  synth = synthAwf({
    packs: [await loadReferencePack()],
    bundle: true,
    outdir,
    // As the CDK CLI writes them: the bench names each function's step by its construct path.
    context: { 'aws:cdk:enable-path-metadata': true },
  });
  synth.app.synth();
  // One process per step: the figures' values are the bench's business, their presence is this test's.
  figures = await benchColdStarts({
    workflowId: REFERENCE_WORKFLOW_ID,
    runs: 1,
    cdkOut: outdir,
    synth: false,
  });
}, 280_000);

/** The steps the synthesized workflow has a function for. */
function templateSteps(): string[] {
  const workflow = synth.workflows.workflows[REFERENCE_WORKFLOW_ID];
  if (!workflow) throw new Error(`no workflow ${REFERENCE_WORKFLOW_ID} in the app`);
  return Object.keys(workflow.functions).sort();
}

it('measures every step function of the workflow in the template, each with its bundle and a cold import', () => {
  expect(figures.steps.map((s) => s.step).sort()).toEqual(templateSteps());
  for (const step of figures.steps) {
    expect({ step: step.step, index: step.files['index.mjs'] !== undefined }).toEqual({
      step: step.step,
      index: true,
    });
    expect(step.bundleBytes).toBe(Object.values(step.files).reduce((sum, bytes) => sum + bytes, 0));
    expect(step.bundleBytes).toBeGreaterThan(0);
    expect(step.samplesMs).toHaveLength(1);
    expect(step.coldImportMs).toBeGreaterThan(0);
  }
  expect(describeColdStarts(figures)).toHaveLength(figures.steps.length + 1);
});

it("counts cedar-wasm's module in the bundles of the steps that evaluate policies, and only there", () => {
  const withWasm = figures.steps
    .filter((s) => s.files['cedar_wasm_bg.wasm'] !== undefined)
    .map((s) => s.step);
  const evaluating = Object.entries(STEP_PROFILES)
    .filter(([, profile]) => profile.evaluatesPolicies)
    .map(([step]) => step);
  expect(withWasm.sort()).toEqual(evaluating.sort());
});

it('sets no V8 flag from any bundle: changing flags after V8 started crashed the local cloud', () => {
  for (const step of figures.steps) {
    const bundle = readFileSync(join(outdir, step.asset, 'index.mjs'), 'utf8');
    expect({ step: step.step, banner: bundle.startsWith(ESM_REQUIRE_BANNER) }).toEqual({
      step: step.step,
      banner: true,
    });
    expect({ step: step.step, flags: bundle.includes('setFlagsFromString') }).toEqual({
      step: step.step,
      flags: false,
    });
  }
});

it("leaves zod's translations out of every bundle (zod is imported as a namespace)", () => {
  // Each is a message of one of zod's locale modules; the English messages are zod's own.
  const translations = ['Ungültige Eingabe', 'Entrée invalide', 'Entrada inválida', 'Неверный ввод'];
  for (const step of figures.steps) {
    const bundle = readFileSync(join(outdir, step.asset, 'index.mjs'), 'utf8');
    expect({ step: step.step, translations: translations.filter((text) => bundle.includes(text)) }).toEqual({
      step: step.step,
      translations: [],
    });
  }
});

it('embeds the parsed policy set in the bundles of the steps that evaluate policies, and only there', () => {
  for (const step of figures.steps) {
    const bundle = readFileSync(join(outdir, step.asset, 'index.mjs'), 'utf8');
    const embedded = /\bparsedPolicies\s*=\s*\{/.test(bundle);
    expect({ step: step.step, embedded }).toEqual({
      step: step.step,
      embedded: STEP_PROFILES[step.step as keyof typeof STEP_PROFILES].evaluatesPolicies,
    });
  }
});
