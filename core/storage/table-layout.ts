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
    /** History entries that temporal policies count. */
    history: 'HISTORY#',
    /** The first run of each business request (spec `businessKey`), by keyed hash. */
    request: 'REQUEST#',
    /** Running totals of capped sums (spec `caps`), written with execution claims. */
    ledger: 'LEDGER#',
  },
  indexes: {
    /** Runs of a workflow by start time; also pending approvals (sparse). */
    byWorkflow: { indexName: 'byWorkflow', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  },
} as const;

/** A kind of item of the runs table, by its partition key prefix. */
export type RunsPartition = keyof typeof RUNS_TABLE_LAYOUT.partitions;

/** The lineage table: one partition per chain. */
export const LINEAGE_TABLE_LAYOUT = {
  /** The run id: one chain per run. */
  partitionKey: 'chainId',
  /** Position in the chain (number). */
  sortKey: 'seq',
  indexes: {
    byWorkflow: { indexName: 'byWorkflow', partitionKey: 'workflowId', sortKey: 'at' },
    byEntity: { indexName: 'byEntity', partitionKey: 'entityKey', sortKey: 'at' },
    byActor: { indexName: 'byActor', partitionKey: 'actor', sortKey: 'at' },
  },
} as const;
