/**
 * The deterministic stand-ins that answer for the model: each workflow pack's
 * `local-model.ts`, or one ES module named by `AWF_MODEL_SCRIPT` for every workflow.
 */
import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AwfError } from '../../core/errors.js';
import type { LocalModel } from '../../core/model/model.js';
import { discoverWorkflowPacks } from '../../workflows/discover.js';

/** The environment variable naming a model script that answers for every workflow. */
export const MODEL_SCRIPT_VARIABLE = 'AWF_MODEL_SCRIPT';

/** The model script or a pack's `local-model.ts` cannot be loaded. */
export class LocalModelLoadError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalModelLoadError';
  }
}

/**
 * Imports the ES module at `path` and returns its default export, a stand-in model.
 * @param what names the module in errors (`AWF_MODEL_SCRIPT`, `the local model of "refund-triage"`).
 * @throws LocalModelLoadError when it cannot be imported or does not default-export a function.
 */
export async function importModel(path: string, what: string): Promise<LocalModel> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolvePath(path)).href)) as { default?: unknown };
  } catch (cause) {
    throw new LocalModelLoadError(`${what} ${path} could not be loaded: ${String(cause)}`, { cause });
  }
  if (typeof module.default !== 'function') {
    throw new LocalModelLoadError(
      `${what} ${path} must default-export a function (body, modelId) => Converse response, got ${typeof module.default}`,
    );
  }
  return module.default as LocalModel;
}

/**
 * Loads each pack's `local-model.ts`, by workflow id; packs without one are left out.
 * @throws LocalModelLoadError naming the pack whose model cannot be loaded.
 */
export async function loadPackModels(workflowsDir: string): Promise<Record<string, LocalModel>> {
  const packs = await discoverWorkflowPacks(workflowsDir);
  const models: Record<string, LocalModel> = {};
  for (const { dir, pack } of packs) {
    const path = join(dir, 'local-model.ts');
    if (existsSync(path))
      models[pack.spec.id] = await importModel(path, `the local model of "${pack.spec.id}"`);
  }
  return models;
}
