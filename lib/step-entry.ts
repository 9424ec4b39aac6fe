/**
 * The generated Lambda entry of one (workflow, step): a few import lines that
 * bind the step's definition (`core/steps/<step>/<step>.ts`) to the workflow
 * pack and to the AWS factory of each port the step declares, through the one
 * handler factory (`lambdas/step-handler.ts`). Only the declared ports'
 * clients are imported, so a bundle carries nothing its step does not use.
 *
 * The pack's spec, prompt and Cedar policies are imported (the bundler embeds
 * the `.md` and `.cedar` files as text), so what a Lambda runs is exactly what
 * was synthesized and no file is read at run time.
 *
 * awf's own modules are imported from where awf is: its TypeScript sources in
 * this repository, the compiled `dist/` of the installed package in an app.
 * Paths are relative and the content depends only on the layout under the
 * bundling root, so the same sources give the same bundle and the same asset
 * hash on every machine.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { IConstruct } from 'constructs';
import type { ParsedPolicySet } from '../core/policy/policy-set.js';
import { stepExportName } from '../core/steps/definitions.js';
import { PORT_NAMES, type PortNeeds } from '../core/steps/ports.js';
import type { StepName } from '../core/steps/step-names.js';
import type { WorkflowSpec } from '../core/workflow/spec.js';
import { InfrastructurePropsError } from './errors.js';
import { AWF_MODULE_EXTENSION, CORE_STEPS_DIR, LAMBDAS_DIR } from './project-paths.js';

/** What an entry binds together. */
export interface StepEntrySource {
  readonly step: StepName;
  readonly spec: WorkflowSpec;
  /** Folder of the workflow pack (holds `workflow.ts`, the prompt and the policies). */
  readonly packDir: string;
  /** The ports the step's definition declares; the entry builds these and no others. */
  readonly ports: PortNeeds;
  /** @default - awf's `lambdas/` */
  readonly lambdasDir?: string;
  /** @default - awf's `core/steps/` */
  readonly stepsDir?: string;
  /**
   * The policy file as synth parsed it, embedded in the entry for a step that
   * evaluates policies (`WorkflowPack.parsedPolicies`).
   * @default - none: the step parses the policy file itself, if it needs to
   */
  readonly parsedPolicies?: ParsedPolicySet;
}

/** `runs` -> `createRunsPort`: the factory each `lambdas/ports/<port>.ts` exports. */
function portFactoryName(port: string): string {
  return `create${port[0]?.toUpperCase()}${port.slice(1)}Port`;
}

/** The files an entry imports, by role. */
function entryFiles(source: StepEntrySource) {
  const lambdasDir = source.lambdasDir ?? LAMBDAS_DIR;
  const stepsDir = source.stepsDir ?? CORE_STEPS_DIR;
  const ext = AWF_MODULE_EXTENSION;
  const ports = PORT_NAMES.filter((port) => source.ports[port] !== undefined);
  return {
    factory: join(lambdasDir, `step-handler${ext}`),
    step: join(stepsDir, source.step, `${source.step}${ext}`),
    ports: ports.map((port) => ({ port, file: join(lambdasDir, 'ports', `${port}${ext}`) })),
    workflow: join(source.packDir, 'workflow.ts'),
    prompt: join(source.packDir, source.spec.agent.prompt),
    policies: join(source.packDir, source.spec.policies),
  };
}

/** `x.ts` -> `x.js`: imports name the compiled file, as Node's ESM resolution wants (esbuild finds the `.ts`). */
function asJs(file: string): string {
  return file.replace(/\.ts$/, '.js');
}

/** An import specifier from `fromDir` to `file`, POSIX-style and explicitly relative. */
function importPath(fromDir: string, file: string): string {
  const path = relative(fromDir, file).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

/** The source text of an entry file placed in `entryDir`. */
export function renderStepEntry(source: StepEntrySource, entryDir: string): string {
  const { spec, step } = source;
  const files = entryFiles(source);
  const exportName = stepExportName(step);
  const factories = files.ports.map(({ port }) => `${port}: ${portFactoryName(port)}`).join(', ');
  return [
    `// Generated at synth time for workflow "${spec.id}", step "${step}". Do not edit: it is rewritten on every synth.`,
    `import { createStepHandler } from '${importPath(entryDir, asJs(files.factory))}';`,
    `import { ${exportName} } from '${importPath(entryDir, asJs(files.step))}';`,
    ...files.ports.map(
      ({ port, file }) => `import { ${portFactoryName(port)} } from '${importPath(entryDir, asJs(file))}';`,
    ),
    `import spec from '${importPath(entryDir, asJs(files.workflow))}';`,
    `import prompt from '${importPath(entryDir, files.prompt)}';`,
    `import policies from '${importPath(entryDir, files.policies)}';`,
    '',
    ...(source.parsedPolicies === undefined
      ? []
      : [
          "// The policy file as synth parsed it with Cedar; the step checks it is that file's before using it.",
          `const parsedPolicies = ${JSON.stringify(source.parsedPolicies, null, 2)};`,
          '',
        ]),
    `export const handler = createStepHandler(${exportName}, { spec, prompt, policies${
      source.parsedPolicies === undefined ? '' : ', parsedPolicies'
    } }, { ${factories} });`,
    '',
  ].join('\n');
}

/**
 * Writes the entry file of a (workflow, step) as `<entriesDir>/<workflow>/<step>.ts`
 * and returns its path. The file is only rewritten when its content changes,
 * and is replaced atomically, so concurrent synths never read half a file.
 *
 * @param scope the construct the entry is for; errors name its path.
 * @param entriesDir the app's entries folder (see `stepEntriesDir`).
 * @throws InfrastructurePropsError when the step has no handler or the pack lacks a file the entry imports.
 */
export function writeStepEntry(scope: IConstruct, source: StepEntrySource, entriesDir: string): string {
  const files = entryFiles(source);
  const expected = [
    files.factory,
    files.step,
    ...files.ports.map(({ file }) => file),
    files.workflow,
    files.prompt,
    files.policies,
  ];
  const missing = expected.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new InfrastructurePropsError(
      `cannot build the ${source.step} step of workflow "${source.spec.id}": missing ${missing.join(', ')}`,
      scope,
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

/**
 * Writes the entry of a platform function (one that serves no workflow, such
 * as the lineage checkpointer) as `<entriesDir>/platform/<module>.ts`,
 * re-exporting the handler of awf's `lambdas/<module>`, and returns its path.
 * Like the step entries, it lives under the app's bundling root, where
 * esbuild requires entries to be, wherever awf itself is installed.
 *
 * @param handlerModule the module under awf's `lambdas/`, without extension (`lineage/tamper`)
 * @throws InfrastructurePropsError when awf has no such module.
 */
export function writePlatformEntry(scope: IConstruct, handlerModule: string, entriesDir: string): string {
  const handler = join(LAMBDAS_DIR, `${handlerModule}${AWF_MODULE_EXTENSION}`);
  if (!existsSync(handler)) {
    throw new InfrastructurePropsError(
      `cannot build the platform function ${handlerModule}: missing ${handler}`,
      scope,
    );
  }
  const file = join(entriesDir, 'platform', `${handlerModule}.ts`);
  const content = [
    `// Generated at synth time for the platform function "${handlerModule}". Do not edit: it is rewritten on every synth.`,
    `export { handler } from '${importPath(dirname(file), asJs(handler))}';`,
    '',
  ].join('\n');
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return file;
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
  return file;
}
