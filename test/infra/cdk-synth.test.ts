/**
 * `cdk synth` of the real app, as a user runs it: offline, no credentials,
 * cdk-nag on, every step bundled. The local cloud runs exactly this output.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV } from '../../core/runtime-env.js';
import { DEFAULT_STACK_NAMES } from '../../core/stack-outputs.js';
import { AWF_PACKAGE_ROOT } from '../../lib/project-paths.js';
import { ESM_REQUIRE_BANNER } from '../../lib/step-function.js';
import { discoverWorkflowPacks } from '../../workflows/discover.js';
import { bundleLoadFailures } from '../support/bundle-loader.js';
import { REFERENCE_WORKFLOW_ID, workflowIdsOf } from '../support/packs.js';
import { FakeCloud, type Json } from './support/fake-cloud.js';
import { TEST_ENV } from './support/synth.js';

/** The packs `cdk synth` deploys: every pack under workflows/. */
const WORKFLOW_IDS = workflowIdsOf(await discoverWorkflowPacks());

interface BundledFunction {
  readonly logicalId: string;
  readonly workflowId: string;
  readonly step: string;
  readonly assetDir: string;
  readonly environment: Record<string, string>;
}

let outdir: string;
let functions: BundledFunction[];

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'awf-cdk-out-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    NODE_OPTIONS: '',
  };
  // No environment from the CLI: the app must fall back to its offline defaults.
  delete env.CDK_DEFAULT_ACCOUNT;
  delete env.CDK_DEFAULT_REGION;
  delete env.AWS_PROFILE;
  execFileSync('npx', ['cdk', 'synth', '--no-notices', '--quiet', '--output', outdir], {
    cwd: AWF_PACKAGE_ROOT,
    env,
    stdio: 'pipe',
    timeout: 280_000,
  });

  const templates = Object.values(DEFAULT_STACK_NAMES).map((stackName) => ({
    stackName,
    template: readJson(join(outdir, `${stackName}.template.json`)),
  }));
  const cloud = new FakeCloud(templates, TEST_ENV);
  functions = cloud
    .resources(DEFAULT_STACK_NAMES.workflows, 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const full = templates[1]?.template.Resources as Record<string, { Metadata?: Record<string, string> }>;
      const assetPath = full[logicalId]?.Metadata?.['aws:asset:path'];
      if (!assetPath) throw new Error(`${logicalId} has no aws:asset:path metadata`);
      const variables = cloud.resolve(
        DEFAULT_STACK_NAMES.workflows,
        (resource.Properties?.Environment as { Variables: Json } | undefined)?.Variables ?? {},
      ) as Record<string, string>;
      const workflowId = variables[ENV.workflowId] ?? '';
      const service = variables.POWERTOOLS_SERVICE_NAME ?? '';
      return {
        logicalId,
        workflowId,
        step: service.startsWith(`awf-${workflowId}-`) ? service.slice(`awf-${workflowId}-`.length) : service,
        assetDir: join(outdir, assetPath),
        environment: variables,
      };
    });
}, 300_000);

it('synthesizes both stacks for the default offline environment', () => {
  const manifest = readJson(join(outdir, 'manifest.json')) as {
    artifacts: Record<string, { type: string; environment?: string }>;
  };
  for (const stackName of Object.values(DEFAULT_STACK_NAMES)) {
    expect(manifest.artifacts[stackName]).toMatchObject({
      type: 'aws:cloudformation:stack',
      environment: `aws://${TEST_ENV.account}/${TEST_ENV.region}`,
    });
  }
});

it('bundles the fourteen steps of every workflow, refund-triage among them, each with its asset path in the template', () => {
  const steps = [
    'act',
    'admit',
    'complete',
    'decide-approval',
    'escalate',
    'follow-up',
    'gate',
    'ground',
    'park',
    'plan',
    'reconcile',
    'remind',
    'request-approval',
    'switch',
  ];
  expect(WORKFLOW_IDS).toContain(REFERENCE_WORKFLOW_ID);
  expect(functions.map((f) => `${f.workflowId}/${f.step}`).sort()).toEqual(
    WORKFLOW_IDS.flatMap((id) => steps.map((step) => `${id}/${step}`)).sort(),
  );
  for (const fn of functions) expect(existsSync(fn.assetDir)).toBe(true);
});

it('emits ESM (.mjs) with a source map, the require banner, and no import left to resolve at run time', () => {
  for (const { step, assetDir } of functions) {
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect({ step, banner: bundle.startsWith(ESM_REQUIRE_BANNER) }).toEqual({ step, banner: true });
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    // Externals would stay as bare imports (the AWS SDK among them); only Node built-ins may.
    // Static imports, wherever minification put them (a dynamic `import("...")` is not one).
    const imports = [
      ...bundle.matchAll(/(?:^|[;\n])\s*import\s*(?:[^;"'()]*?from\s*)?["']([^"']+)["']/g),
    ].map((m) => m[1]);
    expect({ step, found: imports.length > 0 }).toEqual({ step, found: true });
    expect({ step, imports: imports.filter((specifier) => !specifier?.startsWith('node:')) }).toEqual({
      step,
      imports: [],
    });
  }
});

it("copies cedar-wasm's module beside the bundles of the steps that evaluate policies, gate and act, only", () => {
  const withWasm = functions
    .filter((f) => existsSync(join(f.assetDir, 'cedar_wasm_bg.wasm')))
    .map((f) => `${f.workflowId}/${f.step}`);
  expect(withWasm.sort()).toEqual(WORKFLOW_IDS.flatMap((id) => [`${id}/act`, `${id}/gate`]).sort());
});

it('loads every bundle in Node with the environment its template gives it', () => {
  expect(bundleLoadFailures(functions, tmpdir(), TEST_ENV.region)).toEqual([]);
});
