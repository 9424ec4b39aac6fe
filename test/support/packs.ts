/**
 * Picks workflow packs by id, never by position: `workflows/` is a plug-in
 * folder, and a test must hold whatever other valid packs sit beside the
 * reference pack.
 */
import { join } from 'node:path';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { loadWorkflowPack, WORKFLOWS_DIR } from '../../workflows/discover.js';

/** The repository's reference pack, which the tests that pin its values are about. */
export const REFERENCE_WORKFLOW_ID = 'refund-triage';

/** The pack with workflow id `id` among `packs`. @throws naming the ids there are when none has it */
export function packById<T extends { readonly pack: WorkflowPack }>(packs: readonly T[], id: string): T {
  const found = packs.find(({ pack }) => pack.spec.id === id);
  if (!found) {
    throw new Error(`no workflow pack "${id}" among ${packs.map(({ pack }) => pack.spec.id).join(', ')}`);
  }
  return found;
}

/** The ids of `packs`, in their order. */
export function workflowIdsOf(packs: readonly { readonly pack: WorkflowPack }[]): string[] {
  return packs.map(({ pack }) => pack.spec.id);
}

/** Loads the reference pack from its folder under `workflows/`, whatever packs sit beside it. */
export async function loadReferencePack(): Promise<{ readonly dir: string; readonly pack: WorkflowPack }> {
  const dir = join(WORKFLOWS_DIR, REFERENCE_WORKFLOW_ID);
  return { dir, pack: await loadWorkflowPack(dir) };
}
