/** The callbacks port in a Lambda: Step Functions' task token API. */
import { sfnClient } from '../../adapters/aws-clients.js';
import { SfnTaskCallbacks } from '../../adapters/sfn-task-callbacks.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';

/** Builds the task callbacks client once per cold start. */
export function createCallbacksPort(_pack: WorkflowPack): SfnTaskCallbacks {
  return new SfnTaskCallbacks(sfnClient());
}
