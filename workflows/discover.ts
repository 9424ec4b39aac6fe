/**
 * Finds and loads the workflow packs under `workflows/`.
 *
 * A pack is a folder holding `workflow.ts` (whose default export is the value of
 * `defineWorkflow`), the prompt and the policy file the spec names, and example
 * events under `events/`. Used by `bin/app.ts` at synth time, by the local cloud
 * and by tests, so every consumer sees the same packs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WorkflowSpecError } from '../core/errors.js';
import { type ExampleEvent, parseExampleEvent } from '../core/workflow/example-event.js';
import type { WorkflowPack } from '../core/workflow/pack.js';
import type { WorkflowSpec } from '../core/workflow/spec.js';

/** The folder holding the workflow packs of this repository. */
export const WORKFLOWS_DIR = dirname(fileURLToPath(import.meta.url));

/** A pack together with where it lives on disk. */
export interface LocatedWorkflowPack {
  readonly dir: string;
  readonly pack: WorkflowPack;
}

export type { ExampleEvent } from '../core/workflow/example-event.js';

function readPackFile(dir: string, id: string, field: string, file: string): string {
  const path = join(dir, file);
  if (!existsSync(path)) {
    throw new WorkflowSpecError(id, [`${field}: expected a file "${file}" in ${dir}, found none`]);
  }
  return readFileSync(path, 'utf8');
}

/**
 * Loads one pack: imports `workflow.ts` (which validates the spec) and reads the
 * files it names.
 * @throws WorkflowSpecError when the spec is invalid, the folder name differs
 *   from the workflow id, or a named file is missing.
 */
export async function loadWorkflowPack(dir: string): Promise<WorkflowPack> {
  const module = (await import(pathToFileURL(join(dir, 'workflow.ts')).href)) as { default?: WorkflowSpec };
  const spec = module.default;
  const folder = dir.split(/[\\/]/).pop() ?? dir;
  if (!spec || typeof spec !== 'object' || typeof spec.id !== 'string') {
    throw new WorkflowSpecError(folder, [
      '(root): expected workflow.ts to export default defineWorkflow({...})',
    ]);
  }
  if (spec.id !== folder) {
    throw new WorkflowSpecError(spec.id, [
      `id: expected the pack's folder name "${folder}", got "${spec.id}"`,
    ]);
  }
  return {
    spec,
    prompt: readPackFile(dir, spec.id, 'agent.prompt', spec.agent.prompt),
    policies: readPackFile(dir, spec.id, 'policies', spec.policies),
  };
}

/** Loads every pack under `root` (each sub-folder with a `workflow.ts`), sorted by id. */
export async function discoverWorkflowPacks(root: string = WORKFLOWS_DIR): Promise<LocatedWorkflowPack[]> {
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'workflow.ts')))
    .map((entry) => join(root, entry.name))
    .sort();
  // One at a time: concurrent imports of modules sharing dependencies trip Jest's ESM loader.
  const packs: LocatedWorkflowPack[] = [];
  for (const dir of dirs) packs.push({ dir, pack: await loadWorkflowPack(dir) });
  return packs;
}

/**
 * Reads a pack's example events (`events/*.json`), sorted by file name.
 * @throws WorkflowSpecError naming the file and each bad field when one is not valid JSON or not an example.
 */
export function loadExampleEvents(packDir: string): ExampleEvent[] {
  const eventsDir = join(packDir, 'events');
  if (!existsSync(eventsDir)) return [];
  const workflowId = packDir.split(/[\\/]/).pop() ?? packDir;
  return readdirSync(eventsDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.json$/, '');
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(join(eventsDir, file), 'utf8'));
      } catch (error) {
        throw new WorkflowSpecError(workflowId, [
          `events/${file}: not valid JSON (${(error as Error).message})`,
        ]);
      }
      return parseExampleEvent(workflowId, name, value);
    });
}
