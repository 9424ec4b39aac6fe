/**
 * The generated Lambda entries: relative, deterministic, complete.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { STEP_DEFINITIONS } from '../../core/steps/definitions.js';
import { InfrastructurePropsError } from '../../lib/errors.js';
import { AWF_PACKAGE_ROOT, findBundlingRoot, stepEntriesDir } from '../../lib/project-paths.js';
import { renderStepEntry, writeStepEntry } from '../../lib/step-entry.js';
import type { PackAtDir } from '../../lib/workflows-stack.js';
import { loadReferencePack, REFERENCE_WORKFLOW_ID } from '../support/packs.js';

let refundTriage: PackAtDir;
/** Where this repository's app writes its entries. */
const ENTRIES_DIR = stepEntriesDir(AWF_PACKAGE_ROOT);
const scope = new Stack(undefined, 'Workflows');

beforeAll(async () => {
  refundTriage = await loadReferencePack();
});

it("writes this repository's entries to its own cache folder, which its lock file roots", () => {
  expect(findBundlingRoot()).toEqual({
    projectRoot: AWF_PACKAGE_ROOT,
    depsLockFilePath: join(AWF_PACKAGE_ROOT, 'package-lock.json'),
  });
  expect(ENTRIES_DIR).toBe(join(AWF_PACKAGE_ROOT, 'node_modules', '.cache', 'awf', 'entries'));
});

it('binds the step definition to the pack and to the factories of its declared ports only, with relative imports', () => {
  const text = renderStepEntry(
    {
      step: 'gate',
      spec: refundTriage.pack.spec,
      packDir: refundTriage.dir,
      ports: { runs: 'read', lineage: 'append' },
    },
    join(ENTRIES_DIR, REFERENCE_WORKFLOW_ID),
  );
  expect(text.split('\n').filter((line) => line.startsWith('import') || line.startsWith('export'))).toEqual([
    "import { createStepHandler } from '../../../../../lambdas/step-handler.js';",
    "import { gateStep } from '../../../../../core/steps/gate/gate.js';",
    "import { createRunsPort } from '../../../../../lambdas/ports/runs.js';",
    "import { createLineagePort } from '../../../../../lambdas/ports/lineage.js';",
    "import spec from '../../../../../workflows/refund-triage/workflow.js';",
    "import prompt from '../../../../../workflows/refund-triage/prompt.md';",
    "import policies from '../../../../../workflows/refund-triage/policies.cedar';",
    'export const handler = createStepHandler(gateStep, { spec, prompt, policies }, { runs: createRunsPort, lineage: createLineagePort });',
  ]);
  expect(text).not.toContain(AWF_PACKAGE_ROOT);
});

it.each(Object.values(STEP_DEFINITIONS))(
  'imports the $name step definition under the name its entry uses',
  async (definition) => {
    const module = (await import(`../../core/steps/${definition.name}/${definition.name}.js`)) as Record<
      string,
      unknown
    >;
    const text = renderStepEntry(
      {
        step: definition.name,
        spec: refundTriage.pack.spec,
        packDir: refundTriage.dir,
        ports: definition.ports,
      },
      join(ENTRIES_DIR, REFERENCE_WORKFLOW_ID),
    );
    const [, exportName] = /^import \{ (\w+) \} from '[^']*core\/steps\//m.exec(text) ?? [];
    expect(exportName && module[exportName]).toBe(definition);
  },
);

it('writes the entry under the entries folder and leaves an unchanged file untouched', () => {
  const entriesDir = mkdtempSync(join(tmpdir(), 'awf-entries-'));
  const source = {
    step: 'plan' as const,
    spec: refundTriage.pack.spec,
    packDir: refundTriage.dir,
    ports: STEP_DEFINITIONS.plan.ports,
  };
  const file = writeStepEntry(scope, source, entriesDir);
  expect(file).toBe(join(entriesDir, REFERENCE_WORKFLOW_ID, 'plan.ts'));
  const written = statSync(file).mtimeMs;
  expect(writeStepEntry(scope, source, entriesDir)).toBe(file);
  expect(statSync(file).mtimeMs).toBe(written);
  expect(readFileSync(file, 'utf8')).toBe(renderStepEntry(source, join(entriesDir, REFERENCE_WORKFLOW_ID)));
});

it('fails naming the construct, the step, the workflow and every missing file when the step has no definition or handler factory', () => {
  const lambdasDir = mkdtempSync(join(tmpdir(), 'awf-lambdas-'));
  const stepsDir = mkdtempSync(join(tmpdir(), 'awf-steps-'));
  const entriesDir = mkdtempSync(join(tmpdir(), 'awf-entries-'));
  let error: unknown;
  try {
    writeStepEntry(
      scope,
      {
        step: 'act',
        spec: refundTriage.pack.spec,
        packDir: refundTriage.dir,
        ports: { lineage: 'append' },
        lambdasDir,
        stepsDir,
      },
      entriesDir,
    );
  } catch (thrown) {
    error = thrown;
  }
  expect(error).toBeInstanceOf(InfrastructurePropsError);
  expect(error).toMatchObject({
    constructPath: 'Workflows',
    message: `cannot build the act step of workflow "refund-triage": missing ${[
      join(lambdasDir, 'step-handler.ts'),
      join(stepsDir, 'act', 'act.ts'),
      join(lambdasDir, 'ports', 'lineage.ts'),
    ].join(', ')}`,
  });
});

it('resolves the facts port to its Lambda factory, which reads the tables the bundled spec names', async () => {
  const text = renderStepEntry(
    {
      step: 'ground',
      spec: refundTriage.pack.spec,
      packDir: refundTriage.dir,
      ports: { runs: 'read', lineage: 'append', facts: 'read' },
    },
    join(ENTRIES_DIR, REFERENCE_WORKFLOW_ID),
  );
  expect(text).toContain("import { createFactsPort } from '../../../../../lambdas/ports/facts.js';");
  expect(text).toContain('facts: createFactsPort });');
  const module = (await import('../../lambdas/ports/facts.js')) as Record<string, unknown>;
  expect(typeof module.createFactsPort).toBe('function');
});

it("embeds synth's parse of the policy file when given one, and that is what the entry's pack carries", async () => {
  const { parsePolicySet } = await import('../../core/policy/policy-set.js');
  const parsed = parsePolicySet(refundTriage.pack.policies);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const text = renderStepEntry(
    {
      step: 'act',
      spec: refundTriage.pack.spec,
      packDir: refundTriage.dir,
      ports: { runs: 'read' },
      parsedPolicies: parsed.policySet,
    },
    join(ENTRIES_DIR, REFERENCE_WORKFLOW_ID),
  );
  expect(text).toContain(
    'export const handler = createStepHandler(actStep, { spec, prompt, policies, parsedPolicies }, { runs: createRunsPort });',
  );
  const literal = /^const parsedPolicies = ([\s\S]*?);\n\n/m.exec(text)?.[1];
  expect(JSON.parse(literal ?? 'null')).toEqual(parsed.policySet);
});
