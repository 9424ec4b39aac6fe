/**
 * The generated Lambda entries: relative, deterministic, complete.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfrastructurePropsError } from '../../lib/errors.js';
import { PROJECT_ROOT, STEP_ENTRIES_DIR } from '../../lib/project-paths.js';
import { renderStepEntry, writeStepEntry } from '../../lib/step-entry.js';
import type { PackAtDir } from '../../lib/workflows-stack.js';
import { discoverWorkflowPacks } from '../../workflows/discover.js';

let refundTriage: PackAtDir;

beforeAll(async () => {
  const [found] = await discoverWorkflowPacks();
  if (!found) throw new Error('expected the refund-triage pack');
  refundTriage = found;
});

it('binds the step handler to the pack spec, prompt and policies with relative imports only', () => {
  const text = renderStepEntry(
    { step: 'gate', spec: refundTriage.pack.spec, packDir: refundTriage.dir },
    join(STEP_ENTRIES_DIR, 'refund-triage'),
  );
  expect(text.split('\n').filter((line) => line.startsWith('import') || line.startsWith('export'))).toEqual([
    "import { createHandler } from '../../../../lambdas/gate/handler.js';",
    "import spec from '../../../../workflows/refund-triage/workflow.js';",
    "import prompt from '../../../../workflows/refund-triage/prompt.md';",
    "import policies from '../../../../workflows/refund-triage/policies.cedar';",
    'export const handler = createHandler({ spec, prompt, policies });',
  ]);
  expect(text).not.toContain(PROJECT_ROOT);
});

it('writes the entry under the entries folder and leaves an unchanged file untouched', () => {
  const source = { step: 'plan' as const, spec: refundTriage.pack.spec, packDir: refundTriage.dir };
  const file = writeStepEntry(source);
  expect(file).toBe(join(STEP_ENTRIES_DIR, 'refund-triage', 'plan.ts'));
  const written = statSync(file).mtimeMs;
  expect(writeStepEntry(source)).toBe(file);
  expect(statSync(file).mtimeMs).toBe(written);
  expect(readFileSync(file, 'utf8')).toBe(renderStepEntry(source, join(STEP_ENTRIES_DIR, 'refund-triage')));
});

it('fails naming the step and workflow when the step has no handler', () => {
  const lambdasDir = mkdtempSync(join(tmpdir(), 'awf-lambdas-'));
  expect(() =>
    writeStepEntry({ step: 'act', spec: refundTriage.pack.spec, packDir: refundTriage.dir, lambdasDir }),
  ).toThrow(
    new InfrastructurePropsError(
      `cannot build the act step of workflow "refund-triage": missing ${join(lambdasDir, 'act', 'handler.ts')}`,
    ),
  );
});
