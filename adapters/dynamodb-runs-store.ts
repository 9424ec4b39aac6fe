/**
 * RunsStore on the runs table: a single-table design on RUNS_TABLE_LAYOUT.
 *
 * | item                | pk                              | sk                          | byWorkflow index (gsi1pk / gsi1sk)             |
 * |---------------------|---------------------------------|-----------------------------|------------------------------------------------|
 * | run                 | `RUN#<runId>`                   | `RUN`                       | `RUNS#<workflowId>` / `<startedAt>#<runId>`    |
 * | approval            | `APPROVAL#<approvalId>`         | `APPROVAL`                  | while PENDING only: `PENDING_APPROVALS` / `<workflowId>#<requestedAt>#<approvalId>` |
 * | approval of a run   | `RUN#<runId>`                   | `APPROVAL#<approvalId>`     | -                                              |
 * | last reminder       | `REMINDER#<approvalId>`         | `REMINDER`                  | -                                              |
 * | execution claim     | `EXEC#<key>`                    | `EXEC`                      | -                                              |
 * | autonomy level      | `WORKFLOW#<workflowId>`         | `AUTONOMY#<action>`         | -                                              |
 * | kill switch         | `SWITCH#<workflowId>`           | `SWITCH`                    | -                                              |
 * | parked run          | `PARKED#<workflowId>`           | `<runId>`                   | -                                              |
 * | follow-up           | `FOLLOWUP#<followUpId>`         | `FOLLOWUP`                  | `FOLLOWUPS#<runId>` / `<dueAt>#<followUpId>`   |
 * | history entry       | `HISTORY#<workflowId>#<action>#<key>` | `<at>#<uuid>`         | -                                              |
 *
 * The index is sparse: a decided approval drops its index keys, so the
 * pending-approvals query reads only what is still pending. The time of an
 * approval's last reminder is an item of its own, so the remind step writes
 * reminders and never approvals. Execution claims, history entries and
 * reminders, runs and approvals carry `expiresAt` (epoch seconds) for TTL,
 * `retentionDays` after they were written;
 * the approval's own expiry is stored as `approvalExpiresAt` so it can never
 * be mistaken for a TTL. Every "unless it exists" and "only while" of the port
 * is a condition expression, so concurrent callers cannot both win.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { AwfError } from '../core/errors.js';
import type { WorkflowSwitchRecord } from '../core/policy/switch.js';
import type { ParkedRun } from '../core/runs/parked.js';
import type {
  ApprovalDecision,
  ApprovalRecord,
  AutonomyRecord,
  DecisionControls,
  ExecutionClaim,
  ExecutionClearance,
  FollowUpEnd,
  FollowUpRecord,
  HistoryEntry,
  IdempotencyRecord,
  LedgerEntry,
  RunRecord,
  RunStatusChange,
  RunsStore,
  RunWithDecisionControls,
} from '../core/runs/records.js';
import { type Observation, type RunStatus, TERMINAL_RUN_STATUSES } from '../core/steps/contracts.js';
import { RUNS_TABLE_LAYOUT } from '../core/storage/table-layout.js';
import {
  isConditionalCheckFailed,
  isTransactionConditionFailure,
  transactionFailureCodes,
} from './dynamodb-errors.js';

const PK = RUNS_TABLE_LAYOUT.partitionKey;
const SK = RUNS_TABLE_LAYOUT.sortKey;
const TTL = RUNS_TABLE_LAYOUT.timeToLiveAttribute;
const INDEX = RUNS_TABLE_LAYOUT.indexes.byWorkflow;
const {
  run: RUN,
  approval: APPROVAL,
  reminder: REMINDER,
  execution: EXEC,
  workflow: WORKFLOW,
  history: HISTORY,
  request: REQUEST,
  ledger: LEDGER,
  followup: FOLLOWUP,
  switch: SWITCH,
  parked: PARKED,
} = RUNS_TABLE_LAYOUT.partitions;
const PENDING_APPROVALS = 'PENDING_APPROVALS';
/** Rounds of a BatchGetItem before its unprocessed keys fail the read (DynamoDB leaves keys unprocessed when throttled). */
const BATCH_GET_ATTEMPTS = 5;
/** The pause before the first retry of unprocessed keys; it doubles each round. */
const BATCH_GET_FIRST_PAUSE_MS = 20;
/** Attributes that are part of the layout, not of the record. */
const LAYOUT_ATTRIBUTES = new Set<string>([PK, SK, TTL, INDEX.partitionKey, INDEX.sortKey, 'kind']);

type Item = Record<string, unknown>;

const key = (pk: string, sk: string): Item => ({ [PK]: pk, [SK]: sk });
const runPartition = (runId: string) => `${RUN}${runId}`;
const runKey = (runId: string) => key(runPartition(runId), 'RUN');
const approvalKey = (approvalId: string) => key(`${APPROVAL}${approvalId}`, 'APPROVAL');
const reminderKey = (approvalId: string) => key(`${REMINDER}${approvalId}`, 'REMINDER');
const executionKey = (executionKey: string) => key(`${EXEC}${executionKey}`, 'EXEC');
const autonomyKey = (workflowId: string, action: string) =>
  key(`${WORKFLOW}${workflowId}`, `AUTONOMY#${action}`);
// A partition of its own, so IAM lets the switch step write switches and nothing else.
const switchKey = (workflowId: string) => key(`${SWITCH}${workflowId}`, 'SWITCH');
const requestKey = (workflowId: string, keyHash: string) =>
  key(`${REQUEST}${workflowId}#${keyHash}`, 'REQUEST');
const ledgerKey = (ledger: string) => key(`${LEDGER}${ledger}`, 'LEDGER');
// Each follow-up its own item, listed per run through the index.
const followUpKey = (followUpId: string) => key(`${FOLLOWUP}${followUpId}`, 'FOLLOWUP');
const FOLLOWUPS_OF_RUN = 'FOLLOWUPS#';
const historyPartition = (workflowId: string, action: string, historyKey: string) =>
  `${HISTORY}${workflowId}#${action}#${historyKey}`;

function withoutLayout(item: Item): Item {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !LAYOUT_ATTRIBUTES.has(name)));
}

function toApproval(item: Item): ApprovalRecord {
  const { approvalExpiresAt, ...rest } = withoutLayout(item);
  return { ...rest, expiresAt: approvalExpiresAt } as ApprovalRecord;
}

/** Where the runs store writes and how long its expiring items live. */
export interface DynamoDbRunsStoreProps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /**
   * Days before runs, approvals, execution claims and history entries expire (TTL).
   * Keep it longer than any history window the workflows count over.
   * @default 400
   */
  readonly retentionDays?: number;
}

/** The runs table as a RunsStore. */
export class DynamoDbRunsStore implements RunsStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionSeconds: number;

  constructor(props: DynamoDbRunsStoreProps) {
    const retentionDays = props.retentionDays ?? 400;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new AwfError(`retentionDays must be a positive whole number, got ${retentionDays}`);
    }
    this.client = props.client;
    this.tableName = props.tableName;
    this.retentionSeconds = retentionDays * 86_400;
  }

  // ---- runs ----

  async createRun(run: RunRecord): Promise<boolean> {
    return this.putUnlessExists({
      ...runKey(run.runId),
      kind: 'run',
      [INDEX.partitionKey]: `RUNS#${run.workflowId}`,
      [INDEX.sortKey]: `${run.startedAt}#${run.runId}`,
      ...run,
      // Runs expire with the data retention, counted from their start.
      [TTL]: this.expiryFrom(Date.parse(run.startedAt)),
    });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const item = await this.get(runKey(runId));
    return item === undefined ? undefined : (withoutLayout(item) as unknown as RunRecord);
  }

  async setRunStatus(runId: string, change: RunStatusChange): Promise<boolean> {
    const { at, ...fields } = change;
    const update = setExpression({ ...fields, updatedAt: at });
    const terminal = Object.fromEntries(TERMINAL_RUN_STATUSES.map((status, i) => [`:terminal${i}`, status]));
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: update.expression,
          ConditionExpression: `attribute_exists(#pk) AND NOT (#status IN (${Object.keys(terminal).join(', ')}))`,
          ExpressionAttributeNames: { ...update.names, '#pk': PK },
          ExpressionAttributeValues: { ...update.values, ...terminal },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async listRuns(query: { workflowId?: string; status?: RunStatus; limit?: number }): Promise<RunRecord[]> {
    const statusFilter = query.status === undefined ? {} : { status: query.status };
    if (query.workflowId === undefined) {
      // No index spans every workflow: an operator's listing of everything scans.
      const items = await this.scanAll({
        TableName: this.tableName,
        FilterExpression: statusFilter.status ? '#kind = :run AND #status = :status' : '#kind = :run',
        ExpressionAttributeNames: {
          '#kind': 'kind',
          ...(statusFilter.status ? { '#status': 'status' } : {}),
        },
        ExpressionAttributeValues: {
          ':run': 'run',
          ...(statusFilter.status ? { ':status': statusFilter.status } : {}),
        },
      });
      const runs = items
        .map((item) => withoutLayout(item) as unknown as RunRecord)
        .sort((a, b) => `${b.startedAt}#${b.runId}`.localeCompare(`${a.startedAt}#${a.runId}`));
      return query.limit === undefined ? runs : runs.slice(0, query.limit);
    }
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        IndexName: INDEX.indexName,
        KeyConditionExpression: '#gpk = :gpk',
        FilterExpression: statusFilter.status ? '#status = :status' : undefined,
        ExpressionAttributeNames: {
          '#gpk': INDEX.partitionKey,
          ...(statusFilter.status ? { '#status': 'status' } : {}),
        },
        ExpressionAttributeValues: {
          ':gpk': `RUNS#${query.workflowId}`,
          ...(statusFilter.status ? { ':status': statusFilter.status } : {}),
        },
        ScanIndexForward: false,
      },
      query.limit,
    );
    return items.map((item) => withoutLayout(item) as unknown as RunRecord);
  }

  // ---- approvals ----

  async putApproval(approval: ApprovalRecord): Promise<boolean> {
    const { expiresAt, ...rest } = approval;
    const pending = approval.status === 'PENDING';
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...approvalKey(approval.approvalId),
                  kind: 'approval',
                  ...(pending
                    ? {
                        [INDEX.partitionKey]: PENDING_APPROVALS,
                        [INDEX.sortKey]: `${approval.workflowId}#${approval.requestedAt}#${approval.approvalId}`,
                      }
                    : {}),
                  ...rest,
                  approvalExpiresAt: expiresAt,
                  [TTL]: this.expiryFrom(Date.parse(approval.requestedAt)),
                },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            {
              // The run's list of approvals: the approval itself is keyed by its opaque id.
              Put: {
                TableName: this.tableName,
                Item: {
                  ...key(runPartition(approval.runId), `APPROVAL#${approval.approvalId}`),
                  kind: 'approval-of-run',
                  approvalId: approval.approvalId,
                  [TTL]: this.expiryFrom(Date.parse(approval.requestedAt)),
                },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isTransactionConditionFailure(error)) return false;
      throw error;
    }
  }

  async getApproval(approvalId: string): Promise<ApprovalRecord | undefined> {
    const item = await this.get(approvalKey(approvalId));
    return item === undefined ? undefined : toApproval(item);
  }

  async refreshApprovalToken(approvalId: string, taskToken: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: approvalKey(approvalId),
          UpdateExpression: 'SET #taskToken = :token',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status', '#taskToken': 'taskToken' },
          ExpressionAttributeValues: { ':token': taskToken, ':pending': 'PENDING' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async decideApproval(approvalId: string, decision: ApprovalDecision): Promise<ApprovalRecord | undefined> {
    const update = setExpression({
      status: decision.status,
      decidedAt: decision.at,
      decidedBy: decision.by,
      reason: decision.reason,
    });
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: approvalKey(approvalId),
          // Dropping the index keys takes the approval out of the pending-approvals query.
          UpdateExpression: `${update.expression} REMOVE #gpk, #gsk`,
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { ...update.names, '#gpk': INDEX.partitionKey, '#gsk': INDEX.sortKey },
          ExpressionAttributeValues: { ...update.values, ':pending': 'PENDING' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes === undefined ? undefined : toApproval(result.Attributes);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async listPendingApprovals(query: { workflowId?: string } = {}): Promise<ApprovalRecord[]> {
    const byWorkflow = query.workflowId !== undefined;
    const items = await this.queryAll({
      TableName: this.tableName,
      IndexName: INDEX.indexName,
      KeyConditionExpression: byWorkflow ? '#gpk = :gpk AND begins_with(#gsk, :prefix)' : '#gpk = :gpk',
      ExpressionAttributeNames: {
        '#gpk': INDEX.partitionKey,
        ...(byWorkflow ? { '#gsk': INDEX.sortKey } : {}),
      },
      ExpressionAttributeValues: {
        ':gpk': PENDING_APPROVALS,
        ...(byWorkflow ? { ':prefix': `${query.workflowId}#` } : {}),
      },
    });
    // The index is read eventually consistently: drop what was decided a moment ago.
    return items
      .map(toApproval)
      .filter((approval) => approval.status === 'PENDING')
      .sort(byRequestAscending);
  }

  async listApprovalsOfRun(runId: string): Promise<ApprovalRecord[]> {
    const refs = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': runPartition(runId), ':prefix': 'APPROVAL#' },
      ConsistentRead: true,
    });
    const approvals = await Promise.all(refs.map((ref) => this.getApproval(String(ref.approvalId))));
    return approvals.filter((a): a is ApprovalRecord => a !== undefined).sort(byRequestAscending);
  }

  async markReminded(approvalId: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...reminderKey(approvalId),
            kind: 'reminder',
            approvalId,
            lastReminderAt: at,
            [TTL]: this.expiryFrom(Date.parse(at)),
          },
          // ISO times of one format order as strings: never move the time back.
          ConditionExpression: 'attribute_not_exists(#pk) OR #lastReminderAt < :at',
          ExpressionAttributeNames: { '#pk': PK, '#lastReminderAt': 'lastReminderAt' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      // A later reminder was noted in the meantime.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async lastReminderAt(approvalId: string): Promise<string | undefined> {
    const item = await this.get(reminderKey(approvalId));
    return typeof item?.lastReminderAt === 'string' ? item.lastReminderAt : undefined;
  }

  // ---- action executions ----

  async getExecution(key: string): Promise<IdempotencyRecord | undefined> {
    const item = await this.get(executionKey(key));
    return item === undefined ? undefined : (withoutLayout(item) as unknown as IdempotencyRecord);
  }

  async claimUncappedExecution(key: string, at: string): Promise<ExecutionClaim> {
    return this.claimExecution(key, at);
  }

  async claimExecution(
    key: string,
    at: string,
    ledger: readonly LedgerEntry[] = [],
  ): Promise<ExecutionClaim> {
    const claim: Item = {
      ...executionKey(key),
      kind: 'execution',
      key,
      status: 'IN_PROGRESS',
      startedAt: at,
      ...(ledger.length > 0 ? { ledger: ledger.map(({ cap, amount }) => ({ cap, amount })) } : {}),
      [TTL]: this.expiryFrom(Date.parse(at)),
    };
    if (ledger.length === 0) {
      if (await this.putUnlessExists(claim)) return { claimed: true };
      return { claimed: false, record: await this.existingClaim(key) };
    }
    for (const entry of ledger) {
      if (entry.amount > entry.limit) return this.refusedBy(entry);
    }
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: claim,
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            ...ledger.map((entry) => ({
              Update: {
                TableName: this.tableName,
                Key: ledgerKey(entry.ledgerKey),
                // The entry lands only while the running total leaves room for it.
                UpdateExpression: 'ADD #total :amount SET #kind = :kind, #cap = :cap, #updatedAt = :at',
                ConditionExpression: 'attribute_not_exists(#total) OR #total <= :room',
                ExpressionAttributeNames: {
                  '#total': 'total',
                  '#kind': 'kind',
                  '#cap': 'cap',
                  '#updatedAt': 'updatedAt',
                },
                ExpressionAttributeValues: {
                  ':amount': entry.amount,
                  ':room': entry.limit - entry.amount,
                  ':kind': 'ledger',
                  ':cap': entry.cap,
                  ':at': at,
                },
              },
            })),
          ],
        }),
      );
      return { claimed: true };
    } catch (error) {
      const codes = transactionFailureCodes(error);
      if (codes === undefined) throw error;
      if (codes[0] === 'ConditionalCheckFailed')
        return { claimed: false, record: await this.existingClaim(key) };
      const refusedAt = codes.findIndex((code, index) => index > 0 && code === 'ConditionalCheckFailed');
      const entry = refusedAt > 0 ? ledger[refusedAt - 1] : undefined;
      if (entry === undefined) throw error;
      return this.refusedBy(entry);
    }
  }

  /** The answer for a claim whose ledger entry the cap refused, with the total as it stands. */
  private async refusedBy(entry: LedgerEntry): Promise<ExecutionClaim> {
    const total = await this.ledgerTotal(entry.ledgerKey);
    return { claimed: false, refused: { cap: entry.cap, total, amount: entry.amount, limit: entry.limit } };
  }

  private async existingClaim(key: string): Promise<IdempotencyRecord> {
    const item = await this.get(executionKey(key));
    if (item === undefined) {
      throw new AwfError(`execution claim "${key}" was refused, yet no claim exists; retry the step`);
    }
    return withoutLayout(item) as unknown as IdempotencyRecord;
  }

  async ledgerTotal(ledger: string): Promise<number> {
    const item = await this.get(ledgerKey(ledger));
    const total = item?.total;
    return typeof total === 'number' ? total : 0;
  }

  // ---- business requests ----

  async claimBusinessKey(
    workflowId: string,
    keyHash: string,
    runId: string,
    at: string,
  ): Promise<{ claimed: true } | { claimed: false; runId: string }> {
    const itemKey = requestKey(workflowId, keyHash);
    if (
      await this.putUnlessExists({
        ...itemKey,
        kind: 'request',
        runId,
        at,
        [TTL]: this.expiryFrom(Date.parse(at)),
      })
    ) {
      return { claimed: true };
    }
    const holder = (await this.get(itemKey))?.runId;
    if (typeof holder !== 'string') {
      throw new AwfError(
        `business request claim of ${workflowId} was refused, yet holds no run; retry the step`,
      );
    }
    // The same run claiming again (a retried admission) keeps its claim.
    return holder === runId ? { claimed: true } : { claimed: false, runId: holder };
  }

  async completeExecution(
    key: string,
    observation: Observation,
    clearance: ExecutionClearance,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: executionKey(key),
          UpdateExpression: 'SET #status = :completed, #observation = :observation, #clearance = :clearance',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: {
            '#pk': PK,
            '#status': 'status',
            '#observation': 'observation',
            '#clearance': 'clearance',
          },
          ExpressionAttributeValues: {
            ':completed': 'COMPLETED',
            ':observation': observation,
            ':clearance': clearance,
          },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new AwfError(`cannot complete execution "${key}": it was never claimed`, { cause: error });
      }
      throw error;
    }
  }

  // ---- autonomy ----

  async getAutonomy(workflowId: string, action: string): Promise<AutonomyRecord | undefined> {
    const item = await this.get(autonomyKey(workflowId, action));
    return item === undefined ? undefined : (withoutLayout(item) as unknown as AutonomyRecord);
  }

  async putAutonomy(record: AutonomyRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...autonomyKey(record.workflowId, record.action), kind: 'autonomy', ...record },
      }),
    );
  }

  // ---- kill switch ----

  async getSwitch(workflowId: string): Promise<WorkflowSwitchRecord | undefined> {
    // Strongly consistent (`get` reads so): a halt must hold from the moment it is set.
    const item = await this.get(switchKey(workflowId));
    return item === undefined ? undefined : (withoutLayout(item) as unknown as WorkflowSwitchRecord);
  }

  async putSwitch(record: WorkflowSwitchRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...switchKey(record.workflowId), kind: 'switch', ...record },
      }),
    );
  }

  async getDecisionControls(workflowId: string, action: string | undefined): Promise<DecisionControls> {
    if (action === undefined) return { switch: await this.getSwitch(workflowId), autonomy: undefined };
    // One request for both, strongly consistent as `getSwitch` and `getAutonomy` read: a halt must hold from the moment it is set.
    const [stored, autonomy] = await this.batchGetConsistent([
      switchKey(workflowId),
      autonomyKey(workflowId, action),
    ]);
    return { switch: asRecord(stored), autonomy: asRecord(autonomy) };
  }

  async getRunWithDecisionControls(
    runId: string,
    workflowId: string,
    action: string | undefined,
    executionKeyOf?: string,
  ): Promise<RunWithDecisionControls> {
    const [run, stored, autonomy, execution] = await this.batchGetConsistent([
      runKey(runId),
      switchKey(workflowId),
      action === undefined ? undefined : autonomyKey(workflowId, action),
      executionKeyOf === undefined ? undefined : executionKey(executionKeyOf),
    ]);
    return {
      run: asRecord(run),
      switch: asRecord(stored),
      autonomy: asRecord(autonomy),
      execution: asRecord(execution),
    };
  }

  // ---- parked runs ----

  async parkRun(parked: ParkedRun): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [PK]: `${PARKED}${parked.workflowId}`,
          [SK]: parked.runId,
          kind: 'parked',
          ...parked,
          [TTL]: this.expiryFrom(Date.parse(parked.parkedAt)),
        },
      }),
    );
  }

  async listParkedRuns(workflowId: string): Promise<ParkedRun[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': `${PARKED}${workflowId}` },
      ConsistentRead: true,
    });
    return items
      .map((item) => withoutLayout(item) as unknown as ParkedRun)
      .sort((a, b) => a.parkedAt.localeCompare(b.parkedAt) || a.runId.localeCompare(b.runId));
  }

  async unparkRun(workflowId: string, runId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: key(`${PARKED}${workflowId}`, runId) }),
    );
  }

  // ---- history ----

  async recordHistory(
    workflowId: string,
    key: string,
    action: string,
    at: string,
    values: Readonly<Record<string, string | number | boolean>> = {},
  ): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          // The uuid keeps two executions in the same millisecond apart.
          ...{ [PK]: historyPartition(workflowId, action, key), [SK]: `${at}#${randomUUID()}` },
          kind: 'history',
          at,
          values,
          [TTL]: this.expiryFrom(Date.parse(at)),
        },
      }),
    );
  }

  async listHistory(workflowId: string, key: string, action: string, since: string): Promise<HistoryEntry[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk >= :since',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#at': 'at', '#values': 'values' },
      ExpressionAttributeValues: { ':pk': historyPartition(workflowId, action, key), ':since': since },
      ProjectionExpression: '#at, #values',
      ConsistentRead: true,
    });
    return items.map((item) => ({
      at: String(item.at),
      values: (item.values ?? {}) as Record<string, string | number | boolean>,
    }));
  }

  // ---- follow-ups ----

  async putFollowUp(followUp: FollowUpRecord): Promise<boolean> {
    return this.putUnlessExists({
      ...followUpKey(followUp.followUpId),
      kind: 'followup',
      ...followUp,
      // Listed per run through the index, by due time.
      [INDEX.partitionKey]: `${FOLLOWUPS_OF_RUN}${followUp.runId}`,
      [INDEX.sortKey]: `${followUp.dueAt}#${followUp.followUpId}`,
      // Kept the retention after it is due, never expired while it waits.
      [TTL]: this.expiryFrom(Date.parse(followUp.dueAt)),
    });
  }

  async getFollowUp(followUpId: string): Promise<FollowUpRecord | undefined> {
    const item = await this.get(followUpKey(followUpId));
    return item === undefined ? undefined : (withoutLayout(item) as unknown as FollowUpRecord);
  }

  async listFollowUpsOfRun(runId: string): Promise<FollowUpRecord[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      IndexName: INDEX.indexName,
      KeyConditionExpression: '#gpk = :gpk',
      ExpressionAttributeNames: { '#gpk': INDEX.partitionKey },
      ExpressionAttributeValues: { ':gpk': `${FOLLOWUPS_OF_RUN}${runId}` },
    });
    return items.map((item) => withoutLayout(item) as unknown as FollowUpRecord);
  }

  async endFollowUp(followUpId: string, end: FollowUpEnd): Promise<boolean> {
    return this.updateWhilePending(followUpId, '#status = :ended, #endedAt = :at', {
      ':ended': end.status,
      ':at': end.at,
    });
  }

  async noteFollowUpCancellation(followUpId: string, approvalId: string): Promise<boolean> {
    return this.updateWhilePending(followUpId, '#cancellationApprovalId = :approvalId', {
      ':approvalId': approvalId,
    });
  }

  /** Sets fields of a follow-up only while it is PENDING; false when it is not. */
  private async updateWhilePending(
    followUpId: string,
    set: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: followUpKey(followUpId),
          UpdateExpression: `SET ${set}`,
          ConditionExpression: 'attribute_exists(#pk) AND #status = :pending',
          ExpressionAttributeNames: {
            '#pk': PK,
            '#status': 'status',
            ...(set.includes('#endedAt') ? { '#endedAt': 'endedAt' } : {}),
            ...(set.includes('#cancellationApprovalId')
              ? { '#cancellationApprovalId': 'cancellationApprovalId' }
              : {}),
          },
          ExpressionAttributeValues: { ':pending': 'PENDING', ...values },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  // ---- helpers ----

  private expiryFrom(epochMs: number): number {
    return Math.floor(epochMs / 1000) + this.retentionSeconds;
  }

  private async get(itemKey: Item): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }),
    );
    return result.Item;
  }

  /**
   * The item of each of `keys` (at most 100), undefined where there is none
   * or no key was given (an `undefined` key keeps a position), in the order
   * of `keys`: read strongly consistently with BatchGetItem,
   * whose answer comes in no particular order. Keys DynamoDB leaves
   * unprocessed are asked for again after a pause that doubles.
   * @throws AwfError when keys are still unprocessed after {@link BATCH_GET_ATTEMPTS} rounds.
   */
  private async batchGetConsistent(keys: readonly (Item | undefined)[]): Promise<(Item | undefined)[]> {
    const items: Item[] = [];
    const inKeyOrder = () =>
      keys.map((wanted) =>
        wanted === undefined
          ? undefined
          : items.find((item) => item[PK] === wanted[PK] && item[SK] === wanted[SK]),
      );
    let pending: Item[] = keys.filter((wanted) => wanted !== undefined);
    for (let attempt = 1; attempt <= BATCH_GET_ATTEMPTS; attempt++) {
      const result = await this.client.send(
        new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      items.push(...(result.Responses?.[this.tableName] ?? []));
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (pending.length === 0) return inKeyOrder();
      if (attempt < BATCH_GET_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, BATCH_GET_FIRST_PAUSE_MS * 2 ** (attempt - 1)));
      }
    }
    throw new AwfError(
      `BatchGetItem on ${this.tableName} left ${pending.length} key(s) unprocessed after ${BATCH_GET_ATTEMPTS} attempts; retry the step`,
    );
  }

  private async putUnlessExists(item: Item): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Every item a query matches, page by page; stops once `limit` items passed the filter. */
  private async queryAll(input: QueryCommandInput, limit?: number): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (limit === undefined || items.length < limit));
    return limit === undefined ? items : items.slice(0, limit);
  }

  private async scanAll(input: ScanCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(new ScanCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

/**
 * `SET #a = :a, #b = :b` for the defined fields, every name escaped (DynamoDB
 * reserves words such as `status`, `reason` and `at`).
 */
function setExpression(fields: Item): { expression: string; names: Record<string, string>; values: Item } {
  const defined = Object.entries(fields).filter(([, value]) => value !== undefined);
  return {
    expression: `SET ${defined.map(([name]) => `#${name} = :${name}`).join(', ')}`,
    names: Object.fromEntries(defined.map(([name]) => [`#${name}`, name])),
    values: Object.fromEntries(defined.map(([name, value]) => [`:${name}`, value])),
  };
}

/** An item as the record it stores (the layout's attributes left out); undefined stays undefined. */
function asRecord<T>(item: Item | undefined): T | undefined {
  return item === undefined ? undefined : (withoutLayout(item) as T);
}

function byRequestAscending(a: ApprovalRecord, b: ApprovalRecord): number {
  return a.requestedAt === b.requestedAt
    ? a.approvalId.localeCompare(b.approvalId)
    : a.requestedAt.localeCompare(b.requestedAt);
}
