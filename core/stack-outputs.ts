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
  /** The Object Lock bucket of the signed lineage checkpoints (`checkpoints/<sequence, 12 digits>.json`). */
  checkpointBucketName: 'CheckpointBucketName',
  /**
   * ARN of the KMS key (ECC_NIST_P256) that signs checkpoints. CloudFormation
   * cannot output a key's public half: auditors read it once with
   * `aws kms get-public-key` (or `kms:GetPublicKey`) and verify offline.
   */
  checkpointKeyArn: 'CheckpointKeyArn',
  /** JSON object: workflow id -> { stateMachineArn, approvalsUrl, approverRoleArn, operationsUrl, operatorRoleArn, followUpsUrl }. */
  workflows: 'Workflows',
} as const;

/** Default stack names; `--stack` / `--data-stack` override them. */
export const DEFAULT_STACK_NAMES = { data: 'AwfData', workflows: 'AwfWorkflows' } as const;
