// Placeholder while the escalate step is being written; replaced by its real handler.
import type { WorkflowPack } from '../../core/workflow/pack.js';

export function createHandler(_pack: WorkflowPack) {
  return async (_event: unknown): Promise<never> => {
    throw new Error('the escalate step is not implemented yet');
  };
}
