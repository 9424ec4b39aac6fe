/**
 * The generated Lambda entry of one (workflow, step): a few import lines that
 * bind the step's `createHandler` to the workflow pack.
 *
 * The pack's spec, prompt and Cedar policies are imported (the bundler embeds
 * the `.md` and `.cedar` files as text), so what a Lambda runs is exactly what
 * was synthesized and no file is read at run time. Paths are relative and the
 * content depends only on the repository layout, so the same sources give the
 * same bundle and the same asset hash on every machine.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { WorkflowSpec } from '../core/workflow/spec.js';
import { InfrastructurePropsError } from './errors.js';
import { LAMBDAS_DIR, STEP_ENTRIES_DIR } from './project-paths.js';
import type { StepName } from './steps.js';

/** What an entry binds together. */
export interface StepEntrySource {
  readonly step: StepName;
  readonly spec: WorkflowSpec;
  /** Folder of the workflow pack (holds `workflow.ts`, the prompt and the policies). */
  readonly packDir: string;
  /** @default - `lambdas/` of this repository */
  readonly lambdasDir?: string;
}

/** An import specifier from `fromDir` to `file`, POSIX-style and explicitly relative. */
function importPath(fromDir: string, file: string): string {
  const path = relative(fromDir, file).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

/** The source text of an entry file placed in `entryDir`. */
export function renderStepEntry(source: StepEntrySource, entryDir: string): string {
  const lambdasDir = source.lambdasDir ?? LAMBDAS_DIR;
  const { spec, packDir, step } = source;
  const handler = importPath(entryDir, join(lambdasDir, step, 'handler.js'));
  const workflow = importPath(entryDir, join(packDir, 'workflow.js'));
  const prompt = importPath(entryDir, join(packDir, spec.agent.prompt));
  const policies = importPath(entryDir, join(packDir, spec.policies));
  return [
    `// Generated at synth time for workflow "${spec.id}", step "${step}". Do not edit: it is rewritten on every synth.`,
    `import { createHandler } from '${handler}';`,
    `import spec from '${workflow}';`,
    `import prompt from '${prompt}';`,
    `import policies from '${policies}';`,
    '',
    'export const handler = createHandler({ spec, prompt, policies });',
    '',
  ].join('\n');
}

/**
 * Writes the entry file of a (workflow, step) under `.awf/build/entries/` and
 * returns its path. The file is only rewritten when its content changes, and
 * is replaced atomically, so concurrent synths never read half a file.
 *
 * @throws InfrastructurePropsError when the step has no handler or the pack lacks a file the entry imports.
 */
export function writeStepEntry(source: StepEntrySource, entriesDir: string = STEP_ENTRIES_DIR): string {
  const lambdasDir = source.lambdasDir ?? LAMBDAS_DIR;
  const expected = [
    join(lambdasDir, source.step, 'handler.ts'),
    join(source.packDir, 'workflow.ts'),
    join(source.packDir, source.spec.agent.prompt),
    join(source.packDir, source.spec.policies),
  ];
  const missing = expected.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new InfrastructurePropsError(
      `cannot build the ${source.step} step of workflow "${source.spec.id}": missing ${missing.join(', ')}`,
    );
  }
  const file = join(entriesDir, source.spec.id, `${source.step}.ts`);
  const content = renderStepEntry(source, dirname(file));
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return file;
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
  return file;
}
