/**
 * Names of the environment variables the stacks give the step Lambdas.
 *
 * `lib/` sets them and `lambdas/` reads them: both import this module so a
 * rename cannot leave one side behind.
 */
export const ENV = {
  workflowId: 'AWF_WORKFLOW_ID',
  runsTable: 'AWF_RUNS_TABLE',
  lineageTable: 'AWF_LINEAGE_TABLE',
  eventBus: 'AWF_EVENT_BUS',
  /** The model Plan asks first, as the deployment chose it; set only for steps that declare the `model` port. */
  modelId: 'AWF_MODEL_ID',
  /** JSON array of the models Plan tries when the one before is unavailable; set with `modelId`. */
  fallbackModels: 'AWF_FALLBACK_MODELS',
  /** The KMS HMAC key of history keys (`keys` port); set only for steps that declare it. */
  historyKeyId: 'AWF_HISTORY_KEY_ID',
  /**
   * JSON object, writer step -> KMS key ARN: the step's own record key and those of the
   * writers it verifies (`recordKeys` port); set only for steps that declare it.
   */
  recordKeys: 'AWF_RECORD_KEYS',
  /** The KMS symmetric key approval task tokens are sealed with (`tokens` port); set only for steps that declare it. */
  tokenKeyId: 'AWF_TOKEN_KEY_ID',
  /**
   * JSON array of the role ARNs whose sessions a step's function URL trusts to
   * name a person (`callers` port: the approver roles for the approvals
   * endpoint, the operator roles for the operations endpoint); set only for
   * steps that declare it.
   */
  callerRoles: 'AWF_CALLER_ROLES',
  /** Whom that function URL serves, `approver` or `operator` (`CallerKind`): how refusals name the role. */
  callerKind: 'AWF_CALLER_KIND',
  /**
   * JSON object of the follow-up schedules (`scheduler` port): the workflow's
   * schedule group, the follow-up function they invoke, the role they invoke
   * it as, their dead-letter queue and KMS key; set only for steps that declare it.
   */
  followUpScheduler: 'AWF_FOLLOW_UP_SCHEDULER',
  /** Set only by the local cloud when it runs faster than the wall clock (`core/clock-scale.ts`). */
  localClock: 'AWF_LOCAL_CLOCK',
  /** The checkpoint bucket (Object Lock) the data stack's checkpointer stores checkpoints in. */
  checkpointBucket: 'AWF_CHECKPOINT_BUCKET',
  /** The KMS asymmetric key (`ECC_NIST_P256`, `SIGN_VERIFY`) the checkpointer signs with. */
  checkpointKeyId: 'AWF_CHECKPOINT_KEY_ID',
  /** What the checkpoints are of (the lineage table's ARN): a checkpoint's `origin`. */
  checkpointOrigin: 'AWF_CHECKPOINT_ORIGIN',
  /** Days records are kept at least after their anchoring, as checkpoints state it; unset: kept forever. */
  checkpointRetentionDays: 'AWF_CHECKPOINT_RETENTION_DAYS',
} as const;

/** One of the variable names in {@link ENV}. */
export type EnvName = (typeof ENV)[keyof typeof ENV];
