// Placeholder while the request-approval step is being written; replaced by its real handler.
import type { WorkflowPack } from '../../core/workflow/pack.js';

export function createHandler(_pack: WorkflowPack) {
  return async (_event: unknown): Promise<never> => {
    throw new Error('the request-approval step is not implemented yet');
  };
}
