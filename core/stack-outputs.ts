/**
 * Names of the CloudFormation outputs the `awf` CLI reads to find a deployed
 * platform (`awf ... --aws`). `lib/` creates them; `cli/` reads them.
 */
export const STACK_OUTPUTS = {
  runsTableName: 'RunsTableName',
  lineageTableName: 'LineageTableName',
  eventBusName: 'EventBusName',
  /** JSON object: writer step -> ARN of its lineage record key (KMS HMAC), for verifying records' MACs. */
  recordKeys: 'RecordKeys',
  /** JSON object: workflow id -> { stateMachineArn, approvalsUrl, approverRoleArn }. */
  workflows: 'Workflows',
} as const;

/** Default stack names; `--stack` / `--data-stack` override them. */
export const DEFAULT_STACK_NAMES = { data: 'AwfData', workflows: 'AwfWorkflows' } as const;
