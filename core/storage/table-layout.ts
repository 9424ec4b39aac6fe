/**
 * The key layout of the runs and lineage tables.
 *
 * `lib/` builds the tables from it and the DynamoDB adapters read and write by
 * it, so the two cannot drift apart. The local cloud creates its tables from the
 * synthesized template, which is built from this.
 */
export const RUNS_TABLE_LAYOUT = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Expiry of idempotency records, history entries and reminders (epoch seconds). */
  timeToLiveAttribute: 'expiresAt',
  /**
   * The prefix of the partition key of each kind of item (`RUN#<runId>`, ...).
   * IAM scopes each step's writes to the kinds it writes, by these prefixes.
   */
  partitions: {
    /** A run and its approvals list. */
    run: 'RUN#',
    approval: 'APPROVAL#',
    /** When the approvers of an approval were last reminded (the remind step writes only these). */
    reminder: 'REMINDER#',
    /** The idempotency record of an action execution. */
    execution: 'EXEC#',
    /** A workflow's autonomy levels. */
    workflow: 'WORKFLOW#',
    /** A workflow's kill switch (halt, approve-all); only the switch step writes these. */
    switch: 'SWITCH#',
    /** Runs that arrived while their workflow was halted, waiting for resume (`core/runs/parked.ts`). */
    parked: 'PARKED#',
    /** History entries that temporal policies count. */
    history: 'HISTORY#',
    /** The first run of each business request (spec `businessKey`), by keyed hash. */
    request: 'REQUEST#',
    /** Running totals of capped sums (spec `caps`), written with execution claims. */
    ledger: 'LEDGER#',
    /** Follow-ups scheduled by executed actions (spec `followUp`), pending, done or cancelled. */
    followup: 'FOLLOWUP#',
  },
  indexes: {
    /** Runs of a workflow by start time; also pending approvals (sparse). */
    byWorkflow: { indexName: 'byWorkflow', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  },
} as const;

/** A kind of item of the runs table, by its partition key prefix. */
export type RunsPartition = keyof typeof RUNS_TABLE_LAYOUT.partitions;

/**
 * The lineage table: one partition per chain.
 *
 * Beside a record's own fields, the store writes the {@link LINEAGE_TABLE_LAYOUT.storageAttributes}:
 * they are outside the record's hash and readers strip them (`core/storage/lineage-item.ts`).
 *
 * Write cost: every record lands in the base table and `byWorkflow`; the two
 * sparse indexes take disjoint sets of records (a run's opening record, or a
 * decision), so no record costs more than three writes.
 */
export const LINEAGE_TABLE_LAYOUT = {
  /** The run id: one chain per run. */
  partitionKey: 'chainId',
  /** Position in the chain (number). */
  sortKey: 'seq',
  /**
   * When DynamoDB may delete the record (epoch seconds): its workflow's
   * retention plus a margin (`lineageExpiresAt`); absent when records are kept forever.
   */
  timeToLiveAttribute: 'expiresAt',
  /** What the store writes beside a record, outside its hash; every reader strips these. */
  storageAttributes: ['expiresAt', 'runEntityKey', 'decisionKind'],
  indexes: {
    /** Every record of a workflow by time (the `awf` CLI's reports read whole records). */
    byWorkflow: { indexName: 'byWorkflow', partitionKey: 'workflowId', sortKey: 'at', projection: 'ALL' },
    /**
     * Sparse: only a chain's opening record (`run.started`, `event.rejected`,
     * `event.duplicate`) carries `runEntityKey` (= its `entityKey`); the runs
     * about a business entity, whose chains then give the rest. Keys only.
     */
    runsByEntity: {
      indexName: 'runsByEntity',
      partitionKey: 'runEntityKey',
      sortKey: 'at',
      projection: 'KEYS_ONLY',
    },
    /**
     * Sparse: only decisions carry `decisionKind` (denial, approval, override,
     * escalation: `core/lineage/decision-kind.ts`); whole records, so the
     * deciding `actor` is there to filter on.
     */
    byDecision: { indexName: 'byDecision', partitionKey: 'decisionKind', sortKey: 'at', projection: 'ALL' },
  },
} as const;
