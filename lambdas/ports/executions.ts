/** The executions port in a Lambda: Step Functions' DescribeExecution. */
import { sfnClient } from '../../adapters/aws-clients.js';
import { SfnExecutionReader } from '../../adapters/sfn-execution-reader.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';

/** Builds the execution reader once per cold start. */
export function createExecutionsPort(_pack: WorkflowPack): SfnExecutionReader {
  return new SfnExecutionReader(sfnClient());
}
